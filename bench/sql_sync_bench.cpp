// SQLite → PostgreSQL sync benchmark: first sync, no-change rerun and (--edit) a rerun after
// editing 0.1% of N generated rows, through the ODBC provider and the sync engine in-process.
// Prints rows/s, peak RSS, phase timings and checks the target's contents.
//   ferry_bench_sql --rows N [--pg "<odbc connection string>"] [--batch-size N] [--edit] [--json]
#include <sql.h>
#include <sqlext.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ferry/connection_string.h"
#include "ferry/document.h"
#include "ferry/error.h"
#include "ferry/logging.h"
#include "ferry/provider.h"
#include "ferry/state_store.h"
#include "ferry/sync_engine.h"
#include "ferry/value.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: ferry_bench_sql [--rows N] [--pg CONNECTION] [--work-dir DIR] [--batch-size N]\n"
    "                       [--table NAME] [--sqlite-extra KV] [--reruns N]\n"
    "                       [--edit] [--edit-every K] [--json] [--keep]\n"
    "  --rows N          rows to generate (default 100000)\n"
    "  --pg CONNECTION   ODBC connection string of the PostgreSQL target (default: the first\n"
    "                    line of the file named by FERRY_TEST_PG_FILE)\n"
    "  --work-dir DIR    where the SQLite source, state store and scratch files go (default: a\n"
    "                    fresh temporary directory, removed at the end)\n"
    "  --batch-size N    the connection's batchSize (default 1000; the ODBC provider caps it at\n"
    "                    1000)\n"
    "  --table NAME      table name on both sides (default ferry_bench_sync)\n"
    "  --sqlite-extra KV extra keys for the SQLite connection string, e.g. \"StepAPI=0;\"\n"
    "  --reruns N        no-change reruns after the first sync (default 1; 0 for profiling)\n"
    "  --edit            also time a rerun after editing 0.1% of the source rows\n"
    "  --edit-every K    the edited rerun changes every K-th row (default 1000: 0.1%)\n"
    "  --json            print the figures as one JSON object instead of a table\n"
    "  --keep            keep the work directory and the PostgreSQL table\n";

// Targets of the benchmark issue, for the summary line.
constexpr double kTargetRowsPerSecond = 50'000;
constexpr double kTargetPeakRssMb = 200;
constexpr double kTargetRerunRatio = 0.20;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double nsToSeconds(std::int64_t ns) {
    return static_cast<double>(ns) / 1e9;
}

std::int64_t nsSince(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
}

// --- the generated rows ------------------------------------------------------------------------

// One source row; `edited` rows (the --edit rerun) get a longer name and amount + 1.
struct Row {
    std::int64_t id = 0;
    std::string name;
    std::optional<std::string> email;
    std::int64_t amountUnits = 0;  // amount in 1/10000
    double score = 0;
    bool active = false;
    std::int64_t createdMicros = 0;
    std::optional<std::int32_t> birthdayDays;
};

constexpr std::array<const char*, 8> kFirstNames = {"Zoë",      "Renée", "Łukasz", "Søren",
                                                    "東京太郎", "Ольга", "José",   "Ana"};
// --edit changes every `editEvery`-th row (default 1000: 0.1%); 0 means no row was edited.
bool isEdited(std::int64_t id, std::int64_t editEvery) {
    return editEvery > 0 && id % editEvery == 0;
}

Row makeRow(std::int64_t id, bool edited) {
    Row row;
    row.id = id;
    row.name = std::string(kFirstNames[static_cast<std::size_t>(id % 8)]) + " Müller #" +
               std::to_string(id) + (edited ? " (edited)" : "");
    if (id % 50 != 0) {
        row.email = "user" + std::to_string(id) + "@example.com";
    }
    row.amountUnits = (id * 7919) % 100'000'000;
    if (id % 7 == 0) {
        row.amountUnits = -row.amountUnits;
    }
    if (edited) {
        row.amountUnits += 10'000;
    }
    row.score = std::fmod(static_cast<double>(id) * 0.618033988749895, 1000.0);
    row.active = id % 3 != 0;
    // 2020-01-01 plus 37 s per row; every fourth row has milliseconds.
    row.createdMicros =
        1'577'836'800'000'000LL + id * 37'000'000LL + (id % 4 == 0 ? (id % 1000) * 1000 : 0);
    if (id % 20 != 0) {
        row.birthdayDays = static_cast<std::int32_t>(-7300 + (id * 13) % 18000);
    }
    return row;
}

