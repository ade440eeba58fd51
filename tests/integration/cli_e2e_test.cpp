// End-to-end tests of the `ferry` executable against real SQLite files and the test PostgreSQL
// server: first syncs, reruns, directions and conflict policies, the delete guard, dry runs,
// exit codes, passwords, listing, and runs killed with SIGKILL or cancelled with SIGINT.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ferry/connection_string.h"
#include "test_support.h"

namespace ferry::test {
namespace {

using Json = nlohmann::json;
using Rows = std::vector<std::vector<std::string>>;
namespace fs = std::filesystem;

constexpr const char* kNull = "<null>";

// Fails with the first differing row instead of dumping thousands of rows.
void expectSameRows(const Rows& expected, const Rows& actual, const std::string& what) {
    ASSERT_EQ(expected.size(), actual.size()) << what << ": row counts differ";
    for (std::size_t i = 0; i < expected.size(); ++i) {
        if (expected[i] != actual[i]) {
            std::string a;
            std::string b;
            for (const auto& v : expected[i]) {
                a += v + " | ";
            }
            for (const auto& v : actual[i]) {
                b += v + " | ";
            }
            FAIL() << what << ": row " << i << " differs\n  expected: " << a
                   << "\n  actual:   " << b;
        }
    }
}

std::uint64_t count(const Json& report, const char* side, const char* what) {
    return report.at(side).at(what).get<std::uint64_t>();
}

std::uint64_t writes(const Json& report, const char* side) {
    return count(report, side, "inserted") + count(report, side, "updated") +
           count(report, side, "deleted");
}

struct CliResult {
    int exitCode = -1;
    std::string out;
    std::string err;
    std::string all() const { return "stdout:\n" + out + "\nstderr:\n" + err; }
};

// The customers table of the demo: unicode names, NULLs, decimals, doubles, booleans, dates
// and timestamps.
constexpr const char* kSqliteCustomersColumns =
    "(id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200), "
    "balance NUMERIC(12,2), score DOUBLE, visits INTEGER, active BOOLEAN, joined DATE, "
    "updated_at TIMESTAMP)";
constexpr const char* kPgCustomersColumns =
    "(id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200), "
    "balance NUMERIC(12,2), score DOUBLE PRECISION, visits INTEGER, active BOOLEAN, "
    "joined DATE, updated_at TIMESTAMP)";

std::string customerRowsSql(const std::string& table, int first, int last) {
    return "WITH RECURSIVE seq(i) AS (SELECT " + std::to_string(first) +
           " UNION ALL SELECT i + 1 FROM seq WHERE i < " + std::to_string(last) +
           ")\n"
           "INSERT INTO " +
           table +
           " (id, name, email, balance, score, visits, active, joined, updated_at)\n"
           "SELECT i,\n"
           "  CASE i % 6 WHEN 0 THEN 'Zoë Ångström' WHEN 1 THEN '山田 太郎' "
           "WHEN 2 THEN 'Łukasz Żółć' WHEN 3 THEN 'Мария Иванова' "
           "WHEN 4 THEN 'O''Brien, \"Ann\"' ELSE 'Ana 🚀 Núñez' END || ' ' || i,\n"
           "  CASE WHEN i % 7 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,\n"
           "  (i * 37 % 100000) / 100.0,\n"
           "  CASE WHEN i % 11 = 0 THEN NULL ELSE i * 0.25 END,\n"
           "  i % 50,\n"
           "  i % 2,\n"
           "  date('2020-01-01', '+' || (i % 1500) || ' days'),\n"
           "  datetime('2024-01-01 00:00:00', '+' || (i * 7919 % 31536000) || ' seconds')\n"
           "FROM seq;\n";
}

// Every column in one canonical text form, so that SQLite and PostgreSQL compare directly.
std::string sqliteCustomersQuery(const std::string& table) {
    return "SELECT id, name, email,\n"
           "  CASE WHEN balance IS NULL THEN NULL ELSE printf('%.2f', balance) END,\n"
           "  CASE WHEN score IS NULL THEN NULL ELSE printf('%.6f', score) END,\n"
           "  visits,\n"
           "  CASE WHEN active IS NULL THEN NULL WHEN active IN (1, '1', 'true', 'TRUE', 't')\n"
           "       THEN 1 ELSE 0 END,\n"
           "  date(joined), strftime('%Y-%m-%d %H:%M:%S', updated_at)\n"
           "FROM " +
           table + " ORDER BY id;";
}

std::string pgCustomersQuery(const std::string& table) {
    return "SELECT id, name, email, balance::text, round(score::numeric, 6)::text, visits, "
           "active::int, joined::text, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS') FROM " +
           table + " ORDER BY id;";
}

Json entityJson(const std::string& title, const std::string& connectionString,
                const std::string& select, const std::vector<std::string>& key = {"id"}) {
    return {{"title", title},
            {"provider", "odbc"},
            {"connectionString", connectionString},
            {"select", select},
            {"primaryKey", key}};
}

Json documentJson(const std::string& title, const std::string& direction, const std::string& policy,
                  const Json& left, const Json& right) {
    return {{"title", title}, {"direction", direction}, {"conflictResolution", policy},
            {"left", left},   {"right", right},         {"mapping", {{"auto", true}}}};
}

// How one `ferry` invocation differs from the default.
struct Invocation {
    std::string env;            // extra "NAME=value" assignments, already quoted
    std::string input;          // standard input
    bool rightPassword = true;  // FERRY_RIGHT_PASSWORD = the test server's password
};

class CliE2eTest : public ::testing::Test {
protected:
    void SetUp() override {
        fs::create_directories(m_dir / "config" / "connections");
        fs::create_directories(m_dir / "data");
        fs::create_directories(m_dir / "docs");
    }

    void TearDown() override {
        if (!m_pgTables.empty()) {
            std::string sql;
            for (const auto& table : m_pgTables) {
                sql += "DROP TABLE IF EXISTS " + table + ";\n";
            }
            try {
                psql(sql);
            } catch (const std::exception& e) {
                ADD_FAILURE() << "cleanup: " << e.what();
            }
        }
    }

    fs::path path(const std::string& name) const { return m_dir / name; }
    fs::path dataDir() const { return m_dir / "data"; }
    fs::path connectionsDir() const { return m_dir / "config" / "connections"; }

    // The shell command that runs `ferry` with this test's folders and no inherited passwords.
    std::string ferryCommand(const std::string& args, const Invocation& invocation) const {
        std::string command = "cd " + quote(m_dir.path().string()) +
                              " && exec env -u FERRY_LEFT_PASSWORD -u FERRY_RIGHT_PASSWORD " +
                              "FERRY_CONFIG_DIR=" + quote((m_dir / "config").string()) +
                              " FERRY_DATA_DIR=" + quote(dataDir().string()) + " ";
        if (invocation.rightPassword && m_usesPostgres) {
            command += "FERRY_RIGHT_PASSWORD=" + quote(pgServer().password) + " ";
        }
        command +=
            invocation.env + " " + quote((binaryDirectory() / "ferry").string()) + " " + args;
        return command;
    }

    CliResult ferry(const std::string& args, const Invocation& invocation = {}) {
        const fs::path errFile = m_dir / "stderr.txt";
        const fs::path inFile = m_dir / "stdin.txt";
        writeFile(inFile, invocation.input);
        CliResult result;
        result.exitCode = runCommand(ferryCommand(args, invocation) + " <" +
                                         quote(inFile.string()) + " 2>" + quote(errFile.string()),
                                     &result.out);
        result.err = readFile(errFile);
        m_allOutput += result.out + result.err;
        return result;
    }

    // `ferry run <document> --json [extra]`: the exit code and the parsed report.
    std::pair<int, Json> runJson(const fs::path& document, const std::string& extra = {},
                                 const Invocation& invocation = {}) {
        const auto result =
            ferry("run " + quote(document.string()) + " --json " + extra, invocation);
        try {
            return {result.exitCode, Json::parse(result.out)};
        } catch (const std::exception& e) {
            throw std::runtime_error(std::string("ferry run --json printed no JSON report (") +
                                     e.what() + ")\n" + result.all());
        }
    }

