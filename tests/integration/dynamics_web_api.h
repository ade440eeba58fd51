// A plain client of the Dynamics Web API emulator, for tests that check its data natively.
#pragma once

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dynamics_emulator.h"

namespace ferry::test {

// The emulator as a test sees it, independent of Ferry's OData code: a token from the
// emulator's token endpoint (password grant as admin@contoso.com), then plain HTTP requests.
// Every `relative` path is relative to the service root (baseUrl(), ".../api/data/v9.2/"), e.g.
// "accounts(<id>)" or "accounts?$select=name". Failures throw std::runtime_error whose message
// names the request, the HTTP status and the response body ("no answer" when none came).
// Not thread-safe. Keeps no reference to the emulator: once it stops, requests get no answer.
class DynamicsWebApi final {
public:
    // The emulator's default user (DynamicsOptions), whose token every request carries.
    static constexpr const char* kUser = "admin@contoso.com";
    static constexpr const char* kPassword = "Passw0rd!";

    // Turns one page's body into JSON; the default is nlohmann::json::parse.
    using PageParser = std::function<nlohmann::json(const std::string& body)>;

    // Gets a token from `service`, which must be running. maxPageSize > 0 asks for pages of at
    // most that many rows in all() (Prefer: odata.maxpagesize); 0 leaves it to the service.
    // Throws std::runtime_error when the token endpoint refuses.
    explicit DynamicsWebApi(const emulator::DynamicsEmulator& service, int maxPageSize = 0);

    // The parsed body of a GET; throws unless the status is 200.
    nlohmann::json get(const std::string& relative);

    // Every row ("value") of a query, following @odata.nextLink to the last page; `parse` reads
    // each page (e.g. one that keeps the text of numbers). Throws unless every page is 200.
    std::vector<nlohmann::json> all(const std::string& relative, const PageParser& parse = {});

    // An update only (If-Match: *, never an upsert); returns the status, throws unless 2xx.
    int patch(const std::string& relative, const nlohmann::json& body);
    // A POST of `body`; returns the status, throws unless 2xx.
    int post(const std::string& relative, const nlohmann::json& body);
    // A POST of JSON text sent as is, so numbers keep digits a double would round; returns the
    // status, throws unless 2xx.
    int postText(const std::string& relative, const std::string& jsonText);
    // A DELETE; returns the status, throws unless 2xx.
    int remove(const std::string& relative);

    // Creates a record in `entitySet` and returns its id (from the OData-EntityId header);
    // throws unless the status is 204.
    std::string create(const std::string& entitySet, const nlohmann::json& body);

private:
    httplib::Headers headers(httplib::Headers extra = {}) const;

    httplib::Client m_client;
    std::string m_root;      // http://127.0.0.1:PORT, what next links start with
    std::string m_basePath;  // /api/data/v9.2/
    int m_maxPageSize;
    std::string m_token;
};

}  // namespace ferry::test