std::string amountText(std::int64_t units) {
    const std::int64_t magnitude = units < 0 ? -units : units;
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%s%lld.%04lld", units < 0 ? "-" : "",
                  static_cast<long long>(magnitude / 10'000),
                  static_cast<long long>(magnitude % 10'000));
    return buffer;
}

// "2020-01-01 00:00:37" or "2020-01-01 00:02:28.004": what both SQLite and PostgreSQL print.
std::string timestampText(std::int64_t micros) {
    std::string text = ferry::formatDateTime(ferry::DateTime{micros});
    text[10] = ' ';
    text.pop_back();  // 'Z'
    return text;
}

// The aggregates the target must show after a sync (computed, not read from the source).
struct Checksums {
    std::int64_t count = 0;
    std::int64_t sumId = 0;
    std::int64_t distinctNames = 0;
    std::int64_t emails = 0;
    std::int64_t sumAmountUnits = 0;
    std::int64_t activeCount = 0;
    std::int64_t birthdays = 0;
    double sumScore = 0;
    std::int64_t sumNameBytes = 0;
};

Checksums expectedChecksums(std::int64_t rows, std::int64_t editEvery) {
    Checksums sums;
    for (std::int64_t id = 1; id <= rows; ++id) {
        const Row row = makeRow(id, isEdited(id, editEvery));
        ++sums.count;
        sums.sumId += id;
        ++sums.distinctNames;  // names are unique by construction
        sums.emails += row.email ? 1 : 0;
        sums.sumAmountUnits += row.amountUnits;
        sums.activeCount += row.active ? 1 : 0;
        sums.birthdays += row.birthdayDays ? 1 : 0;
        sums.sumScore += row.score;
        sums.sumNameBytes += static_cast<std::int64_t>(row.name.size());
    }
    return sums;
}

// --- SQLite source -----------------------------------------------------------------------------

class SqliteFile {
public:
    explicit SqliteFile(const fs::path& file) {
        if (sqlite3_open(file.string().c_str(), &m_db) != SQLITE_OK) {
            throw std::runtime_error("cannot open " + file.string() + ": " + sqlite3_errmsg(m_db));
        }
    }
    ~SqliteFile() { sqlite3_close(m_db); }
    SqliteFile(const SqliteFile&) = delete;
    SqliteFile& operator=(const SqliteFile&) = delete;

    void exec(const std::string& sql) {
        char* message = nullptr;
        if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            const std::string text = message != nullptr ? message : sqlite3_errmsg(m_db);
            sqlite3_free(message);
            throw std::runtime_error("sqlite: " + sql + ": " + text);
        }
    }

    sqlite3_stmt* prepare(const std::string& sql) {
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
            throw std::runtime_error("sqlite: " + sql + ": " + sqlite3_errmsg(m_db));
        }
        return statement;
    }

    void step(sqlite3_stmt* statement) {
        if (sqlite3_step(statement) != SQLITE_DONE) {
            throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(m_db));
        }
        sqlite3_reset(statement);
    }

private:
    sqlite3* m_db = nullptr;
};

// Binds the row's values to ?1..?8 (id, name, email, amount, score, active, created, birthday).
// The texts are copied into `texts`, which outlives the step (a null destructor means
// SQLITE_STATIC: SQLite does not copy them).
void bindRow(sqlite3_stmt* statement, const Row& row, std::array<std::string, 5>& texts) {
    texts[0] = row.name;
    texts[1] = amountText(row.amountUnits);
    texts[2] = timestampText(row.createdMicros);
    texts[3] = row.birthdayDays ? ferry::formatDate(ferry::Date{*row.birthdayDays}) : "";
    texts[4] = row.email.value_or("");
    const auto bindText = [statement](int index, const std::string& text) {
        sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), nullptr);
    };
    sqlite3_bind_int64(statement, 1, row.id);
    bindText(2, texts[0]);
    if (row.email) {
        bindText(3, texts[4]);
    } else {
        sqlite3_bind_null(statement, 3);
    }
    bindText(4, texts[1]);
    sqlite3_bind_double(statement, 5, row.score);
    sqlite3_bind_int(statement, 6, row.active ? 1 : 0);
    bindText(7, texts[2]);
    if (row.birthdayDays) {
        bindText(8, texts[3]);
    } else {
        sqlite3_bind_null(statement, 8);
    }
}

// Decimals are declared "DECIMAL TEXT(p,s)": TEXT affinity keeps the exact digits and the ODBC
// provider still recognises a decimal (see tests/integration/odbc_conformance_sqlite.cpp).
void generateSource(const fs::path& file, const std::string& table, std::int64_t rows) {
    fs::remove(file);
    SqliteFile db(file);
    db.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;");
    db.exec("CREATE TABLE " + table +
            " (id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, email VARCHAR(200), "
            "amount DECIMAL TEXT(18,4), score DOUBLE, active BOOLEAN, created TIMESTAMP, "
            "birthday DATE)");
    db.exec("BEGIN");
    sqlite3_stmt* insert = db.prepare("INSERT INTO " + table + " VALUES (?,?,?,?,?,?,?,?)");
    std::array<std::string, 5> texts;
    for (std::int64_t id = 1; id <= rows; ++id) {
        bindRow(insert, makeRow(id, false), texts);
        db.step(insert);
    }
    sqlite3_finalize(insert);
    db.exec("COMMIT");
}

// Applies the --edit change (every `editEvery`-th row) to the source; returns the rows changed.
std::int64_t editSource(const fs::path& file, const std::string& table, std::int64_t rows,
                        std::int64_t editEvery) {
    SqliteFile db(file);
    db.exec("BEGIN");
    sqlite3_stmt* update =
        db.prepare("UPDATE " + table +
                   " SET name=?2, email=?3, amount=?4, score=?5, active=?6, created=?7, "
                   "birthday=?8 WHERE id=?1");
    std::array<std::string, 5> texts;
    std::int64_t edited = 0;
    for (std::int64_t id = editEvery; id <= rows; id += editEvery) {
        bindRow(update, makeRow(id, true), texts);
        db.step(update);
        ++edited;
    }
    sqlite3_finalize(update);
    db.exec("COMMIT");
    return edited;
}

