// Seed 000: Dynamics 365 accounts (the Web API emulator) into a custom SharePoint Online list
// (the SharePoint emulator) through the sync engine, one way first, then bi-directional; at 300
// accounts and past the list view threshold. Also option-set labels into a Choice column and a
// required list column the mapping leaves empty.
#include <gtest/gtest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <set>
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
constexpr int kLargeAccounts = 12000;  // past SharePoint's list view threshold (5,000)
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

    void merge(int id, const Json& fields) { send(item(id), "MERGE", fields.dump()); }
    void remove(int id) { send(item(id), "DELETE", ""); }
    // Changes a column's settings, e.g. {"Required": false}.
    void mergeField(const std::string& internalName, const Json& settings) {
        send("/fields/getbyinternalnameortitle('" + internalName + "')", "MERGE", settings.dump());
    }

private:
    static std::string item(int id) { return "/items(" + std::to_string(id) + ")"; }

    void send(const std::string& resource, const std::string& method, const std::string& body) {
        const std::string path = m_site + "/_api/web/lists/GetByTitle('" + kList + "')" + resource;
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

// What a test adds to the seed-000 list and mapping (name → Title, account number, city).
struct ListSetup {
    int accounts = kAccounts;
    std::vector<emulator::SpField> extraFields;  // more list columns
    std::string extraSelect;                     // more CRM columns, e.g. ",industrycode"
    std::vector<ColumnPair> extraPairs;          // more mapped pairs
};

class CrmSharePointTest : public ::testing::Test {
protected:
    void start(const ListSetup& setup) {
        m_accounts = setup.accounts;
        emulator::DynamicsOptions crmOptions;
        crmOptions.accounts = setup.accounts;
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
        list.fields.insert(list.fields.end(), setup.extraFields.begin(), setup.extraFields.end());
        m_sharePoint->createList(list);
        m_rest = std::make_unique<SharePointRest>(*m_sharePoint);

        m_store = std::make_unique<StateStore>(m_dir / "state.db");
        registerBuiltinProviders(m_registry);
        m_document.id = "seed-000";
        m_document.title = "CRM accounts to SharePoint";
        m_document.left = EntityConfig{
            "Dynamics accounts",
            "odata",
            "URL=" + m_crm->baseUrl() +
                ";Authentication=microsoft_modern_crm;User=admin@"
                "contoso.com;Authority=" +
                m_crm->authority() + ";",
            "accounts?$select=accountid,name,accountnumber,address1_city" + setup.extraSelect,
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
        m_document.mapping.columns.insert(m_document.mapping.columns.end(),
                                          setup.extraPairs.begin(), setup.extraPairs.end());
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

    // A run that changes nothing: the report says so and neither service saw a write.
    void expectNoWrites() {
        const auto crmWrites = m_crm->stats().writes;
        const auto listWrites = m_sharePoint->stats().writes;
        const RunReport report = run();
        ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
        EXPECT_EQ(writes(report), 0U);
        EXPECT_EQ(report.left.failed + report.right.failed, 0U);
        EXPECT_EQ(m_crm->stats().writes, crmWrites);
        EXPECT_EQ(m_sharePoint->stats().writes, listWrites);
    }

    std::uint64_t accounts() const { return static_cast<std::uint64_t>(m_accounts); }

    int m_accounts = 0;
    TempDir m_dir;
    std::unique_ptr<emulator::DynamicsEmulator> m_crm;
    std::unique_ptr<DynamicsWebApi> m_api;
    std::unique_ptr<emulator::SharePointEmulator> m_sharePoint;
    std::unique_ptr<SharePointRest> m_rest;
    std::unique_ptr<StateStore> m_store;
    ProviderRegistry m_registry;
    ConnectionDocument m_document;
};

// The seed-000 scenario at a given number of accounts.
class CrmSharePointSizeTest : public CrmSharePointTest,
                              public ::testing::WithParamInterface<int> {};

TEST_P(CrmSharePointSizeTest, OneWayThenBidirectional) {
    start({GetParam(), {}, {}, {}});

    // One way: every account becomes a list item.
    auto report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.left.read, accounts());
    EXPECT_EQ(report.right.inserted, accounts());
    EXPECT_EQ(report.right.failed, 0U);
    ASSERT_EQ(listItems().size(), static_cast<std::size_t>(accounts()));
    expectSidesEqual();

    // Rerun without changes: nothing is written.
    expectNoWrites();

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
    // On the large list, the edits are on items past the first 5,000 too.
    const std::string editedInList = numbers[numbers.size() - 1];
    const std::string editedInCrm = numbers[numbers.size() / 2];
    const std::string deletedInList = numbers[0];
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

    const auto crm = crmAccounts();
    EXPECT_EQ(crm.size(), static_cast<std::size_t>(accounts() - 1));
    EXPECT_EQ(crm.count(accountByNumber.at(deletedInList)), 0U)
        << "the item deleted in SharePoint is deleted in CRM";
    EXPECT_EQ(crm.at(accountByNumber.at(editedInList))[2], "Edited in SharePoint");
    EXPECT_EQ(listItems().at(itemByNumber.at(editedInCrm))[0], "Edited in CRM");
    expectSidesEqual();

    expectNoWrites();
}

INSTANTIATE_TEST_SUITE_P(Accounts, CrmSharePointSizeTest,
                         ::testing::Values(kAccounts, kLargeAccounts),
                         [](const ::testing::TestParamInfo<int>& param) {
                             return std::to_string(param.param);
                         });

// Option-set columns reach SharePoint as their labels (`<attr>_label`) in a Choice column.
TEST_F(CrmSharePointTest, OptionSetLabelsIntoChoiceColumn) {
    // The labels as CRM's metadata defines them, read natively (from an emulator without rows:
    // the list's choices must exist before the fixture starts).
    emulator::DynamicsOptions metadataOnly;
    metadataOnly.accounts = 0;
    emulator::DynamicsEmulator crm(metadataOnly);
    crm.start();
    const Json picklists = DynamicsWebApi(crm).get(
        "EntityDefinitions(LogicalName='account')/Attributes/"
        "Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand="
        "OptionSet");
    std::map<int, std::string> labels;
    for (const auto& attribute : picklists.at("value")) {
        if (attribute.at("LogicalName") == "industrycode") {
            for (const auto& option : attribute.at("OptionSet").at("Options")) {
                labels[option.at("Value").get<int>()] =
                    option.at("Label").at("UserLocalizedLabel").at("Label").get<std::string>();
            }
        }
    }
    ASSERT_GE(labels.size(), 2U);

    emulator::SpField industry;
    industry.internalName = "Industry";
    industry.type = emulator::SpFieldType::Choice;
    for (const auto& [value, label] : labels) {
        industry.choices.push_back(label);
    }
    start({kAccounts, {industry}, ",industrycode", {{"industrycode_label", "Industry"}}});

    // Expected: each account's label by account number (CRM read natively).
    const auto expected = [&] {
        std::map<std::string, std::string> out;
        for (const auto& row : m_api->all("accounts?$select=accountnumber,industrycode")) {
            const Json& code = row.at("industrycode");
            out[text(row.at("accountnumber"))] =
                code.is_null() ? kNull : labels.at(code.get<int>());
        }
        return out;
    };
    const auto actual = [&] {
        std::map<std::string, std::string> out;
        for (const auto& item : m_sharePoint->items(kList)) {
            out[text(item.value("Account_x0020_Number", Json()))] =
                text(item.value("Industry", Json()));
        }
        return out;
    };

    auto report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.right.inserted, accounts());
    auto want = expected();
    ASSERT_EQ(want.size(), static_cast<std::size_t>(accounts()));
    std::set<std::string> used;
    for (const auto& [number, label] : want) {
        used.insert(label);
    }
    EXPECT_GE(used.size(), 3U) << "the sample data uses several labels and empty values";
    EXPECT_EQ(actual(), want);

    expectNoWrites();

    // A changed option in CRM changes the label in SharePoint.
    const auto number = want.begin()->first;
    const int newCode = want.begin()->second == labels.begin()->second
                            ? std::next(labels.begin())->first
                            : labels.begin()->first;
    std::string accountId;
    for (const auto& row : m_api->all("accounts?$select=accountid,accountnumber")) {
        if (text(row.at("accountnumber")) == number) {
            accountId = row.at("accountid").get<std::string>();
        }
    }
    m_api->patch("accounts(" + accountId + ")", {{"industrycode", newCode}});
    report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.right.updated, 1U);
    EXPECT_EQ(writes(report), 1U);
    want = expected();
    EXPECT_EQ(want.at(number), labels.at(newCode));
    EXPECT_EQ(actual(), want);
}

