// SQLite → PostgreSQL sync benchmark: first sync, no-change rerun and (--edit) a rerun after
// editing 0.1% of N generated rows, through the ODBC provider and the sync engine in-process.
// Prints rows/s, peak RSS, phase timings and checks the target's contents.
//   ferry_bench_sql --rows N [--pg "<odbc connection string>"] [--batch-size N] [--edit] [--json]
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_support.h"
#include "ferry/document.h"
#include "ferry/provider.h"
#include "ferry/state_store.h"
#include "ferry/sync_engine.h"
#include "ferry/value.h"

namespace {

using namespace ferry::bench;
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
    texts[1] = fourDecimals(row.amountUnits);
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

// --- PostgreSQL target (DDL and checks through plain ODBC, outside the code under test) ---

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
    expectEqual("SUM(amount)", got[4], fourDecimals(want.sumAmountUnits));
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
            fourDecimals(row.amountUnits),
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

struct BenchConfig : CommonOptions {
    BenchConfig() { table = "ferry_bench_sync"; }

    std::int64_t rows = 100'000;
    std::size_t batchSize = 1000;
    std::string sqliteExtra;
    int reruns = 1;
    bool edit = false;
    std::int64_t editEvery = 1000;
};

// "0.1%" for every 1000th row.
std::string editedShare(std::int64_t editEvery) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g%%", 100.0 / static_cast<double>(editEvery));
    return buffer;
}

// --- main --------------------------------------------------------------------------------------

BenchConfig parseArguments(int argc, char** argv) {
    BenchConfig config;
    ArgumentReader args(argc, argv);
    while (args.next()) {
        const std::string& arg = args.current();
        if (args.readCommon(config)) {
            continue;
        }
        if (arg == "--rows") {
            config.rows = args.number();
        } else if (arg == "--batch-size") {
            config.batchSize = static_cast<std::size_t>(std::max<std::int64_t>(args.number(), 0));
        } else if (arg == "--sqlite-extra") {
            config.sqliteExtra = args.value();
        } else if (arg == "--reruns") {
            config.reruns = static_cast<int>(std::clamp<std::int64_t>(args.number(), -1, 1000));
        } else if (arg == "--edit") {
            config.edit = true;
        } else if (arg == "--edit-every") {
            config.edit = true;
            config.editEvery = args.number();
        } else {
            throw std::invalid_argument("unknown argument '" + arg + "'");
        }
    }
    if (config.rows < 1 || config.batchSize < 1 || config.reruns < 0 || config.editEvery < 1) {
        throw std::invalid_argument(
            "--rows, --batch-size and --edit-every must be at least 1, --reruns at least 0");
    }
    config.pgConnection = postgresConnection(config.pgConnection);
    return config;
}

// Checks that a run did what it should; returns the problem, or an empty string.
std::string checkRun(const RunFigures& run, std::int64_t inserted, std::int64_t updated,
                     std::int64_t rows) {
    const auto& report = run.report;
    if (std::string failure = failureText(run); !failure.empty()) {
        return failure;
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
    const SplitSecret pgString = splitPassword(config.pgConnection);

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
                      pgString.connection,
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
    options.rightPassword = pgString.password;

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
            printRunTable(run, config.rows, {"left (SQLite)", "right (PostgreSQL)", "PG write()"});
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
    return ferry::bench::benchMain<BenchConfig>("ferry_bench_sql", kUsage, "ferry-bench-", argc,
                                                argv, parseArguments, runBenchmark);
}
