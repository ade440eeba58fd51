// Seed 000: Dynamics 365 accounts (the Web API emulator) into a custom SharePoint Online list
// (the SharePoint emulator) through the sync engine, one way first, then bi-directional.
#include <gtest/gtest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dynamics_emulator.h"
#include "dynamics_web_api.h"
#include "ferry/document.h"
#include "ferry/provider.h"
#include "ferry/state_store.h"
#include "ferry/sync_engine.h"
#include "sharepoint_emulator.h"
#include "test_support.h"

namespace ferry::test {
namespace {

using Json = nlohmann::json;

constexpr const char* kPassword = "Passw0rd!";
constexpr const char* kNull = "<null>";
constexpr int kAccounts = 300;
constexpr const char* kList = "Accounts";

// SharePoint keeps empty text as null: both compare as null.
std::string text(const Json& value) {
    if (value.is_null() || (value.is_string() && value.get<std::string>().empty())) {
        return kNull;
    }
    return value.is_string() ? value.get<std::string>() : value.dump();
}

using Triple = std::vector<std::string>;  // name, account number, city

// Native SharePoint REST for the test's own edits (independent of the provider's code): a token
// from the emulator's token endpoint (password grant), then MERGE / DELETE on list items.
class SharePointRest {
public:
    explicit SharePointRest(const emulator::SharePointEmulator& service)
        : m_site(service.siteUrl().substr(service.rootUrl().size())),
          m_client("127.0.0.1", service.port()) {
        const std::string tokenPath = service.tokenEndpoint().substr(service.rootUrl().size());
        const httplib::Params form = {{"grant_type", "password"},
                                      {"client_id", "ferry-test-client"},
                                      {"username", "admin@contoso.com"},
                                      {"password", kPassword},
                                      {"scope", service.rootUrl() + "/.default"}};
        const auto response = m_client.Post(tokenPath, form);
        if (!response || response->status != 200) {
            throw std::runtime_error("no SharePoint token: " +
                                     (response ? response->body : std::string("no answer")));
        }
        m_token = Json::parse(response->body).at("access_token").get<std::string>();
    }

    void merge(int id, const Json& fields) { send(id, "MERGE", fields.dump()); }
    void remove(int id) { send(id, "DELETE", ""); }

private:
    void send(int id, const std::string& method, const std::string& body) {
        const std::string path = m_site + "/_api/web/lists/GetByTitle('" + kList + "')/items(" +
                                 std::to_string(id) + ")";
        const httplib::Headers headers = {{"Authorization", "Bearer " + m_token},
                                          {"Accept", "application/json;odata=nometadata"},
                                          {"X-HTTP-Method", method},
                                          {"IF-MATCH", "*"}};
        const auto response =
            m_client.Post(path, headers, body, "application/json;odata=nometadata");
        if (!response || response->status < 200 || response->status >= 300) {
            throw std::runtime_error(method + " " + path + ": " +
                                     (response
                                          ? std::to_string(response->status) + " " + response->body
                                          : std::string("no answer")));
        }
    }

    std::string m_site;
    httplib::Client m_client;
    std::string m_token;
};

class CrmSharePointTest : public ::testing::Test {
protected:
    void SetUp() override {
        emulator::DynamicsOptions crmOptions;
        crmOptions.accounts = kAccounts;
        m_crm = std::make_unique<emulator::DynamicsEmulator>(crmOptions);
        m_crm->start();
        m_api = std::make_unique<DynamicsWebApi>(*m_crm);

        m_sharePoint = std::make_unique<emulator::SharePointEmulator>();
        m_sharePoint->start();
        emulator::SpListDefinition list;
        list.title = kList;
        emulator::SpField title;
        title.internalName = "Title";
        title.required = true;
        emulator::SpField number;
        number.internalName = "Account_x0020_Number";  // as SharePoint names "Account Number"
        number.title = "Account Number";
        emulator::SpField city;
        city.internalName = "City";
        list.fields = {title, number, city};
        m_sharePoint->createList(list);
        m_rest = std::make_unique<SharePointRest>(*m_sharePoint);

        m_store = std::make_unique<StateStore>(m_dir / "state.db");
        registerBuiltinProviders(m_registry);
        m_document.id = "seed-000";
        m_document.title = "CRM accounts to SharePoint";
        m_document.left =
            EntityConfig{"Dynamics accounts",
                         "odata",
                         "URL=" + m_crm->baseUrl() +
                             ";Authentication=microsoft_modern_crm;User=admin@"
                             "contoso.com;Authority=" +
                             m_crm->authority() + ";",
                         "accounts?$select=accountid,name,accountnumber,address1_city",
                         {"accountid"},
                         {}};
        m_document.right = EntityConfig{
            "SharePoint Accounts",
            "sharepoint",
            "URL=" + m_sharePoint->siteUrl() +
                "/Lists/Accounts/AllItems.aspx;Authentication=Microsoft_Modern;User=admin@"
                "contoso.com;TokenEndpoint=" +
                m_sharePoint->tokenEndpoint() + ";",
            "",
            {"ID"},
            {}};
        m_document.mapping.autoMap = false;
        m_document.mapping.columns = {{"name", "Title"},
                                      {"accountnumber", "Account_x0020_Number"},
                                      {"address1_city", "City"}};
    }

