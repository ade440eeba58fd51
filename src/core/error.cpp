// ferry::Error and the stable text of error codes.
#include "ferry/error.h"

#include <utility>

namespace ferry {

const char* toString(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidArgument:
            return "invalid-argument";
        case ErrorCode::InvalidDocument:
            return "invalid-document";
        case ErrorCode::InvalidConnectionString:
            return "invalid-connection-string";
        case ErrorCode::UnknownProvider:
            return "unknown-provider";
        case ErrorCode::AuthenticationFailed:
            return "authentication-failed";
        case ErrorCode::ConnectionFailed:
            return "connection-failed";
        case ErrorCode::EntityNotFound:
            return "entity-not-found";
        case ErrorCode::NotUpdatable:
            return "not-updatable";
        case ErrorCode::QueryFailed:
            return "query-failed";
        case ErrorCode::ValueTooLong:
            return "value-too-long";
        case ErrorCode::ConstraintViolation:
            return "constraint-violation";
        case ErrorCode::ItemFailed:
            return "item-failed";
        case ErrorCode::Throttled:
            return "throttled";
        case ErrorCode::Cancelled:
            return "cancelled";
        case ErrorCode::Aborted:
            return "aborted";
        case ErrorCode::StateStore:
            return "state-store";
        case ErrorCode::Internal:
            return "internal";
    }
    return "internal";
}

Error::Error(ErrorCode code, std::string message, std::string detail, std::string hint,
             bool retryable)
    : std::runtime_error(message),
      m_code(code),
      m_message(std::move(message)),
      m_detail(std::move(detail)),
      m_hint(std::move(hint)),
      m_retryable(retryable) {}

std::string Error::fullText() const {
    std::string text = m_message;
    if (!m_detail.empty()) {
        text += " (" + m_detail + ")";
    }
    if (!m_hint.empty()) {
        text += "\nHint: " + m_hint;
    }
    return text;
}

}  // namespace ferry
