// OData $batch wire format (multipart/mixed): reading requests and writing responses.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::emulator {

// A malformed $batch body. The server answers 400 with this message, worded like the service's
// (e.g. "The message header '--batch_X' is invalid. ...").
struct BatchError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One request inside a $batch, in body order.
struct BatchOperation {
    int changeset = -1;     // index of the enclosing changeset (0, 1, ...), -1 when top-level
    std::string contentId;  // Content-ID of the part, may be empty
    std::string method;     // GET POST PATCH DELETE PUT
    std::string url;        // as written (absolute, relative, or "$1/..."); the caller resolves it
    std::vector<std::pair<std::string, std::string>> headers;  // inner request headers, in order
    std::string body;  // as sent; the line break before the next boundary is not part of it
};

struct BatchRequest {
    std::vector<BatchOperation> operations;
    int changesetCount = 0;
};

// Most operations a batch may hold, all changesets included (the documented Dataverse limit).
inline constexpr int kMaxBatchOperations = 1000;

// Parses a $batch request body whose parts are separated by `--<boundary>`. Lines may end in CRLF
// or bare LF. Text before the first delimiter and after the closing one is ignored (MIME preamble
// and epilogue). Throws BatchError when: the closing `--<boundary>--` is missing; a part lacks
// `Content-Type: application/http` with `Content-Transfer-Encoding: binary` (or, at top level,
// `multipart/mixed` with a boundary for a changeset); a header line has no colon (which is what a
// missing blank line produces); the request line is not `METHOD URL HTTP/1.1` with a known method;
// a changeset holds a GET or another changeset; a Content-ID repeats within a changeset; or there
// are more than kMaxBatchOperations operations.
BatchRequest parseBatch(std::string_view body, std::string_view boundary);

// The boundary parameter of a `multipart/mixed; boundary="batch_x"` Content-Type, unquoted;
// nullopt when the type is not multipart/mixed or has no non-empty boundary.
std::optional<std::string> boundaryFromContentType(std::string_view contentType);

// The outcome of one operation, for writeBatchResponse().
struct BatchOperationResult {
    int changeset = -1;  // changeset index of the operation, -1 when top-level
    std::string contentId;
    int status = 200;
    std::string reason;  // e.g. "No Content"; empty means the standard phrase for `status`
    std::vector<std::pair<std::string, std::string>> headers;  // OData-EntityId, Location, ETag...
    std::string body;
};

// Writes a multipart/mixed $batch response with a fresh `batchresponse_<guid>` boundary.
// Consecutive results with the same changeset index (>= 0) share one nested part with boundary
// `changesetresponse_<guid>`; each result becomes an application/http part holding a full
// `HTTP/1.1 <status> <reason>` response, with its Content-ID echoed when not empty and
// `OData-Version: 4.0` added unless the result's headers carry one. Lines end in CRLF. Returns
// the body and sets `contentType` to `multipart/mixed; boundary=batchresponse_<guid>`.
std::string writeBatchResponse(const std::vector<BatchOperationResult>& results,
                               std::string& contentType);

// Replaces Content-ID references with the URLs they stand for. When `text` starts with `$<id>`
// (a request URL such as `$1` or `$1/primarycontactid/$ref`) that prefix is replaced. Otherwise
// `text` is read as a JSON body and string values of `...@odata.bind` and `@odata.id` members of
// the form `"$<id>"` or `"$<id>/..."` are replaced. Throws BatchError "Content-ID Reference: '$1'
// does not exist in the batch context." for an id missing from `idToUrl`. URLs naming OData
// system resources ($metadata, $batch, ...) are returned unchanged.
std::string resolveContentIdReference(std::string_view text,
                                      const std::map<std::string, std::string>& idToUrl);

// The standard HTTP reason phrase for `status` ("No Content" for 204), "Unknown" if unlisted.
std::string reasonPhrase(int status);

}  // namespace ferry::emulator
