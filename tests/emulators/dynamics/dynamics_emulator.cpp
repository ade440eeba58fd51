// The HTTP face of the Dynamics emulator: token endpoint, Bearer checks, service protection
// limits, fault injection and latency in front of DynamicsService, plus the /_emulator/ controls.
#include "dynamics_emulator.h"

#include <httplib.h>

#include <chrono>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "dynamics_service.h"
#include "http_host.h"
#include "service_plumbing.h"

namespace ferry::emulator {
namespace {

using common::Clock;
using common::setJson;

std::string nowIso() {
    return formatDateTime(std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
}

std::string formValue(const HeaderList& form, std::string_view name) {
    for (const auto& [key, value] : form)
        if (key == name)
            return value;
    return {};
}

std::string base64Decode(std::string_view text) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        int v = -1;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+' || c == '-')
            v = 62;
        else if (c == '/' || c == '_')
            v = 63;
        if (v < 0)
            continue;  // padding and whitespace
        buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    return out;
}

}  // namespace

class DynamicsEmulator::Impl {
public:
    explicit Impl(DynamicsOptions options)
        : m_options(std::move(options)),
          m_service(m_options),
          // Each kept-alive connection holds a worker: leave room for concurrent clients and the
          // concurrency-limit tests.
          m_host(
              common::HostSettings{"Dynamics", 64, 60, 0},
              [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); }) {
        m_tokenRandom = common::unpredictableSeed();
        m_faultRandom = m_options.seed * 0x9E3779B97F4A7C15ULL + 3;
    }

    ~Impl() { m_host.stop(); }  // before the service the handler uses goes

    void start(int port) { m_host.start(port); }
    void stop() { m_host.stop(); }

    int port() const { return m_host.port(); }
    std::string tenant() const { return options().tenant; }
    std::string root() const { return m_host.root(); }

    EmulatorStats stats() const {
        EmulatorStats s;
        s.requests = m_requests;
        s.reads = m_service.reads();
        s.writes = m_service.writes();
        s.batches = m_service.batches();
        s.throttled = m_throttled;
        s.faults = m_faults;
        s.tokensIssued = m_tokensIssued;
        return s;
    }

    void setFaults(double rate503, double rate504, double rateDrop) {
        std::lock_guard lock(m_controlMutex);
        m_options.fault503Rate = rate503;
        m_options.fault504Rate = rate504;
        m_options.faultDropRate = rateDrop;
    }

    void setThrottle(int requests, int windowSeconds, int retryAfter) {
        std::lock_guard lock(m_controlMutex);
        m_options.throttleRequests = requests;
        m_options.throttleWindowSeconds = std::max(1, windowSeconds);
        m_options.retryAfterSeconds = std::max(0, retryAfter);
        m_load.clear();
    }

    void setConcurrency(int concurrent) {
        std::lock_guard lock(m_controlMutex);
        m_options.throttleConcurrent = concurrent;
    }

    void setLatency(int ms) {
        std::lock_guard lock(m_controlMutex);
        m_options.latencyMs = std::max(0, ms);
    }

    void revokeTokens() {
        std::lock_guard lock(m_controlMutex);
        common::expireAll(m_tokens);
    }

    DynamicsService& service() { return m_service; }

private:
    struct Grant {
        std::string subject;
        Clock::time_point expires;
    };
    struct Load {
        std::deque<Clock::time_point> recent;
        int inFlight = 0;
    };

    DynamicsOptions options() const {
        std::lock_guard lock(m_controlMutex);
        return m_options;
    }

    std::string newToken(int bytes) {
        std::string token;
        for (int i = 0; i < bytes; i += 8) {
            std::uint64_t v = nextRandom(m_tokenRandom);
            for (int b = 0; b < 8 && i + b < bytes; ++b, v >>= 8)
                token.push_back(common::kTokenAlphabet[v & 63]);
        }
        return token;
    }