    fs::path writeDocument(const std::string& name, const Json& document) {
        const fs::path file = m_dir / "docs" / (name + ".json");
        writeFile(file, document.dump(2));
        return file;
    }

    // Runs SQL with the sqlite3 command-line shell; returns the rows it printed.
    Rows sqlite(const fs::path& database, const std::string& sql) {
        const fs::path sqlFile = m_dir / "query.sql";
        const fs::path errFile = m_dir / "sqlite-err.txt";
        writeFile(sqlFile, sql);
        std::string out;
        const int code =
            runCommand("sqlite3 -batch -bail -csv -nullvalue '<null>' " + quote(database.string()) +
                           " <" + quote(sqlFile.string()) + " 2>" + quote(errFile.string()),
                       &out);
        if (code != 0) {
            throw std::runtime_error("sqlite3 failed: " + readFile(errFile) + "\nSQL: " + sql);
        }
        return parseCsv(out);
    }

    // Runs SQL with psql against the test server; returns the rows it printed.
    Rows psql(const std::string& sql) { return test::psql(sql); }

    std::int64_t pgCount(const std::string& table) {
        const Rows rows = psql("SELECT count(*) FROM " + table + ";");
        if (rows.size() != 1 || rows[0].size() != 1) {
            throw std::runtime_error("unexpected count result for " + table);
        }
        return std::stoll(rows[0][0]);
    }

    // A fresh PostgreSQL table name, dropped after the test.
    std::string pgTable(const std::string& stem) {
        std::random_device device;
        const std::string name = "cli_" + stem + "_" + std::to_string(device() % 1000000000U);
        m_pgTables.push_back(name);
        m_usesPostgres = true;
        return name;
    }

    fs::path sqliteCustomers(const std::string& file, int rows) {
        const fs::path database = m_dir / file;
        std::string sql = std::string("CREATE TABLE customers ") + kSqliteCustomersColumns + ";\n";
        if (rows > 0) {
            sql += customerRowsSql("customers", 1, rows);
        }
        sqlite(database, sql);
        return database;
    }

    std::string pgCustomers(const std::string& stem) {
        const std::string table = pgTable(stem);
        psql("CREATE TABLE " + table + " " + kPgCustomersColumns + ";");
        return table;
    }

    Rows sqliteCustomerRows(const fs::path& database) {
        return sqlite(database, sqliteCustomersQuery("customers"));
    }
    Rows pgCustomerRows(const std::string& table) { return psql(pgCustomersQuery(table)); }

    // The value of one column of one customer, natively.
    std::string sqliteValue(const fs::path& database, const std::string& column, int id) {
        const Rows rows =
            sqlite(database,
                   "SELECT " + column + " FROM customers WHERE id = " + std::to_string(id) + ";");
        return rows.empty() ? "<missing>" : rows[0][0];
    }
    std::string pgValue(const std::string& table, const std::string& column, int id) {
        const Rows rows =
            psql("SELECT " + column + " FROM " + table + " WHERE id = " + std::to_string(id) + ";");
        return rows.empty() ? "<missing>" : rows[0][0];
    }

    // SQLite customers (left) -> PostgreSQL customers (right), synchronized once.
    struct Pair {
        fs::path sqliteFile;
        std::string pgTableName;
        fs::path document;
    };
    Pair syncedPair(const std::string& stem, const std::string& direction,
                    const std::string& policy, int rows) {
        Pair pair;
        const bool leftHasRows = direction != "right-to-left";
        pair.sqliteFile = sqliteCustomers(stem + ".db", leftHasRows ? rows : 0);
        pair.pgTableName = pgCustomers(stem);
        if (!leftHasRows) {
            psql(pgCustomerInsertSql(pair.pgTableName, 1, rows));
        }
        pair.document = writeDocument(
            stem,
            documentJson("Customers " + stem, direction, policy,
                         entityJson("SQLite customers", sqliteConnectionString(pair.sqliteFile),
                                    "SELECT * FROM customers"),
                         entityJson("PostgreSQL customers", pgServer().odbcWithoutPassword,
                                    "SELECT * FROM " + pair.pgTableName)));
        const auto [code, report] = runJson(pair.document);
        EXPECT_EQ(code, 0) << report.dump(2);
        EXPECT_EQ(report.value("status", ""), "succeeded") << report.dump(2);
        return pair;
    }

    // The customer generator in PostgreSQL's dialect (same values as customerRowsSql).
    static std::string pgCustomerInsertSql(const std::string& table, int first, int last) {
        return "INSERT INTO " + table +
               " (id, name, email, balance, score, visits, active, joined, updated_at)\n"
               "SELECT i,\n"
               "  CASE i % 6 WHEN 0 THEN 'Zoë Ångström' WHEN 1 THEN '山田 太郎' "
               "WHEN 2 THEN 'Łukasz Żółć' WHEN 3 THEN 'Мария Иванова' "
               "WHEN 4 THEN 'O''Brien, \"Ann\"' ELSE 'Ana 🚀 Núñez' END || ' ' || i,\n"
               "  CASE WHEN i % 7 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,\n"
               "  (i * 37 % 100000) / 100.0,\n"
               "  CASE WHEN i % 11 = 0 THEN NULL ELSE i * 0.25 END,\n"
               "  i % 50,\n"
               "  i % 2 = 1,\n"
               "  DATE '2020-01-01' + (i % 1500),\n"
               "  TIMESTAMP '2024-01-01 00:00:00' + (i * 7919 % 31536000) * INTERVAL '1 second'\n"
               "FROM generate_series(" +
               std::to_string(first) + ", " + std::to_string(last) + ") AS i;\n";
    }

