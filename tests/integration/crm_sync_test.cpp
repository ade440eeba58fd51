// Dynamics 365 (the Web API emulator over real HTTP) ⇄ PostgreSQL through the sync engine:
// first sync, reruns through the delta link, edits and deletes both ways, throttling and
// injected faults, token expiry mid-run, and plain-language errors for the usual mistakes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>

#include "dynamics_emulator.h"
#include "dynamics_web_api.h"
#include "ferry/document.h"
#include "ferry/error.h"
#include "ferry/provider.h"
#include "ferry/state_store.h"
#include "ferry/sync_engine.h"
#include "test_support.h"

namespace ferry::test {
namespace {

using Json = nlohmann::json;

constexpr const char* kPassword = "Passw0rd!";
constexpr const char* kNull = "<null>";
constexpr int kAccounts = 1200;

// Rows per page when the test reads CRM itself (DynamicsWebApi, independent of Ferry's code).
constexpr int kNativePageSize = 2000;

std::string text(const Json& value) {
    if (value.is_null()) {
        return kNull;
    }
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_boolean()) {
        return value.get<bool>() ? "1" : "0";
    }
    return value.dump();
}

// Money in cents, so that 1234.5 (JSON) and 1234.5000 (NUMERIC) compare equal.
std::string cents(const Json& value) {
    return value.is_null() ? kNull : std::to_string(std::llround(value.get<double>() * 100));
}

class CrmPostgresTest : public ::testing::Test {
protected:
    void SetUp() override { startCrm({}); }

    void startCrm(emulator::DynamicsOptions options, int accounts = kAccounts) {
        options.accounts = accounts;
        m_crm = std::make_unique<emulator::DynamicsEmulator>(options);
        m_crm->start();
        m_api = std::make_unique<DynamicsWebApi>(*m_crm, kNativePageSize);
        std::random_device device;
        m_table = "crm_accounts_" + std::to_string(device() % 1000000000U);
        psql("CREATE TABLE " + m_table +
             " (accountid UUID PRIMARY KEY, name VARCHAR(160) NOT NULL, accountnumber "
             "VARCHAR(20), revenue NUMERIC(19,4), numberofemployees INTEGER, creditonhold "
             "BOOLEAN);");
        m_store = std::make_unique<StateStore>(m_dir / "state.db");
        registerBuiltinProviders(m_registry);
        m_document.id = "crm-" + m_table;
        m_document.title = "CRM accounts to SQL";
        m_document.left =
            EntityConfig{"Dynamics accounts",   "odata",
                         crmConnectionString(), "accounts?$select=" + std::string(kColumns),
                         {"accountid"},         {}};
        m_document.right = EntityConfig{
            "SQL accounts", "odbc", pgServer().odbcWithoutPassword, "SELECT * FROM " + m_table,
            {"accountid"},  {}};
        m_document.mapping.autoMap = true;
    }

    void TearDown() override {
        if (!m_table.empty()) {
            psql("DROP TABLE IF EXISTS " + m_table + ";");
        }
    }

    std::string crmConnectionString(const std::string& extra = "MaxPageSize=500;") const {
        return "URL=" + m_crm->baseUrl() +
               ";Authentication=microsoft_modern_crm;User=admin@contoso.com;Authority=" +
               m_crm->authority() + ";" + extra;
    }

    RunReport run(RunOptions options = {}) {
        options.leftPassword = kPassword;
        options.rightPassword = pgServer().password;
        SyncEngine engine(m_registry, *m_store);
        return engine.run(m_document, options);
    }

    CsvRows crmRows() {
        CsvRows rows;
        for (const auto& row : m_api->all("accounts?$select=" + std::string(kColumns))) {
            rows.push_back({text(row.at("accountid")), text(row.at("name")),
                            text(row.at("accountnumber")), cents(row.at("revenue")),
                            text(row.at("numberofemployees")), text(row.at("creditonhold"))});
        }
        std::sort(rows.begin(), rows.end());
        return rows;
    }

    CsvRows sqlRows() {
        return psql(
            "SELECT accountid::text, name, accountnumber, round(revenue * 100)::bigint, "
            "numberofemployees, creditonhold::int FROM " +
            m_table + " ORDER BY accountid::text;");
    }

    void expectSidesEqual() {
        const CsvRows crm = crmRows();
        const CsvRows sql = sqlRows();
        ASSERT_EQ(crm.size(), sql.size());
        for (std::size_t i = 0; i < crm.size(); ++i) {
            ASSERT_EQ(crm[i], sql[i]) << "row " << i;
        }
    }