    void handle(const httplib::Request& req, httplib::Response& res) {
        ++m_requests;
        std::string path;
        HeaderList query;
        const std::string_view target =
            req.target.empty() ? std::string_view(req.path) : std::string_view(req.target);
        if (!splitTarget(target, path, query)) {
            setJson(res, 400,
                    errorResponse(400, "0x80060888", "The request URL is not valid.").body);
            return;
        }
        std::string host = req.get_header_value("Host");
        if (host.empty())
            host = "127.0.0.1:" + std::to_string(m_host.port());
        const std::string root = "http://" + host;
        if (path.rfind("/_emulator/", 0) == 0)
            return control(req, res, path.substr(11));
        const auto oauth = path.find("/oauth2/v2.0/token");
        if (oauth != std::string::npos && oauth > 1 && oauth + 18 == path.size() &&
            req.method == "POST")
            return token(req, res, path.substr(1, oauth - 1));
        if (path.rfind("/api/data/v9.", 0) != 0) {
            setJson(res, 404,
                    errorResponse(404, "0x80060888",
                                  "Resource not found for the segment '" + path + "'.")
                        .body);
            return;
        }
        const auto versionEnd = path.find('/', 10);
        ServiceRequest request;
        request.method = req.method;
        request.baseUrl =
            root + path.substr(0, versionEnd == std::string::npos ? path.size() : versionEnd) + "/";
        request.path = versionEnd == std::string::npos ? "" : path.substr(versionEnd + 1);
        request.query = std::move(query);
        for (const auto& [name, value] : req.headers)
            request.headers.emplace_back(name, value);
        request.body = req.body;
        data(request, res, root);
    }

    void data(const ServiceRequest& request, httplib::Response& res, const std::string& root) {
        const DynamicsOptions current = options();
        res.set_header("OData-Version", "4.0");
        std::string user = "anonymous";
        if (current.requireAuth) {
            const std::string authorization = request.header("Authorization");
            std::string problem;
            if (authorization.rfind("Bearer ", 0) != 0) {
                problem = "The user is not authenticated: the request has no Bearer token.";
            } else {
                std::lock_guard lock(m_controlMutex);
                const auto it = m_tokens.find(authorization.substr(7));
                if (it == m_tokens.end())
                    problem = "The access token is not valid.";
                else if (it->second.expires <= Clock::now())
                    problem = "The access token has expired.";
                else
                    user = it->second.subject;
            }
            if (!problem.empty()) {
                res.set_header("WWW-Authenticate",
                               "Bearer authorization_uri=" + root + "/" + current.tenant +
                                   "/oauth2/authorize, resource_id=" + root + "/");
                setJson(res, 401, errorResponse(401, "0x80072243", problem).body);
                return;
            }
        }

        // Service protection limits, per user: concurrency first (enforced at once), then the
        // sliding window of request counts.
        {
            std::lock_guard lock(m_controlMutex);
            Load& load = m_load[user];
            const auto now = Clock::now();
            const int used = common::pruneWindow(
                load.recent, now, std::chrono::seconds(current.throttleWindowSeconds));
            std::string code, message;
            if (current.throttleConcurrent > 0 && load.inFlight >= current.throttleConcurrent) {
                code = "0x80072326";
                message = "Number of concurrent requests exceeded the limit of " +
                          std::to_string(current.throttleConcurrent) + ".";
            } else if (current.throttleRequests > 0 && used >= current.throttleRequests) {
                code = "0x80072322";
                message = "Number of requests exceeded the limit of " +
                          std::to_string(current.throttleRequests) + " over time window of " +
                          std::to_string(current.throttleWindowSeconds) + " seconds.";
            }
            if (!code.empty()) {
                ++m_throttled;
                res.set_header("Retry-After", std::to_string(current.retryAfterSeconds));
                setJson(res, 429, errorResponse(429, code, message).body);
                return;
            }
            load.recent.push_back(now);
            ++load.inFlight;
            if (current.throttleRequests > 0)
                res.set_header("x-ms-ratelimit-burst-remaining-xrm-requests",
                               std::to_string(current.throttleRequests -
                                              static_cast<int>(load.recent.size())));
        }
        struct InFlight {
            Impl* self;
            std::string user;
            ~InFlight() {
                std::lock_guard lock(self->m_controlMutex);
                --self->m_load[user].inFlight;
            }
        } inFlight{this, user};

        common::addLatency(current.latencyMs);

        double draw = 0;
        {
            std::lock_guard lock(m_controlMutex);
            draw = common::nextUnit(m_faultRandom);
        }
        if (draw < current.fault503Rate) {
            ++m_faults;
            res.set_header("Retry-After", std::to_string(current.retryAfterSeconds));
            setJson(res, 503,
                    errorResponse(503, "0x80040216",
                                  "The service is temporarily unavailable. Retry later.")
                        .body);
            return;
        }
        if (draw < current.fault503Rate + current.fault504Rate) {
            ++m_faults;
            res.set_header("Retry-After", std::to_string(current.retryAfterSeconds));
            setJson(
                res, 504,
                errorResponse(504, "0x80040216", "The gateway timed out waiting for the service.")
                    .body);
            return;
        }
        if (draw < current.fault503Rate + current.fault504Rate + current.faultDropRate) {
            ++m_faults;
            common::dropConnection(res);
            return;
        }

        ServiceResponse response = m_service.handle(request);
        res.status = response.status;
        for (const auto& [name, value] : response.headers)
            res.set_header(name, value);
        if (!response.contentType.empty())
            res.set_content(std::move(response.body), response.contentType);
    }