// --- PostgreSQL through plain ODBC (DDL and checks, outside the code under test) ---------------

class OdbcSession {
public:
    explicit OdbcSession(const std::string& connection) {
        SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &m_env);
        SQLSetEnvAttr(m_env, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
        SQLAllocHandle(SQL_HANDLE_DBC, m_env, &m_dbc);
        std::string text = connection;
        const SQLRETURN rc =
            SQLDriverConnect(m_dbc, nullptr, reinterpret_cast<SQLCHAR*>(text.data()), SQL_NTS,
                             nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT);
        if (!SQL_SUCCEEDED(rc)) {
            const std::string detail = diagnostics(SQL_HANDLE_DBC, m_dbc);
            release();
            throw std::runtime_error("cannot connect to PostgreSQL: " + detail);
        }
        m_connected = true;
    }
    ~OdbcSession() { release(); }
    OdbcSession(const OdbcSession&) = delete;
    OdbcSession& operator=(const OdbcSession&) = delete;

    void exec(const std::string& sql) {
        SQLHSTMT statement = run(sql);
        SQLFreeHandle(SQL_HANDLE_STMT, statement);
    }

    // The first row of a query, every column as text (nullopt for NULL).
    std::vector<std::optional<std::string>> firstRow(const std::string& sql) {
        SQLHSTMT statement = run(sql);
        std::vector<std::optional<std::string>> row;
        SQLSMALLINT columns = 0;
        SQLNumResultCols(statement, &columns);
        if (SQL_SUCCEEDED(SQLFetch(statement))) {
            for (SQLUSMALLINT c = 1; c <= static_cast<SQLUSMALLINT>(columns); ++c) {
                char buffer[512];
                SQLLEN indicator = 0;
                SQLGetData(statement, c, SQL_C_CHAR, buffer, sizeof buffer, &indicator);
                if (indicator == SQL_NULL_DATA) {
                    row.emplace_back();
                } else {
                    row.emplace_back(std::string(buffer));
                }
            }
        }
        SQLFreeHandle(SQL_HANDLE_STMT, statement);
        return row;
    }

private:
    SQLHSTMT run(const std::string& sql) {
        SQLHSTMT statement = SQL_NULL_HSTMT;
        SQLAllocHandle(SQL_HANDLE_STMT, m_dbc, &statement);
        std::string text = sql;
        const SQLRETURN rc =
            SQLExecDirect(statement, reinterpret_cast<SQLCHAR*>(text.data()), SQL_NTS);
        if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {
            const std::string detail = diagnostics(SQL_HANDLE_STMT, statement);
            SQLFreeHandle(SQL_HANDLE_STMT, statement);
            throw std::runtime_error("PostgreSQL: " + sql + ": " + detail);
        }
        return statement;
    }

    static std::string diagnostics(SQLSMALLINT type, SQLHANDLE handle) {
        std::string out;
        SQLCHAR state[6];
        SQLCHAR message[1024];
        SQLINTEGER native = 0;
        SQLSMALLINT length = 0;
        for (SQLSMALLINT i = 1; SQL_SUCCEEDED(
                 SQLGetDiagRec(type, handle, i, state, &native, message, sizeof message, &length));
             ++i) {
            out += (out.empty() ? "" : "; ") + std::string(reinterpret_cast<char*>(message));
        }
        return out.empty() ? "no diagnostics" : out;
    }

    void release() {
        if (m_connected) {
            SQLDisconnect(m_dbc);
            m_connected = false;
        }
        if (m_dbc != SQL_NULL_HDBC) {
            SQLFreeHandle(SQL_HANDLE_DBC, m_dbc);
            m_dbc = SQL_NULL_HDBC;
        }
        if (m_env != SQL_NULL_HENV) {
            SQLFreeHandle(SQL_HANDLE_ENV, m_env);
            m_env = SQL_NULL_HENV;
        }
    }

    SQLHENV m_env = SQL_NULL_HENV;
    SQLHDBC m_dbc = SQL_NULL_HDBC;
    bool m_connected = false;
};

void createTarget(OdbcSession& pg, const std::string& table) {
    pg.exec("DROP TABLE IF EXISTS " + table);
    pg.exec("CREATE TABLE " + table +
            " (id bigint PRIMARY KEY, name varchar(200) NOT NULL, email varchar(200), "
            "amount numeric(18,4), score double precision, active boolean, created timestamp, "
            "birthday date)");
}

