// User-facing errors: a code, a plain-language message, the remote detail and a hint.
#pragma once

#include <stdexcept>
#include <string>

namespace ferry {

enum class ErrorCode {
    InvalidArgument,          // a bad command-line argument or API use
    InvalidDocument,          // a connection document that does not validate
    InvalidConnectionString,  // malformed or unknown connection-string keys
    UnknownProvider,          // no provider of that name is registered
    AuthenticationFailed,     // wrong user or password, expired token
    ConnectionFailed,         // server unreachable, driver missing, network dropped
    EntityNotFound,           // table, list or entity set does not exist
    NotUpdatable,             // the select statement cannot be written through (join, expression)
    QueryFailed,              // the select statement or a query was rejected
    ValueTooLong,             // a per-item error: value longer than the column
    ConstraintViolation,      // a per-item error: NOT NULL, unique, foreign key, check
    ItemFailed,               // any other per-item error
    Throttled,                // the service asked us to slow down (retryable)
    Cancelled,                // the user cancelled
    Aborted,                  // a safety check or the conflict policy stopped the run
    StateStore,               // the local state database failed
    Internal,                 // a bug: should never reach a user
};

// Stable text for an error code (used in JSON reports and logs), e.g. "value-too-long".
const char* toString(ErrorCode code);

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, std::string message, std::string detail = {}, std::string hint = {},
          bool retryable = false);

    ErrorCode code() const { return m_code; }
    // Plain-language message for the user (same as what()).
    const std::string& message() const { return m_message; }
    // Raw detail from the remote side (driver diagnostics, HTTP status); may be empty.
    const std::string& detail() const { return m_detail; }
    // What the user can do about it; may be empty.
    const std::string& hint() const { return m_hint; }
    bool retryable() const { return m_retryable; }
    // message, then " (detail)" and "\nHint: hint" when present.
    std::string fullText() const;

private:
    ErrorCode m_code;
    std::string m_message;
    std::string m_detail;
    std::string m_hint;
    bool m_retryable;
};

}  // namespace ferry