    TempDir m_dir;
    std::vector<std::string> m_pgTables;
    bool m_usesPostgres = false;
    std::string m_allOutput;  // everything every ferry invocation printed
};

// ---------------------------------------------------------------------------------------------
// Help and usage

TEST_F(CliE2eTest, HelpWorksForEveryCommand) {
    const auto global = ferry("--help");
    ASSERT_EQ(global.exitCode, 0) << global.all();
    const std::vector<std::string> commands = {"run",  "preview", "verify",
                                               "list", "history", "conflicts"};
    for (const auto& command : commands) {
        EXPECT_NE(global.out.find("  " + command + " "), std::string::npos) << command;
    }
    EXPECT_NE(global.out.find("Exit codes"), std::string::npos);
    EXPECT_NE(global.out.find("FERRY_RIGHT_PASSWORD"), std::string::npos);
    EXPECT_EQ(ferry("-h").out, global.out);
    EXPECT_EQ(ferry("help").out, global.out);

    for (const auto& command : commands) {
        for (const std::string flag : {"--help", "-h"}) {
            const auto help = ferry(command + " " + flag);
            EXPECT_EQ(help.exitCode, 0) << command << help.all();
            EXPECT_EQ(help.out.rfind("Usage: ferry " + command, 0), 0U) << command << help.out;
        }
        const auto viaHelp = ferry("help " + command);
        EXPECT_EQ(viaHelp.exitCode, 0);
        EXPECT_EQ(viaHelp.out, ferry(command + " --help").out);
    }
    EXPECT_NE(ferry("run --help").out.find("--dry-run"), std::string::npos);
    EXPECT_NE(ferry("preview --help").out.find("--rows"), std::string::npos);

    const auto version = ferry("--version");
    EXPECT_EQ(version.exitCode, 0);
    EXPECT_EQ(version.out.rfind("ferry ", 0), 0U) << version.out;
    EXPECT_NE(version.out.find_first_of("0123456789"), std::string::npos);
}

TEST_F(CliE2eTest, UsageErrorsExitTwoAndNameTheProblem) {
    const auto none = ferry("");
    EXPECT_EQ(none.exitCode, 2);
    EXPECT_NE(none.err.find("no command"), std::string::npos) << none.all();

    const auto unknown = ferry("frobnicate");
    EXPECT_EQ(unknown.exitCode, 2);
    EXPECT_NE(unknown.err.find("frobnicate"), std::string::npos) << unknown.all();

    const auto badOption = ferry("run x.json --bogus");
    EXPECT_EQ(badOption.exitCode, 2);
    EXPECT_NE(badOption.err.find("--bogus"), std::string::npos) << badOption.all();

    const auto missing = ferry("run");
    EXPECT_EQ(missing.exitCode, 2);
    EXPECT_NE(missing.err.find("missing argument <connection>"), std::string::npos)
        << missing.all();
    EXPECT_NE(missing.err.find("usage: ferry run <connection>"), std::string::npos)
        << missing.all();
    const auto extra = ferry("verify a.json b.json");
    EXPECT_EQ(extra.exitCode, 2);
    EXPECT_NE(extra.err.find("unexpected argument 'b.json'"), std::string::npos) << extra.all();

    const auto badRows = ferry("preview x.json --rows many");
    EXPECT_EQ(badRows.exitCode, 2);
    EXPECT_NE(badRows.err.find("--rows"), std::string::npos) << badRows.all();

    const auto badSide = ferry("verify x.json --side middle");
    EXPECT_EQ(badSide.exitCode, 2) << badSide.all();
}

TEST_F(CliE2eTest, MalformedOrInvalidDocumentExitsTwo) {
    const fs::path broken = path("broken.json");
    writeFile(broken, "{ \"title\": \"half a document\", ");
    for (const std::string command : {"run", "verify", "preview"}) {
        const auto result = ferry(command + " " + quote(broken.string()));
        EXPECT_EQ(result.exitCode, 2) << command << result.all();
        EXPECT_NE(result.all().find("broken.json"), std::string::npos) << command << result.all();
    }

    const fs::path source = sqliteCustomers("source.db", 3);
    Json document =
        documentJson("Sideways", "sideways", "skip",
                     entityJson("A", sqliteConnectionString(source), "SELECT * FROM customers"),
                     entityJson("B", sqliteConnectionString(source), "SELECT * FROM customers"));
    const fs::path invalid = writeDocument("invalid", document);
    const auto result = ferry("run " + quote(invalid.string()));
    EXPECT_EQ(result.exitCode, 2) << result.all();
    EXPECT_NE(result.err.find("direction"), std::string::npos) << result.all();

    // --json still yields one report object for scripts.
    const auto [code, report] = runJson(invalid);
    EXPECT_EQ(code, 2);
    EXPECT_EQ(report.value("status", ""), "aborted") << report.dump(2);
    EXPECT_NE(report.value("message", "").find("direction"), std::string::npos);

    // Valid JSON, but the provider does not exist, or a mapped column does not.
    Json unknownProvider = document;
    unknownProvider["direction"] = "left-to-right";
    unknownProvider["right"]["provider"] = "carrier-pigeon";
    const fs::path pigeon = writeDocument("pigeon", unknownProvider);
    const auto pigeonVerify = ferry("verify " + quote(pigeon.string()));
    EXPECT_EQ(pigeonVerify.exitCode, 2) << pigeonVerify.all();
    EXPECT_NE(pigeonVerify.out.find("unknown provider 'carrier-pigeon'"), std::string::npos)
        << pigeonVerify.out;
    EXPECT_EQ(runJson(pigeon).first, 2);

    Json badMapping = unknownProvider;
    badMapping["right"]["provider"] = "odbc";
    badMapping["mapping"]["columns"] = Json::array({{{"left", "name"}, {"right", "no_such"}}});
    const fs::path mapping = writeDocument("mapping", badMapping);
    const auto mappingVerify = ferry("verify " + quote(mapping.string()));
    EXPECT_EQ(mappingVerify.exitCode, 2) << mappingVerify.all();
    EXPECT_NE(mappingVerify.out.find("no_such"), std::string::npos) << mappingVerify.out;
    const auto [mappingCode, mappingReport] = runJson(mapping);
    EXPECT_EQ(mappingCode, 2) << mappingReport.dump(2);

    const auto notFound = ferry("run 'No such connection'");
    EXPECT_EQ(notFound.exitCode, 2) << notFound.all();
    EXPECT_NE(notFound.err.find("No such connection"), std::string::npos) << notFound.all();
}

// ---------------------------------------------------------------------------------------------
// First syncs and reruns

TEST_F(CliE2eTest, SqliteToSqliteFirstSyncCopiesEveryValueAndRerunWritesNothing) {
    const fs::path source = sqliteCustomers("source.db", 1000);
    const fs::path target = sqliteCustomers("target.db", 0);
    const fs::path document = writeDocument(
        "copy",
        documentJson(
            "Customers copy", "left-to-right", "skip",
            entityJson("Source", sqliteConnectionString(source), "SELECT * FROM customers"),
            entityJson("Target", sqliteConnectionString(target), "SELECT * FROM customers")));

    const auto first = ferry("run " + quote(document.string()));
    ASSERT_EQ(first.exitCode, 0) << first.all();
    EXPECT_NE(first.out.find("succeeded"), std::string::npos) << first.out;
    EXPECT_NE(first.out.find("1000"), std::string::npos) << first.out;
    expectSameRows(sqliteCustomerRows(source), sqliteCustomerRows(target), "target after run");

    const auto [code, report] = runJson(document);
    ASSERT_EQ(code, 0) << report.dump(2);
    EXPECT_EQ(report.value("status", ""), "succeeded");
    EXPECT_EQ(count(report, "left", "read"), 1000U);
    EXPECT_EQ(count(report, "right", "read"), 1000U);
    EXPECT_EQ(writes(report, "left"), 0U) << report.dump(2);
    EXPECT_EQ(writes(report, "right"), 0U) << report.dump(2);
    EXPECT_EQ(report.value("conflicts", 1), 0);
}

TEST_F(CliE2eTest, SqliteToPostgresFirstSyncMatchesValueForValueAndRerunWritesNothing) {
    const fs::path source = sqliteCustomers("source.db", 1000);
    const std::string table = pgCustomers("first");
    const fs::path document = writeDocument(
        "to-pg",
        documentJson(
            "Customers to PostgreSQL", "left-to-right", "skip",
            entityJson("Source", sqliteConnectionString(source), "SELECT * FROM customers"),
            entityJson("Target", pgServer().odbcWithoutPassword, "SELECT * FROM " + table)));

    const auto [code, report] = runJson(document);
    ASSERT_EQ(code, 0) << report.dump(2);
    EXPECT_EQ(report.value("status", ""), "succeeded");
    EXPECT_EQ(report.value("dryRun", true), false);
    EXPECT_EQ(count(report, "left", "read"), 1000U);
    EXPECT_EQ(count(report, "right", "inserted"), 1000U) << report.dump(2);
    EXPECT_EQ(count(report, "right", "failed"), 0U);
    EXPECT_EQ(writes(report, "left"), 0U);
    expectSameRows(sqliteCustomerRows(source), pgCustomerRows(table), "PostgreSQL after run");

    const auto [again, rerun] = runJson(document);
    ASSERT_EQ(again, 0) << rerun.dump(2);
    EXPECT_EQ(writes(rerun, "left"), 0U) << rerun.dump(2);
    EXPECT_EQ(writes(rerun, "right"), 0U) << rerun.dump(2);
    EXPECT_EQ(count(rerun, "right", "read"), 1000U);
    expectSameRows(sqliteCustomerRows(source), pgCustomerRows(table), "PostgreSQL after rerun");
}

// `ferry create-target` makes the PostgreSQL table from the SQLite columns; the run fills it.
TEST_F(CliE2eTest, CreateTargetMakesTheTableThatTheFirstRunFills) {
    const fs::path source = sqliteCustomers("source.db", 300);
    const std::string table = pgTable("created");
    const fs::path document = writeDocument(
        "create",
        documentJson(
            "Customers into a new table", "left-to-right", "skip",
            entityJson("Source", sqliteConnectionString(source), "SELECT * FROM customers"),
            entityJson("Target", pgServer().odbcWithoutPassword, "SELECT * FROM " + table)));

    auto result = ferry("create-target " + quote(document.string()) + " --dry-run");
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("Nothing was created"), std::string::npos) << result.out;
    EXPECT_TRUE(psql("SELECT 1 FROM pg_tables WHERE tablename = '" + table + "';").empty());