// Compares the target's aggregates and a few whole rows with what the generator produced;
// returns one line per mismatch.
std::vector<std::string> verifyTarget(OdbcSession& pg, const std::string& table, std::int64_t rows,
                                      std::int64_t editEvery) {
    std::vector<std::string> problems;
    const Checksums want = expectedChecksums(rows, editEvery);
    const auto got = pg.firstRow(
        "SELECT COUNT(*), COALESCE(SUM(id), 0), COUNT(DISTINCT name), COUNT(email), "
        "COALESCE(SUM(amount), 0)::text, COUNT(*) FILTER (WHERE active), COUNT(birthday), "
        "COALESCE(SUM(score), 0), COALESCE(SUM(octet_length(name)), 0) FROM " +
        table);
    if (got.size() != 9) {
        return {"the checksum query returned no row"};
    }
    const auto expectEqual = [&problems](const char* what, const std::optional<std::string>& value,
                                         const std::string& expected) {
        if (value.value_or("NULL") != expected) {
            problems.push_back(std::string(what) + ": " + value.value_or("NULL") + ", expected " +
                               expected);
        }
    };
    expectEqual("COUNT(*)", got[0], std::to_string(want.count));
    expectEqual("SUM(id)", got[1], std::to_string(want.sumId));
    expectEqual("COUNT(DISTINCT name)", got[2], std::to_string(want.distinctNames));
    expectEqual("COUNT(email)", got[3], std::to_string(want.emails));
    expectEqual("SUM(amount)", got[4], amountText(want.sumAmountUnits));
    expectEqual("COUNT(active)", got[5], std::to_string(want.activeCount));
    expectEqual("COUNT(birthday)", got[6], std::to_string(want.birthdays));
    expectEqual("SUM(octet_length(name))", got[8], std::to_string(want.sumNameBytes));
    const double score = got[7] ? std::strtod(got[7]->c_str(), nullptr) : -1;
    if (std::fabs(score - want.sumScore) > 1e-9 * std::max(1.0, std::fabs(want.sumScore))) {
        problems.push_back("SUM(score): " + got[7].value_or("NULL") + ", expected " +
                           std::to_string(want.sumScore));
    }

    // Whole rows, every column compared exactly (names as hex: the narrow ODBC API would
    // convert them through the client character set).
    const std::int64_t lastEdited = editEvery > 0 ? rows - rows % editEvery : rows - 1;
    for (const std::int64_t id : {std::int64_t{1}, rows / 2, lastEdited, rows}) {
        if (id < 1) {
            continue;
        }
        const Row row = makeRow(id, isEdited(id, editEvery));
        const auto actual = pg.firstRow(
            "SELECT encode(convert_to(name, 'UTF8'), 'hex'), email, amount::text, score, active, "
            "created::text, birthday::text FROM " +
            table + " WHERE id = " + std::to_string(id));
        std::string hex;
        for (const unsigned char c : row.name) {
            char digits[3];
            std::snprintf(digits, sizeof digits, "%02x", c);
            hex += digits;
        }
        const std::vector<std::optional<std::string>> expected = {
            hex,
            row.email,
            amountText(row.amountUnits),
            std::nullopt,  // score: compared as a double below
            std::string(row.active ? "1" : "0"),
            timestampText(row.createdMicros),
            row.birthdayDays
                ? std::optional<std::string>(ferry::formatDate(ferry::Date{*row.birthdayDays}))
                : std::nullopt};
        if (actual.size() != expected.size()) {
            problems.push_back("row " + std::to_string(id) + " is missing");
            continue;
        }
        static constexpr std::array<const char*, 7> kNames = {
            "name", "email", "amount", "score", "active", "created", "birthday"};
        for (std::size_t c = 0; c < expected.size(); ++c) {
            if (c == 3) {
                const double value = actual[c] ? std::strtod(actual[c]->c_str(), nullptr) : -1;
                if (value != row.score) {
                    problems.push_back("row " + std::to_string(id) +
                                       " score: " + actual[c].value_or("NULL"));
                }
                continue;
            }
            std::optional<std::string> value = actual[c];
            if (c == 4 && value) {  // booleans arrive as 1/0 or t/f depending on BoolsAsChar
                value = (*value == "1" || *value == "t" || *value == "true") ? "1" : "0";
            }
            if (value != expected[c]) {
                problems.push_back("row " + std::to_string(id) + " " + kNames[c] + ": " +
                                   value.value_or("NULL") + ", expected " +
                                   expected[c].value_or("NULL"));
            }
        }
    }
    return problems;
}

// --- measuring --------------------------------------------------------------------------------

// Peak resident set since the last reset (VmHWM), and the current one (VmRSS), in kB.
std::int64_t statusKb(const char* field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    const std::size_t length = std::strlen(field);
    while (std::getline(status, line)) {
        if (line.compare(0, length, field) == 0 && line.size() > length && line[length] == ':') {
            return std::atoll(line.c_str() + length + 1);
        }
    }
    return -1;
}

// Resets VmHWM to the current RSS (Linux ≥ 4.0), so each run's peak is its own.
bool resetPeakRss() {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    return static_cast<bool>(clear);
}

std::int64_t maxRssKb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

double cpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Time spent inside one side's provider calls, recorded by the InstrumentedProvider. A side is
// read on its own thread, and the engine joins that thread before the figures are read.
struct SideTimes {
    std::int64_t readNs = 0;  // inside read(), including the engine's page sink
    std::int64_t sinkNs = 0;  // inside the engine's page sink (indexing into the scratch file)
    std::int64_t readCalls = 0;
    std::int64_t rowsRead = 0;
    std::int64_t writeNs = 0;  // inside write(): the driver and the database
    std::int64_t writeCalls = 0;
    std::int64_t rowsWritten = 0;
    std::int64_t largestBatch = 0;  // the batch size the engine really used
};

// Wraps a real provider and times its calls; everything else is forwarded unchanged.
class InstrumentedProvider final : public ferry::Provider {
public:
    InstrumentedProvider(std::unique_ptr<ferry::Provider> inner, SideTimes& times)
        : m_inner(std::move(inner)), m_times(times) {}

    ferry::ProviderCapabilities capabilities() const override { return m_inner->capabilities(); }

private:
    void doVerify() override { m_inner->verify(); }
    ferry::Schema doDescribe() override { return m_inner->describe(); }

