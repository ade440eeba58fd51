// The HTTP face of the SharePoint emulator: token endpoint, Bearer and digest checks,
// throttling, fault injection and latency in front of SharePointService, plus /_emulator/.
#include "sharepoint_emulator.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "http_host.h"
#include "service_plumbing.h"
#include "sp_service.h"
#include "sp_text.h"

namespace ferry::emulator {
namespace {

using common::Clock;
using common::setJson;
using sp::NameValues;

constexpr int kAppUserId = 1073741822;  // "SharePoint App", the author of app-only writes
constexpr const char* kSharePointPrincipal = "00000003-0000-0ff1-ce00-000000000000";

SpFieldType fieldTypeFromJson(const nlohmann::json& value) {
    if (const auto type = sp::parseFieldType(value))
        return *type;
    throw std::invalid_argument("Unknown field type " + value.dump() + ".");
}

SpListDefinition definitionFromJson(const nlohmann::json& body) {
    SpListDefinition definition;
    definition.title = body.at("title").get<std::string>();
    definition.urlName = body.value("urlName", std::string());
    for (const auto& f : body.value("fields", nlohmann::json::array())) {
        SpField field;
        field.internalName = f.at("internalName").get<std::string>();
        field.title = f.value("title", std::string());
        field.type = fieldTypeFromJson(f.value("type", nlohmann::json("Text")));
        field.required = f.value("required", false);
        field.readOnly = f.value("readOnly", false);
        field.hidden = f.value("hidden", false);
        field.indexed = f.value("indexed", false);
        field.maxLength = f.value("maxLength", 255);
        field.choices = f.value("choices", std::vector<std::string>());
        field.fillInChoice = f.value("fillInChoice", false);
        field.enforceUniqueValues = f.value("enforceUniqueValues", false);
        field.dateOnly = f.value("dateOnly", false);
        field.lookupList = f.value("lookupList", std::string());
        definition.fields.push_back(std::move(field));
    }
    return definition;
}

}  // namespace

class SharePointEmulator::Impl {
public:
    explicit Impl(SharePointOptions options)
        : m_options(std::move(options)),
          m_service(m_options),
          m_host(
              common::HostSettings{"SharePoint", 32, 0, 64 * 1024 * 1024},
              [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); }) {
        m_tokenRandom = common::unpredictableSeed();
        m_faultRandom = 0xFA17ULL;
    }

    ~Impl() { m_host.stop(); }  // before the service the handler uses goes

    void start(int port) { m_host.start(port); }
    void stop() { m_host.stop(); }

    int port() const { return m_host.port(); }
    std::string root() const { return m_host.root(); }
    SharePointOptions options() const {
        std::lock_guard lock(m_controlMutex);
        return m_options;
    }

    SharePointStats stats() const {
        SharePointStats s;
        s.requests = m_requests;
        s.reads = m_service.reads();
        s.writes = m_service.writes();
        s.batches = m_service.batches();
        s.throttled = m_throttled;
        s.faults = m_faults;
        s.tokensIssued = m_tokensIssued;
        s.maxConcurrentRequests = m_maxInFlight;
        return s;
    }

    void setFaults(double rate503, double rateDrop) {
        std::lock_guard lock(m_controlMutex);
        m_options.fault503Rate = rate503;
        m_options.faultDropRate = rateDrop;
    }

    void setThrottle(int requests, int windowSeconds, int retryAfter) {
        std::lock_guard lock(m_controlMutex);
        m_options.throttleRequests = std::max(0, requests);
        m_options.throttleWindowSeconds = std::max(1, windowSeconds);
        m_options.retryAfterSeconds = std::max(0, retryAfter);
        m_load.clear();
    }

    void setLatency(int ms) {
        std::lock_guard lock(m_controlMutex);
        m_options.latencyMs = std::max(0, ms);
    }

    void setBlocked(bool blocked) {
        std::lock_guard lock(m_controlMutex);
        m_options.blocked = blocked;
    }

    void revokeTokens() {
        std::lock_guard lock(m_controlMutex);
        common::expireAll(m_tokens);
    }

    sp::SharePointService& service() { return m_service; }
    const sp::SharePointService& service() const { return m_service; }

private:
    struct Grant {
        int userId = 1;
        bool secretBased = false;    // app-only with a client secret: SharePoint refuses it
        bool otherAudience = false;  // e.g. a Microsoft Graph token
        Clock::time_point expires;
    };