    result = ferry("create-target " + quote(document.string()));
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("id → BIGINT, primary key"), std::string::npos) << result.out;
    EXPECT_EQ(
        psql("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = "
             "i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indisprimary AND i.indrelid = '" +
             table + "'::regclass;"),
        (Rows{{"id"}}));

    result = ferry("create-target " + quote(document.string()));
    EXPECT_EQ(result.exitCode, 2) << result.out;
    EXPECT_NE(result.err.find("already exists"), std::string::npos) << result.err;

    const auto [code, report] = runJson(document);
    ASSERT_EQ(code, 0) << report.dump(2);
    EXPECT_EQ(count(report, "right", "inserted"), 300U);
    expectSameRows(sqliteCustomerRows(source), pgCustomerRows(table), "the created table");
    const auto [again, rerun] = runJson(document);
    ASSERT_EQ(again, 0) << rerun.dump(2);
    EXPECT_EQ(writes(rerun, "right"), 0U) << rerun.dump(2);
}

// ---------------------------------------------------------------------------------------------
// Directions and conflict policies

// One-way: the source's edits, inserts and deletes flow; an edit made on the target is not
// carried back but restored from the source (the target is a copy).
TEST_F(CliE2eTest, LeftToRightCarriesLeftChangesAndRestoresTargetEdits) {
    const Pair pair = syncedPair("ltr", "left-to-right", "skip", 20);
    sqlite(pair.sqliteFile,
           "UPDATE customers SET name = 'Changed on the left' WHERE id = 3;\n"
           "UPDATE customers SET email = NULL WHERE id = 4;\n"
           "DELETE FROM customers WHERE id = 5;\n" +
               customerRowsSql("customers", 21, 21));
    psql("UPDATE " + pair.pgTableName + " SET name = 'Changed on the right' WHERE id = 10;");
    const std::string leftTenBefore = sqliteValue(pair.sqliteFile, "name", 10);

    const auto [code, report] = runJson(pair.document);
    ASSERT_EQ(code, 0) << report.dump(2);
    EXPECT_EQ(count(report, "right", "inserted"), 1U) << report.dump(2);
    EXPECT_EQ(count(report, "right", "deleted"), 1U) << report.dump(2);
    EXPECT_EQ(count(report, "right", "updated"), 3U) << "ids 3, 4 and the restored 10\n"
                                                     << report.dump(2);
    EXPECT_EQ(writes(report, "left"), 0U) << report.dump(2);

    EXPECT_EQ(pgValue(pair.pgTableName, "name", 3), "Changed on the left");
    EXPECT_EQ(pgValue(pair.pgTableName, "email", 4), kNull);
    EXPECT_EQ(pgValue(pair.pgTableName, "id", 5), "<missing>");
    EXPECT_EQ(pgValue(pair.pgTableName, "id", 21), "21");
    EXPECT_EQ(sqliteValue(pair.sqliteFile, "name", 10), leftTenBefore);
    EXPECT_EQ(pgValue(pair.pgTableName, "name", 10), leftTenBefore);
    expectSameRows(sqliteCustomerRows(pair.sqliteFile), pgCustomerRows(pair.pgTableName),
                   "PostgreSQL after the run");
}

TEST_F(CliE2eTest, RightToLeftCarriesRightChangesAndRestoresTargetEdits) {
    const Pair pair = syncedPair("rtl", "right-to-left", "skip", 20);
    expectSameRows(pgCustomerRows(pair.pgTableName), sqliteCustomerRows(pair.sqliteFile),
                   "SQLite after the first run");
    psql("UPDATE " + pair.pgTableName + " SET name = 'Changed on the right' WHERE id = 3;\n" +
         "UPDATE " + pair.pgTableName + " SET balance = 12345.67 WHERE id = 4;\n" + "DELETE FROM " +
         pair.pgTableName + " WHERE id = 5;\n" + pgCustomerInsertSql(pair.pgTableName, 21, 22));
    sqlite(pair.sqliteFile, "UPDATE customers SET name = 'Changed on the left' WHERE id = 10;");
    const std::string rightTenBefore = pgValue(pair.pgTableName, "name", 10);

    const auto [code, report] = runJson(pair.document);
    ASSERT_EQ(code, 0) << report.dump(2);
    EXPECT_EQ(count(report, "left", "inserted"), 2U) << report.dump(2);
    EXPECT_EQ(count(report, "left", "deleted"), 1U) << report.dump(2);
    EXPECT_EQ(count(report, "left", "updated"), 3U) << "ids 3, 4 and the restored 10\n"
                                                    << report.dump(2);
    EXPECT_EQ(writes(report, "right"), 0U) << report.dump(2);

    EXPECT_EQ(sqliteValue(pair.sqliteFile, "name", 3), "Changed on the right");
    EXPECT_EQ(sqliteValue(pair.sqliteFile, "printf('%.2f', balance)", 4), "12345.67");
    EXPECT_EQ(sqliteValue(pair.sqliteFile, "id", 5), "<missing>");
    EXPECT_EQ(sqliteValue(pair.sqliteFile, "id", 22), "22");
    EXPECT_EQ(pgValue(pair.pgTableName, "name", 10), rightTenBefore);
    EXPECT_EQ(sqliteValue(pair.sqliteFile, "name", 10), rightTenBefore);
    expectSameRows(pgCustomerRows(pair.pgTableName), sqliteCustomerRows(pair.sqliteFile),
                   "SQLite after the run");
}

// Changes on both sides of a bidirectional pair: each flows to the other side, edits of
// different columns of one item merge, and customer 5's name is changed on both sides.
class BidirectionalTest : public CliE2eTest {
protected:
    Pair changeBothSides(const std::string& policy) {
        Pair pair =
            syncedPair("bidi_" + policy.substr(0, policy.find('-')), "bidirectional", policy, 10);
        sqlite(pair.sqliteFile,
               "UPDATE customers SET name = 'Left one' WHERE id = 1;\n"
               "DELETE FROM customers WHERE id = 3;\n"
               "UPDATE customers SET name = 'Left five' WHERE id = 5;\n"
               "UPDATE customers SET name = 'Left six' WHERE id = 6;\n" +
                   customerRowsSql("customers", 101, 101));
        psql("UPDATE " + pair.pgTableName + " SET email = 'right2@example.com' WHERE id = 2;\n" +
             "DELETE FROM " + pair.pgTableName + " WHERE id = 4;\n" + "UPDATE " + pair.pgTableName +
             " SET name = 'Right five' WHERE id = 5;\n" + "UPDATE " + pair.pgTableName +
             " SET email = 'right6@example.com' WHERE id = 6;\n" +
             pgCustomerInsertSql(pair.pgTableName, 201, 201));
        return pair;
    }

    // Everything but customer 5 agrees on both sides after the run.
    void expectNonConflictingChangesFlowed(const Pair& pair) {
        for (const auto* where : {"left", "right"}) {
            SCOPED_TRACE(where);
            const bool left = std::string(where) == "left";
            auto value = [&](const std::string& column, int id) {
                return left ? sqliteValue(pair.sqliteFile, column, id)
                            : pgValue(pair.pgTableName, column, id);
            };
            EXPECT_EQ(value("name", 1), "Left one");
            EXPECT_EQ(value("email", 2), "right2@example.com");
            EXPECT_EQ(value("id", 3), "<missing>");
            EXPECT_EQ(value("id", 4), "<missing>");
            EXPECT_EQ(value("name", 6), "Left six");
            EXPECT_EQ(value("email", 6), "right6@example.com");
            EXPECT_EQ(value("id", 101), "101");
            EXPECT_EQ(value("id", 201), "201");
        }
    }
};

