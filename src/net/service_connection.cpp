// Connection-string keys, sign-in settings and the serialized HTTP stack of an HTTP provider.
#include "net/service_connection.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace ferry::net {

std::string asciiLower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

Error invalidConnectionString(std::string message, std::string hint) {
    return Error(ErrorCode::InvalidConnectionString, std::move(message), {}, std::move(hint));
}

std::size_t positiveNumberKey(const ConnectionString& cs, const char* key, std::size_t fallback,
                              std::size_t maximum) {
    const auto text = cs.get(key);
    if (!text || text->empty()) {
        return fallback;
    }
    std::size_t value = 0;
    bool valid = text->size() <= 9;
    for (const char c : *text) {
        valid = valid && c >= '0' && c <= '9';
        value = value * 10 + static_cast<std::size_t>(c - '0');
    }
    if (!valid || value == 0 || value > maximum) {
        throw invalidConnectionString(std::string(key) + " must be a whole number from 1 to " +
                                      std::to_string(maximum) + ", not '" + *text + "'");
    }
    return value;
}

bool booleanKey(const ConnectionString& cs, const char* key, bool fallback) {
    const auto text = cs.get(key);
    if (!text || text->empty()) {
        return fallback;
    }
    const std::string value = asciiLower(*text);
    if (value == "true" || value == "yes" || value == "1") {
        return true;
    }
    if (value == "false" || value == "no" || value == "0") {
        return false;
    }
    throw invalidConnectionString(std::string(key) + " must be true or false, not '" + *text + "'");
}

void readSignInKeys(const ConnectionString& cs, ServiceSettings& settings) {
    settings.user = cs.getOr("User", cs.getOr("Username", ""));
    settings.clientId = cs.getOr("ClientId", cs.getOr("AppId", ""));
    settings.tenantId = cs.getOr("TenantId", "");
    settings.authority = cs.getOr("Authority", "");
    settings.tokenEndpoint = cs.getOr("TokenEndpoint", "");
    settings.scope = cs.getOr("Scope", "");
}

AuthSettings authSettingsOf(const ServiceSettings& settings, const std::string& secret) {
    AuthSettings auth;
    auth.method = settings.auth;
    auth.user = settings.user;
    auth.secret = secret;
    auth.clientId = settings.clientId;
    auth.tenantId = settings.tenantId;
    auth.authority = settings.authority;
    auth.tokenEndpoint = settings.tokenEndpoint;
    auth.scope = settings.scope;
    return auth;
}

HttpClientOptions clientOptionsOf(const ServiceSettings& settings, int maxConcurrency) {
    HttpClientOptions options;
    options.verifyTls = settings.verifyTls;
    options.requestTimeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(settings.timeout);
    options.maxConcurrency = maxConcurrency;
    return options;
}

ServiceConnection::ServiceConnection(const HttpClientOptions& options, const AuthSettings& auth,
                                     Headers defaultHeaders)
    : m_client(options),
      m_pacer(m_client),
      m_tokens(auth, m_pacer),
      m_session(m_pacer, m_tokens, std::move(defaultHeaders)) {}

HttpResponse ServiceConnection::send(HttpRequest request) {
    const std::lock_guard lock(m_mutex);
    return m_session.send(std::move(request));
}

std::vector<HttpResponse> ServiceConnection::sendAll(std::vector<HttpRequest> requests) {
    const std::lock_guard lock(m_mutex);
    return m_session.sendAll(std::move(requests));
}

std::optional<ServiceError> parseJsonServiceError(std::string_view body) {
    using nlohmann::json;
    const json document = json::parse(body.begin(), body.end(), nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
        return std::nullopt;
    }
    const json* node = nullptr;
    for (const char* name : {"error", "odata.error"}) {
        if (document.contains(name) && document[name].is_object()) {
            node = &document[name];
        }
    }
    if (node == nullptr) {
        return std::nullopt;
    }
    ServiceError error;
    if (node->contains("code") && (*node)["code"].is_string()) {
        error.code = (*node)["code"].get<std::string>();
    }
    if (node->contains("message")) {
        const json& message = (*node)["message"];
        if (message.is_string()) {
            error.message = message.get<std::string>();
        } else if (message.is_object() && message.contains("value") &&
                   message["value"].is_string()) {
            error.message = message["value"].get<std::string>();
        }
    }
    return error;
}

std::string redactSecret(std::string text, const std::string& secret) {
    if (secret.size() >= 3) {
        for (auto pos = text.find(secret); pos != std::string::npos;
             pos = text.find(secret, pos + 3)) {
            text.replace(pos, secret.size(), "***");
        }
    }
    return text;
}

Error missingSecretError(const ServiceSettings& settings) {
    std::string message;
    if (settings.auth == AuthMethod::Bearer) {
        message = "no access token was given (Authentication=bearer)";
    } else if (settings.auth == AuthMethod::ClientCredentials) {
        message = "no client secret was given for ClientId " + settings.clientId;
    } else {
        message = "no password was given for user '" + settings.user + "'";
    }
    return Error(ErrorCode::AuthenticationFailed, std::move(message), {},
                 "enter it in the app, or set FERRY_LEFT_PASSWORD / FERRY_RIGHT_PASSWORD "
                 "or use --password-stdin");
}

bool containsIgnoreCase(std::string_view text, std::string_view needle) {
    if (needle.size() > text.size()) {
        return false;
    }
    for (std::size_t i = 0; i + needle.size() <= text.size(); ++i) {
        if (equalsIgnoreCase(text.substr(i, needle.size()), needle)) {
            return true;
        }
    }
    return false;
}

WriteOutcome writeFailure(ErrorCode code, std::string message) {
    WriteOutcome outcome;
    outcome.ok = false;
    outcome.errorCode = code;
    outcome.error = std::move(message);
    return outcome;
}

WriteOutcome writeSuccess(std::vector<Value> key) {
    WriteOutcome outcome;
    outcome.ok = true;
    outcome.key = std::move(key);
    return outcome;
}

}  // namespace ferry::net