    void doRead(const ferry::ReadRequest& request, const ferry::PageSink& sink) override {
        const auto start = Clock::now();
        ++m_times.readCalls;
        m_inner->read(request, [&](std::vector<ferry::Record>& page) {
            const auto sinkStart = Clock::now();
            m_times.rowsRead += static_cast<std::int64_t>(page.size());
            const bool more = sink(page);
            m_times.sinkNs += nsSince(sinkStart);
            return more;
        });
        m_times.readNs += nsSince(start);
    }

    std::vector<ferry::WriteOutcome> doWrite(const ferry::WriteBatch& batch) override {
        const auto start = Clock::now();
        auto outcomes = m_inner->write(batch);
        m_times.writeNs += nsSince(start);
        ++m_times.writeCalls;
        m_times.rowsWritten += static_cast<std::int64_t>(batch.items.size());
        m_times.largestBatch =
            std::max(m_times.largestBatch, static_cast<std::int64_t>(batch.items.size()));
        return outcomes;
    }

    std::unique_ptr<ferry::Provider> m_inner;
    SideTimes& m_times;
};

// Provider timings per entity title, filled by the instrumented registry.
struct Instrumentation {
    std::map<std::string, SideTimes> sides;
};

// The built-in providers, each wrapped so that its calls are timed.
ferry::ProviderRegistry instrumentedRegistry(Instrumentation& instrumentation) {
    ferry::ProviderRegistry builtin;
    ferry::registerBuiltinProviders(builtin);
    ferry::ProviderRegistry registry;
    for (const ferry::ProviderInfo* info : builtin.all()) {
        ferry::ProviderInfo wrapped = *info;
        wrapped.factory =
            [inner = info->factory, &instrumentation](
                const ferry::ProviderSettings& settings) -> std::unique_ptr<ferry::Provider> {
            return std::make_unique<InstrumentedProvider>(inner(settings),
                                                          instrumentation.sides[settings.title]);
        };
        registry.add(std::move(wrapped));
    }
    return registry;
}

constexpr std::size_t kPhaseCount = static_cast<std::size_t>(ferry::RunPhase::Done) + 1;

// The figures of one engine run.
struct RunFigures {
    std::string label;
    double seconds = 0;
    double cpuSeconds = 0;
    std::int64_t peakRssKb = 0;  // VmHWM during this run (reset before it)
    ferry::RunReport report;
    std::array<std::int64_t, kPhaseCount> phaseStartMs{};  // -1: not seen
    SideTimes left;
    SideTimes right;

    double phaseSeconds(ferry::RunPhase phase) const {
        const auto index = static_cast<std::size_t>(phase);
        if (phaseStartMs[index] < 0) {
            return 0;
        }
        for (std::size_t next = index + 1; next < kPhaseCount; ++next) {
            if (phaseStartMs[next] >= 0) {
                return static_cast<double>(phaseStartMs[next] - phaseStartMs[index]) / 1e3;
            }
        }
        return 0;
    }
};

struct BenchConfig {
    std::int64_t rows = 100'000;
    std::string pgConnection;
    fs::path workDir;
    bool ownWorkDir = true;
    std::size_t batchSize = 1000;
    std::string table = "ferry_bench_sync";
    std::string sqliteExtra;
    int reruns = 1;
    bool edit = false;
    std::int64_t editEvery = 1000;
    bool json = false;
    bool keep = false;
};

RunFigures runSync(const ferry::ProviderRegistry& registry, Instrumentation& instrumentation,
                   ferry::StateStore& store, const ferry::ConnectionDocument& document,
                   const ferry::RunOptions& baseOptions, const fs::path& scratch,
                   std::string label) {
    RunFigures figures;
    figures.label = std::move(label);
    figures.phaseStartMs.fill(-1);
    instrumentation.sides.clear();

    ferry::RunOptions options = baseOptions;
    options.scratchDirectory = scratch;
    options.onProgress = [&figures](const ferry::Progress& progress) {
        auto& start = figures.phaseStartMs[static_cast<std::size_t>(progress.phase)];
        if (start < 0) {
            start = progress.elapsedMs;
        }
    };
    resetPeakRss();
    const double cpuBefore = cpuSeconds();
    const auto start = Clock::now();
    ferry::SyncEngine engine(registry, store);
    figures.report = engine.run(document, options);
    figures.seconds = secondsSince(start);
    figures.cpuSeconds = cpuSeconds() - cpuBefore;
    figures.peakRssKb = statusKb("VmHWM");
    figures.left = instrumentation.sides[document.left.title];
    figures.right = instrumentation.sides[document.right.title];
    return figures;
}

// --- output ------------------------------------------------------------------------------------

// 1234567 -> "1,234,567" (appending, not inserting: GCC 12 warns falsely on string::insert).
std::string withThousands(double value) {
    const long long whole = std::llround(value);
    const std::string digits = std::to_string(whole < 0 ? -whole : whole);
    std::string out = whole < 0 ? "-" : "";
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    return out;
}

double perSecond(std::int64_t count, double seconds) {
    return seconds > 0 ? static_cast<double>(count) / seconds : 0;
}

