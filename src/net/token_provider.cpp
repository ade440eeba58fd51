// OAuth2 token acquisition (password and client-credentials grants), caching, refresh and
// authority discovery, plus ApiSession: authorized requests with one retry after a 401.
#include "net/token_provider.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "ferry/error.h"
#include "ferry/logging.h"
#include "net/client_assertion.h"
#include "net/url.h"

namespace ferry::net {

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// Microsoft's public sample client for Dataverse (see protocols A.12): works for password
// sign-in without registering an application.
constexpr std::string_view kSampleClientId = "51f81489-12ee-4a9e-aaae-a2591f45987d";

char lowerAscii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string toLower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), lowerAscii);
    return out;
}

bool endsWith(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string_view stripTrailingSlashes(std::string_view text) {
    while (!text.empty() && text.back() == '/') {
        text.remove_suffix(1);
    }
    return text;
}

std::string firstLine(std::string_view text, std::size_t maxLength = 300) {
    const std::size_t end = text.find_first_of("\r\n");
    std::string line(text.substr(0, std::min(end, maxLength)));
    if (end == std::string_view::npos && text.size() > maxLength) {
        line += "...";
    }
    return line;
}

// The parameters of a WWW-Authenticate value: `Bearer key=value, key="quoted value"`, with
// lower-case keys. Scheme names (a token followed by no '=') are skipped.
std::vector<std::pair<std::string, std::string>> challengeParameters(std::string_view header) {
    std::vector<std::pair<std::string, std::string>> params;
    std::size_t i = 0;
    const std::size_t n = header.size();
    auto isKeyChar = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    };
    auto skipBlanks = [&] {
        while (i < n && (header[i] == ' ' || header[i] == '\t')) {
            ++i;
        }
    };
    while (i < n) {
        skipBlanks();
        if (i < n && header[i] == ',') {
            ++i;
            continue;
        }
        const std::size_t keyStart = i;
        while (i < n && isKeyChar(header[i])) {
            ++i;
        }
        if (i == keyStart) {
            ++i;  // stray character: not part of any parameter
            continue;
        }
        const std::string key = toLower(header.substr(keyStart, i - keyStart));
        skipBlanks();
        if (i >= n || header[i] != '=') {
            continue;
        }
        ++i;
        skipBlanks();
        std::string value;
        if (i < n && header[i] == '"') {
            ++i;
            while (i < n && header[i] != '"') {
                if (header[i] == '\\' && i + 1 < n) {
                    ++i;
                }
                value.push_back(header[i++]);
            }
            ++i;  // closing quote
        } else {
            while (i < n && header[i] != ',' && header[i] != ' ' && header[i] != '\t') {
                value.push_back(header[i++]);
            }
        }
        params.emplace_back(key, std::move(value));
    }
    return params;
}

std::optional<std::string> challengeParameter(std::string_view header,
                                              std::initializer_list<std::string_view> names) {
    const auto params = challengeParameters(header);
    for (std::string_view name : names) {
        for (const auto& [key, value] : params) {
            if (key == name && !value.empty()) {
                return value;
            }
        }
    }
    return std::nullopt;
}

bool isHttpUrl(std::string_view url) {
    const std::string lower = toLower(url.substr(0, 8));
    return lower.rfind("https://", 0) == 0 || lower.rfind("http://", 0) == 0;
}

void setHeader(Headers& headers, std::string_view name, std::string value) {
    for (auto& [key, existing] : headers) {
        if (toLower(key) == toLower(name)) {
            existing = std::move(value);
            return;
        }
    }
    headers.emplace_back(std::string(name), std::move(value));
}

const char* grantName(AuthMethod method) {
    return method == AuthMethod::ClientCredentials   ? "client credentials"
           : method == AuthMethod::ClientCertificate ? "certificate"
                                                     : "password";
}

}  // namespace

std::optional<std::string> authorityFromChallenge(std::string_view wwwAuthenticate) {
    auto uri = challengeParameter(wwwAuthenticate, {"authorization_uri", "authorization"});
    if (!uri || !isHttpUrl(*uri)) {
        return std::nullopt;
    }
    std::string_view authority = stripTrailingSlashes(*uri);
    for (std::string_view suffix : {"/oauth2/v2.0/authorize", "/oauth2/authorize"}) {
        if (endsWith(toLower(authority), suffix)) {
            authority.remove_suffix(suffix.size());
            break;
        }
    }
    authority = stripTrailingSlashes(authority);
    if (hostOf(authority).empty()) {
        return std::nullopt;
    }
    return std::string(authority);
}

