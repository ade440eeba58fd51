// What the engine benchmarks share: clocks, RSS and CPU readings, a timing provider wrapper,
// one timed engine run, number formatting, argument reading and a plain ODBC session.
#pragma once

#include <sql.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/document.h"
#include "ferry/error.h"
#include "ferry/logging.h"
#include "ferry/provider.h"
#include "ferry/report.h"
#include "ferry/state_store.h"
#include "ferry/sync_engine.h"

namespace ferry::bench {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start);
double nsToSeconds(std::int64_t ns);
std::int64_t nsSince(Clock::time_point start);

// --- memory and CPU of this process ------------------------------------------------------------

// A "Name:  123 kB" field of /proc/self/status in kB (VmHWM: peak since the last reset, VmRSS:
// now); -1 when absent.
std::int64_t statusKb(const char* field);
// Resets VmHWM to the current RSS (Linux >= 4.0), so each run's peak is its own.
bool resetPeakRss();
// ru_maxrss of the whole process (never reset), in kB.
std::int64_t maxRssKb();
// User + system seconds of every thread of the process.
double cpuSeconds();

// --- provider timings --------------------------------------------------------------------------

// Time spent inside one side's provider calls, recorded by the instrumented registry. A side is
// read on its own thread, and the engine joins that thread before the figures are read.
struct SideTimes {
    std::int64_t readNs = 0;  // inside read() / readChanges(), including the engine's page sink
    std::int64_t sinkNs = 0;  // inside the engine's page sink (indexing into the scratch file)
    std::int64_t readCalls = 0;
    std::int64_t changeReads = 0;  // readChanges() calls among readCalls
    bool deltaRead = false;        // the last readChanges() answered with a delta
    std::int64_t rowsRead = 0;
    std::int64_t deletedKeysRead = 0;
    std::int64_t writeNs = 0;  // inside write(): the driver or the service
    std::int64_t writeCalls = 0;
    std::int64_t rowsWritten = 0;
    std::int64_t largestBatch = 0;  // the batch size the engine really used
};

// Provider timings per entity title, filled by the instrumented registry.
struct Instrumentation {
    std::map<std::string, SideTimes> sides;
};

// The built-in providers, each wrapped so that its calls are timed; the wrapper only reads a
// clock per page and per batch and forwards everything else unchanged.
ProviderRegistry instrumentedRegistry(Instrumentation& instrumentation);

// --- one engine run ----------------------------------------------------------------------------

constexpr std::size_t kPhaseCount = static_cast<std::size_t>(RunPhase::Done) + 1;

// The figures of one engine run.
struct RunFigures {
    std::string label;
    double seconds = 0;
    double cpuSeconds = 0;
    std::int64_t startRssKb = 0;  // VmRSS just before the run
    std::int64_t peakRssKb = 0;   // VmHWM during this run (reset before it)
    RunReport report;
    std::array<std::int64_t, kPhaseCount> phaseStartMs{};  // -1: not seen
    SideTimes left;
    SideTimes right;

    // Time from the phase's first progress report to the next phase's; 0 when not seen.
    double phaseSeconds(RunPhase phase) const;
    // Rows the engine handed to either side's write().
    std::int64_t rowsWritten() const { return left.rowsWritten + right.rowsWritten; }
};

// Runs the engine once on `document` (a fresh SyncEngine; the store keeps its state across
// calls) and records wall time, CPU, peak RSS, phase times and provider timings.
RunFigures runSync(const ProviderRegistry& registry, Instrumentation& instrumentation,
                   StateStore& store, const ConnectionDocument& document,
                   const RunOptions& baseOptions, const std::filesystem::path& scratch,
                   std::string label);

// Side names for printRunTable, e.g. {"left (SQLite)", "right (PostgreSQL)", "PG write()"}.
struct SideNames {
    std::string left;
    std::string right;
    std::string write;
};

// The run as a few aligned lines: totals, phases, per-side provider times, write figures and
// the report's counts of the written side.
void printRunTable(const RunFigures& run, std::int64_t rows, const SideNames& names);
// The run as one JSON object (seconds, rows/s, CPU, RSS, phases, sides, counts).
std::string runJson(const RunFigures& run, std::int64_t rows);
// A run that did not succeed, described with its first error; empty when it succeeded.
std::string failureText(const RunFigures& run);

// --- output ------------------------------------------------------------------------------------