void printRunTable(const RunFigures& run, std::int64_t rows) {
    const auto& report = run.report;
    std::printf("%-22s %8.2f s  %12s rows/s  peak RSS %6.1f MB  CPU %5.2f s  [%s]\n",
                run.label.c_str(), run.seconds, withThousands(perSecond(rows, run.seconds)).c_str(),
                static_cast<double>(run.peakRssKb) / 1024.0, run.cpuSeconds,
                ferry::toString(report.status));
    const double readPhase = run.phaseSeconds(ferry::RunPhase::Reading);
    const double writePhase = run.phaseSeconds(ferry::RunPhase::Writing);
    std::printf("  %-20s %8.2f s\n", "connect + describe",
                run.phaseSeconds(ferry::RunPhase::Connecting) +
                    run.phaseSeconds(ferry::RunPhase::Describing));
    std::printf("  %-20s %8.2f s\n", "read (both sides)", readPhase);
    for (const auto& [name, side] :
         {std::pair{"left (SQLite)", &run.left}, std::pair{"right (PostgreSQL)", &run.right}}) {
        const double total = nsToSeconds(side->readNs);
        const double sink = nsToSeconds(side->sinkNs);
        std::printf(
            "    %-18s %8.2f s  %10s rows  provider %6.2f s (%s rows/s), engine index %6.2f s\n",
            name, total, withThousands(static_cast<double>(side->rowsRead)).c_str(), total - sink,
            withThousands(perSecond(side->rowsRead, total - sink)).c_str(), sink);
    }
    std::printf("  %-20s %8.2f s\n", "plan", run.phaseSeconds(ferry::RunPhase::Planning));
    // write() may run on the engine's writer thread, overlapping its own work: "outside write()"
    // is the part of the apply phase that no write() call covered.
    const double writeNs = nsToSeconds(run.right.writeNs + run.left.writeNs);
    const std::int64_t written = run.right.rowsWritten + run.left.rowsWritten;
    std::printf(
        "  %-20s %8.2f s  PG write() %6.2f s for %s rows (%s rows/s, %lld batches), "
        "outside write() %6.2f s\n",
        "apply", writePhase, writeNs, withThousands(static_cast<double>(written)).c_str(),
        withThousands(perSecond(written, writeNs)).c_str(),
        static_cast<long long>(run.right.writeCalls + run.left.writeCalls),
        std::max(0.0, writePhase - writeNs));
    std::printf("  right: inserted %s, updated %s, deleted %s, failed %s; conflicts %llu\n",
                withThousands(static_cast<double>(report.right.inserted)).c_str(),
                withThousands(static_cast<double>(report.right.updated)).c_str(),
                withThousands(static_cast<double>(report.right.deleted)).c_str(),
                withThousands(static_cast<double>(report.right.failed)).c_str(),
                static_cast<unsigned long long>(report.conflicts));
}

std::string jsonString(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string runJson(const RunFigures& run, std::int64_t rows) {
    std::ostringstream out;
    const auto side = [](const SideTimes& times) {
        std::ostringstream s;
        s << "{\"readSeconds\": " << nsToSeconds(times.readNs)
          << ", \"engineIndexSeconds\": " << nsToSeconds(times.sinkNs)
          << ", \"rowsRead\": " << times.rowsRead
          << ", \"writeSeconds\": " << nsToSeconds(times.writeNs)
          << ", \"writeCalls\": " << times.writeCalls << ", \"rowsWritten\": " << times.rowsWritten
          << "}";
        return s.str();
    };
    out << "{\"seconds\": " << run.seconds
        << ", \"rowsPerSecond\": " << perSecond(rows, run.seconds)
        << ", \"cpuSeconds\": " << run.cpuSeconds
        << ", \"peakRssMb\": " << static_cast<double>(run.peakRssKb) / 1024.0
        << ", \"status\": " << jsonString(ferry::toString(run.report.status))
        << ", \"phases\": {\"connect\": "
        << run.phaseSeconds(ferry::RunPhase::Connecting) +
               run.phaseSeconds(ferry::RunPhase::Describing)
        << ", \"read\": " << run.phaseSeconds(ferry::RunPhase::Reading)
        << ", \"plan\": " << run.phaseSeconds(ferry::RunPhase::Planning)
        << ", \"apply\": " << run.phaseSeconds(ferry::RunPhase::Writing) << "}"
        << ", \"left\": " << side(run.left) << ", \"right\": " << side(run.right)
        << ", \"inserted\": " << run.report.right.inserted
        << ", \"updated\": " << run.report.right.updated
        << ", \"deleted\": " << run.report.right.deleted
        << ", \"failed\": " << run.report.right.failed << "}";
    return out.str();
}

// "0.1%" for every 1000th row.
std::string editedShare(std::int64_t editEvery) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g%%", 100.0 / static_cast<double>(editEvery));
    return buffer;
}

// --- main --------------------------------------------------------------------------------------