TEST_F(BidirectionalTest, LeftWinsOnAConflictingEdit) {
    const Pair pair = changeBothSides("left-wins");
    const auto [code, report] = runJson(pair.document);
    ASSERT_EQ(code, 0) << report.dump(2);
    EXPECT_GE(report.value("conflicts", 0), 1) << report.dump(2);
    expectNonConflictingChangesFlowed(pair);
    EXPECT_EQ(sqliteValue(pair.sqliteFile, "name", 5), "Left five");
    EXPECT_EQ(pgValue(pair.pgTableName, "name", 5), "Left five");
    expectSameRows(sqliteCustomerRows(pair.sqliteFile), pgCustomerRows(pair.pgTableName),
                   "both sides");

    const auto [again, rerun] = runJson(pair.document);
    EXPECT_EQ(again, 0);
    EXPECT_EQ(writes(rerun, "left") + writes(rerun, "right"), 0U) << rerun.dump(2);
}

TEST_F(BidirectionalTest, RightWinsOnAConflictingEdit) {
    const Pair pair = changeBothSides("right-wins");
    const auto [code, report] = runJson(pair.document);
    ASSERT_EQ(code, 0) << report.dump(2);
    EXPECT_GE(report.value("conflicts", 0), 1) << report.dump(2);
    expectNonConflictingChangesFlowed(pair);
    EXPECT_EQ(sqliteValue(pair.sqliteFile, "name", 5), "Right five");
    EXPECT_EQ(pgValue(pair.pgTableName, "name", 5), "Right five");
    expectSameRows(sqliteCustomerRows(pair.sqliteFile), pgCustomerRows(pair.pgTableName),
                   "both sides");
}

TEST_F(BidirectionalTest, SkipLeavesBothSidesAndListsTheConflictUntilDecided) {
    const Pair pair = changeBothSides("skip");
    const auto [code, report] = runJson(pair.document);
    ASSERT_EQ(code, 0) << report.dump(2);
    EXPECT_EQ(report.value("conflicts", 0), 1) << report.dump(2);
    ASSERT_EQ(report.at("conflictList").size(), 1U) << report.dump(2);
    EXPECT_EQ(report["conflictList"][0].value("key", ""), "5");
    expectNonConflictingChangesFlowed(pair);
    EXPECT_EQ(sqliteValue(pair.sqliteFile, "name", 5), "Left five");
    EXPECT_EQ(pgValue(pair.pgTableName, "name", 5), "Right five");

    // Decided again on the next run: still a conflict, still untouched.
    const auto [again, rerun] = runJson(pair.document);
    EXPECT_EQ(again, 0);
    EXPECT_EQ(rerun.value("conflicts", 0), 1) << rerun.dump(2);
    EXPECT_EQ(writes(rerun, "left") + writes(rerun, "right"), 0U) << rerun.dump(2);
    EXPECT_EQ(pgValue(pair.pgTableName, "name", 5), "Right five");

    const auto listed = ferry("conflicts " + quote(pair.document.string()));
    ASSERT_EQ(listed.exitCode, 0) << listed.all();
    EXPECT_NE(listed.out.find("1 open conflict"), std::string::npos) << listed.out;
    const auto listedJson =
        Json::parse(ferry("conflicts " + quote(pair.document.string()) + " --json").out);
    ASSERT_EQ(listedJson.size(), 1U);
    EXPECT_EQ(listedJson[0].value("key", ""), "5");

    // The user decides: the right side's value wins on the next run.
    const auto decided =
        ferry("conflicts " + quote(pair.document.string()) + " --take right --key 5");
    ASSERT_EQ(decided.exitCode, 0) << decided.all();
    const auto unknownKey =
        ferry("conflicts " + quote(pair.document.string()) + " --take right --key 999");
    EXPECT_EQ(unknownKey.exitCode, 2) << unknownKey.all();

    const auto [third, decidedRun] = runJson(pair.document);
    ASSERT_EQ(third, 0) << decidedRun.dump(2);
    EXPECT_EQ(sqliteValue(pair.sqliteFile, "name", 5), "Right five");
    EXPECT_EQ(pgValue(pair.pgTableName, "name", 5), "Right five");
    EXPECT_NE(ferry("conflicts " + quote(pair.document.string())).out.find("No open conflicts"),
              std::string::npos);
}

TEST_F(BidirectionalTest, FailAbortsWithExitFourAndWritesNothing) {
    const Pair pair = changeBothSides("fail");
    const Rows leftBefore = sqliteCustomerRows(pair.sqliteFile);
    const Rows rightBefore = pgCustomerRows(pair.pgTableName);
    const auto [code, report] = runJson(pair.document);
    EXPECT_EQ(code, 4) << report.dump(2);
    EXPECT_EQ(report.value("status", ""), "aborted");
    EXPECT_EQ(report.value("abortCode", ""), "aborted");
    EXPECT_NE(report.value("message", "").find("conflict"), std::string::npos) << report.dump(2);
    expectSameRows(leftBefore, sqliteCustomerRows(pair.sqliteFile), "left after the abort");
    expectSameRows(rightBefore, pgCustomerRows(pair.pgTableName), "right after the abort");
}

// ---------------------------------------------------------------------------------------------
// Safety: delete guard and dry runs

TEST_F(CliE2eTest, DeleteGuardAbortsWithExitFourUnlessForced) {
    const Pair pair = syncedPair("guard", "left-to-right", "skip", 10);
    sqlite(pair.sqliteFile, "DELETE FROM customers WHERE id <= 6;");

    const auto [code, report] = runJson(pair.document);
    EXPECT_EQ(code, 4) << report.dump(2);
    EXPECT_EQ(report.value("status", ""), "aborted");
    EXPECT_FALSE(report.value("message", "").empty());
    EXPECT_EQ(writes(report, "right"), 0U);
    EXPECT_EQ(pgCount(pair.pgTableName), 10);

    const auto human = ferry("run " + quote(pair.document.string()));
    EXPECT_EQ(human.exitCode, 4) << human.all();
    EXPECT_NE(human.out.find("aborted"), std::string::npos) << human.out;
    EXPECT_EQ(pgCount(pair.pgTableName), 10);

    const auto [forced, forcedReport] = runJson(pair.document, "--force");
    ASSERT_EQ(forced, 0) << forcedReport.dump(2);
    EXPECT_EQ(count(forcedReport, "right", "deleted"), 6U);
    EXPECT_EQ(pgCount(pair.pgTableName), 4);
    expectSameRows(sqliteCustomerRows(pair.sqliteFile), pgCustomerRows(pair.pgTableName),
                   "after the forced run");
}