    std::string newToken() {
        std::string token = "eyJ0eXAiOiJKV1QifQ.";
        for (int i = 0; i < 6; ++i) {
            std::uint64_t v = sp::nextRandom(m_tokenRandom);
            for (int b = 0; b < 10; ++b, v >>= 6)
                token.push_back(common::kTokenAlphabet[v & 63]);
        }
        return token;
    }

    void handle(const httplib::Request& req, httplib::Response& res) {
        ++m_requests;
        const std::string_view target =
            req.target.empty() ? std::string_view(req.path) : std::string_view(req.target);
        const auto mark = target.find('?');
        const auto path = sp::percentDecode(target.substr(0, mark), false);
        const auto query = sp::parseQuery(
            mark == std::string_view::npos ? std::string_view() : target.substr(mark + 1), false);
        if (!path || !query) {
            setJson(res, 400, R"({"error":"The request URL is not valid."})");
            return;
        }
        if (path->rfind("/_emulator/", 0) == 0)
            return control(req, res, path->substr(11));
        const SharePointOptions current = options();
        if (*path == "/" + current.tenantId + "/oauth2/v2.0/token" ||
            *path == "/organizations/oauth2/v2.0/token") {
            if (req.method != "POST") {
                setJson(res, 405, R"({"error":"invalid_request"})");
                return;
            }
            return token(req, res);
        }
        const std::string apiRoot = current.site + "/_api";
        if (!sp::istartsWith(*path, apiRoot) ||
            (path->size() > apiRoot.size() && (*path)[apiRoot.size()] != '/')) {
            res.status = 404;
            res.set_content("404 NOT FOUND", "text/plain");
            return;
        }
        std::string host = req.get_header_value("Host");
        if (host.empty())
            host = "127.0.0.1:" + std::to_string(m_host.port());

        sp::ServiceRequest request;
        request.method = req.method;
        const std::string override = req.get_header_value("X-HTTP-Method");
        if (req.method == "POST" && !override.empty())
            request.method = sp::toLower(override) == "merge"    ? "MERGE"
                             : sp::toLower(override) == "delete" ? "DELETE"
                             : sp::toLower(override) == "put"    ? "PUT"
                             : sp::toLower(override) == "patch"  ? "PATCH"
                                                                 : override;
        request.path = path->size() > apiRoot.size() + 1 ? path->substr(apiRoot.size() + 1) : "";
        request.query = *query;
        for (const auto& [name, value] : req.headers)
            request.headers.emplace_back(name, value);
        request.body = req.body;
        request.siteUrl = "http://" + host + current.site;
        // How many requests are in flight at once, for the stats (the latency counts).
        const std::uint64_t inFlight = ++m_inFlight;
        std::uint64_t most = m_maxInFlight.load();
        while (inFlight > most && !m_maxInFlight.compare_exchange_weak(most, inFlight)) {
        }
        struct Leave {
            std::atomic<std::uint64_t>& count;
            ~Leave() { --count; }
        } leave{m_inFlight};
        data(request, res, current, "http://" + host);
    }

    void send(httplib::Response& res, sp::ServiceResponse response) {
        res.status = response.status;
        for (const auto& [name, value] : response.headers)
            res.set_header(name, value);
        if (!response.contentType.empty())
            res.set_content(std::move(response.body), response.contentType);
    }