std::optional<std::string> resourceFromChallenge(std::string_view wwwAuthenticate) {
    auto resource = challengeParameter(wwwAuthenticate, {"resource_id"});
    if (!resource || !isHttpUrl(*resource)) {
        return std::nullopt;
    }
    return resource;
}

TokenProvider::TokenProvider(AuthSettings settings, Pacer& pacer)
    : m_settings(std::move(settings)), m_pacer(pacer) {}

std::string TokenProvider::authorizationHeader() {
    switch (m_settings.method) {
        case AuthMethod::None:
            return {};
        case AuthMethod::Basic:
            return "Basic " + base64Encode(m_settings.user + ":" + m_settings.secret);
        case AuthMethod::Bearer:
            return "Bearer " + m_settings.secret;
        case AuthMethod::Password:
        case AuthMethod::ClientCredentials:
        case AuthMethod::ClientCertificate:
            break;
    }
    std::lock_guard lock(m_mutex);
    if (!m_accessToken.empty() && std::chrono::steady_clock::now() < m_refreshAt) {
        return "Bearer " + m_accessToken;
    }
    return "Bearer " + fetchToken();
}

void TokenProvider::invalidate() {
    std::lock_guard lock(m_mutex);
    m_accessToken.clear();
    m_refreshAt = {};
    m_expiresAt = {};
}

std::string TokenProvider::scope() const {
    if (!m_settings.scope.empty()) {
        return m_settings.scope;
    }
    if (m_resource.empty()) {
        throw Error(ErrorCode::InvalidConnectionString,
                    "There is no resource to request an access token for.", {},
                    "Set the service URL (Resource) or an explicit Scope.");
    }
    // "https://org.crm.dynamics.com/" + "/.default" would name another resource.
    std::string result = std::string(stripTrailingSlashes(m_resource)) + "/.default";
    if (m_settings.method == AuthMethod::Password) {
        result += " offline_access";  // asks for a refresh token
    }
    return result;
}

std::string TokenProvider::scrub(std::string text) const {
    const std::string& secret = m_settings.secret;
    if (secret.empty()) {
        return redactSecrets(text);
    }
    for (const std::string& form : {secret, percentEncode(secret)}) {
        for (std::size_t pos = text.find(form); pos != std::string::npos;
             pos = text.find(form, pos + 3)) {
            text.replace(pos, form.size(), "***");
        }
    }
    return redactSecrets(text);
}

void TokenProvider::resolveEndpoint() {
    if (!m_endpoint.empty()) {
        return;
    }
    std::string resource = m_settings.resource;
    std::string endpoint = m_settings.tokenEndpoint;
    if (endpoint.empty()) {
        std::string authority = m_settings.authority;
        if (authority.empty() && !m_settings.discoveryUrl.empty()) {
            // The service's own 401 names its tenant and its resource id.
            HttpRequest probe;
            probe.url = m_settings.discoveryUrl;
            probe.headers = {{"Accept", "application/json"}};
            const HttpResponse answer = m_pacer.send(probe);
            const std::string host = hostOf(probe.url);
            if (answer.status == 0) {
                throw Error(ErrorCode::ConnectionFailed,
                            "Could not reach " + host + ": " + answer.transportError + ".", {},
                            "Check the URL and the network connection.", answer.transportRetryable);
            }
            const std::string challenge = answer.header("WWW-Authenticate");
            if (auto found = authorityFromChallenge(challenge)) {
                authority = *found;
                spdlog::debug("{} names the sign-in authority {}", host, authority);
            } else {
                spdlog::debug(
                    "{} answered HTTP {} without a sign-in challenge; using the default "
                    "authority",
                    host, answer.status);
            }
            if (resource.empty()) {
                resource = resourceFromChallenge(challenge).value_or(originOf(probe.url));
            }
        }
        if (authority.empty()) {
            authority =
                "https://login.microsoftonline.com/" +
                (m_settings.tenantId.empty() ? std::string("organizations") : m_settings.tenantId);
        }
        endpoint = std::string(stripTrailingSlashes(authority)) + "/oauth2/v2.0/token";
    }
    m_endpoint = std::move(endpoint);
    m_resource = std::move(resource);
}