    RunReport run() {
        RunOptions options;
        options.leftPassword = kPassword;
        options.rightPassword = kPassword;
        SyncEngine engine(m_registry, *m_store);
        return engine.run(m_document, options);
    }

    // CRM accounts by id: name, account number, city.
    std::map<std::string, Triple> crmAccounts() {
        std::map<std::string, Triple> accounts;
        for (const auto& row : m_api->all("accounts?$select=accountid,name,accountnumber,"
                                          "address1_city")) {
            accounts[row.at("accountid").get<std::string>()] = {
                text(row.at("name")), text(row.at("accountnumber")), text(row.at("address1_city"))};
        }
        return accounts;
    }

    // List items by ID: title, account number, city.
    std::map<int, Triple> listItems() {
        std::map<int, Triple> items;
        for (const auto& item : m_sharePoint->items(kList)) {
            items[item.at("ID").get<int>()] = {text(item.value("Title", Json())),
                                               text(item.value("Account_x0020_Number", Json())),
                                               text(item.value("City", Json()))};
        }
        return items;
    }

    void expectSidesEqual() {
        std::vector<Triple> crm;
        for (const auto& [id, triple] : crmAccounts()) {
            crm.push_back(triple);
        }
        std::vector<Triple> list;
        for (const auto& [id, triple] : listItems()) {
            list.push_back(triple);
        }
        std::sort(crm.begin(), crm.end());
        std::sort(list.begin(), list.end());
        ASSERT_EQ(crm.size(), list.size());
        for (std::size_t i = 0; i < crm.size(); ++i) {
            ASSERT_EQ(crm[i], list[i]) << "row " << i;
        }
    }

    static std::uint64_t writes(const RunReport& report) {
        return report.left.inserted + report.left.updated + report.left.deleted +
               report.right.inserted + report.right.updated + report.right.deleted;
    }

    TempDir m_dir;
    std::unique_ptr<emulator::DynamicsEmulator> m_crm;
    std::unique_ptr<DynamicsWebApi> m_api;
    std::unique_ptr<emulator::SharePointEmulator> m_sharePoint;
    std::unique_ptr<SharePointRest> m_rest;
    std::unique_ptr<StateStore> m_store;
    ProviderRegistry m_registry;
    ConnectionDocument m_document;
};

TEST_F(CrmSharePointTest, OneWayThenBidirectional) {
    // One way: every account becomes a list item.
    auto report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.left.read, static_cast<std::uint64_t>(kAccounts));
    EXPECT_EQ(report.right.inserted, static_cast<std::uint64_t>(kAccounts));
    EXPECT_EQ(report.right.failed, 0U);
    ASSERT_EQ(listItems().size(), static_cast<std::size_t>(kAccounts));
    expectSidesEqual();

    // Rerun without changes: nothing is written.
    report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(writes(report), 0U);

    // Bi-directional: an item edited in SharePoint, an account edited in CRM, an item deleted in
    // SharePoint. Accounts are found by their (unique) account numbers.
    m_document.direction = Direction::Bidirectional;
    std::map<std::string, int> itemByNumber;
    std::map<std::string, int> numberCount;
    for (const auto& [id, triple] : listItems()) {
        itemByNumber[triple[1]] = id;
        ++numberCount[triple[1]];
    }
    std::map<std::string, std::string> accountByNumber;
    for (const auto& [id, triple] : crmAccounts()) {
        accountByNumber[triple[1]] = id;
    }
    std::vector<std::string> numbers;  // unique, non-null account numbers
    for (const auto& [number, count] : numberCount) {
        if (count == 1 && number != kNull) {
            numbers.push_back(number);
        }
    }
    ASSERT_GE(numbers.size(), 3U);
    const std::string editedInList = numbers[0];
    const std::string editedInCrm = numbers[1];
    const std::string deletedInList = numbers[2];
    m_rest->merge(itemByNumber.at(editedInList), {{"City", "Edited in SharePoint"}});
    m_api->patch("accounts(" + accountByNumber.at(editedInCrm) + ")", {{"name", "Edited in CRM"}});
    m_rest->remove(itemByNumber.at(deletedInList));

    report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.left.updated, 1U);
    EXPECT_EQ(report.left.deleted, 1U);
    EXPECT_EQ(report.left.inserted, 0U);
    EXPECT_EQ(report.right.updated, 1U);
    EXPECT_EQ(report.right.inserted + report.right.deleted, 0U);

    const auto accounts = crmAccounts();
    EXPECT_EQ(accounts.size(), static_cast<std::size_t>(kAccounts - 1));
    EXPECT_EQ(accounts.count(accountByNumber.at(deletedInList)), 0U)
        << "the item deleted in SharePoint is deleted in CRM";
    EXPECT_EQ(accounts.at(accountByNumber.at(editedInList))[2], "Edited in SharePoint");
    EXPECT_EQ(listItems().at(itemByNumber.at(editedInCrm))[0], "Edited in CRM");
    expectSidesEqual();

    report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(writes(report), 0U);
}

}  // namespace
}  // namespace ferry::test