    void data(sp::ServiceRequest& request, httplib::Response& res, const SharePointOptions& current,
              const std::string& root) {
        if (current.blocked) {
            ++m_faults;
            res.set_header("Retry-After", std::to_string(current.retryAfterSeconds));
            return send(res, m_service.errorFor(request, 503,
                                                "-2147024891, System.UnauthorizedAccessException",
                                                "The tenant is blocked."));
        }
        // Authentication: a Bearer token for the SharePoint audience, or (without requireAuth)
        // none at all, in which case writes need the form digest.
        const std::string authorization = request.header("Authorization");
        const bool bearer = authorization.rfind("Bearer ", 0) == 0;
        std::string problem;
        if (bearer) {
            std::lock_guard lock(m_controlMutex);
            const auto it = m_tokens.find(authorization.substr(7));
            if (it == m_tokens.end() || it->second.otherAudience)
                problem = "Invalid issuer or signature.";
            else if (it->second.expires <= Clock::now())
                problem = "Invalid JWT token. The token is expired.";
            else if (it->second.secretBased)
                problem = "Unsupported app only token.";
            else
                request.user = it->second.userId;
        } else if (current.requireAuth) {
            problem = "Invalid JWT token. No token was provided.";
        }
        if (!problem.empty()) {
            res.set_header("WWW-Authenticate",
                           "Bearer realm=\"" + current.tenantId + "\",client_id=\"" +
                               kSharePointPrincipal +
                               "\",trusted_issuers=\"00000001-0000-0000-c000-000000000000@*,"
                               "https://sts.windows.net/*/,https://login.microsoftonline.com/*/"
                               "v2.0\",authorization_uri=\"" +
                               root + "/" + current.tenantId + "/oauth2/authorize\"");
            res.set_header("x-ms-diagnostics",
                           "3000003;reason=\"" + problem + "\";category=\"invalid_client\"");
            setJson(res, 401, nlohmann::json{{"error_description", problem}}.dump());
            return;
        }
        request.needsDigest = !bearer;

        // Throttling: a sliding window of requests per user, answered 429 with Retry-After.
        if (current.throttleRequests > 0) {
            std::lock_guard lock(m_controlMutex);
            auto& recent = m_load[request.user];
            const auto now = Clock::now();
            const int used = common::pruneWindow(
                recent, now, std::chrono::seconds(current.throttleWindowSeconds));
            if (used >= current.throttleRequests) {
                ++m_throttled;
                res.set_header("Retry-After", std::to_string(current.retryAfterSeconds));
                res.set_header("RateLimit-Limit", std::to_string(current.throttleRequests));
                res.set_header("RateLimit-Remaining", "0");
                res.set_header("RateLimit-Reset", std::to_string(current.retryAfterSeconds));
                return send(res,
                            m_service.errorFor(
                                request, 429,
                                "-2147024860, Microsoft.SharePoint.SPRequestThrottledException",
                                "The request has been throttled: more than " +
                                    std::to_string(current.throttleRequests) + " requests in " +
                                    std::to_string(current.throttleWindowSeconds) + " seconds."));
            }
            recent.push_back(now);
            if ((used + 1) * 5 >= current.throttleRequests * 4) {
                res.set_header("RateLimit-Limit", std::to_string(current.throttleRequests));
                res.set_header("RateLimit-Remaining",
                               std::to_string(current.throttleRequests - used - 1));
                res.set_header("RateLimit-Reset", std::to_string(current.throttleWindowSeconds));
            }
        }

        common::addLatency(current.latencyMs);

        double draw = 0;
        {
            std::lock_guard lock(m_controlMutex);
            draw = common::nextUnit(m_faultRandom);
        }
        if (draw < current.fault503Rate) {
            ++m_faults;
            res.set_header("Retry-After", std::to_string(current.retryAfterSeconds));
            return send(res,
                        m_service.errorFor(request, 503, "-1, Microsoft.SharePoint.SPException",
                                           "The server is busy. Retry later."));
        }
        if (draw < current.fault503Rate + current.faultDropRate) {
            ++m_faults;
            common::dropConnection(res);
            return;
        }
        send(res, m_service.handle(request));
    }

    void tokenError(httplib::Response& res, const std::string& error, int code,
                    const std::string& description) {
        const std::string trace = sp::randomGuid(m_tokenRandom);
        const std::string correlation = sp::randomGuid(m_tokenRandom);
        const std::string now = sp::formatIso(sp::nowSeconds());
        setJson(res, error == "invalid_client" ? 401 : 400,
                common::tokenErrorBody(error, code, description, trace, correlation, now));
    }

