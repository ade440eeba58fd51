// OAuth2 and other credentials for HTTP providers: resource-owner password, client credentials,
// static bearer token, basic and none; token cache and refresh; authority discovery.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/pacer.h"

namespace ferry::net {

enum class AuthMethod {
    None,               // no Authorization header
    Basic,              // user + password
    Bearer,             // a static access token (the password field holds it)
    Password,           // OAuth2 resource-owner password (Authentication=microsoft_modern_crm)
    ClientCredentials,  // OAuth2 client credentials (ClientId + ClientSecret)
    ClientCertificate,  // OAuth2 client credentials with a certificate-signed client assertion
};

struct AuthSettings {
    AuthMethod method = AuthMethod::None;
    std::string user;      // Basic / Password
    std::string secret;    // password, client secret or bearer token: never logged
    std::string clientId;  // OAuth2; Password defaults to Microsoft's public sample client
    std::string tenantId;  // OAuth2: tenant GUID or domain; "organizations" when empty
    // ClientCertificate: PEM file with the certificate and its private key; `secret` is the
    // key's password (may be empty).
    std::string certificateFile;
    // Where tokens come from: TokenEndpoint wins, then Authority (+ "/oauth2/v2.0/token"),
    // then the authority discovered from the resource's 401 WWW-Authenticate challenge.
    std::string authority;      // e.g. https://login.microsoftonline.com/<tenant>
    std::string tokenEndpoint;  // full URL of the token endpoint
    std::string resource;  // e.g. https://org.crm4.dynamics.com ; scope = resource + "/.default"
    std::string scope;     // explicit scope overrides the resource's default
    std::string discoveryUrl;  // URL whose unauthenticated 401 names the authority
    // A cached token is renewed when less than this remains, but never earlier than half its
    // lifetime (so short-lived tokens are still used more than once).
    std::chrono::seconds refreshMargin{300};
};

// Parses a 401 WWW-Authenticate header such as
// `Bearer authorization_uri=https://login.microsoftonline.com/<tenant>/oauth2/authorize,
// resource_id=https://org.crm.dynamics.com/` and returns the authority
// (`https://login.microsoftonline.com/<tenant>`), or nullopt.
std::optional<std::string> authorityFromChallenge(std::string_view wwwAuthenticate);

// The `resource_id` of the same challenge (`https://org.crm.dynamics.com/`), or nullopt.
std::optional<std::string> resourceFromChallenge(std::string_view wwwAuthenticate);

// Thread-safe. Hands out the Authorization header value, fetching and caching tokens and
// refreshing them shortly before they expire.
class TokenProvider {
public:
    TokenProvider(AuthSettings settings, Pacer& pacer);

    // "Bearer <token>", "Basic <base64>", or empty for None. Throws
    // Error{AuthenticationFailed} with a plain-language message (wrong user or password,
    // unknown client, consent missing) and the AADSTS code as detail; never the secret.
    // Error{ConnectionFailed} when the token endpoint cannot be reached.
    std::string authorizationHeader();

    // Forgets the cached token (after a 401), so the next call fetches a new one.
    void invalidate();

    AuthMethod method() const { return m_settings.method; }

private:
    std::string fetchToken();  // called with m_mutex held
    void resolveEndpoint();    // the token endpoint and resource; may discover them
    std::string requestToken(const std::vector<std::pair<std::string, std::string>>& fields);
    std::string scope() const;
    std::string scrub(std::string text) const;  // removes the secret from remote text

    AuthSettings m_settings;
    Pacer& m_pacer;
    std::mutex m_mutex;
    std::string m_accessToken;
    std::string m_refreshToken;
    std::chrono::steady_clock::time_point m_expiresAt{};
    std::chrono::steady_clock::time_point m_refreshAt{};
    std::string m_endpoint;  // resolved token endpoint, empty until the first fetch
    std::string m_resource;  // settings.resource, or what discovery found
};

// A pacer plus a token provider plus default headers: what a provider talks through. Adds the
// Authorization header, retries once with a fresh token on 401, and logs each request (method,
// URL, status, time) at debug level with secrets redacted.
class ApiSession {
public:
    ApiSession(Pacer& pacer, TokenProvider& tokens, Headers defaultHeaders = {});

    // Throws Error{AuthenticationFailed} when the retry after a 401 is refused again, and
    // Error{ConnectionFailed} (retryable) when the transport failed on every attempt. Other
    // HTTP statuses come back in the response for the provider to interpret.
    HttpResponse send(HttpRequest request, const std::atomic<bool>* cancel = nullptr);
    std::vector<HttpResponse> sendAll(std::vector<HttpRequest> requests,
                                      const std::atomic<bool>* cancel = nullptr);

    Pacer& pacer() { return m_pacer; }

private:
    Pacer& m_pacer;
    TokenProvider& m_tokens;
    Headers m_defaultHeaders;
};

}  // namespace ferry::net
