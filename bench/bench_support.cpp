// The engine benchmarks' shared measuring, run, output and PostgreSQL helpers.
#include "bench_support.h"

#include <sqlext.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "ferry/connection_string.h"

namespace ferry::bench {

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double nsToSeconds(std::int64_t ns) {
    return static_cast<double>(ns) / 1e9;
}

std::int64_t nsSince(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
}

// --- memory and CPU ----------------------------------------------------------------------------

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

// --- provider timings --------------------------------------------------------------------------

namespace {

// Wraps a real provider and times its calls; everything else is forwarded unchanged.
class InstrumentedProvider final : public Provider {
public:
    InstrumentedProvider(std::unique_ptr<Provider> inner, SideTimes& times)
        : m_inner(std::move(inner)), m_times(times) {}

    ProviderCapabilities capabilities() const override { return m_inner->capabilities(); }

private:
    void doVerify() override { m_inner->verify(); }
    Schema doDescribe() override { return m_inner->describe(); }

    void doRead(const ReadRequest& request, const PageSink& sink) override {
        const auto start = Clock::now();
        ++m_times.readCalls;
        m_inner->read(request, timedSink(sink));
        m_times.readNs += nsSince(start);
    }

    // The engine reads a change-tracking side through readChanges() only; without this
    // forward the base class would refuse it, and the deleted keys would go uncounted.
    ChangeReadResult doReadChanges(const std::string& deltaToken, const PageSink& sink,
                                   const DeletedKeySink& deleted) override {
        const auto start = Clock::now();
        ++m_times.readCalls;
        ++m_times.changeReads;
        auto result = m_inner->readChanges(
            deltaToken, timedSink(sink), [&](std::vector<std::vector<Value>>& keys) {
                const auto sinkStart = Clock::now();
                m_times.deletedKeysRead += static_cast<std::int64_t>(keys.size());
                const bool more = deleted(keys);
                m_times.sinkNs += nsSince(sinkStart);
                return more;
            });
        m_times.deltaRead = result.delta;
        m_times.readNs += nsSince(start);
        return result;
    }

    void doReadKeys(const std::vector<std::vector<Value>>& keys, const PageSink& sink) override {
        const auto start = Clock::now();
        ++m_times.readCalls;
        m_inner->readKeys(keys, timedSink(sink));
        m_times.readNs += nsSince(start);
    }

    std::vector<WriteOutcome> doWrite(const WriteBatch& batch) override {
        const auto start = Clock::now();
        auto outcomes = m_inner->write(batch);
        m_times.writeNs += nsSince(start);
        ++m_times.writeCalls;
        m_times.rowsWritten += static_cast<std::int64_t>(batch.items.size());
        m_times.largestBatch =
            std::max(m_times.largestBatch, static_cast<std::int64_t>(batch.items.size()));
        return outcomes;
    }

    PageSink timedSink(const PageSink& sink) {
        return [this, &sink](std::vector<Record>& page) {
            const auto sinkStart = Clock::now();
            m_times.rowsRead += static_cast<std::int64_t>(page.size());
            const bool more = sink(page);
            m_times.sinkNs += nsSince(sinkStart);
            return more;
        };
    }