    void tokenError(httplib::Response& res, int status, const std::string& error, int code,
                    const std::string& description) {
        const std::string trace = Guid::fromRandom(m_tokenRandom).str();
        const std::string correlation = Guid::fromRandom(m_tokenRandom).str();
        setJson(res, status,
                common::tokenErrorBody(error, code, description, trace, correlation, nowIso()));
    }

    void token(const httplib::Request& req, httplib::Response& res, const std::string& tenant) {
        const DynamicsOptions current = options();
        common::addLatency(current.latencyMs);
        std::lock_guard lock(m_controlMutex);
        std::string ignored;
        HeaderList form;
        splitTarget("?" + req.body, ignored, form);
        if (tenant != current.tenant && tenant != "organizations")
            return tokenError(res, 400, "invalid_request", 90002,
                              "Tenant '" + tenant + "' not found.");
        const std::string grant = formValue(form, "grant_type");
        const std::string scope = formValue(form, "scope");
        std::string clientId = formValue(form, "client_id");
        std::string clientSecret = formValue(form, "client_secret");
        // Confidential clients may authenticate with HTTP Basic instead of form fields.
        const std::string basic = req.get_header_value("Authorization");
        if (basic.rfind("Basic ", 0) == 0) {
            const auto decoded = base64Decode(basic.substr(6));
            const auto colon = decoded.find(':');
            if (colon != std::string::npos) {
                clientId = *percentDecode(decoded.substr(0, colon), true);
                clientSecret = *percentDecode(decoded.substr(colon + 1), true);
            }
        }
        if (grant.empty())
            return tokenError(res, 400, "invalid_request", 900144,
                              "The request body must contain the following parameter: "
                              "'grant_type'.");
        if (clientId.empty())
            return tokenError(res, 400, "invalid_request", 900144,
                              "The request body must contain the following parameter: "
                              "'client_id'.");
        std::string subject;
        bool refresh = scope.find("offline_access") != std::string::npos;
        if (grant == "password") {
            const std::string user = formValue(form, "username");
            if (compareIgnoreCase(user, current.user) != 0 ||
                formValue(form, "password") != current.password)
                return tokenError(res, 400, "invalid_grant", 50126,
                                  "Error validating credentials due to invalid username or "
                                  "password.");
            subject = current.user;
        } else if (grant == "client_credentials") {
            if (clientId != current.clientId)
                return tokenError(res, 400, "unauthorized_client", 700016,
                                  "Application with identifier '" + clientId +
                                      "' was not found in the directory '" + tenant + "'.");
            if (clientSecret.empty())
                return tokenError(res, 400, "invalid_request", 900144,
                                  "The request body must contain the following parameter: "
                                  "'client_assertion' or 'client_secret'.");
            if (clientSecret != current.clientSecret)
                return tokenError(res, 401, "invalid_client", 7000215,
                                  "Invalid client secret provided. Ensure the secret being sent "
                                  "in the request is the client secret value, not the client "
                                  "secret ID, for a secret added to app '" +
                                      clientId + "'.");
            subject = "app:" + clientId;
            refresh = false;  // client credentials never get a refresh token
        } else if (grant == "refresh_token") {
            const auto it = m_refreshTokens.find(formValue(form, "refresh_token"));
            if (it == m_refreshTokens.end())
                return tokenError(res, 400, "invalid_grant", 9002313,
                                  "Invalid request. Request is malformed or invalid.");
            subject = it->second;
        } else {
            return tokenError(res, 400, "unsupported_grant_type", 70003,
                              "The app requested an unsupported grant type '" + grant + "'.");
        }
        const std::string access = newToken(96);
        m_tokens[access] = {subject,
                            Clock::now() + std::chrono::seconds(current.tokenLifetimeSeconds)};
        ++m_tokensIssued;
        nlohmann::json body = common::tokenBody(scope, current.tokenLifetimeSeconds, access);
        if (refresh) {
            const std::string refreshToken = newToken(64);
            m_refreshTokens[refreshToken] = subject;
            body["refresh_token"] = refreshToken;
        }
        setJson(res, 200, body.dump());
    }

