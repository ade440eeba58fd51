// Seed 000 through the `ferry` executable: the target list made by `ferry create-target`, then
// auto-mapped runs; and a run killed with SIGKILL mid-way, then resumed, without duplicate items.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dynamics_emulator.h"
#include "dynamics_web_api.h"
#include "ferry/document.h"
#include "sharepoint_emulator.h"
#include "test_support.h"

namespace ferry::test {
namespace {

using Json = nlohmann::json;

constexpr const char* kPassword = "Passw0rd!";

std::string text(const Json& value) {
    if (value.is_null() || (value.is_string() && value.get<std::string>().empty())) {
        return "<null>";  // SharePoint keeps empty text as null
    }
    return value.is_string() ? value.get<std::string>() : value.dump();
}

class CrmSharePointCliTest : public ::testing::Test {
protected:
    void start(int accounts, const emulator::SharePointOptions& sharePointOptions = {},
               int crmLatencyMs = 0) {
        emulator::DynamicsOptions crmOptions;
        crmOptions.accounts = accounts;
        crmOptions.latencyMs = crmLatencyMs;
        m_crm = std::make_unique<emulator::DynamicsEmulator>(crmOptions);
        m_crm->start();
        m_api = std::make_unique<DynamicsWebApi>(*m_crm);
        m_sharePoint = std::make_unique<emulator::SharePointEmulator>(sharePointOptions);
        m_sharePoint->start();

        m_document.id = "seed-000-cli";
        m_document.title = "CRM accounts to SharePoint";
        m_document.direction = Direction::LeftToRight;
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
    }

    void targetList(const std::string& urlName) {
        m_document.right = EntityConfig{"SharePoint " + urlName,
                                        "sharepoint",
                                        "URL=" + m_sharePoint->siteUrl() + "/Lists/" + urlName +
                                            "/AllItems.aspx;Authentication=Microsoft_Modern;"
                                            "User=admin@contoso.com;TokenEndpoint=" +
                                            m_sharePoint->tokenEndpoint() + ";",
                                        "",
                                        {},
                                        {}};
    }

    std::string ferryCommand(const std::string& arguments, const std::string& name) {
        const auto document = m_dir / "connection.json";
        writeFile(document, serializeDocument(m_document));
        return "exec env FERRY_CONFIG_DIR=" + quote((m_dir / "config").string()) +
               " FERRY_DATA_DIR=" + quote((m_dir / "data").string()) +
               " FERRY_LEFT_PASSWORD=" + quote(kPassword) +
               " FERRY_RIGHT_PASSWORD=" + quote(kPassword) + " " +
               quote((binaryDirectory() / "ferry").string()) + " " + arguments + " " +
               quote(document.string()) + " --json >" + quote(out(name).string()) + " 2>" +
               quote(err(name).string()) + " </dev/null";
    }

    // Runs `ferry <arguments> <document> --json`; returns the exit code and the JSON printed.
    std::pair<int, Json> ferry(const std::string& arguments, const std::string& name) {
        const int code = runCommand(ferryCommand(arguments, name));
        const std::string printed = readFile(out(name));
        return {code, printed.empty() ? Json() : Json::parse(printed)};
    }

    // The seed's list "Accounts" (Title, Account Number, City: no column for the CRM key),
    // mapped explicitly to the CRM columns.
    void seedList() {
        emulator::SpListDefinition list;
        list.title = "Accounts";
        emulator::SpField title;
        title.internalName = "Title";
        title.required = true;
        emulator::SpField number;
        number.internalName = "Account_x0020_Number";
        number.title = "Account Number";
        emulator::SpField city;
        city.internalName = "City";
        list.fields = {title, number, city};
        m_sharePoint->createList(list);
        targetList("Accounts");
        m_document.mapping.autoMap = false;
        m_document.mapping.columns = {{"name", "Title"},
                                      {"accountnumber", "Account_x0020_Number"},
                                      {"address1_city", "City"}};
    }