    std::string sqlAccountId(int offset) {
        return psql("SELECT accountid::text FROM " + m_table +
                    " ORDER BY accountid LIMIT 1 OFFSET " + std::to_string(offset) + ";")
            .at(0)
            .at(0);
    }

    static constexpr const char* kColumns =
        "accountid,name,accountnumber,revenue,numberofemployees,creditonhold";

    TempDir m_dir;
    std::unique_ptr<emulator::DynamicsEmulator> m_crm;
    std::unique_ptr<DynamicsWebApi> m_api;
    std::string m_table;
    std::unique_ptr<StateStore> m_store;
    ProviderRegistry m_registry;
    ConnectionDocument m_document;
};

TEST_F(CrmPostgresTest, FirstSyncCopiesEveryAccountAndRerunsReadOnlyTheChanges) {
    auto report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.left.read, static_cast<std::uint64_t>(kAccounts));
    EXPECT_EQ(report.right.inserted, static_cast<std::uint64_t>(kAccounts));
    expectSidesEqual();

    const auto ids = crmRows();
    m_api->patch("accounts(" + ids[10][0] + ")", {{"name", "Renamed in CRM"}});
    m_api->patch("accounts(" + ids[20][0] + ")", {{"revenue", 1234.5}, {"creditonhold", true}});
    m_api->remove("accounts(" + ids[30][0] + ")");
    m_api->create("accounts", {{"name", "Created in CRM"}, {"accountnumber", "NEW-1"}});
    const auto readsBefore = m_crm->stats().reads;

    report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.left.read, 3U) << "a rerun reads only what changed (the delta link)";
    EXPECT_EQ(report.right.read, 3U) << "and only their counterparts in SQL (two updated, one "
                                        "deleted; the new account has none yet)";
    EXPECT_EQ(report.right.updated, 2U);
    EXPECT_EQ(report.right.deleted, 1U);
    EXPECT_EQ(report.right.inserted, 1U);
    EXPECT_LT(m_crm->stats().reads - readsBefore, 5U);
    expectSidesEqual();

    report = run();
    EXPECT_EQ(report.left.read, 0U);
    EXPECT_EQ(report.right.inserted + report.right.updated + report.right.deleted, 0U);
}

TEST_F(CrmPostgresTest, BidirectionalEditsAndDeletesFlowBothWays) {
    ASSERT_EQ(run().status, RunStatus::Succeeded);
    m_document.direction = Direction::Bidirectional;
    const std::string editedInSql = sqlAccountId(1);
    const std::string deletedInSql = sqlAccountId(2);
    const std::string editedInCrm = sqlAccountId(3);
    const std::string deletedInCrm = sqlAccountId(4);
    psql("UPDATE " + m_table + " SET accountnumber = 'SQL-EDIT' WHERE accountid = '" + editedInSql +
         "';\nDELETE FROM " + m_table + " WHERE accountid = '" + deletedInSql + "';\nINSERT INTO " +
         m_table +
         " (accountid, name, accountnumber) VALUES "
         "('6f1d2c3b-0000-4000-8000-00000000abcd', 'Created in SQL', 'SQL-NEW');");
    m_api->patch("accounts(" + editedInCrm + ")", {{"numberofemployees", 4242}});
    m_api->remove("accounts(" + deletedInCrm + ")");

    const auto report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.left.updated, 1U);
    EXPECT_EQ(report.left.deleted, 1U);
    EXPECT_EQ(report.left.inserted, 1U);
    EXPECT_EQ(report.right.updated, 1U);
    EXPECT_EQ(report.right.deleted, 1U);
    expectSidesEqual();
    // The row created in SQL kept its key in CRM: no second copy under another id.
    const auto created =
        m_api->all("accounts?$select=accountid&$filter=accountnumber eq 'SQL-NEW'");
    ASSERT_EQ(created.size(), 1U);
    EXPECT_EQ(created[0].at("accountid"), "6f1d2c3b-0000-4000-8000-00000000abcd");

    const auto again = run();
    EXPECT_EQ(again.left.inserted + again.left.updated + again.left.deleted + again.right.inserted +
                  again.right.updated + again.right.deleted,
              0U);
}