// A list column that is required but not mapped: SharePoint's REST API itself does not enforce
// Required on item creation (PnP-JS-Core #376), so Ferry refuses each insert with a plain message
// naming the column, sends nothing, and inserts everything once the column is optional.
class CrmSharePointRequiredTest : public CrmSharePointTest {
protected:
    void SetUp() override {
        emulator::SpField region;
        region.internalName = "Region_x0020_Code";
        region.title = "Region Code";
        region.required = true;
        start({kAccounts, {region}, {}, {}});
    }

    // Every insert failed with the plain per-item message and the list is still empty.
    void expectEveryInsertRefused(const RunReport& report) {
        EXPECT_EQ(report.status, RunStatus::CompletedWithErrors) << report.message;
        EXPECT_EQ(report.right.inserted, 0U);
        EXPECT_EQ(report.right.failed, accounts());
        ASSERT_EQ(report.errors.size(), static_cast<std::size_t>(accounts()));
        for (const ItemError& error : report.errors) {
            EXPECT_EQ(error.side, Side::Right);
            EXPECT_NE(error.message.find("requires the column 'Region Code'"), std::string::npos)
                << error.message;
            // Plain language: no service code or JSON.
            EXPECT_EQ(error.message.find("Exception"), std::string::npos) << error.message;
            EXPECT_EQ(error.message.find('{'), std::string::npos) << error.message;
        }
        EXPECT_TRUE(listItems().empty());
        EXPECT_EQ(m_sharePoint->stats().batches, 0U) << "nothing was sent to SharePoint";
    }
};