    std::filesystem::path out(const std::string& name) const { return m_dir / (name + ".out"); }
    std::filesystem::path err(const std::string& name) const { return m_dir / (name + ".err"); }

    // Account rows as text, sorted: what both sides must hold.
    std::vector<std::vector<std::string>> crmRows(const std::vector<std::string>& columns) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& account :
             m_api->all("accounts?$select=accountid,name,accountnumber,address1_city")) {
            std::vector<std::string> row;
            for (const auto& column : columns) {
                row.push_back(text(account.value(column, Json())));
            }
            rows.push_back(std::move(row));
        }
        std::sort(rows.begin(), rows.end());
        return rows;
    }

    std::vector<std::vector<std::string>> listRows(const std::string& list,
                                                   const std::vector<std::string>& fields) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& item : m_sharePoint->items(list)) {
            std::vector<std::string> row;
            for (const auto& field : fields) {
                row.push_back(text(item.value(field, Json())));
            }
            rows.push_back(std::move(row));
        }
        std::sort(rows.begin(), rows.end());
        return rows;
    }

    static std::uint64_t count(const Json& report, const char* side, const char* what) {
        return report.at(side).at(what).get<std::uint64_t>();
    }

    TempDir m_dir;
    std::unique_ptr<emulator::DynamicsEmulator> m_crm;
    std::unique_ptr<DynamicsWebApi> m_api;
    std::unique_ptr<emulator::SharePointEmulator> m_sharePoint;
    ConnectionDocument m_document;
};

// The seed's flow for a list that does not exist yet: create it from the CRM columns, then the
// auto mapping matches every column by name.
TEST_F(CrmSharePointCliTest, CreateTargetThenAutoMappedRuns) {
    constexpr int kAccounts = 250;
    start(kAccounts);
    targetList("NewAccounts");

    auto [dryCode, dry] = ferry("create-target --dry-run", "dry");
    ASSERT_EQ(dryCode, 0) << readFile(err("dry"));
    EXPECT_EQ(dry.at("requested").size(), 4U) << dry.dump(2);
    EXPECT_THROW(m_sharePoint->items("NewAccounts"), std::invalid_argument) << "dry run created";

    auto [code, created] = ferry("create-target", "create");
    ASSERT_EQ(code, 0) << readFile(err("create"));
    // One line per column, then the hidden field that keeps each item's origin.
    ASSERT_EQ(created.at("created").size(), 5U) << created.dump(2);
    EXPECT_EQ(created.at("created")[0], "accountid → Text(36), indexed, unique");
    EXPECT_EQ(created.at("created")[4].get<std::string>().rfind("FerryOrigin", 0), 0U);
    EXPECT_TRUE(m_sharePoint->items("NewAccounts").empty());

    auto [again, refused] = ferry("create-target", "again");
    EXPECT_EQ(again, 2) << "an existing list is never changed";
    EXPECT_NE(readFile(err("again")).find("already exists"), std::string::npos)
        << readFile(err("again"));

    auto [runCode, report] = ferry("run", "first");
    ASSERT_EQ(runCode, 0) << readFile(err("first")) << report.dump(2);
    EXPECT_EQ(count(report, "right", "inserted"), static_cast<std::uint64_t>(kAccounts));
    const std::vector<std::string> columns = {"accountid", "name", "accountnumber",
                                              "address1_city"};
    const auto expected = crmRows(columns);
    const auto actual = listRows("NewAccounts", columns);
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        ASSERT_EQ(actual[i], expected[i]) << "row " << i;
    }

    auto [rerunCode, rerun] = ferry("run", "rerun");
    ASSERT_EQ(rerunCode, 0) << readFile(err("rerun"));
    EXPECT_EQ(count(rerun, "right", "inserted") + count(rerun, "right", "updated") +
                  count(rerun, "right", "deleted"),
              0U)
        << rerun.dump(2);
}