std::optional<BenchConfig> parseArguments(int argc, char** argv) {
    BenchConfig config;
    const auto value = [&](int& i) -> std::string {
        if (i + 1 >= argc) {
            throw std::invalid_argument(std::string(argv[i]) + " needs a value");
        }
        return argv[++i];
    };
    const auto number = [&](int& i) -> std::int64_t {
        const std::string name = argv[i];
        const std::string text = value(i);
        std::int64_t parsed = 0;
        const auto result = std::from_chars(text.data(), text.data() + text.size(), parsed);
        if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
            throw std::invalid_argument(name + " needs a whole number, not '" + text + "'");
        }
        return parsed;
    };
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--rows") {
            config.rows = number(i);
        } else if (arg == "--pg") {
            config.pgConnection = value(i);
        } else if (arg == "--work-dir") {
            config.workDir = value(i);
            config.ownWorkDir = false;
        } else if (arg == "--batch-size") {
            config.batchSize = static_cast<std::size_t>(std::max<std::int64_t>(number(i), 0));
        } else if (arg == "--table") {
            config.table = value(i);
        } else if (arg == "--sqlite-extra") {
            config.sqliteExtra = value(i);
        } else if (arg == "--reruns") {
            config.reruns = static_cast<int>(std::clamp<std::int64_t>(number(i), -1, 1000));
        } else if (arg == "--edit") {
            config.edit = true;
        } else if (arg == "--edit-every") {
            config.edit = true;
            config.editEvery = number(i);
        } else if (arg == "--json") {
            config.json = true;
        } else if (arg == "--keep") {
            config.keep = true;
        } else if (arg == "--help" || arg == "-h") {
            std::fputs(kUsage, stdout);
            return std::nullopt;
        } else {
            throw std::invalid_argument("unknown argument '" + arg + "'");
        }
    }
    if (config.rows < 1 || config.batchSize < 1 || config.reruns < 0 || config.editEvery < 1) {
        throw std::invalid_argument(
            "--rows, --batch-size and --edit-every must be at least 1, --reruns at least 0");
    }
    if (config.pgConnection.empty()) {
        const char* file = std::getenv("FERRY_TEST_PG_FILE");
        if (file == nullptr) {
            throw std::invalid_argument("no PostgreSQL: pass --pg or set FERRY_TEST_PG_FILE");
        }
        std::ifstream in(file);
        std::getline(in, config.pgConnection);
        if (config.pgConnection.empty()) {
            throw std::invalid_argument(std::string("no connection string in ") + file);
        }
    }
    return config;
}

// Checks that a run did what it should; returns the problem, or an empty string.
std::string checkRun(const RunFigures& run, std::int64_t inserted, std::int64_t updated,
                     std::int64_t rows) {
    const auto& report = run.report;
    if (report.status != ferry::RunStatus::Succeeded) {
        return run.label + ": status " + ferry::toString(report.status) + ": " + report.message +
               (report.errors.empty() ? "" : " (first error: " + report.errors[0].message + ")");
    }
    if (static_cast<std::int64_t>(report.right.inserted) != inserted ||
        static_cast<std::int64_t>(report.right.updated) != updated || report.right.deleted != 0 ||
        static_cast<std::int64_t>(report.left.read) != rows) {
        return run.label + ": inserted " + std::to_string(report.right.inserted) + ", updated " +
               std::to_string(report.right.updated) + ", deleted " +
               std::to_string(report.right.deleted) + ", read " + std::to_string(report.left.read) +
               "; expected " + std::to_string(inserted) + " inserted, " + std::to_string(updated) +
               " updated, " + std::to_string(rows) + " read";
    }
    return {};
}