// 1234567 -> "1,234,567".
std::string withThousands(double value);
double perSecond(std::int64_t count, double seconds);
// An exact decimal with four places from its count of ten-thousandths: -12345 -> "-1.2345".
std::string fourDecimals(std::int64_t tenThousandths);
// A JSON string literal with quotes, backslashes and control characters escaped.
std::string jsonString(const std::string& text);
// Seconds since 1970 of "2024-01-02T03:04:05Z" (fractions ignored); nullopt when not a date.
std::optional<std::int64_t> epochSeconds(const std::string& text);

// --- arguments and environment -----------------------------------------------------------------

// The options every engine benchmark takes: --pg, --work-dir, --table, --json, --keep, --help.
struct CommonOptions {
    std::string pgConnection;
    std::filesystem::path workDir;
    bool ownWorkDir = true;  // false when --work-dir named one: it is kept
    std::string table;
    bool json = false;
    bool keep = false;
    bool help = false;
};

// Walks argv for the benchmarks' "--name value" options. value() and number() consume the
// option's value and throw std::invalid_argument naming the option when it is missing or bad.
class ArgumentReader {
public:
    ArgumentReader(int argc, char** argv) : m_argc(argc), m_argv(argv) {}

    bool next();  // advances to the next argument; false at the end
    const std::string& current() const { return m_current; }
    std::string value();
    std::int64_t number();
    // Reads the current argument into `options` when it is a common option; false otherwise.
    bool readCommon(CommonOptions& options);

private:
    int m_argc;
    char** m_argv;
    int m_index = 0;
    std::string m_current;
};

// The PostgreSQL connection string: `given` when not empty, else the first line of the file
// named by FERRY_TEST_PG_FILE. Throws std::invalid_argument when there is neither.
std::string postgresConnection(const std::string& given);

// An ODBC connection string without its password, and the password, which the benchmarks pass
// through RunOptions as the command line does (documents never hold one).
struct SplitSecret {
    std::string connection;
    std::string password;
};
SplitSecret splitPassword(const std::string& odbcConnection);

// A fresh directory under the system's temporary directory, e.g. "ferry-bench-XXXXXX".
std::filesystem::path makeTemporaryDirectory(const std::string& prefix);

// What a benchmark's main() does around its run: parse (a bad argument prints the message and
// the usage and gives 2; --help prints the usage and gives 0), quiet logging, a fresh work
// directory unless one was given, every exception reported as "name: message" (status 1), and the
// work directory removed afterwards when it was made here and not kept. Config needs the fields of
// CommonOptions.
template <typename Config, typename Parse, typename Run>
int benchMain(const char* name, const char* usage, const std::string& directoryPrefix, int argc,
              char** argv, Parse parse, Run run) {
    std::optional<Config> config;
    try {
        config = parse(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n%s", name, e.what(), usage);
        return 2;
    }
    if (config->help) {
        std::fputs(usage, stdout);
        return 0;
    }
    setupLogging(LogLevel::Warn);
    int status = 1;
    try {
        if (config->workDir.empty()) {
            config->workDir = makeTemporaryDirectory(directoryPrefix);
        }
        std::filesystem::create_directories(config->workDir);
        status = run(*config);
    } catch (const Error& e) {
        std::fprintf(stderr, "%s: %s\n", name, e.fullText().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", name, e.what());
    }
    if (config->ownWorkDir && !config->keep) {
        std::error_code ignored;
        std::filesystem::remove_all(config->workDir, ignored);
    }
    return status;
}

// --- PostgreSQL through plain ODBC (DDL and checks, outside the code under test) ---------------

class OdbcSession {
public:
    explicit OdbcSession(const std::string& connection);  // throws std::runtime_error
    ~OdbcSession();
    OdbcSession(const OdbcSession&) = delete;
    OdbcSession& operator=(const OdbcSession&) = delete;

    void exec(const std::string& sql);  // throws std::runtime_error with the server's message
    // The first row of a query, every column as text (nullopt for NULL); empty without rows.
    std::vector<std::optional<std::string>> firstRow(const std::string& sql);
    // Every row of a query, every column as text; values longer than 511 bytes are cut.
    std::vector<std::vector<std::optional<std::string>>> rows(const std::string& sql);

private:
    SQLHSTMT run(const std::string& sql);
    void release();

    SQLHENV m_env = SQL_NULL_HENV;
    SQLHDBC m_dbc = SQL_NULL_HDBC;
    bool m_connected = false;
};

}  // namespace ferry::bench