// The seed's own list, whose columns hold no CRM key: a run killed after items were created but
// before Ferry recorded them must not create them again (the items carry their origin).
TEST_F(CrmSharePointCliTest, KilledMidRunLeavesNoDuplicateItems) {
    constexpr int kAccounts = 3000;
    emulator::SharePointOptions options;
    options.latencyMs = 20;  // a window to kill in
    start(kAccounts, options);
    seedList();

    std::random_device device;
    std::uniform_int_distribution<int> pick(kAccounts / 10, kAccounts / 2);
    const int threshold = pick(device);
    SCOPED_TRACE("killed after " + std::to_string(threshold) + " SharePoint writes");
    {
        ChildProcess child(ferryCommand("run", "killed"));
        killWhen(
            child,
            [&] { return m_sharePoint->stats().writes >= static_cast<std::uint64_t>(threshold); },
            err("killed"));
    }
    ASSERT_LT(m_sharePoint->items("Accounts").size(), static_cast<std::size_t>(kAccounts))
        << "killed after the last write: nothing to resume";

    auto [code, report] = ferry("run", "resumed");
    ASSERT_EQ(code, 0) << readFile(err("resumed")) << report.dump(2);
    const auto expected = crmRows({"name", "accountnumber", "address1_city"});
    const auto actual = listRows("Accounts", {"Title", "Account_x0020_Number", "City"});
    ASSERT_EQ(actual.size(), expected.size()) << "duplicates or losses in the list";
    EXPECT_EQ(actual, expected);

    auto [rerunCode, rerun] = ferry("run", "rerun");
    ASSERT_EQ(rerunCode, 0) << readFile(err("rerun"));
    EXPECT_EQ(count(rerun, "right", "inserted") + count(rerun, "right", "updated"), 0U)
        << rerun.dump(2);
}

// Both ways, with list items new to CRM: a run killed while CRM creates accounts from them must
// neither create those accounts twice (ReplicationKey) nor copy them back into the list.
TEST_F(CrmSharePointCliTest, KilledBidirectionalRunLeavesNoDuplicatesOnEitherSide) {
    constexpr int kItems = 2000;
    start(0, {}, 20);  // no accounts yet; CRM latency gives a window to kill in
    seedList();
    std::vector<nlohmann::json> items;
    for (int i = 1; i <= kItems; ++i) {
        items.push_back({{"Title", "Item " + std::to_string(i)},
                         {"Account_x0020_Number", "SP-" + std::to_string(i)},
                         {"City", "City " + std::to_string(i % 17)}});
    }
    m_sharePoint->addItems("Accounts", items);
    m_document.direction = Direction::Bidirectional;
    m_document.left.connectionString += "ReplicationKey=true;BatchSize=50;";

    std::random_device device;
    std::uniform_int_distribution<int> pick(kItems / 10, kItems / 2);
    const int threshold = pick(device);
    SCOPED_TRACE("killed after " + std::to_string(threshold) + " CRM writes");
    {
        ChildProcess child(ferryCommand("run", "killed"));
        killWhen(
            child, [&] { return m_crm->stats().writes >= static_cast<std::uint64_t>(threshold); },
            err("killed"));
    }
    ASSERT_LT(crmRows({"name"}).size(), static_cast<std::size_t>(kItems))
        << "killed after the last write: nothing to resume";

    auto [code, report] = ferry("run", "resumed");
    ASSERT_EQ(code, 0) << readFile(err("resumed")) << report.dump(2);
    const auto crm = crmRows({"name", "accountnumber", "address1_city"});
    const auto list = listRows("Accounts", {"Title", "Account_x0020_Number", "City"});
    EXPECT_EQ(crm.size(), static_cast<std::size_t>(kItems)) << "duplicates or losses in CRM";
    EXPECT_EQ(list.size(), static_cast<std::size_t>(kItems)) << "duplicates or losses in the list";
    EXPECT_EQ(crm, list);

    auto [again, rerun] = ferry("run", "rerun");
    ASSERT_EQ(again, 0) << readFile(err("rerun"));
    EXPECT_EQ(count(rerun, "left", "inserted") + count(rerun, "right", "inserted"), 0U)
        << rerun.dump(2);
}

}  // namespace
}  // namespace ferry::test