    void control(const httplib::Request& req, httplib::Response& res, const std::string& what) {
        try {
            const nlohmann::json body = common::controlBody(req.body);
            const DynamicsOptions current = options();
            if (what == "stats" && req.method == "GET") {
                setJson(res, 200, common::statsJson(stats()));
            } else if (what == "faults" && req.method == "POST") {
                setFaults(body.value("rate503", current.fault503Rate),
                          body.value("rate504", current.fault504Rate),
                          body.value("rateDrop", current.faultDropRate));
                res.status = 204;
            } else if (what == "throttle" && req.method == "POST") {
                setThrottle(body.value("requests", current.throttleRequests),
                            body.value("windowSeconds", current.throttleWindowSeconds),
                            body.value("retryAfterSeconds", current.retryAfterSeconds));
                setConcurrency(body.value("concurrent", current.throttleConcurrent));
                res.status = 204;
            } else if (what == "latency" && req.method == "POST") {
                setLatency(body.value("ms", current.latencyMs));
                res.status = 204;
            } else if (what == "revoke-tokens" && req.method == "POST") {
                revokeTokens();
                res.status = 204;
            } else if (what == "entities" && req.method == "POST") {
                m_service.defineEntity(entityDefinitionFromJson(body));
                res.status = 201;
            } else if (what.rfind("entities/", 0) == 0 && req.method == "DELETE") {
                m_service.dropEntity(what.substr(9));
                res.status = 204;
            } else {
                common::unknownControl(res, req.method, what);
            }
        } catch (const std::exception& e) {
            common::controlError(res, e.what());
        }
    }

    DynamicsOptions m_options;  // runtime-changeable fields guarded by m_controlMutex
    DynamicsService m_service;
    mutable std::mutex m_controlMutex;  // options, tokens, loads, fault random source
    std::unordered_map<std::string, Grant> m_tokens;
    std::unordered_map<std::string, std::string> m_refreshTokens;  // refresh token -> subject
    std::unordered_map<std::string, Load> m_load;
    std::uint64_t m_tokenRandom = 0;
    std::uint64_t m_faultRandom = 0;

    common::HttpHost m_host;

    std::atomic<std::uint64_t> m_requests{0}, m_throttled{0}, m_faults{0}, m_tokensIssued{0};
};

DynamicsEmulator::DynamicsEmulator(DynamicsOptions options)
    : m_impl(std::make_unique<Impl>(std::move(options))) {}

DynamicsEmulator::~DynamicsEmulator() = default;

void DynamicsEmulator::start(int port) {
    m_impl->start(port);
}
void DynamicsEmulator::stop() {
    m_impl->stop();
}
int DynamicsEmulator::port() const {
    return m_impl->port();
}
std::string DynamicsEmulator::rootUrl() const {
    return m_impl->root();
}
std::string DynamicsEmulator::baseUrl() const {
    return m_impl->root() + "/api/data/v9.2/";
}
EmulatorStats DynamicsEmulator::stats() const {
    return m_impl->stats();
}

std::string DynamicsEmulator::authority() const {
    return m_impl->root() + "/" + m_impl->tenant();
}

std::string DynamicsEmulator::tokenEndpoint() const {
    return authority() + "/oauth2/v2.0/token";
}

void DynamicsEmulator::setFaults(double rate503, double rate504, double rateDrop) {
    m_impl->setFaults(rate503, rate504, rateDrop);
}

void DynamicsEmulator::setThrottle(int requestsPerWindow, int windowSeconds,
                                   int retryAfterSeconds) {
    m_impl->setThrottle(requestsPerWindow, windowSeconds, retryAfterSeconds);
}

void DynamicsEmulator::setConcurrencyLimit(int concurrentRequests) {
    m_impl->setConcurrency(concurrentRequests);
}

void DynamicsEmulator::setLatency(int ms) {
    m_impl->setLatency(ms);
}
void DynamicsEmulator::revokeTokens() {
    m_impl->revokeTokens();
}

void DynamicsEmulator::defineEntity(const EntityDefinition& definition) {
    m_impl->service().defineEntity(definition);
}

void DynamicsEmulator::dropEntity(const std::string& entitySet) {
    m_impl->service().dropEntity(entitySet);
}

}  // namespace ferry::emulator