TEST_F(CliE2eTest, DryRunReportsPlannedChangesAndWritesNothing) {
    // A first run as a dry run: nothing lands, ten inserts are planned.
    const fs::path source = sqliteCustomers("dry.db", 10);
    const std::string table = pgCustomers("dry");
    const fs::path document = writeDocument(
        "dry", documentJson(
                   "Dry", "left-to-right", "skip",
                   entityJson("Source", sqliteConnectionString(source), "SELECT * FROM customers"),
                   entityJson("Target", pgServer().odbcWithoutPassword, "SELECT * FROM " + table)));
    const auto [firstCode, first] = runJson(document, "--dry-run");
    ASSERT_EQ(firstCode, 0) << first.dump(2);
    EXPECT_EQ(first.value("dryRun", false), true);
    EXPECT_EQ(first.at("plannedChanges").size(), 10U) << first.dump(2);
    EXPECT_EQ(pgCount(table), 0);

    const auto [realCode, real] = runJson(document);
    ASSERT_EQ(realCode, 0) << real.dump(2);
    EXPECT_EQ(count(real, "right", "inserted"), 10U);

    sqlite(source,
           "UPDATE customers SET name = 'Planned update' WHERE id = 2;\n"
           "DELETE FROM customers WHERE id = 3;\n" +
               customerRowsSql("customers", 11, 11));
    const Rows before = pgCustomerRows(table);
    const auto [code, report] = runJson(document, "--dry-run");
    ASSERT_EQ(code, 0) << report.dump(2);
    EXPECT_EQ(report.value("dryRun", false), true);
    std::vector<std::string> planned;
    for (const auto& change : report.at("plannedChanges")) {
        planned.push_back(change.value("side", "") + " " + change.value("kind", "") + " " +
                          change.value("key", ""));
    }
    std::sort(planned.begin(), planned.end());
    EXPECT_EQ(planned,
              (std::vector<std::string>{"right delete 3", "right insert 11", "right update 2"}))
        << report.dump(2);
    expectSameRows(before, pgCustomerRows(table), "PostgreSQL after the dry run");

    const auto human = ferry("run " + quote(document.string()) + " --dry-run");
    EXPECT_EQ(human.exitCode, 0) << human.all();
    EXPECT_NE(human.out.find("Planned changes"), std::string::npos) << human.out;
    expectSameRows(before, pgCustomerRows(table), "PostgreSQL after the second dry run");

    // The dry runs recorded nothing: the real run still has all three changes to make.
    const auto [afterCode, after] = runJson(document);
    ASSERT_EQ(afterCode, 0) << after.dump(2);
    EXPECT_EQ(count(after, "right", "inserted"), 1U) << after.dump(2);
    EXPECT_EQ(count(after, "right", "updated"), 1U) << after.dump(2);
    EXPECT_EQ(count(after, "right", "deleted"), 1U) << after.dump(2);
    expectSameRows(sqliteCustomerRows(source), pgCustomerRows(table), "after the real run");
}

// ---------------------------------------------------------------------------------------------
// Connection failures, item errors, passwords

TEST_F(CliE2eTest, UnreachablePostgresExitsThree) {
    const fs::path source = sqliteCustomers("source.db", 5);
    auto unreachable = ConnectionString::parse(pgServer().odbcWithoutPassword);
    unreachable.set("Port", "1");  // nothing listens on port 1
    const fs::path document = writeDocument(
        "unreachable",
        documentJson(
            "Unreachable", "left-to-right", "skip",
            entityJson("Source", sqliteConnectionString(source), "SELECT * FROM customers"),
            entityJson("Nowhere", unreachable.toString(), "SELECT * FROM customers")));
    const auto [code, report] = runJson(document);
    EXPECT_EQ(code, 3) << report.dump(2);
    EXPECT_EQ(report.value("status", ""), "aborted");
    EXPECT_FALSE(report.value("message", "").empty());

    const auto verify = ferry("verify " + quote(document.string()));
    EXPECT_EQ(verify.exitCode, 3) << verify.all();
    EXPECT_NE(verify.out.find("left (Source)\n  OK"), std::string::npos) << verify.out;
    EXPECT_NE(verify.out.find("right (Nowhere)\n  FAILED"), std::string::npos) << verify.out;

    EXPECT_EQ(ferry("verify " + quote(document.string()) + " --side left").exitCode, 0);
    const auto preview = ferry("preview " + quote(document.string()) + " --side right");
    EXPECT_EQ(preview.exitCode, 3) << preview.all();
}

TEST_F(CliE2eTest, WrongOrMissingPostgresPasswordExitsThree) {
    const Pair pair = syncedPair("pw", "left-to-right", "skip", 5);
    sqlite(pair.sqliteFile, "UPDATE customers SET name = 'Not written' WHERE id = 1;");

    Invocation wrong;
    wrong.rightPassword = false;
    wrong.env = "FERRY_RIGHT_PASSWORD=" + quote("not-the-password");
    const auto [code, report] = runJson(pair.document, {}, wrong);
    EXPECT_EQ(code, 3) << report.dump(2);
    EXPECT_EQ(report.value("status", ""), "aborted");
    const auto verify = ferry("verify " + quote(pair.document.string()), wrong);
    EXPECT_EQ(verify.exitCode, 3) << verify.all();
    EXPECT_NE(verify.out.find("FAILED"), std::string::npos) << verify.out;

    Invocation missing;
    missing.rightPassword = false;
    EXPECT_EQ(runJson(pair.document, {}, missing).first, 3);
    EXPECT_NE(pgValue(pair.pgTableName, "name", 1), "Not written");
}

TEST_F(CliE2eTest, ItemErrorsExitOneAndTheOtherRowsAreWritten) {
    const fs::path source = path("people.db");
    sqlite(source,
           "CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(50));\n"
           "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 20)\n"
           "INSERT INTO people SELECT i, 'p' || i FROM seq;\n"
           "UPDATE people SET name = 'a name far too long for ten' WHERE id IN (4, 9, 17);\n");
    const std::string table = pgTable("short");
    psql("CREATE TABLE " + table + " (id INTEGER PRIMARY KEY, name VARCHAR(10));");
    const fs::path document = writeDocument(
        "short",
        documentJson(
            "Short names", "left-to-right", "skip",
            entityJson("People", sqliteConnectionString(source), "SELECT * FROM people"),
            entityJson("Short", pgServer().odbcWithoutPassword, "SELECT * FROM " + table)));

    const auto [code, report] = runJson(document);
    EXPECT_EQ(code, 1) << report.dump(2);
    EXPECT_EQ(report.value("status", ""), "completed-with-errors");
    EXPECT_EQ(count(report, "right", "failed"), 3U) << report.dump(2);
    EXPECT_EQ(count(report, "right", "inserted"), 17U) << report.dump(2);
    std::vector<std::string> failedKeys;
    for (const auto& error : report.at("errors")) {
        EXPECT_EQ(error.value("side", ""), "right");
        EXPECT_FALSE(error.value("message", "").empty());
        failedKeys.push_back(error.value("key", ""));
    }
    std::sort(failedKeys.begin(), failedKeys.end());
    EXPECT_EQ(failedKeys, (std::vector<std::string>{"17", "4", "9"}));

    const Rows written = psql("SELECT id, name FROM " + table + " ORDER BY id;");
    ASSERT_EQ(written.size(), 17U);
    for (const auto& row : written) {
        EXPECT_EQ(row[1], "p" + row[0]);
    }

    // The human summary lists the failed items and history keeps them.
    const auto human = ferry("run " + quote(document.string()));
    EXPECT_EQ(human.exitCode, 1) << human.all();
    EXPECT_NE(human.out.find("completed with errors"), std::string::npos) << human.out;
    EXPECT_NE(human.out.find("right 4: "), std::string::npos) << human.out;
    const auto history = Json::parse(ferry("history " + quote(document.string()) + " --json").out);
    ASSERT_EQ(history.size(), 2U);
    EXPECT_EQ(history[0].value("status", ""), "completed-with-errors");
    const auto details = ferry("history " + quote(document.string()) + " --run " +
                               std::to_string(history[0].value("runId", 0)));
    EXPECT_EQ(details.exitCode, 0) << details.all();
    EXPECT_NE(details.out.find("17"), std::string::npos) << details.out;
}