int runBenchmark(const BenchConfig& config) {
    const fs::path source = config.workDir / "source.db";
    const fs::path scratch = config.workDir / "scratch";
    fs::create_directories(scratch);

    const auto generateStart = Clock::now();
    generateSource(source, config.table, config.rows);
    const double generateSeconds = secondsSince(generateStart);

    // The password goes through RunOptions, as the command line passes it, not the document.
    ferry::ConnectionString pgString = ferry::ConnectionString::parse(config.pgConnection);
    const std::string password = pgString.getOr("Pwd", pgString.getOr("Password", ""));
    pgString.remove("Pwd");
    pgString.remove("Password");

    OdbcSession pg(config.pgConnection);
    createTarget(pg, config.table);

    ferry::ConnectionDocument document;
    document.id = "bench-" + std::to_string(config.rows);
    document.title = "SQLite to PostgreSQL benchmark";
    document.direction = ferry::Direction::LeftToRight;
    document.left = {"SQLite source",
                     "odbc",
                     "Driver=SQLite3;Database=" + source.string() + ";" + config.sqliteExtra,
                     "SELECT * FROM " + config.table,
                     {"id"},
                     {}};
    document.right = {"PostgreSQL target",
                      "odbc",
                      pgString.toString(),
                      "SELECT * FROM " + config.table,
                      {"id"},
                      {}};
    document.mapping.autoMap = true;
    document.batchSize = config.batchSize;

    Instrumentation instrumentation;
    const ferry::ProviderRegistry registry = instrumentedRegistry(instrumentation);
    fs::remove(config.workDir / "state.db");
    ferry::StateStore store(config.workDir / "state.db");
    ferry::RunOptions options;
    options.rightPassword = password;

    std::vector<std::string> problems;
    std::vector<RunFigures> runs;
    const auto note = [&problems](std::string problem) {
        if (!problem.empty()) {
            problems.push_back(std::move(problem));
        }
    };
    const std::int64_t baselineRssKb = statusKb("VmRSS");

    runs.push_back(
        runSync(registry, instrumentation, store, document, options, scratch, "first sync"));
    note(checkRun(runs.back(), config.rows, 0, config.rows));
    for (auto& problem : verifyTarget(pg, config.table, config.rows, 0)) {
        note("after the first sync: " + problem);
    }
    for (int i = 0; i < config.reruns; ++i) {
        runs.push_back(
            runSync(registry, instrumentation, store, document, options, scratch,
                    i == 0 ? "no-change rerun" : "no-change rerun " + std::to_string(i + 1)));
        note(checkRun(runs.back(), 0, 0, config.rows));
    }
    std::int64_t edited = 0;
    if (config.edit) {
        edited = editSource(source, config.table, config.rows, config.editEvery);
        runs.push_back(runSync(registry, instrumentation, store, document, options, scratch,
                               "rerun, " + editedShare(config.editEvery) + " edited"));
        note(checkRun(runs.back(), 0, edited, config.rows));
        for (auto& problem : verifyTarget(pg, config.table, config.rows, config.editEvery)) {
            note("after the edited rerun: " + problem);
        }
    }
    if (!config.keep) {
        pg.exec("DROP TABLE IF EXISTS " + config.table);
    }

    const RunFigures& first = runs[0];
    const RunFigures* rerun = config.reruns > 0 ? &runs[1] : nullptr;
    const double firstRate = perSecond(config.rows, first.seconds);
    const double ratio = rerun != nullptr && first.seconds > 0 ? rerun->seconds / first.seconds : 0;
    std::int64_t peakKb = 0;
    for (const auto& run : runs) {
        peakKb = std::max(peakKb, run.peakRssKb);
    }
    const double peakMb = static_cast<double>(peakKb) / 1024.0;
    const double maxRssMb = static_cast<double>(maxRssKb()) / 1024.0;
    // The engine caps batchSize by the providers' maxBatchSize (1000 for ODBC).
    const auto effectiveBatch = static_cast<std::size_t>(first.right.largestBatch);

    if (config.json) {
        std::ostringstream out;
        out << "{\"rows\": " << config.rows << ", \"batchSize\": " << effectiveBatch
            << ", \"generateSeconds\": " << generateSeconds
            << ", \"baselineRssMb\": " << static_cast<double>(baselineRssKb) / 1024.0
            << ", \"peakRssMb\": " << peakMb << ", \"ruMaxRssMb\": " << maxRssMb
            << ", \"firstRowsPerSecond\": " << firstRate << ", \"rerunRatio\": " << ratio
            << ", \"first\": " << runJson(first, config.rows);
        if (rerun != nullptr) {
            out << ", \"rerun\": " << runJson(*rerun, config.rows);
        }
        if (config.edit) {
            out << ", \"edited\": " << runJson(runs.back(), config.rows)
                << ", \"editedRows\": " << edited;
        }
        out << ", \"verified\": " << (problems.empty() ? "true" : "false") << ", \"problems\": [";
        for (std::size_t i = 0; i < problems.size(); ++i) {
            out << (i > 0 ? ", " : "") << jsonString(problems[i]);
        }
        out << "]}";
        std::printf("%s\n", out.str().c_str());
    } else {
        std::printf("ferry_bench_sql: SQLite -> PostgreSQL, %s rows x 8 columns, batch %zu\n",
                    withThousands(static_cast<double>(config.rows)).c_str(), effectiveBatch);
        std::printf("%-22s %8.2f s  (outside the timings)\n", "generate source", generateSeconds);
        for (const auto& run : runs) {
            printRunTable(run, config.rows);
        }
        std::printf("%-22s %s\n", "verify",
                    problems.empty() ? "ok (count, sums, distinct names, sample rows)" : "FAILED");
        std::printf("%-22s baseline %.1f MB, peak (VmHWM) %.1f MB, ru_maxrss %.1f MB\n", "memory",
                    static_cast<double>(baselineRssKb) / 1024.0, peakMb, maxRssMb);
        std::printf(
            "targets: first sync %s rows/s (>= 50,000: %s); peak RSS %.1f MB "
            "(< 200 MB: %s); rerun %.1f%% of first (<= 20%%: %s)\n",
            withThousands(firstRate).c_str(), firstRate >= kTargetRowsPerSecond ? "ok" : "MISSED",
            peakMb, peakMb < kTargetPeakRssMb ? "ok" : "MISSED", ratio * 100,
            rerun == nullptr ? "not run" : (ratio <= kTargetRerunRatio ? "ok" : "MISSED"));
    }
    for (const auto& problem : problems) {
        std::fprintf(stderr, "ferry_bench_sql: %s\n", problem.c_str());
    }
    return problems.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<BenchConfig> config;
    try {
        config = parseArguments(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ferry_bench_sql: %s\n%s", e.what(), kUsage);
        return 2;
    }
    if (!config) {
        return 0;
    }
    ferry::setupLogging(ferry::LogLevel::Warn);
    if (config->workDir.empty()) {
        std::string pattern = (fs::temp_directory_path() / "ferry-bench-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            std::perror("ferry_bench_sql: mkdtemp");
            return 2;
        }
        config->workDir = pattern;
    }
    int status = 1;
    try {
        fs::create_directories(config->workDir);
        status = runBenchmark(*config);
    } catch (const ferry::Error& e) {
        std::fprintf(stderr, "ferry_bench_sql: %s\n", e.fullText().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ferry_bench_sql: %s\n", e.what());
    }
    if (config->ownWorkDir && !config->keep) {
        std::error_code ignored;
        fs::remove_all(config->workDir, ignored);
    }
    return status;
}