TEST_F(CrmPostgresTest, ThrottlingAndInjectedFaultsGiveTheSameFinalData) {
    m_crm->setThrottle(12, 1, 1);      // 12 requests a second, then 429 + Retry-After: 1
    m_crm->setFaults(0.15, 0.1, 0.1);  // random 503, 504 and dropped connections
    auto report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    m_crm->setFaults(0, 0, 0);
    expectSidesEqual();
    EXPECT_GT(m_crm->stats().faults + m_crm->stats().throttled, 0U);

    // Writes into CRM under the same weather.
    m_document.direction = Direction::Bidirectional;
    psql("UPDATE " + m_table +
         " SET name = name || ' (from SQL)' WHERE numberofemployees % 5 = 0;");
    m_crm->setFaults(0.15, 0.1, 0.1);
    report = run();
    m_crm->setFaults(0, 0, 0);
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_GT(report.left.updated, 0U);
    expectSidesEqual();
}

TEST_F(CrmPostgresTest, ATokenThatExpiresMidRunIsRenewed) {
    const auto issued = m_crm->stats().tokensIssued;
    std::atomic<bool> revoked{false};
    RunOptions options;
    options.onProgress = [&](const Progress& progress) {
        if (progress.phase == RunPhase::Writing && !revoked.exchange(true)) {
            m_crm->revokeTokens();
        }
    };
    ASSERT_EQ(run().status, RunStatus::Succeeded);
    m_document.direction = Direction::RightToLeft;  // write into CRM after the token died
    psql("INSERT INTO " + m_table +
         " (accountid, name) SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, "
         "'From SQL ' || i FROM generate_series(1, 300) AS i;");
    const auto report = run(options);
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_TRUE(revoked.load());
    EXPECT_EQ(report.left.inserted, 300U);
    EXPECT_GT(m_crm->stats().tokensIssued, issued + 1) << "a second token after the revocation";
    m_api = std::make_unique<DynamicsWebApi>(
        *m_crm, kNativePageSize);  // the test's own token was revoked too
    expectSidesEqual();
}

// One plain-language sentence per usual mistake, never the password.
TEST_F(CrmPostgresTest, MistakesGivePlainLanguageErrors) {
    const auto failure = [&](const std::string& password) {
        RunOptions options;
        SyncEngine engine(m_registry, *m_store);
        options.leftPassword = password;
        options.rightPassword = pgServer().password;
        return engine.run(m_document, options);
    };
    auto report = failure("wrong-password");
    EXPECT_EQ(report.status, RunStatus::Aborted);
    EXPECT_EQ(report.abortCode, ErrorCode::AuthenticationFailed) << report.message;
    EXPECT_NE(report.message.find("password"), std::string::npos) << report.message;
    EXPECT_EQ(report.message.find("wrong-password"), std::string::npos) << report.message;

    m_document.left.select = "acounts?$select=name";
    report = failure(kPassword);
    EXPECT_EQ(report.abortCode, ErrorCode::EntityNotFound) << report.message;
    EXPECT_NE(report.message.find("acounts"), std::string::npos) << report.message;
    EXPECT_NE(report.message.find("accounts"), std::string::npos) << "suggests the right name";

    m_document.left.select = "accounts?$select=name&$filter=name eqq 'x'";
    report = failure(kPassword);
    EXPECT_EQ(report.abortCode, ErrorCode::QueryFailed) << report.message;
    EXPECT_NE(report.message.find("$filter"), std::string::npos) << report.message;
    EXPECT_EQ(report.message.find("{\""), std::string::npos) << "no raw JSON: " << report.message;

    m_document.left.select = "accounts?$select=" + std::string(kColumns);
    const int port = m_crm->port();
    m_crm->stop();
    report = failure(kPassword);
    EXPECT_EQ(report.abortCode, ErrorCode::ConnectionFailed) << report.message;
    EXPECT_NE(report.message.find(std::to_string(port)), std::string::npos) << report.message;
    EXPECT_EQ(psql("SELECT count(*) FROM " + m_table + ";").at(0).at(0), "0");
}

// ---------------------------------------------------------------------------------------------
// `ferry run` killed with SIGKILL in the middle of writing, then run again.

class CrmKillTest : public CrmPostgresTest {
protected:
    void SetUp() override {}  // each test starts the emulator with its own size