TEST_F(CliE2eTest, PasswordComesFromTheEnvironmentOrStdinAndIsNeverPrintedOrLogged) {
    const fs::path source = sqliteCustomers("source.db", 30);
    const std::string table = pgCustomers("secret");
    const std::string& password = pgServer().password;
    ASSERT_GE(password.size(), 8U);
    ASSERT_EQ(pgServer().odbcWithoutPassword.find(password), std::string::npos);
    const fs::path document = writeDocument(
        "secret",
        documentJson(
            "Secret", "left-to-right", "skip",
            entityJson("Source", sqliteConnectionString(source), "SELECT * FROM customers"),
            entityJson("Target", pgServer().odbcWithoutPassword, "SELECT * FROM " + table)));
    const std::string doc = quote(document.string());

    // The environment variable is what makes the connection work.
    Invocation without;
    without.rightPassword = false;
    EXPECT_EQ(ferry("verify " + doc + " --side right", without).exitCode, 3);
    EXPECT_EQ(ferry("verify " + doc + " --verbose").exitCode, 0);
    EXPECT_EQ(ferry("preview " + doc + " --side right --verbose").exitCode, 0);
    const auto run = ferry("run " + doc + " --verbose");
    EXPECT_EQ(run.exitCode, 0) << run.all();
    EXPECT_EQ(pgCount(table), 30);
    EXPECT_EQ(ferry("run " + doc + " --json --verbose").exitCode, 0);
    EXPECT_EQ(ferry("history " + doc).exitCode, 0);

    // Or one line of standard input.
    Invocation piped;
    piped.rightPassword = false;
    piped.input = password + "\n";
    const auto stdinVerify = ferry("verify " + doc + " --password-stdin right", piped);
    EXPECT_EQ(stdinVerify.exitCode, 0) << stdinVerify.all();
    Invocation both = piped;
    both.input = "unused-left-secret\n" + password + "\n";
    const auto stdinRun =
        ferry("run " + doc + " --password-stdin left --password-stdin right --verbose", both);
    EXPECT_EQ(stdinRun.exitCode, 0) << stdinRun.all();
    Invocation empty;
    empty.rightPassword = false;
    EXPECT_EQ(ferry("verify " + doc + " --password-stdin right", empty).exitCode, 2);

    EXPECT_EQ(m_allOutput.find(password), std::string::npos) << "password printed";
    EXPECT_EQ(m_allOutput.find("unused-left-secret"), std::string::npos);
    std::size_t logFiles = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dataDir())) {
        if (!entry.is_regular_file()) {
            continue;
        }
        const std::string content = readFile(entry.path());
        EXPECT_EQ(content.find(password), std::string::npos) << entry.path();
        if (entry.path().string().find("log") != std::string::npos && !content.empty()) {
            ++logFiles;
        }
    }
    EXPECT_GE(logFiles, 1U) << "the runs should have written a log file under " << dataDir();
}

TEST_F(CliE2eTest, VerifyWarnsAboutAPasswordInTheDocumentWithoutPrintingIt) {
    const fs::path source = sqliteCustomers("source.db", 3);
    const std::string table = pgCustomers("warn");
    const fs::path document = writeDocument(
        "warn", documentJson(
                    "Warn", "left-to-right", "skip",
                    entityJson("Source", sqliteConnectionString(source), "SELECT * FROM customers"),
                    entityJson("Target", pgServer().odbcWithPassword, "SELECT * FROM " + table)));
    Invocation noEnv;
    noEnv.rightPassword = false;
    const auto verify = ferry("verify " + quote(document.string()), noEnv);
    EXPECT_EQ(verify.exitCode, 0) << verify.all();
    EXPECT_NE(verify.out.find("the connection string of right contains a password; passwords "
                              "belong in the credential store / FERRY_RIGHT_PASSWORD"),
              std::string::npos)
        << verify.out;
    EXPECT_EQ(verify.out.find("the connection string of left contains a password"),
              std::string::npos);
    EXPECT_NE(verify.out.find("mapping\n  OK: 9 column pairs"), std::string::npos) << verify.out;
    EXPECT_NE(verify.out.find("All checks passed."), std::string::npos);
    const auto run = ferry("run " + quote(document.string()) + " --verbose", noEnv);
    EXPECT_EQ(run.exitCode, 0) << run.all();
    EXPECT_NE(run.err.find("contains a password"), std::string::npos) << run.err;
    EXPECT_EQ(m_allOutput.find(pgServer().password), std::string::npos) << "password printed";
}

// ---------------------------------------------------------------------------------------------
// preview, list, history

TEST_F(CliE2eTest, PreviewPrintsAnAlignedTableOfTheFirstRows) {
    const fs::path source = sqliteCustomers("source.db", 50);
    const fs::path target = sqliteCustomers("target.db", 0);
    const fs::path document = writeDocument(
        "preview",
        documentJson(
            "Preview", "left-to-right", "skip",
            entityJson("Source", sqliteConnectionString(source), "SELECT * FROM customers"),
            entityJson("Target", sqliteConnectionString(target), "SELECT * FROM customers")));
    const auto result = ferry("preview " + quote(document.string()) + " --rows 5");
    ASSERT_EQ(result.exitCode, 0) << result.all();
    std::vector<std::string> lines;
    std::istringstream in(result.out);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    const auto header = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
        return l.rfind("id", 0) == 0 && l.find("name") != std::string::npos;
    });
    ASSERT_NE(header, lines.end()) << result.out;
    for (const auto* column : {"email", "balance", "score", "active", "joined", "updated_at"}) {
        EXPECT_NE(header->find(column), std::string::npos) << column;
    }
    const std::size_t emailColumn = header->find("email");
    ASSERT_TRUE(header + 1 != lines.end());
    EXPECT_EQ((header + 1)->find_first_not_of("- "), std::string::npos) << "a rule of dashes";
    // Rows 1..5 follow, each starting with its id, right-aligned under the header ("id").
    for (int id = 1; id <= 5; ++id) {
        const std::string& row = *(header + 1 + id);
        EXPECT_EQ(row.rfind(" " + std::to_string(id) + "  ", 0), 0U) << row;
    }
    const std::string& rowFive = *(header + 6);  // name 'Ana 🚀 Núñez 5' is not ASCII: skip it
    const std::string& rowFour = *(header + 5);  // 'O'Brien, "Ann" 4' is ASCII
    EXPECT_EQ(rowFour.find("user4@example.com"), emailColumn) << rowFour;
    EXPECT_NE(rowFive.find("Ana"), std::string::npos);
    EXPECT_NE(result.out.find("5 rows (the first 5"), std::string::npos) << result.out;

    const auto narrow = ferry("preview " + quote(document.string()) + " --rows 3 --cell-width 8");
    ASSERT_EQ(narrow.exitCode, 0);
    EXPECT_NE(narrow.out.find("user1@e\xE2\x80\xA6"), std::string::npos) << narrow.out;
    EXPECT_EQ(narrow.out.find("user1@example.com"), std::string::npos);

    const auto json =
        Json::parse(ferry("preview " + quote(document.string()) + " --rows 4 --json").out);
    EXPECT_EQ(json.value("side", ""), "left");
    ASSERT_EQ(json.at("rows").size(), 4U);
    ASSERT_EQ(json.at("columns").size(), 9U);
    EXPECT_EQ(json["columns"][0].value("name", ""), "id");
    EXPECT_EQ(json["rows"][1][0], 2);
    EXPECT_EQ(json["rows"][1][1], "Łukasz Żółć 2");
    EXPECT_TRUE(json["rows"][1][4].is_number()) << json["rows"][1].dump();
    EXPECT_EQ(json.value("more", false), true);

    const auto empty = ferry("preview " + quote(document.string()) + " --side right");
    EXPECT_EQ(empty.exitCode, 0) << empty.all();
    EXPECT_NE(empty.out.find("0 rows"), std::string::npos) << empty.out;
}

