// $batch for the OData provider: top-level parts (no change sets) over the shared net code.
#include "odata_batch.h"

namespace ferry::odata {

std::string batchContentType(std::string_view boundary) {
    return net::batchContentType(boundary);
}

std::string writeBatch(const std::vector<BatchOperation>& operations, std::string_view boundary) {
    // No change sets: a Dataverse change set is atomic, and one bad item must never roll back
    // the others.
    return net::writeBatchBody(operations, boundary);
}

std::string boundaryOf(std::string_view contentType) {
    return net::boundaryOf(contentType);
}

std::vector<BatchResult> readBatchResponse(std::string_view contentType, std::string_view body) {
    return net::readBatchResponse(contentType, body);
}

}  // namespace ferry::odata