    void token(const httplib::Request& req, httplib::Response& res) {
        const SharePointOptions current = options();
        common::addLatency(current.latencyMs);
        const auto form = sp::parseQuery(req.body, true).value_or(NameValues());
        const auto field = [&](const char* name) { return sp::findValue(form, name).value_or(""); };
        const std::string grant = field("grant_type");
        const std::string scope = field("scope");
        const std::string clientId = field("client_id");
        std::lock_guard lock(m_controlMutex);
        if (grant.empty())
            return tokenError(res, "invalid_request", 900144,
                              "The request body must contain the following parameter: "
                              "'grant_type'.");
        if (clientId.empty())
            return tokenError(res, "invalid_request", 900144,
                              "The request body must contain the following parameter: "
                              "'client_id'.");
        Grant granted;
        bool refresh = scope.find("offline_access") != std::string::npos;
        if (grant == "password") {
            if (sp::compareIgnoreCase(field("username"), current.user) != 0 ||
                field("password") != current.password)
                return tokenError(res, "invalid_grant", 50126,
                                  "Error validating credentials due to invalid username or "
                                  "password.");
        } else if (grant == "refresh_token") {
            const auto it = m_refreshTokens.find(field("refresh_token"));
            if (it == m_refreshTokens.end())
                return tokenError(res, "invalid_grant", 70000,
                                  "Provided grant is invalid or malformed.");
            granted = it->second;
            refresh = true;
        } else if (grant == "client_credentials") {
            if (clientId != current.clientId)
                return tokenError(res, "unauthorized_client", 700016,
                                  "Application with identifier '" + clientId +
                                      "' was not found in the directory.");
            const std::string assertion = field("client_assertion");
            if (!assertion.empty()) {
                if (field("client_assertion_type") !=
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                    return tokenError(res, "invalid_request", 50027,
                                      "Invalid client_assertion_type.");
            } else if (field("client_secret").empty()) {
                return tokenError(res, "invalid_client", 7000215,
                                  "The request body must contain the following parameter: "
                                  "'client_assertion' or 'client_secret'.");
            } else {
                // Entra ID issues it; SharePoint refuses it on every /_api call.
                granted.secretBased = true;
            }
            granted.userId = kAppUserId;
            refresh = false;
        } else {
            return tokenError(res, "unsupported_grant_type", 70003,
                              "The app requested an unsupported grant type '" + grant + "'.");
        }
        if (scope.empty() && grant != "refresh_token")
            return tokenError(res, "invalid_request", 900144,
                              "The request body must contain the following parameter: 'scope'.");
        // A token for another resource (e.g. Microsoft Graph) is refused by SharePoint.
        if (scope.find("graph.microsoft.com") != std::string::npos)
            granted.otherAudience = true;
        granted.expires = Clock::now() + std::chrono::seconds(current.tokenLifetimeSeconds);
        const std::string access = newToken();
        m_tokens[access] = granted;
        ++m_tokensIssued;
        nlohmann::json body = common::tokenBody(scope, current.tokenLifetimeSeconds, access);
        if (refresh) {
            const std::string refreshToken = newToken();
            m_refreshTokens[refreshToken] = granted;
            body["refresh_token"] = refreshToken;
        }
        setJson(res, 200, body.dump());
    }

    void control(const httplib::Request& req, httplib::Response& res, const std::string& what) {
        try {
            const nlohmann::json body = common::controlBody(req.body);
            const SharePointOptions current = options();
            if (what == "stats" && req.method == "GET") {
                const SharePointStats counters = stats();
                nlohmann::json answer = nlohmann::json::parse(common::statsJson(counters));
                answer["maxConcurrentRequests"] = counters.maxConcurrentRequests;
                setJson(res, 200, answer.dump());
            } else if (what == "faults" && req.method == "POST") {
                setFaults(body.value("rate503", current.fault503Rate),
                          body.value("rateDrop", current.faultDropRate));
                res.status = 204;
            } else if (what == "throttle" && req.method == "POST") {
                setThrottle(body.value("requests", current.throttleRequests),
                            body.value("windowSeconds", current.throttleWindowSeconds),
                            body.value("retryAfterSeconds", current.retryAfterSeconds));
                res.status = 204;
            } else if (what == "latency" && req.method == "POST") {
                setLatency(body.value("ms", current.latencyMs));
                res.status = 204;
            } else if (what == "block" && req.method == "POST") {
                setBlocked(body.value("blocked", true));
                res.status = 204;
            } else if (what == "revoke-tokens" && req.method == "POST") {
                revokeTokens();
                res.status = 204;
            } else if (what == "lists" && req.method == "GET") {
                setJson(res, 200, nlohmann::json(m_service.listTitles()).dump());
            } else if (what == "lists" && req.method == "POST") {
                m_service.createList(definitionFromJson(body));
                res.status = 201;
            } else if (what.rfind("lists/", 0) == 0) {
                std::string title = what.substr(6);
                const bool items = title.size() > 6 && title.substr(title.size() - 6) == "/items";
                if (items)
                    title.resize(title.size() - 6);
                if (items && req.method == "POST") {
                    if (!body.is_array())
                        throw std::invalid_argument("POST an array of items.");
                    m_service.addItems(title, body.get<std::vector<nlohmann::json>>());
                    res.status = 204;
                } else if (items && req.method == "GET") {
                    setJson(res, 200, nlohmann::json(m_service.items(title)).dump());
                } else if (!items && req.method == "DELETE") {
                    m_service.deleteList(title);
                    res.status = 204;
                } else {
                    throw std::invalid_argument("Unknown control endpoint.");
                }
            } else {
                common::unknownControl(res, req.method, what);
            }
        } catch (const std::exception& e) {
            common::controlError(res, e.what());
        }
    }

    SharePointOptions m_options;  // runtime-changeable fields guarded by m_controlMutex
    sp::SharePointService m_service;
    mutable std::mutex m_controlMutex;  // options, tokens, loads, fault random source
    std::unordered_map<std::string, Grant> m_tokens;
    std::unordered_map<std::string, Grant> m_refreshTokens;
    std::unordered_map<int, std::deque<Clock::time_point>> m_load;
    std::uint64_t m_tokenRandom = 0, m_faultRandom = 0;
    std::atomic<std::uint64_t> m_requests{0}, m_throttled{0}, m_faults{0}, m_tokensIssued{0};
    std::atomic<std::uint64_t> m_inFlight{0}, m_maxInFlight{0};

    common::HttpHost m_host;
};

SharePointEmulator::SharePointEmulator(SharePointOptions options)
    : m_impl(std::make_unique<Impl>(std::move(options))) {}
SharePointEmulator::~SharePointEmulator() = default;

void SharePointEmulator::start(int port) {
    m_impl->start(port);
}
void SharePointEmulator::setBatchPartFaults(int every) {
    m_impl->service().setBatchPartFaults(every);
}
void SharePointEmulator::expireFormDigests() {
    m_impl->service().expireDigests();
}
void SharePointEmulator::stop() {
    m_impl->stop();
}
int SharePointEmulator::port() const {
    return m_impl->port();
}
std::string SharePointEmulator::rootUrl() const {
    return m_impl->root();
}
std::string SharePointEmulator::siteUrl() const {
    return m_impl->root() + m_impl->options().site;
}
std::string SharePointEmulator::authority() const {
    return m_impl->root() + "/" + m_impl->options().tenantId;
}
std::string SharePointEmulator::tokenEndpoint() const {
    return authority() + "/oauth2/v2.0/token";
}
SharePointStats SharePointEmulator::stats() const {
    return m_impl->stats();
}
void SharePointEmulator::setFaults(double rate503, double rateDrop) {
    m_impl->setFaults(rate503, rateDrop);
}
void SharePointEmulator::setThrottle(int requestsPerWindow, int windowSeconds,
                                     int retryAfterSeconds) {
    m_impl->setThrottle(requestsPerWindow, windowSeconds, retryAfterSeconds);
}
void SharePointEmulator::setLatency(int ms) {
    m_impl->setLatency(ms);
}
void SharePointEmulator::setBlocked(bool blocked) {
    m_impl->setBlocked(blocked);
}
void SharePointEmulator::setSchemaLocked(bool locked) {
    m_impl->service().setSchemaLocked(locked);
}
void SharePointEmulator::revokeTokens() {
    m_impl->revokeTokens();
}
void SharePointEmulator::createList(const SpListDefinition& list) {
    m_impl->service().createList(list);
}
void SharePointEmulator::deleteList(const std::string& title) {
    m_impl->service().deleteList(title);
}
void SharePointEmulator::addItems(const std::string& title,
                                  const std::vector<nlohmann::json>& items) {
    m_impl->service().addItems(title, items);
}
std::vector<nlohmann::json> SharePointEmulator::items(const std::string& title) const {
    return m_impl->service().items(title);
}

}  // namespace ferry::emulator
