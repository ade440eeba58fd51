// A plain client of the Dynamics Web API emulator, for tests that check its data natively.
#include "dynamics_web_api.h"

#include <stdexcept>
#include <utility>

namespace ferry::test {

namespace {

using nlohmann::json;

// Any client id does for the password grant; this is the emulator's registered one.
constexpr const char* kClientId = "ferry-test-client";

// Returns the answer when its status passes `accepted`, else throws with status and body.
template <typename Accepted>
httplib::Response checked(httplib::Result result, Accepted accepted, const std::string& what) {
    if (!result || !accepted(result->status)) {
        throw std::runtime_error(what + ": HTTP " +
                                 (result ? std::to_string(result->status) + " " + result->body
                                         : std::string("no answer")));
    }
    return std::move(*result);
}

bool isSuccess(int status) {
    return status / 100 == 2;
}

}  // namespace

DynamicsWebApi::DynamicsWebApi(const emulator::DynamicsEmulator& service, int maxPageSize)
    : m_client("127.0.0.1", service.port()),
      m_root(service.rootUrl()),
      m_basePath(service.baseUrl().substr(m_root.size())),
      m_maxPageSize(maxPageSize) {
    m_client.set_read_timeout(30, 0);
    const std::string tokenPath = service.tokenEndpoint().substr(m_root.size());
    const httplib::Params form = {{"grant_type", "password"},
                                  {"client_id", kClientId},
                                  {"username", kUser},
                                  {"password", kPassword},
                                  {"scope", m_root + "/.default"}};
    const httplib::Response answer = checked(
        m_client.Post(tokenPath, form), [](int status) { return status == 200; },
        "token request to " + tokenPath);
    m_token = json::parse(answer.body).at("access_token").get<std::string>();
}

json DynamicsWebApi::get(const std::string& relative) {
    const std::string path = m_basePath + relative;
    return json::parse(
        checked(
            m_client.Get(path, headers()), [](int status) { return status == 200; }, "GET " + path)
            .body);
}

std::vector<json> DynamicsWebApi::all(const std::string& relative, const PageParser& parse) {
    httplib::Headers extra;
    if (m_maxPageSize > 0) {
        extra.emplace("Prefer", "odata.maxpagesize=" + std::to_string(m_maxPageSize));
    }
    std::vector<json> rows;
    std::string path = m_basePath + relative;
    while (!path.empty()) {
        const httplib::Response answer = checked(
            m_client.Get(path, headers(extra)), [](int status) { return status == 200; },
            "GET " + path);
        json page = parse ? parse(answer.body) : json::parse(answer.body);
        for (auto& row : page.at("value")) {
            rows.push_back(std::move(row));
        }
        path = page.contains("@odata.nextLink")
                   ? page["@odata.nextLink"].get<std::string>().substr(m_root.size())
                   : std::string();
    }
    return rows;
}

int DynamicsWebApi::patch(const std::string& relative, const json& body) {
    const std::string path = m_basePath + relative;
    return checked(
               m_client.Patch(path, headers({{"If-Match", "*"}}), body.dump(), "application/json"),
               isSuccess, "PATCH " + path)
        .status;
}

int DynamicsWebApi::post(const std::string& relative, const json& body) {
    return postText(relative, body.dump());
}

int DynamicsWebApi::postText(const std::string& relative, const std::string& jsonText) {
    const std::string path = m_basePath + relative;
    return checked(m_client.Post(path, headers(), jsonText, "application/json"), isSuccess,
                   "POST " + path)
        .status;
}

int DynamicsWebApi::remove(const std::string& relative) {
    const std::string path = m_basePath + relative;
    return checked(m_client.Delete(path, headers()), isSuccess, "DELETE " + path).status;
}

std::string DynamicsWebApi::create(const std::string& entitySet, const json& body) {
    const std::string path = m_basePath + entitySet;
    const httplib::Response answer = checked(
        m_client.Post(path, headers(), body.dump(), "application/json"),
        [](int status) { return status == 204; }, "POST " + path);
    const std::string id = answer.get_header_value("OData-EntityId");  // ...accounts(<id>)
    const auto open = id.rfind('(');
    if (open == std::string::npos || id.back() != ')') {
        throw std::runtime_error("POST " + path + ": no record id in OData-EntityId '" + id + "'");
    }
    return id.substr(open + 1, id.size() - open - 2);
}

httplib::Headers DynamicsWebApi::headers(httplib::Headers extra) const {
    extra.emplace("Authorization", "Bearer " + m_token);
    extra.emplace("Accept", "application/json");
    extra.emplace("OData-Version", "4.0");
    extra.emplace("OData-MaxVersion", "4.0");
    return extra;
}

}  // namespace ferry::test
