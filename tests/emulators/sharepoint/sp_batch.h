// SharePoint $batch wire format (multipart/mixed): reading requests and writing responses.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sp_text.h"

namespace ferry::emulator::sp {

// A malformed $batch body; the service answers 400 with this message.
struct BatchFormatError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One request inside a $batch, in body order.
struct BatchPart {
    bool inChangeset = false;
    std::string method;  // request-line verb (GET POST PATCH MERGE PUT DELETE)
    std::string url;     // as written; SharePoint needs absolute same-site URLs
    NameValues headers;  // inner request headers
    std::string body;
};

// Parses a request body delimited by `--<boundary>`; changesets (`multipart/mixed` parts) are
// flattened with inChangeset set. Lines may end in CRLF or LF. Throws BatchFormatError when the
// closing delimiter is missing, a part is neither application/http nor multipart/mixed, a header
// line has no colon, or a request line is not `METHOD URL HTTP/1.1`.
std::vector<BatchPart> parseBatch(std::string_view body, std::string_view boundary);

// The boundary of a `multipart/mixed; boundary=...` Content-Type, unquoted, or nullopt.
std::optional<std::string> multipartBoundary(std::string_view contentType);

struct BatchResult {
    int status = 200;
    NameValues headers;  // Content-Type included when there is a body
    std::string body;
};

// Writes SharePoint's flat batch response (one application/http part per operation, changesets
// not nested) with boundary `batchresponse_<guid>`; sets contentType accordingly.
std::string writeBatchResponse(const std::vector<BatchResult>& results, std::string& contentType,
                               std::uint64_t& randomState);

// "OK", "Created", "No Content", ... for a status code.
std::string reasonPhrase(int status);

}  // namespace ferry::emulator::sp