    std::unique_ptr<Provider> m_inner;
    SideTimes& m_times;
};

}  // namespace

ProviderRegistry instrumentedRegistry(Instrumentation& instrumentation) {
    ProviderRegistry builtin;
    registerBuiltinProviders(builtin);
    ProviderRegistry registry;
    for (const ProviderInfo* info : builtin.all()) {
        ProviderInfo wrapped = *info;
        wrapped.factory = [inner = info->factory, &instrumentation](
                              const ProviderSettings& settings) -> std::unique_ptr<Provider> {
            return std::make_unique<InstrumentedProvider>(inner(settings),
                                                          instrumentation.sides[settings.title]);
        };
        registry.add(std::move(wrapped));
    }
    return registry;
}

// --- one engine run ----------------------------------------------------------------------------

double RunFigures::phaseSeconds(RunPhase phase) const {
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

RunFigures runSync(const ProviderRegistry& registry, Instrumentation& instrumentation,
                   StateStore& store, const ConnectionDocument& document,
                   const RunOptions& baseOptions, const std::filesystem::path& scratch,
                   std::string label) {
    RunFigures figures;
    figures.label = std::move(label);
    figures.phaseStartMs.fill(-1);
    instrumentation.sides.clear();

    RunOptions options = baseOptions;
    options.scratchDirectory = scratch;
    options.onProgress = [&figures](const Progress& progress) {
        auto& start = figures.phaseStartMs[static_cast<std::size_t>(progress.phase)];
        if (start < 0) {
            start = progress.elapsedMs;
        }
    };
    resetPeakRss();
    figures.startRssKb = statusKb("VmRSS");
    const double cpuBefore = cpuSeconds();
    const auto start = Clock::now();
    SyncEngine engine(registry, store);
    figures.report = engine.run(document, options);
    figures.seconds = secondsSince(start);
    figures.cpuSeconds = cpuSeconds() - cpuBefore;
    figures.peakRssKb = statusKb("VmHWM");
    figures.left = instrumentation.sides[document.left.title];
    figures.right = instrumentation.sides[document.right.title];
    return figures;
}

void printRunTable(const RunFigures& run, std::int64_t rows, const SideNames& names) {
    const auto& report = run.report;
    std::printf("%-22s %8.2f s  %12s rows/s  peak RSS %6.1f MB  CPU %5.2f s  [%s]\n",
                run.label.c_str(), run.seconds, withThousands(perSecond(rows, run.seconds)).c_str(),
                static_cast<double>(run.peakRssKb) / 1024.0, run.cpuSeconds,
                toString(report.status));
    const double readPhase = run.phaseSeconds(RunPhase::Reading);
    const double writePhase = run.phaseSeconds(RunPhase::Writing);
    std::printf("  %-20s %8.2f s\n", "connect + describe",
                run.phaseSeconds(RunPhase::Connecting) + run.phaseSeconds(RunPhase::Describing));
    std::printf("  %-20s %8.2f s\n", "read (both sides)", readPhase);
    for (const auto& [name, side] :
         {std::pair{names.left.c_str(), &run.left}, std::pair{names.right.c_str(), &run.right}}) {
        const double total = nsToSeconds(side->readNs);
        const double sink = nsToSeconds(side->sinkNs);
        std::printf(
            "    %-18s %8.2f s  %10s rows  provider %6.2f s (%s rows/s), engine index %6.2f s%s\n",
            name, total, withThousands(static_cast<double>(side->rowsRead)).c_str(), total - sink,
            withThousands(perSecond(side->rowsRead, total - sink)).c_str(), sink,
            side->changeReads == 0 ? "" : (side->deltaRead ? " [delta]" : " [tracked, full]"));
    }
    std::printf("  %-20s %8.2f s\n", "plan", run.phaseSeconds(RunPhase::Planning));
    // write() may run on the engine's writer thread, overlapping its own work: "outside write()"
    // is the part of the apply phase that no write() call covered.
    const double writeSeconds = nsToSeconds(run.right.writeNs + run.left.writeNs);
    const std::int64_t written = run.rowsWritten();
    std::printf(
        "  %-20s %8.2f s  %s %6.2f s for %s rows (%s rows/s, %lld batches), "
        "outside write() %6.2f s\n",
        "apply", writePhase, names.write.c_str(), writeSeconds,
        withThousands(static_cast<double>(written)).c_str(),
        withThousands(perSecond(written, writeSeconds)).c_str(),
        static_cast<long long>(run.right.writeCalls + run.left.writeCalls),
        std::max(0.0, writePhase - writeSeconds));
    for (const auto& [name, counts] :
         {std::pair{"left", &report.left}, std::pair{"right", &report.right}}) {
        // The side written to; the right one when neither was (a no-change rerun).
        const auto total = [](const SideCounts& c) {
            return c.inserted + c.updated + c.deleted + c.failed;
        };
        if (total(*counts) == 0 && (counts == &report.left || total(report.left) != 0)) {
            continue;
        }
        std::printf("  %s: inserted %s, updated %s, deleted %s, failed %s; conflicts %llu\n", name,
                    withThousands(static_cast<double>(counts->inserted)).c_str(),
                    withThousands(static_cast<double>(counts->updated)).c_str(),
                    withThousands(static_cast<double>(counts->deleted)).c_str(),
                    withThousands(static_cast<double>(counts->failed)).c_str(),
                    static_cast<unsigned long long>(report.conflicts));
    }
}

std::string runJson(const RunFigures& run, std::int64_t rows) {
    std::ostringstream out;
    const auto side = [](const SideTimes& times) {
        std::ostringstream s;
        s << "{\"readSeconds\": " << nsToSeconds(times.readNs)
          << ", \"engineIndexSeconds\": " << nsToSeconds(times.sinkNs)
          << ", \"rowsRead\": " << times.rowsRead
          << ", \"deletedKeysRead\": " << times.deletedKeysRead
          << ", \"deltaRead\": " << (times.deltaRead ? "true" : "false")
          << ", \"writeSeconds\": " << nsToSeconds(times.writeNs)
          << ", \"writeCalls\": " << times.writeCalls << ", \"rowsWritten\": " << times.rowsWritten
          << "}";
        return s.str();
    };
    const auto counts = [](const SideCounts& c) {
        std::ostringstream s;
        s << "{\"read\": " << c.read << ", \"inserted\": " << c.inserted
          << ", \"updated\": " << c.updated << ", \"deleted\": " << c.deleted
          << ", \"failed\": " << c.failed << "}";
        return s.str();
    };
    out << "{\"seconds\": " << run.seconds
        << ", \"rowsPerSecond\": " << perSecond(rows, run.seconds)
        << ", \"cpuSeconds\": " << run.cpuSeconds
        << ", \"startRssMb\": " << static_cast<double>(run.startRssKb) / 1024.0
        << ", \"peakRssMb\": " << static_cast<double>(run.peakRssKb) / 1024.0
        << ", \"status\": " << jsonString(toString(run.report.status))
        << ", \"phases\": {\"connect\": "
        << run.phaseSeconds(RunPhase::Connecting) + run.phaseSeconds(RunPhase::Describing)
        << ", \"read\": " << run.phaseSeconds(RunPhase::Reading)
        << ", \"plan\": " << run.phaseSeconds(RunPhase::Planning)
        << ", \"apply\": " << run.phaseSeconds(RunPhase::Writing) << "}"
        << ", \"left\": " << side(run.left) << ", \"right\": " << side(run.right)
        << ", \"leftCounts\": " << counts(run.report.left)
        << ", \"rightCounts\": " << counts(run.report.right)
        << ", \"inserted\": " << run.report.right.inserted
        << ", \"updated\": " << run.report.right.updated
        << ", \"deleted\": " << run.report.right.deleted
        << ", \"failed\": " << run.report.right.failed << "}";
    return out.str();
}

std::string failureText(const RunFigures& run) {
    const auto& report = run.report;
    if (report.status == RunStatus::Succeeded) {
        return {};
    }
    return run.label + ": status " + toString(report.status) + ": " + report.message +
           (report.errors.empty() ? "" : " (first error: " + report.errors[0].message + ")");
}

// --- output ------------------------------------------------------------------------------------

// Appending, not inserting: GCC 12 warns falsely on string::insert here.
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

std::string fourDecimals(std::int64_t tenThousandths) {
    const std::int64_t magnitude = tenThousandths < 0 ? -tenThousandths : tenThousandths;
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%s%lld.%04lld", tenThousandths < 0 ? "-" : "",
                  static_cast<long long>(magnitude / 10'000),
                  static_cast<long long>(magnitude % 10'000));
    return buffer;
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

std::optional<std::int64_t> epochSeconds(const std::string& text) {
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (std::sscanf(text.c_str(), "%d-%u-%uT%d:%d:%d", &year, &month, &day, &hour, &minute,
                    &second) != 6) {
        return std::nullopt;
    }
    const std::chrono::sys_days date{std::chrono::year{year} / std::chrono::month{month} /
                                     std::chrono::day{day}};
    return date.time_since_epoch().count() * 86'400LL + hour * 3600 + minute * 60 + second;
}

// --- arguments and environment -----------------------------------------------------------------

bool ArgumentReader::next() {
    if (m_index + 1 >= m_argc) {
        return false;
    }
    m_current = m_argv[++m_index];
    return true;
}

std::string ArgumentReader::value() {
    if (m_index + 1 >= m_argc) {
        throw std::invalid_argument(m_current + " needs a value");
    }
    return m_argv[++m_index];
}

std::int64_t ArgumentReader::number() {
    const std::string name = m_current;
    const std::string text = value();
    std::int64_t parsed = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
        throw std::invalid_argument(name + " needs a whole number, not '" + text + "'");
    }
    return parsed;
}

bool ArgumentReader::readCommon(CommonOptions& options) {
    if (m_current == "--pg") {
        options.pgConnection = value();
    } else if (m_current == "--work-dir") {
        options.workDir = value();
        options.ownWorkDir = false;
    } else if (m_current == "--table") {
        options.table = value();
    } else if (m_current == "--json") {
        options.json = true;
    } else if (m_current == "--keep") {
        options.keep = true;
    } else if (m_current == "--help" || m_current == "-h") {
        options.help = true;
    } else {
        return false;
    }
    return true;
}

std::string postgresConnection(const std::string& given) {
    if (!given.empty()) {
        return given;
    }
    const char* file = std::getenv("FERRY_TEST_PG_FILE");
    if (file == nullptr) {
        throw std::invalid_argument("no PostgreSQL: pass --pg or set FERRY_TEST_PG_FILE");
    }
    std::ifstream in(file);
    std::string connection;
    std::getline(in, connection);
    if (connection.empty()) {
        throw std::invalid_argument(std::string("no connection string in ") + file);
    }
    return connection;
}

SplitSecret splitPassword(const std::string& odbcConnection) {
    ConnectionString parsed = ConnectionString::parse(odbcConnection);
    SplitSecret split;
    split.password = parsed.getOr("Pwd", parsed.getOr("Password", ""));
    parsed.remove("Pwd");
    parsed.remove("Password");
    split.connection = parsed.toString();
    return split;
}

std::filesystem::path makeTemporaryDirectory(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot create a directory like " + pattern + ": " +
                                 std::strerror(errno));
    }
    return pattern;
}

// --- PostgreSQL through plain ODBC -------------------------------------------------------------

namespace {

std::string diagnostics(SQLSMALLINT type, SQLHANDLE handle) {
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

std::vector<std::optional<std::string>> fetchRow(SQLHSTMT statement, SQLSMALLINT columns) {
    std::vector<std::optional<std::string>> row;
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
    return row;
}

}  // namespace

OdbcSession::OdbcSession(const std::string& connection) {
    SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &m_env);
    SQLSetEnvAttr(m_env, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
    SQLAllocHandle(SQL_HANDLE_DBC, m_env, &m_dbc);
    std::string text = connection;
    const SQLRETURN rc = SQLDriverConnect(m_dbc, nullptr, reinterpret_cast<SQLCHAR*>(text.data()),
                                          SQL_NTS, nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT);
    if (!SQL_SUCCEEDED(rc)) {
        const std::string detail = diagnostics(SQL_HANDLE_DBC, m_dbc);
        release();
        throw std::runtime_error("cannot connect to PostgreSQL: " + detail);
    }
    m_connected = true;
}

OdbcSession::~OdbcSession() {
    release();
}

void OdbcSession::exec(const std::string& sql) {
    SQLHSTMT statement = run(sql);
    SQLFreeHandle(SQL_HANDLE_STMT, statement);
}

std::vector<std::optional<std::string>> OdbcSession::firstRow(const std::string& sql) {
    SQLHSTMT statement = run(sql);
    std::vector<std::optional<std::string>> row;
    SQLSMALLINT columns = 0;
    SQLNumResultCols(statement, &columns);
    if (SQL_SUCCEEDED(SQLFetch(statement))) {
        row = fetchRow(statement, columns);
    }
    SQLFreeHandle(SQL_HANDLE_STMT, statement);
    return row;
}

std::vector<std::vector<std::optional<std::string>>> OdbcSession::rows(const std::string& sql) {
    SQLHSTMT statement = run(sql);
    std::vector<std::vector<std::optional<std::string>>> result;
    SQLSMALLINT columns = 0;
    SQLNumResultCols(statement, &columns);
    while (SQL_SUCCEEDED(SQLFetch(statement))) {
        result.push_back(fetchRow(statement, columns));
    }
    SQLFreeHandle(SQL_HANDLE_STMT, statement);
    return result;
}

SQLHSTMT OdbcSession::run(const std::string& sql) {
    SQLHSTMT statement = SQL_NULL_HSTMT;
    SQLAllocHandle(SQL_HANDLE_STMT, m_dbc, &statement);
    std::string text = sql;
    const SQLRETURN rc = SQLExecDirect(statement, reinterpret_cast<SQLCHAR*>(text.data()), SQL_NTS);
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {
        const std::string detail = diagnostics(SQL_HANDLE_STMT, statement);
        SQLFreeHandle(SQL_HANDLE_STMT, statement);
        throw std::runtime_error("PostgreSQL: " + sql + ": " + detail);
    }
    return statement;
}

void OdbcSession::release() {
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

}  // namespace ferry::bench