    // A background `ferry run --json` of the current document; output goes to files.
    std::unique_ptr<ChildProcess> startFerry(const std::string& name) {
        const auto document = m_dir / (name + ".json");
        writeFile(document, serializeDocument(m_document));
        const std::string command =
            "exec env FERRY_CONFIG_DIR=" + quote((m_dir / "config").string()) +
            " FERRY_DATA_DIR=" + quote((m_dir / "data").string()) +
            " FERRY_LEFT_PASSWORD=" + quote(kPassword) +
            " FERRY_RIGHT_PASSWORD=" + quote(pgServer().password) + " " +
            quote((binaryDirectory() / "ferry").string()) + " run " + quote(document.string()) +
            " --json >" + quote((m_dir / (name + ".out")).string()) + " 2>" +
            quote((m_dir / (name + ".err")).string()) + " </dev/null";
        return std::make_unique<ChildProcess>(command);
    }

    Json finishWithFerry(const std::string& name) {
        auto child = startFerry(name);
        const int status = child->wait();
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
            << readFile(m_dir / (name + ".err"));
        return Json::parse(readFile(m_dir / (name + ".out")));
    }

    static int randomBetween(int low, int high) {
        std::random_device device;
        std::uniform_int_distribution<int> pick(low, high);
        return pick(device);
    }
};

// SQL rows whose key is not mapped to CRM's: without ReplicationKey a record created just before
// the kill would be created again. With it, its key is derived from the SQL row.
TEST_F(CrmKillTest, SqlToCrmKilledMidRunCreatesNoDuplicateAccounts) {
    constexpr int kRows = 8000;
    emulator::DynamicsOptions options;
    options.latencyMs = 40;  // a window to kill in
    startCrm(options, 10);
    const std::string source = m_table + "_src";
    psql("CREATE TABLE " + source +
         " (id INTEGER PRIMARY KEY, name VARCHAR(160) NOT NULL, accountnumber VARCHAR(20));"
         "INSERT INTO " +
         source + " SELECT i, 'Account ' || i, 'SRC-' || i FROM generate_series(1, " +
         std::to_string(kRows) + ") AS i;");
    m_document.direction = Direction::RightToLeft;
    m_document.left.connectionString = crmConnectionString("ReplicationKey=true;BatchSize=50;");
    m_document.left.select = "accounts?$select=name,accountnumber";
    m_document.right.select = "SELECT * FROM " + source;
    m_document.right.primaryKey = {"id"};
    const int threshold = randomBetween(kRows / 10, kRows / 2);
    SCOPED_TRACE("killed after " + std::to_string(threshold) + " CRM writes");
    {
        auto child = startFerry("killed");
        killWhen(
            *child, [&] { return m_crm->stats().writes >= static_cast<std::uint64_t>(threshold); },
            m_dir / "killed.err");
    }
    const Json report = finishWithFerry("resumed");
    EXPECT_EQ(report.value("status", ""), "succeeded") << report.dump(2);
    const auto created =
        m_api->all("accounts?$select=accountnumber&$filter=startswith(accountnumber,'SRC-')");
    std::set<std::string> numbers;
    for (const auto& row : created) {
        numbers.insert(row.at("accountnumber").get<std::string>());
    }
    EXPECT_EQ(created.size(), static_cast<std::size_t>(kRows)) << "duplicates or losses in CRM";
    EXPECT_EQ(numbers.size(), static_cast<std::size_t>(kRows));
    psql("DROP TABLE " + source + ";");
}

// CRM into a SQL table without a unique key: a run that forgot what it wrote would duplicate.
TEST_F(CrmKillTest, CrmToSqlKilledMidRunCreatesNoDuplicateRows) {
    constexpr int kRows = 20000;
    startCrm({}, kRows);
    psql("ALTER TABLE " + m_table + " DROP CONSTRAINT " + m_table + "_pkey;");
    m_document.batchSize = 100;
    const int threshold = randomBetween(kRows / 10, kRows / 2);
    SCOPED_TRACE("killed after " + std::to_string(threshold) + " SQL rows");
    {
        auto child = startFerry("killed");
        killWhen(
            *child,
            [&] {
                return std::stoi(psql("SELECT count(*) FROM " + m_table + ";").at(0).at(0)) >=
                       threshold;
            },
            m_dir / "killed.err");
    }
    const Json report = finishWithFerry("resumed");
    EXPECT_EQ(report.value("status", ""), "succeeded") << report.dump(2);
    EXPECT_TRUE(psql("SELECT accountid FROM " + m_table +
                     " GROUP BY accountid HAVING count(*) > 1 LIMIT 1;")
                    .empty());
    expectSidesEqual();
}

}  // namespace
}  // namespace ferry::test
