// $batch: writing a multipart/mixed request of top-level operations and reading the response.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "odata_wire.h"

namespace ferry::odata {

// The body of a $batch request with every operation as a top-level part (no change sets: a
// Dataverse change set is atomic, and one bad item must never roll back the others). Parts carry
// Content-ID 1..n; CRLF line ends throughout.
std::string writeBatch(const std::vector<BatchOperation>& operations, std::string_view boundary);

// The Content-Type header value for a batch with that boundary.
std::string batchContentType(std::string_view boundary);

// The boundary parameter of a multipart Content-Type (quoted or not); empty when absent.
std::string boundaryOf(std::string_view contentType);

// The responses of a multipart/mixed $batch response, change sets flattened in order. Accepts
// CRLF or bare LF. Throws Error{QueryFailed} when the body is not a multipart response.
std::vector<BatchResult> readBatchResponse(std::string_view contentType, std::string_view body);

}  // namespace ferry::odata