std::string TokenProvider::fetchToken() {
    // Missing settings are reported before any request, in the connection string's terms.
    if (m_settings.method == AuthMethod::Password &&
        (m_settings.user.empty() || m_settings.secret.empty())) {
        throw Error(ErrorCode::InvalidConnectionString,
                    "Password sign-in needs a user name and a password.", {},
                    "Set User in the connection string and provide the password.");
    }
    if (m_settings.method == AuthMethod::ClientCredentials &&
        (m_settings.clientId.empty() || m_settings.secret.empty())) {
        throw Error(ErrorCode::InvalidConnectionString,
                    "Client credentials sign-in needs a client id and a client secret.", {},
                    "Set ClientId in the connection string and provide the client secret.");
    }
    if (m_settings.method == AuthMethod::ClientCertificate &&
        (m_settings.clientId.empty() || m_settings.certificateFile.empty())) {
        throw Error(ErrorCode::InvalidConnectionString,
                    "Certificate sign-in needs a client id and a certificate file.", {},
                    "Set ClientId and CertificateFile in the connection string.");
    }
    resolveEndpoint();
    const std::string clientId =
        m_settings.clientId.empty() && m_settings.method == AuthMethod::Password
            ? std::string(kSampleClientId)
            : m_settings.clientId;
    if (!m_refreshToken.empty()) {
        Fields fields = {{"grant_type", "refresh_token"},
                         {"client_id", clientId},
                         {"refresh_token", m_refreshToken},
                         {"scope", scope()}};
        try {
            return requestToken(fields);
        } catch (const Error& error) {
            if (error.code() != ErrorCode::AuthenticationFailed) {
                throw;
            }
            // Expired or revoked refresh token: sign in again with the credentials.
            spdlog::debug("The refresh token was refused by {}; signing in again",
                          hostOf(m_endpoint));
            m_refreshToken.clear();
        }
    }
    Fields fields;
    if (m_settings.method == AuthMethod::Password) {
        fields = {{"grant_type", "password"},
                  {"client_id", clientId},
                  {"scope", scope()},
                  {"username", m_settings.user},
                  {"password", m_settings.secret}};
    } else if (m_settings.method == AuthMethod::ClientCertificate) {
        // A fresh assertion per request: it is short-lived and its jti must not repeat.
        fields = {
            {"grant_type", "client_credentials"},
            {"client_id", clientId},
            {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
            {"client_assertion", makeClientAssertion(m_settings.certificateFile, m_settings.secret,
                                                     clientId, m_endpoint)},
            {"scope", scope()}};
    } else {
        fields = {{"grant_type", "client_credentials"},
                  {"client_id", clientId},
                  {"client_secret", m_settings.secret},
                  {"scope", scope()}};
    }
    return requestToken(fields);
}

std::string TokenProvider::requestToken(const Fields& fields) {
    const std::string host = hostOf(m_endpoint);
    const std::string grant = fields.front().second;
    HttpRequest request;
    request.method = "POST";
    request.url = m_endpoint;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Accept", "application/json"}};
    request.body = formEncode(fields);
    spdlog::debug("Requesting an access token from {} ({} grant)", host,
                  grant == "refresh_token" ? "refresh token" : grantName(m_settings.method));
    const HttpResponse response = m_pacer.send(request);

    if (response.status == 0) {
        throw Error(
            ErrorCode::ConnectionFailed,
            "Could not reach the sign-in service at " + host + ": " + response.transportError + ".",
            {}, "Check the network connection and the Authority or TokenEndpoint.",
            response.transportRetryable);
    }

    nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    if (!body.is_object()) {
        body = nlohmann::json::object();
    }
    auto text = [&body](const char* key) {
        const auto it = body.find(key);
        return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
    };

    if (response.status >= 200 && response.status < 300) {
        std::string token = text("access_token");
        if (token.empty()) {
            throw Error(ErrorCode::AuthenticationFailed,
                        "The sign-in service at " + host + " answered without an access token.",
                        "HTTP " + std::to_string(response.status));
        }
        // expires_in is a number in v2.0 answers and a string in some older ones.
        long long lifetime = 3600;
        if (const auto it = body.find("expires_in"); it != body.end()) {
            if (it->is_number_integer()) {
                lifetime = it->get<long long>();
            } else if (it->is_string()) {
                try {
                    lifetime = std::stoll(it->get<std::string>());
                } catch (const std::exception&) {
                    lifetime = 3600;
                }
            }
        }
        lifetime = std::max(lifetime, 0LL);
        const auto now = std::chrono::steady_clock::now();
        const auto life = std::chrono::seconds(lifetime);
        const auto margin = std::min<std::chrono::steady_clock::duration>(
            m_settings.refreshMargin, std::chrono::steady_clock::duration(life) / 2);
        m_accessToken = token;
        m_expiresAt = now + life;
        m_refreshAt = m_expiresAt - margin;
        if (std::string refresh = text("refresh_token"); !refresh.empty()) {
            m_refreshToken = std::move(refresh);
        }
        spdlog::debug("Got an access token from {}, valid for {} s", host, lifetime);
        return token;
    }

    const std::string error = text("error");
    const std::string description = text("error_description");
    std::vector<long long> codes;
    if (const auto it = body.find("error_codes"); it != body.end() && it->is_array()) {
        for (const auto& code : *it) {
            if (code.is_number_integer()) {
                codes.push_back(code.get<long long>());
            }
        }
    }
    auto hasCode = [&codes, &description](long long code) {
        return std::find(codes.begin(), codes.end(), code) != codes.end() ||
               description.find("AADSTS" + std::to_string(code)) != std::string::npos;
    };
    std::string detail =
        error.empty() ? "HTTP " + std::to_string(response.status) + ": " + firstLine(response.body)
                      : error;
    if (!error.empty() && !description.empty()) {
        detail += ": " + firstLine(description);
    }
    detail = scrub(detail);
    const bool clientFlow = m_settings.method == AuthMethod::ClientCredentials ||
                            m_settings.method == AuthMethod::ClientCertificate;
    const std::string clientHint =
        m_settings.method == AuthMethod::ClientCertificate
            ? "Check the client id, and that the certificate is uploaded to its app registration "
              "and has not expired."
        : clientFlow ? "Check the client id and client secret, and that the secret has not expired."
                     : "Check the client id; its app registration must allow public client flows "
                       "for password sign-in.";

    if (error == "invalid_grant" && !clientFlow && grant != "refresh_token") {
        if (hasCode(50076) || hasCode(50079) || hasCode(50158)) {
            throw Error(ErrorCode::AuthenticationFailed,
                        "The account needs multi-factor authentication, which password sign-in "
                        "at " +
                            host + " cannot do.",
                        detail, "Use client credentials (an application user) instead.");
        }
        if (hasCode(65001)) {
            throw Error(
                ErrorCode::AuthenticationFailed,
                "The application has not been given consent to sign in this user at " + host + ".",
                detail,
                "An administrator must grant consent to the client id for the service, "
                "or use a client id registered in your tenant.");
        }
        throw Error(ErrorCode::AuthenticationFailed,
                    "The user name or password was not accepted by " + host + ".", detail,
                    "Check the user and password; accounts that need multi-factor "
                    "authentication cannot use password sign-in: use client credentials "
                    "instead.");
    }
    if (error == "invalid_client" || error == "unauthorized_client" ||
        (error == "invalid_grant" && clientFlow)) {
        throw Error(ErrorCode::AuthenticationFailed,
                    "The client id or client secret was not accepted by " + host + ".", detail,
                    clientHint);
    }
    if (error == "invalid_grant") {
        throw Error(ErrorCode::AuthenticationFailed,
                    "The sign-in at " + host + " has expired and must be repeated.", detail);
    }
    if (error == "invalid_scope") {
        throw Error(
            ErrorCode::AuthenticationFailed,
            "The sign-in service at " + host + " did not accept the scope \"" + scope() + "\".",
            detail, "Check the service URL (Resource) or the Scope.");
    }
    if (error == "invalid_request") {
        throw Error(ErrorCode::AuthenticationFailed,
                    "The sign-in service at " + host + " rejected the request.", detail,
                    "Check the tenant (TenantId or Authority) and the authentication settings.");
    }
    if (error.empty() &&
        (response.status >= 500 || response.status == 429 || response.status == 408)) {
        throw Error(ErrorCode::ConnectionFailed,
                    "The sign-in service at " + host + " is not available (HTTP " +
                        std::to_string(response.status) + ").",
                    detail, "Try again later.", true);
    }
    throw Error(ErrorCode::AuthenticationFailed,
                "The sign-in service at " + host + " refused to issue a token (HTTP " +
                    std::to_string(response.status) + ").",
                detail);
}

ApiSession::ApiSession(Pacer& pacer, TokenProvider& tokens, Headers defaultHeaders)
    : m_pacer(pacer), m_tokens(tokens), m_defaultHeaders(std::move(defaultHeaders)) {}

namespace {

bool tokenCanChange(AuthMethod method) {
    return method == AuthMethod::Password || method == AuthMethod::ClientCredentials ||
           method == AuthMethod::ClientCertificate;
}

void applyHeaders(HttpRequest& request, const Headers& defaults, const std::string& auth) {
    for (const auto& [name, value] : defaults) {
        if (findHeader(request.headers, name).empty()) {
            request.headers.emplace_back(name, value);
        }
    }
    if (!auth.empty()) {
        setHeader(request.headers, "Authorization", auth);
    }
}

void logRequest(const HttpRequest& request, const HttpResponse& response,
                std::chrono::steady_clock::duration elapsed) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
    if (response.status == 0) {
        spdlog::debug("{} {} -> failed ({}) in {} ms", request.method, redactSecrets(request.url),
                      response.transportError, ms);
    } else {
        spdlog::debug("{} {} -> {} in {} ms", request.method, redactSecrets(request.url),
                      response.status, ms);
    }
}

Error refused(const HttpRequest& request, const HttpResponse& response) {
    const std::string challenge = response.header("WWW-Authenticate");
    std::string detail = challengeParameter(challenge, {"error_description"}).value_or("");
    if (detail.empty()) {
        detail = firstLine(response.body);
    }
    return Error(ErrorCode::AuthenticationFailed,
                 "The service refused the credentials (HTTP 401) at " + hostOf(request.url) + ".",
                 redactSecrets(detail),
                 "Check that the account or application has access to this service (for "
                 "Dataverse: an application user with a security role).");
}

Error unreachable(const HttpRequest& request, const HttpResponse& response) {
    return Error(ErrorCode::ConnectionFailed,
                 "Could not reach " + hostOf(request.url) + ": " + response.transportError + ".",
                 {}, "Check the URL and the network connection.", response.transportRetryable);
}

bool transportFailed(const HttpResponse& response) {
    return response.status == 0 && !response.transportError.empty();
}

}  // namespace