TEST_F(CliE2eTest, ListShowsSavedConnectionsAndTheirLastRunAndTitlesResolve) {
    const fs::path source = sqliteCustomers("source.db", 10);
    const fs::path target = sqliteCustomers("target.db", 0);
    const Json document = documentJson(
        "Saved customers", "left-to-right", "skip",
        entityJson("Source", sqliteConnectionString(source), "SELECT * FROM customers"),
        entityJson("Target", sqliteConnectionString(target), "SELECT * FROM customers"));
    writeFile(connectionsDir() / "saved.json", document.dump(2));
    Json other = document;
    other["title"] = "Another one";
    other["direction"] = "bidirectional";
    writeFile(connectionsDir() / "other.json", other.dump(2));

    const auto before = ferry("list");
    ASSERT_EQ(before.exitCode, 0) << before.all();
    EXPECT_NE(before.out.find("Saved customers"), std::string::npos) << before.out;
    EXPECT_NE(before.out.find("Another one"), std::string::npos) << before.out;
    EXPECT_NE(before.out.find("bidirectional"), std::string::npos) << before.out;
    EXPECT_NE(before.out.find("never"), std::string::npos) << before.out;

    const auto run = ferry("run 'saved customers'");  // titles match case-insensitively
    ASSERT_EQ(run.exitCode, 0) << run.all();

    const auto after = Json::parse(ferry("list --json").out);
    ASSERT_EQ(after.size(), 2U) << after.dump(2);
    bool sawRun = false;
    for (const auto& item : after) {
        if (item.value("title", "") == "Saved customers") {
            ASSERT_TRUE(item.at("lastRun").is_object()) << item.dump(2);
            EXPECT_EQ(item["lastRun"].value("status", ""), "succeeded");
            EXPECT_EQ(item["lastRun"]["right"].value("inserted", 0), 10);
            sawRun = true;
        } else {
            EXPECT_TRUE(item.at("lastRun").is_null()) << item.dump(2);
        }
    }
    EXPECT_TRUE(sawRun);
    EXPECT_NE(ferry("list").out.find("succeeded"), std::string::npos);

    const auto history = ferry("history 'Saved customers'");
    ASSERT_EQ(history.exitCode, 0) << history.all();
    EXPECT_NE(history.out.find("succeeded"), std::string::npos) << history.out;
    EXPECT_NE(history.out.find("10/0/0/0"), std::string::npos) << history.out;

    // --state moves the state store: a fresh one knows no runs.
    const auto elsewhere =
        Json::parse(ferry("list --json --state " + quote(path("other-state.db").string())).out);
    for (const auto& item : elsewhere) {
        EXPECT_TRUE(item.at("lastRun").is_null()) << item.dump(2);
    }
}

// ---------------------------------------------------------------------------------------------
// Killed and cancelled runs

class LargeRunTest : public CliE2eTest {
protected:
    // `rows` rows in SQLite; an empty PostgreSQL table WITHOUT a unique constraint on the key,
    // so that a run that forgot what it wrote would duplicate rows.
    void prepare(int rows) {
        m_rows = rows;
        m_source = path("large.db");
        sqlite(m_source,
               "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(60), "
               "amount NUMERIC(12,2), created DATE);\n"
               "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < " +
                   std::to_string(rows) +
                   ")\n"
                   "INSERT INTO items SELECT i, 'Item ' || i || ' – ünïcödé', (i % 100000) / 4.0, "
                   "date('2000-01-01', '+' || (i % 9000) || ' days') FROM seq;\n");
        m_table = pgTable("large");
        psql("CREATE TABLE " + m_table +
             " (id INTEGER NOT NULL, name VARCHAR(60), amount NUMERIC(12,2), created DATE);");
        m_document = writeDocument(
            "large", documentJson("Large", "left-to-right", "skip",
                                  entityJson("Items", sqliteConnectionString(m_source),
                                             "SELECT * FROM items"),
                                  entityJson("Copy", pgServer().odbcWithoutPassword,
                                             "SELECT * FROM " + m_table, {"id"})));
    }

    std::string backgroundRun(const std::string& name) const {
        return ferryCommand("run " + quote(m_document.string()) + " --json", {}) + " >" +
               quote(path(name + ".out").string()) + " 2>" + quote(path(name + ".err").string()) +
               " </dev/null";
    }

    // Polls the target's row count until it reaches `threshold` (or the run ends, or the
    // deadline passes); returns the count seen last.
    std::int64_t waitForRows(ChildProcess& child, std::int64_t threshold) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(8);
        std::int64_t rows = 0;
        while (std::chrono::steady_clock::now() < deadline) {
            rows = pgCount(m_table);
            if (rows >= threshold || !child.running()) {
                return rows;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(25));  // polling interval
        }
        return rows;
    }

    void expectTablesEqualWithoutDuplicates() {
        const Rows duplicates = psql("SELECT id, count(*) FROM " + m_table +
                                     " GROUP BY id HAVING count(*) > 1 ORDER BY id LIMIT 10;");
        EXPECT_TRUE(duplicates.empty()) << duplicates.size() << " duplicated keys, first id "
                                        << (duplicates.empty() ? "" : duplicates[0][0]);
        EXPECT_EQ(pgCount(m_table), m_rows);
        expectSameRows(
            sqlite(
                m_source,
                "SELECT id, name, printf('%.2f', amount), date(created) FROM items ORDER BY id;"),
            psql("SELECT id, name, amount::text, created::text FROM " + m_table + " ORDER BY id;"),
            "PostgreSQL copy");
    }

    int m_rows = 0;
    fs::path m_source;
    std::string m_table;
    fs::path m_document;
};

TEST_F(LargeRunTest, RunsKilledAtRandomMomentsResumeWithoutDuplicatesOrLoss) {
    constexpr int kRows = 200000;
    prepare(kRows);
    std::random_device device;
    const unsigned seed = device();
    std::mt19937 random(seed);
    // Three kills at increasing random points between 10% and 90% of the rows.
    std::vector<std::int64_t> thresholds;
    for (const auto& [low, high] : {std::pair{0.10, 0.33}, {0.38, 0.61}, {0.66, 0.90}}) {
        std::uniform_real_distribution<double> share(low, high);
        thresholds.push_back(static_cast<std::int64_t>(share(random) * kRows));
    }
    std::cout << "[ seed " << seed << " ] kill thresholds " << thresholds[0] << ", "
              << thresholds[1] << ", " << thresholds[2] << std::endl;
    RecordProperty("seed", std::to_string(seed));

    for (std::size_t i = 0; i < thresholds.size(); ++i) {
        SCOPED_TRACE("kill " + std::to_string(i + 1) + " at " + std::to_string(thresholds[i]));
        ChildProcess child(backgroundRun("killed" + std::to_string(i)));
        const std::int64_t seen = waitForRows(child, thresholds[i]);
        ASSERT_TRUE(child.running()) << "the run ended before it was killed (" << seen << " rows)\n"
                                     << readFile(path("killed" + std::to_string(i) + ".err"));
        child.signal(SIGKILL);
        const int status = child.wait();
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        ASSERT_GE(seen, thresholds[i]);
        ASSERT_LT(pgCount(m_table), kRows) << "killed after the last write: nothing to resume";
    }

    const auto [code, report] = runJson(m_document);
    ASSERT_EQ(code, 0) << report.dump(2);
    EXPECT_EQ(report.value("status", ""), "succeeded");
    EXPECT_EQ(count(report, "right", "failed"), 0U);
    expectTablesEqualWithoutDuplicates();

    const auto [again, rerun] = runJson(m_document);
    ASSERT_EQ(again, 0) << rerun.dump(2);
    EXPECT_EQ(writes(rerun, "right"), 0U) << rerun.dump(2);
}

TEST_F(LargeRunTest, FirstSigintCancelsCooperativelyWithExitFive) {
    constexpr int kRows = 60000;
    prepare(kRows);
    ChildProcess child(backgroundRun("cancelled"));
    const std::int64_t seen = waitForRows(child, kRows / 10);
    ASSERT_TRUE(child.running()) << "the run ended before it was interrupted (" << seen
                                 << " rows)\n"
                                 << readFile(path("cancelled.err"));
    child.signal(SIGINT);
    const int status = child.wait();
    ASSERT_TRUE(WIFEXITED(status)) << "ferry should exit by itself after Ctrl+C, status " << status;
    EXPECT_EQ(WEXITSTATUS(status), 5) << readFile(path("cancelled.err"));
    const Json report = Json::parse(readFile(path("cancelled.out")));
    EXPECT_EQ(report.value("status", ""), "cancelled") << report.dump(2);
    EXPECT_LT(pgCount(m_table), kRows);

    const auto [code, resumed] = runJson(m_document);
    ASSERT_EQ(code, 0) << resumed.dump(2);
    expectTablesEqualWithoutDuplicates();
}

}  // namespace
}  // namespace ferry::test
