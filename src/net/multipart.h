// OData-style $batch bodies (multipart/mixed) shared by the HTTP providers: writing a request
// of operations, optionally inside one change set, and reading the response parts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "net/http_client.h"

namespace ferry::net {

// One operation of a $batch request; the URL is absolute (or as the service accepts it).
struct BatchPart {
    std::string method;
    std::string url;
    Headers headers;
    std::string body;
};

// One HTTP response out of a $batch response (change sets flattened, in order).
struct BatchPartResponse {
    int status = 0;
    Headers headers;
    std::string body;
    std::string contentId;

    std::string header(std::string_view name) const { return findHeader(headers, name); }
};

struct BatchWriteOptions {
    // Non-empty: every part goes inside one change set with this boundary (SharePoint wants
    // writes in a change set, and its change sets are not atomic). Empty: top-level parts.
    std::string changesetBoundary;
    // Content-Type of a part with a body and no Content-Type header of its own.
    std::string defaultContentType = "application/json; type=entry";
};

// The body of a $batch request. Parts carry Content-ID 1..n; CRLF line ends throughout.
std::string writeBatchBody(const std::vector<BatchPart>& parts, std::string_view boundary,
                           const BatchWriteOptions& options = {});

// The Content-Type header value for a batch with that boundary.
std::string batchContentType(std::string_view boundary);

// The boundary parameter of a multipart Content-Type (quoted or not); empty when absent.
std::string boundaryOf(std::string_view contentType);

// The responses of a multipart/mixed $batch response, change sets flattened in order. Accepts
// CRLF or bare LF. Throws Error{QueryFailed} when the body is not a multipart response.
std::vector<BatchPartResponse> readBatchResponse(std::string_view contentType,
                                                 std::string_view body);

}  // namespace ferry::net
