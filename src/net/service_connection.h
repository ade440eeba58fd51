// What the HTTP providers (OData, SharePoint) share: connection-string keys read with clear
// errors, the sign-in settings, the serialized HTTP stack, and write-outcome helpers.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/connection_string.h"
#include "ferry/error.h"
#include "ferry/provider.h"
#include "net/http_client.h"
#include "net/pacer.h"
#include "net/token_provider.h"

namespace ferry::net {

// `text` with ASCII letters in lower case (for case-insensitive key values).
std::string asciiLower(std::string text);

// Error{InvalidConnectionString} with a message and an optional hint.
Error invalidConnectionString(std::string message, std::string hint = {});

// The key as a whole number from 1 to `maximum`; `fallback` when absent or empty. Throws
// Error{InvalidConnectionString} naming the key otherwise.
std::size_t positiveNumberKey(const ConnectionString& cs, const char* key, std::size_t fallback,
                              std::size_t maximum);

// The key as true/yes/1 or false/no/0 (any case); `fallback` when absent or empty. Throws
// Error{InvalidConnectionString} naming the key otherwise.
bool booleanKey(const ConnectionString& cs, const char* key, bool fallback);

// The settings every HTTP provider's connection string has; each provider's ConnectionSettings
// extends it with its own keys.
struct ServiceSettings {
    AuthMethod auth = AuthMethod::None;
    std::string authName;  // as given (for messages), or the default's name
    std::string user;
    std::string clientId;
    std::string tenantId;
    std::string authority;
    std::string tokenEndpoint;
    std::string scope;
    std::chrono::seconds timeout{120};
    bool verifyTls = true;
};

// Reads User (Username), ClientId (AppId), TenantId, Authority, TokenEndpoint and Scope.
void readSignInKeys(const ConnectionString& cs, ServiceSettings& settings);

// The sign-in part of the token provider's settings; the caller adds resource, discovery URL
// and anything provider-specific. `secret` is the password, client secret or bearer token.
AuthSettings authSettingsOf(const ServiceSettings& settings, const std::string& secret);

// Client options from VerifyTls and Timeout, with `maxConcurrency` requests in flight.
HttpClientOptions clientOptionsOf(const ServiceSettings& settings, int maxConcurrency);

// One provider's HTTP stack: client, pacer, token provider and an API session whose requests
// carry `defaultHeaders`. Calls are serialized (the libcurl client is not thread-safe), so a
// background page fetch and a write never use the client at the same time.
class ServiceConnection {
public:
    ServiceConnection(const HttpClientOptions& options, const AuthSettings& auth,
                      Headers defaultHeaders);
    ServiceConnection(const ServiceConnection&) = delete;
    ServiceConnection& operator=(const ServiceConnection&) = delete;

    // As net::ApiSession::send / sendAll: throws Error{AuthenticationFailed} or
    // Error{ConnectionFailed}; HTTP statuses come back in the response.
    HttpResponse send(HttpRequest request);
    std::vector<HttpResponse> sendAll(std::vector<HttpRequest> requests);

    PacerStats stats() const { return m_pacer.stats(); }
    Pacer& pacer() { return m_pacer; }

private:
    mutable std::mutex m_mutex;
    HttpClient m_client;
    Pacer m_pacer;
    TokenProvider m_tokens;
    ApiSession m_session;
};

// The error member of an OData-style JSON error answer.
struct ServiceError {
    std::string code;
    std::string message;
};

// {"error":{…}} (OData v4) or {"odata.error":{…}} (OData v3, SharePoint), with "message" as text
// or as {"lang","value"}; when both members are present, "odata.error" wins. nullopt when the
// body is not a JSON object or has neither member.
std::optional<ServiceError> parseJsonServiceError(std::string_view body);

// `text` with every occurrence of `secret` replaced by "***" (secrets shorter than 3 characters
// are left alone: they would mask ordinary text).
std::string redactSecret(std::string text, const std::string& secret);

// Error{AuthenticationFailed} for a sign-in that needs a secret nobody gave, worded after the
// method: an access token (Bearer), a client secret (ClientCredentials) or the user's password.
Error missingSecretError(const ServiceSettings& settings);

// True when `needle` occurs in `text`, ignoring ASCII case.
bool containsIgnoreCase(std::string_view text, std::string_view needle);

// A failed item's outcome with its code and plain-language reason.
WriteOutcome writeFailure(ErrorCode code, std::string message);

// A written item's outcome with its stored key.
WriteOutcome writeSuccess(std::vector<Value> key);

}  // namespace ferry::net