TEST_F(CrmSharePointRequiredTest, EveryInsertFailsUntilTheColumnIsOptional) {
    expectEveryInsertRefused(run());
    // The failed inserts are planned again: still refused.
    expectEveryInsertRefused(run());

    m_rest->mergeField("Region_x0020_Code", {{"Required", false}});
    const RunReport report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.right.inserted, accounts());
    EXPECT_TRUE(report.errors.empty());
    expectSidesEqual();
    for (const auto& item : m_sharePoint->items(kList)) {
        EXPECT_TRUE(item.at("Region_x0020_Code").is_null());
    }
    expectNoWrites();
}

TEST_F(CrmSharePointRequiredTest, EveryInsertFailsUntilTheColumnIsMapped) {
    expectEveryInsertRefused(run());

    // Every generated account has a telephone number: every insert can fill the column now.
    m_document.left.select += ",telephone1";
    m_document.mapping.columns.push_back({"telephone1", "Region_x0020_Code"});
    const RunReport report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.right.inserted, accounts());
    expectSidesEqual();
    std::map<std::string, std::string> phones;  // by account number, CRM read natively
    for (const auto& row : m_api->all("accounts?$select=accountnumber,telephone1")) {
        phones[text(row.at("accountnumber"))] = text(row.at("telephone1"));
    }
    for (const auto& item : m_sharePoint->items(kList)) {
        const std::string phone = text(item.at("Region_x0020_Code"));
        EXPECT_NE(phone, kNull);
        EXPECT_EQ(phone, phones.at(text(item.at("Account_x0020_Number"))));
    }
    expectNoWrites();
}

}  // namespace
}  // namespace ferry::test