HttpResponse ApiSession::send(HttpRequest request, const std::atomic<bool>* cancel) {
    applyHeaders(request, m_defaultHeaders, m_tokens.authorizationHeader());
    auto started = std::chrono::steady_clock::now();
    HttpResponse response = m_pacer.send(request, cancel);
    logRequest(request, response, std::chrono::steady_clock::now() - started);

    if (response.status == 401) {
        if (!tokenCanChange(m_tokens.method())) {
            throw refused(request, response);
        }
        // The token may have been revoked or rotated early: one fresh token, one retry.
        m_tokens.invalidate();
        setHeader(request.headers, "Authorization", m_tokens.authorizationHeader());
        started = std::chrono::steady_clock::now();
        response = m_pacer.send(request, cancel);
        logRequest(request, response, std::chrono::steady_clock::now() - started);
        if (response.status == 401) {
            throw refused(request, response);
        }
    }
    if (transportFailed(response)) {
        if (cancel != nullptr && cancel->load()) {
            throw Error(ErrorCode::Cancelled, "Cancelled.");
        }
        throw unreachable(request, response);
    }
    return response;
}

std::vector<HttpResponse> ApiSession::sendAll(std::vector<HttpRequest> requests,
                                              const std::atomic<bool>* cancel) {
    const std::string auth = m_tokens.authorizationHeader();
    for (HttpRequest& request : requests) {
        applyHeaders(request, m_defaultHeaders, auth);
    }
    auto started = std::chrono::steady_clock::now();
    std::vector<HttpResponse> responses = m_pacer.sendAll(requests, cancel);
    auto elapsed = std::chrono::steady_clock::now() - started;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        logRequest(requests[i], responses[i], elapsed);
    }

    std::vector<std::size_t> refusedIndices;
    for (std::size_t i = 0; i < responses.size(); ++i) {
        if (responses[i].status == 401) {
            refusedIndices.push_back(i);
        }
    }
    if (!refusedIndices.empty()) {
        const std::size_t first = refusedIndices.front();
        if (!tokenCanChange(m_tokens.method())) {
            throw refused(requests[first], responses[first]);
        }
        m_tokens.invalidate();
        const std::string fresh = m_tokens.authorizationHeader();
        std::vector<HttpRequest> again;
        again.reserve(refusedIndices.size());
        for (std::size_t i : refusedIndices) {
            setHeader(requests[i].headers, "Authorization", fresh);
            again.push_back(requests[i]);
        }
        started = std::chrono::steady_clock::now();
        std::vector<HttpResponse> answers = m_pacer.sendAll(again, cancel);
        elapsed = std::chrono::steady_clock::now() - started;
        for (std::size_t k = 0; k < refusedIndices.size(); ++k) {
            logRequest(again[k], answers[k], elapsed);
            if (answers[k].status == 401) {
                throw refused(again[k], answers[k]);
            }
            responses[refusedIndices[k]] = std::move(answers[k]);
        }
    }
    for (std::size_t i = 0; i < responses.size(); ++i) {
        if (transportFailed(responses[i])) {
            if (cancel != nullptr && cancel->load()) {
                throw Error(ErrorCode::Cancelled, "Cancelled.");
            }
            throw unreachable(requests[i], responses[i]);
        }
    }
    return responses;
}

}  // namespace ferry::net
