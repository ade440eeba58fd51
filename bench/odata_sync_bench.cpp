// Dynamics 365 emulator <-> PostgreSQL benchmark through the OData provider and the sync engine,
// in-process: first sync of N accounts, the change-tracking rerun after 0.1% edits, the first
// sync with latency per request, and $batch writes of generated rows into the emulator.
//   ferry_bench_odata --accounts N [--pg "<odbc connection string>"] [--latency-ms L] [--json]
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_support.h"
#include "dynamics_emulator.h"
#include "ferry/document.h"
#include "ferry/state_store.h"
#include "ferry/sync_engine.h"

namespace {

using namespace ferry::bench;
namespace fs = std::filesystem;
namespace emu = ferry::emulator;
using nlohmann::json;

constexpr const char* kUsage =
    "usage: ferry_bench_odata [--accounts N] [--pg CONNECTION] [--steps LIST] [--latency-ms L]\n"
    "                         [--edit-every K] [--write-rows N] [--page-size N]\n"
    "                         [--odata-batch N] [--concurrency N] [--batch-size N]\n"
    "                         [--odata-extra KV]\n"
    "                         [--work-dir DIR] [--table NAME] [--json] [--keep]\n"
    "  --accounts N      accounts the emulator generates (default 1000000; --rows is the same)\n"
    "  --pg CONNECTION   ODBC connection string of PostgreSQL (default: the first line of the\n"
    "                    file named by FERRY_TEST_PG_FILE)\n"
    "  --steps LIST      comma list of first,rerun,latency,writes (default all; rerun needs "
    "first)\n"
    "  --latency-ms L    emulator latency per request of the latency runs (default 100)\n"
    "  --edit-every K    the rerun edits every K-th account in the emulator (default 1000: 0.1%)\n"
    "  --write-rows N    rows the writes step sends from PostgreSQL to the emulator (default\n"
    "                    100000)\n"
    "  --page-size N     the OData connection's MaxPageSize (default 5000)\n"
    "  --odata-batch N   the OData connection's BatchSize: operations per $batch (default 100)\n"
    "  --concurrency N   the OData connection's Concurrency: $batch requests in flight (default "
    "4)\n"
    "  --batch-size N    the document's batchSize for the reads into PostgreSQL (default 1000;\n"
    "                    the engine caps it by the OData side's BatchSize x Concurrency, 400 by\n"
    "                    default); the writes step uses odata-batch x concurrency\n"
    "  --odata-extra KV  extra keys for the OData connection string of the read steps, e.g.\n"
    "                    \"BatchSize=250;Concurrency=4;\" to lift that cap to 1000\n"
    "  --work-dir DIR    state store and scratch files (default: a fresh temporary directory)\n"
    "  --table NAME      PostgreSQL table of the accounts (default ferry_bench_odata; the writes\n"
    "                    step reads NAME_src)\n"
    "  --json            print the figures as one JSON object instead of a table\n"
    "  --keep            keep the work directory and the PostgreSQL tables\n";

// Targets of issue 3 item 7, for the summary line.
constexpr double kTargetRowsPerSecond = 30'000;
constexpr double kTargetPeakRssMb = 200;
constexpr double kTargetRerunRatio = 0.05;
constexpr double kTargetBoundShare = 0.80;
// The OData provider reads with one page request in flight ahead of the engine's page sink
// (ODataProvider::streamPages), so at most one read request is outstanding at a time.
constexpr int kReadConcurrency = 1;

struct BenchConfig : CommonOptions {
    BenchConfig() { table = "ferry_bench_odata"; }

    std::int64_t accounts = 1'000'000;
    std::set<std::string> steps = {"first", "rerun", "latency", "writes"};
    int latencyMs = 100;
    std::int64_t editEvery = 1000;
    std::int64_t writeRows = 100'000;
    std::int64_t pageSize = 5000;
    std::int64_t odataBatch = 100;
    std::int64_t concurrency = 4;
    std::size_t batchSize = 1000;
    std::string odataExtra;

    bool runs(const std::string& step) const { return steps.count(step) != 0; }
};

// --- the synchronized columns, and their canonical text on both sides --------------------------

enum class Kind { Text, Money, Integer, Boolean, Timestamp };

struct ColumnSpec {
    std::string name;
    std::string pgType;
    Kind kind = Kind::Text;
    std::string emulatorType;  // AttributeType for defineEntity ("String", "Money", ...)
    int maxLength = 0;
};

// One entity set and its PostgreSQL twin; the key is a GUID on both sides.
struct EntitySpec {
    std::string entitySet;
    std::string key;
    std::vector<ColumnSpec> columns;

    std::string selectList() const {
        std::string out;
        for (const auto& column : columns) {
            out += (out.empty() ? "" : ",") + column.name;
        }
        return out;
    }
};

// The emulator's plain account columns (not description, the lookups or statecode).
EntitySpec accountSpec() {
    return {"accounts",
            "accountid",
            {{"name", "varchar(160)", Kind::Text, "String", 160},
             {"accountnumber", "varchar(20)", Kind::Text, "String", 20},
             {"telephone1", "varchar(50)", Kind::Text, "String", 50},
             {"emailaddress1", "varchar(100)", Kind::Text, "String", 100},
             {"address1_city", "varchar(80)", Kind::Text, "String", 80},
             {"revenue", "numeric(19,4)", Kind::Money, "Money", 0},
             {"numberofemployees", "integer", Kind::Integer, "Integer", 0},
             {"creditonhold", "boolean", Kind::Boolean, "Boolean", 0},
             {"industrycode", "integer", Kind::Integer, "Integer", 0},
             {"modifiedon", "timestamp", Kind::Timestamp, "DateTime", 0}}};
}

// The custom entity the writes step fills from PostgreSQL.
EntitySpec writeSpec() {
    return {"new_benchaccounts",
            "new_benchaccountid",
            {{"new_name", "varchar(160)", Kind::Text, "String", 160},
             {"new_accountnumber", "varchar(20)", Kind::Text, "String", 20},
             {"new_city", "varchar(80)", Kind::Text, "String", 80},
             {"new_revenue", "numeric(19,4)", Kind::Money, "Money", 0},
             {"new_employees", "integer", Kind::Integer, "Integer", 0},
             {"new_creditonhold", "boolean", Kind::Boolean, "Boolean", 0},
             {"new_lastcontact", "timestamp", Kind::Timestamp, "DateTime", 0}}};
}

std::string hexOf(const std::string& bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const unsigned char c : bytes) {
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
    }
    return out;
}

// A value of an emulator row in the canonical text the PostgreSQL side is compared in; nullopt
// for null.
std::optional<std::string> canonicalJson(const json& value, Kind kind) {
    if (value.is_null()) {
        return std::nullopt;
    }
    switch (kind) {
        case Kind::Text:
            return hexOf(value.get<std::string>());
        case Kind::Money:
            // Money has four decimals and stays far below 2^53 / 10^4, so the double that
            // nlohmann parses rounds back to the exact units.
            return fourDecimals(std::llround(value.get<double>() * 10'000));
        case Kind::Integer:
            return std::to_string(value.get<std::int64_t>());
        case Kind::Boolean:
            return value.get<bool>() ? "1" : "0";
        case Kind::Timestamp: {
            const auto seconds = epochSeconds(value.get<std::string>());
            return seconds ? std::to_string(*seconds) : "bad date " + value.get<std::string>();
        }
    }
    return std::nullopt;
}

// The SQL expression giving a column's canonical text (text as UTF-8 hex: the narrow ODBC API
// would convert it through the client character set).
std::string canonicalSql(const ColumnSpec& column) {
    const std::string& c = column.name;
    switch (column.kind) {
        case Kind::Text:
            return "encode(convert_to(" + c + ", 'UTF8'), 'hex')";
        case Kind::Money:
            return c + "::numeric(19,4)::text";
        case Kind::Integer:
            return c + "::text";
        case Kind::Boolean:
            return "CASE WHEN " + c + " THEN '1' WHEN NOT " + c + " THEN '0' END";
        case Kind::Timestamp:
            return "EXTRACT(EPOCH FROM " + c + ")::bigint::text";
    }
    return c;
}

// --- checksums ---------------------------------------------------------------------------------

// Order-independent aggregates of an entity: row count, a sum over the keys, and per column the
// non-null count and a sum (text: UTF-8 bytes, money: exact, booleans: true count, timestamps:
// seconds). Labelled values, compared one by one.
using Checksums = std::vector<std::pair<std::string, std::string>>;

// The first 32 bits of a GUID's text as a number, summed over the keys.
std::int64_t keyBits(const std::string& guid) {
    return static_cast<std::int64_t>(std::strtoull(guid.substr(0, 8).c_str(), nullptr, 16));
}

Checksums pgChecksums(OdbcSession& pg, const std::string& table, const EntitySpec& spec) {
    std::string sql = "SELECT COUNT(*)::text, COALESCE(SUM(('x' || lpad(substr(" + spec.key +
                      "::text, 1, 8), 16, '0'))::bit(64)::bigint), 0)::text";
    for (const auto& column : spec.columns) {
        const std::string& c = column.name;
        sql += ", COUNT(" + c + ")::text, ";
        switch (column.kind) {
            case Kind::Text:
                sql += "COALESCE(SUM(octet_length(" + c + ")), 0)::text";
                break;
            case Kind::Money:
                sql += "COALESCE(SUM(" + c + "), 0)::numeric(38,4)::text";
                break;
            case Kind::Integer:
                sql += "COALESCE(SUM(" + c + "::bigint), 0)::text";
                break;
            case Kind::Boolean:
                sql += "(COUNT(*) FILTER (WHERE " + c + "))::text";
                break;
            case Kind::Timestamp:
                sql += "COALESCE(SUM(EXTRACT(EPOCH FROM " + c + ")::bigint), 0)::text";
                break;
        }
    }
    const auto row = pg.firstRow(sql + " FROM " + table);
    Checksums sums;
    std::size_t i = 0;
    const auto next = [&row, &i]() { return i < row.size() ? row[i++].value_or("NULL") : "?"; };
    sums.emplace_back("rows", next());
    sums.emplace_back("key sum", next());
    for (const auto& column : spec.columns) {
        sums.emplace_back("count(" + column.name + ")", next());
        sums.emplace_back("sum(" + column.name + ")", next());
    }
    return sums;
}

// --- the emulator over its Web API, independently of the code under test ------------------------

// Its own token and its own HTTP client (cpp-httplib): the edits of the rerun and the reads of
// the checks never go through Ferry's HTTP stack or the OData provider.
class EmulatorClient {
public:
    EmulatorClient(const emu::DynamicsEmulator& emulator, const emu::DynamicsOptions& options)
        : m_client("127.0.0.1", emulator.port()),
          m_root(emulator.rootUrl()),
          m_base(emulator.baseUrl().substr(emulator.rootUrl().size())) {
        m_client.set_keep_alive(true);
        m_client.set_tcp_nodelay(true);  // else each small PATCH waits ~40 ms for a delayed ACK
        m_client.set_url_encode(false);  // paths are sent as built; nextLinks come encoded
        m_client.set_read_timeout(600, 0);
        const std::string tokenPath = emulator.tokenEndpoint().substr(m_root.size());
        const std::string form = "grant_type=password&client_id=" + encode(options.clientId) +
                                 "&username=" + encode(options.user) +
                                 "&password=" + encode(options.password) +
                                 "&scope=" + encode(m_root + "/.default");
        const auto response =
            m_client.Post(tokenPath.c_str(), form, "application/x-www-form-urlencoded");
        if (!response || response->status != 200) {
            throw std::runtime_error("emulator token request: " + describe(response));
        }
        m_token = json::parse(response->body).at("access_token").get<std::string>();
    }

    // Every row of an entity set with the given columns, page by page.
    void stream(const std::string& entitySet, const std::string& select,
                const std::function<void(const json&)>& row) {
        std::string path = m_base + entitySet + "?$select=" + select;
        while (!path.empty()) {
            const json page = get(path);
            for (const auto& item : page.at("value")) {
                row(item);
            }
            path.clear();
            if (const auto link = page.find("@odata.nextLink"); link != page.end()) {
                path = relative(link->get<std::string>());
            }
        }
    }

    // One row: an entity path ("accounts(<id>)") or the first row of a collection query.
    std::optional<json> one(const std::string& pathAndQuery) {
        json body = get(m_base + pathAndQuery);
        if (body.contains("value")) {
            if (body["value"].empty()) {
                return std::nullopt;
            }
            return body["value"][0];
        }
        return body;
    }

    void patch(const std::string& entityPath, const json& body) {
        httplib::Headers headers = authHeaders();
        headers.emplace("If-Match", "*");  // update only: never create by accident
        const std::string path = m_base + entityPath;
        const auto response =
            m_client.Patch(path.c_str(), headers, body.dump(), "application/json");
        if (!response || response->status != 204) {
            throw std::runtime_error("emulator PATCH " + path + ": " + describe(response));
        }
    }

    static std::string encode(const std::string& text) {
        std::string out;
        for (const unsigned char c : text) {
            if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || c == ',' ||
                c == '$' || c == '(' || c == ')') {
                out += static_cast<char>(c);
            } else {
                char escaped[4];
                std::snprintf(escaped, sizeof escaped, "%%%02X", c);
                out += escaped;
            }
        }
        return out;
    }

private:
    json get(const std::string& path) {
        httplib::Headers headers = authHeaders();
        headers.emplace("Prefer", "odata.maxpagesize=5000");
        const auto response = m_client.Get(path.c_str(), headers);
        if (!response || response->status != 200) {
            throw std::runtime_error("emulator GET " + path + ": " + describe(response));
        }
        return json::parse(response->body);
    }

    httplib::Headers authHeaders() const {
        return {{"Authorization", "Bearer " + m_token},
                {"Accept", "application/json"},
                {"OData-MaxVersion", "4.0"},
                {"OData-Version", "4.0"}};
    }

    // A nextLink as a path on this client's server (absolute links carry the emulator's root).
    std::string relative(const std::string& link) const {
        if (link.rfind(m_root, 0) == 0) {
            return link.substr(m_root.size());
        }
        return link.front() == '/' ? link : m_base + link;
    }

    static std::string describe(const httplib::Result& response) {
        if (!response) {
            return "no response (" + httplib::to_string(response.error()) + ")";
        }
        return "HTTP " + std::to_string(response->status) + " " + response->body.substr(0, 400);
    }

    httplib::Client m_client;
    std::string m_root;  // http://127.0.0.1:PORT
    std::string m_base;  // /api/data/v9.2/
    std::string m_token;
};

Checksums emulatorChecksums(EmulatorClient& client, const EntitySpec& spec) {
    std::int64_t rows = 0;
    std::int64_t keySum = 0;
    std::vector<std::int64_t> counts(spec.columns.size());
    std::vector<std::int64_t> sums(spec.columns.size());
    client.stream(spec.entitySet, spec.selectList(), [&](const json& row) {
        ++rows;
        keySum += keyBits(row.at(spec.key).get<std::string>());
        for (std::size_t c = 0; c < spec.columns.size(); ++c) {
            const auto& column = spec.columns[c];
            const auto found = row.find(column.name);
            if (found == row.end() || found->is_null()) {
                continue;
            }
            ++counts[c];
            switch (column.kind) {
                case Kind::Text:
                    sums[c] += static_cast<std::int64_t>(found->get<std::string>().size());
                    break;
                case Kind::Money:
                    sums[c] += std::llround(found->get<double>() * 10'000);
                    break;
                case Kind::Integer:
                    sums[c] += found->get<std::int64_t>();
                    break;
                case Kind::Boolean:
                    sums[c] += found->get<bool>() ? 1 : 0;
                    break;
                case Kind::Timestamp:
                    sums[c] += epochSeconds(found->get<std::string>()).value_or(0);
                    break;
            }
        }
    });
    Checksums out;
    out.emplace_back("rows", std::to_string(rows));
    out.emplace_back("key sum", std::to_string(keySum));
    for (std::size_t c = 0; c < spec.columns.size(); ++c) {
        const auto& column = spec.columns[c];
        out.emplace_back("count(" + column.name + ")", std::to_string(counts[c]));
        out.emplace_back("sum(" + column.name + ")", column.kind == Kind::Money
                                                         ? fourDecimals(sums[c])
                                                         : std::to_string(sums[c]));
    }
    return out;
}

// Compares the PostgreSQL table with the emulator's entity set: every checksum, then whole rows
// column by column. `samples` are (emulator query, SQL condition) pairs naming one row each.
// Returns one line per mismatch.
std::vector<std::string> compareSides(
    OdbcSession& pg, const std::string& table, EmulatorClient& client, const EntitySpec& spec,
    const std::vector<std::pair<std::string, std::string>>& samples) {
    std::vector<std::string> problems;
    const Checksums emulatorSums = emulatorChecksums(client, spec);
    const Checksums pgSums = pgChecksums(pg, table, spec);
    for (std::size_t i = 0; i < emulatorSums.size() && i < pgSums.size(); ++i) {
        if (emulatorSums[i].second != pgSums[i].second) {
            problems.push_back(emulatorSums[i].first + ": PostgreSQL " + pgSums[i].second +
                               ", emulator " + emulatorSums[i].second);
        }
    }
    std::string columns;
    for (const auto& column : spec.columns) {
        columns += ", " + canonicalSql(column);
    }
    for (const auto& [query, condition] : samples) {
        const auto expected = client.one(query);
        const auto actual = pg.firstRow("SELECT " + spec.key + "::text" + columns + " FROM " +
                                        table + " WHERE " + condition);
        if (!expected || actual.size() != spec.columns.size() + 1) {
            problems.push_back("sample " + condition + ": missing on the " +
                               (expected ? "PostgreSQL" : "emulator") + " side");
            continue;
        }
        if (actual[0] != expected->at(spec.key).get<std::string>()) {
            problems.push_back("sample " + condition + ": key " + actual[0].value_or("NULL"));
        }
        for (std::size_t c = 0; c < spec.columns.size(); ++c) {
            const auto& column = spec.columns[c];
            const auto found = expected->find(column.name);
            const auto want = found == expected->end() ? std::optional<std::string>("(absent)")
                                                       : canonicalJson(*found, column.kind);
            if (want != actual[c + 1]) {
                problems.push_back("sample " + condition + " " + column.name + ": PostgreSQL " +
                                   actual[c + 1].value_or("NULL") + ", emulator " +
                                   want.value_or("NULL"));
            }
        }
    }
    return problems;
}

// --- PostgreSQL tables ---------------------------------------------------------------------------

void createTable(OdbcSession& pg, const std::string& table, const EntitySpec& spec) {
    std::string sql = "CREATE TABLE " + table + " (" + spec.key + " uuid PRIMARY KEY";
    for (const auto& column : spec.columns) {
        sql += ", " + column.name + " " + column.pgType;
    }
    pg.exec("DROP TABLE IF EXISTS " + table);
    pg.exec(sql + ")");
}

// The writes step's source: `rows` generated rows with non-ASCII names, NULL cities in every
// tenth row, exact money and timestamps, generated inside PostgreSQL (no client round trips).
void fillWriteSource(OdbcSession& pg, const std::string& table, std::int64_t rows) {
    createTable(pg, table, writeSpec());
    pg.exec("INSERT INTO " + table +
            " SELECT md5('ferry-bench-' || i)::uuid, "
            "(ARRAY['Zoë', 'Łukasz', '東京太郎', 'Ольга', 'José'])[1 + i % 5] || ' Bench #' || i, "
            "'AC' || lpad(i::text, 8, '0'), "
            "CASE WHEN i % 10 = 0 THEN NULL ELSE 'City ' || (i % 97) END, "
            "((i::numeric * 7919) % 100000000) / 10000 - CASE WHEN i % 7 = 0 THEN 5000 ELSE 0 END, "
            "(i % 5000)::integer, i % 3 = 0, "
            "timestamp '2024-01-01' + i * interval '37 seconds' "
            "FROM generate_series(1, " +
            std::to_string(rows) + ") AS i");
    pg.exec("ANALYZE " + table);
}

// --- one step ----------------------------------------------------------------------------------

// An engine run plus what the emulator saw during it.
struct StepFigures {
    RunFigures run;
    std::int64_t rows = 0;  // the step's row count (rows/s are per this)
    emu::EmulatorStats before;
    emu::EmulatorStats after;
    int latencyMs = 0;
    double bound = 0;     // rows/s the latency allows (0: no latency)
    double measured = 0;  // rows/s compared with the bound
    std::vector<std::string> notes;

    std::uint64_t requests() const { return after.requests - before.requests; }
    std::uint64_t batches() const { return after.batches - before.batches; }
    std::uint64_t throttled() const { return after.throttled - before.throttled; }
    double peakGrowthMb() const {
        return static_cast<double>(run.peakRssKb - run.startRssKb) / 1024.0;
    }
};

class Bench {
public:
    explicit Bench(const BenchConfig& config) : m_config(config) {}

    int run();

private:
    ferry::ConnectionDocument document(const std::string& id, const EntitySpec& spec,
                                       const std::string& table, bool writes) const;
    StepFigures step(const ferry::ConnectionDocument& document, const std::string& label,
                     std::int64_t rows, int latencyMs);
    void check(const StepFigures& figures, const std::string& side, std::int64_t read,
               std::int64_t inserted, std::int64_t updated);
    void verifyAccounts(const std::string& when, const std::vector<std::string>& edited);
    std::vector<std::string> editAccounts();
    void printStep(const StepFigures& figures) const;
    std::string stepJson(const StepFigures& figures) const;
    void note(std::string problem) { m_problems.push_back(std::move(problem)); }

    const BenchConfig& m_config;
    std::unique_ptr<emu::DynamicsEmulator> m_emulator;
    emu::DynamicsOptions m_emulatorOptions;
    std::unique_ptr<EmulatorClient> m_client;
    std::unique_ptr<OdbcSession> m_pg;
    SplitSecret m_pgSecret;
    Instrumentation m_instrumentation;
    ferry::ProviderRegistry m_registry;
    std::unique_ptr<ferry::StateStore> m_store;
    std::vector<StepFigures> m_steps;
    std::vector<std::string> m_problems;
};

ferry::ConnectionDocument Bench::document(const std::string& id, const EntitySpec& spec,
                                          const std::string& table, bool writes) const {
    std::string odata = "URL=" + m_emulator->baseUrl() +
                        ";Authentication=microsoft_modern_crm;User=" + m_emulatorOptions.user +
                        ";Authority=" + m_emulator->authority() +
                        ";MaxPageSize=" + std::to_string(m_config.pageSize) + ";";
    if (!writes) {
        odata += m_config.odataExtra;
    } else {
        odata += "BatchSize=" + std::to_string(m_config.odataBatch) +
                 ";Concurrency=" + std::to_string(m_config.concurrency) + ";";
    }
    ferry::ConnectionDocument doc;
    doc.id = id;
    doc.title = "Dynamics emulator and PostgreSQL benchmark";
    doc.direction = writes ? ferry::Direction::RightToLeft : ferry::Direction::LeftToRight;
    doc.left = {"Dynamics " + spec.entitySet,
                "odata",
                odata,
                spec.entitySet + "?$select=" + spec.selectList(),
                {spec.key},
                {}};
    doc.right = {"PostgreSQL " + table,    "odbc",     m_pgSecret.connection,
                 "SELECT * FROM " + table, {spec.key}, {}};
    doc.mapping.autoMap = true;
    // Writes into the emulator: one write() call keeps every $batch request in flight at once.
    doc.batchSize = writes ? static_cast<std::size_t>(m_config.odataBatch * m_config.concurrency)
                           : m_config.batchSize;
    return doc;
}

StepFigures Bench::step(const ferry::ConnectionDocument& document, const std::string& label,
                        std::int64_t rows, int latencyMs) {
    ferry::RunOptions options;
    options.leftPassword = m_emulatorOptions.password;
    options.rightPassword = m_pgSecret.password;
    StepFigures figures;
    figures.rows = rows;
    figures.latencyMs = latencyMs;
    m_emulator->setLatency(latencyMs);
    figures.before = m_emulator->stats();
    figures.run = runSync(m_registry, m_instrumentation, *m_store, document, options,
                          m_config.workDir / "scratch", label);
    figures.after = m_emulator->stats();
    m_emulator->setLatency(0);  // the checks that follow are not measured
    return figures;
}

// Checks a run's status and counts; `side` is the side written to, `read` the rows the other
// side must have read (negative: not checked).
void Bench::check(const StepFigures& figures, const std::string& side, std::int64_t read,
                  std::int64_t inserted, std::int64_t updated) {
    const RunFigures& run = figures.run;
    if (std::string failure = failureText(run); !failure.empty()) {
        note(failure);
        return;
    }
    const auto& target = side == "left" ? run.report.left : run.report.right;
    const auto& source = side == "left" ? run.report.right : run.report.left;
    if (static_cast<std::int64_t>(target.inserted) != inserted ||
        static_cast<std::int64_t>(target.updated) != updated || target.deleted != 0 ||
        target.failed != 0 || (read >= 0 && static_cast<std::int64_t>(source.read) != read)) {
        note(run.label + ": " + side + " inserted " + std::to_string(target.inserted) +
             ", updated " + std::to_string(target.updated) + ", deleted " +
             std::to_string(target.deleted) + ", failed " + std::to_string(target.failed) +
             ", source read " + std::to_string(source.read) + "; expected " +
             std::to_string(inserted) + " inserted, " + std::to_string(updated) + " updated" +
             (read >= 0 ? ", " + std::to_string(read) + " read" : ""));
    }
}

// The accounts table against the emulator: checksums of every column, plus the first, middle
// and last account by key and two edited ones.
void Bench::verifyAccounts(const std::string& when, const std::vector<std::string>& edited) {
    const EntitySpec spec = accountSpec();
    std::vector<std::string> ids;
    const auto count = m_config.accounts;
    for (const std::int64_t offset : {std::int64_t{0}, count / 2, count - 1}) {
        const auto row =
            m_pg->firstRow("SELECT accountid::text FROM " + m_config.table +
                           " ORDER BY accountid OFFSET " + std::to_string(offset) + " LIMIT 1");
        if (!row.empty() && row[0]) {
            ids.push_back(*row[0]);
        }
    }
    if (!edited.empty()) {
        ids.push_back(edited.front());
        ids.push_back(edited.back());
    }
    std::vector<std::pair<std::string, std::string>> samples;
    for (const auto& id : ids) {
        samples.emplace_back("accounts(" + id + ")?$select=" + spec.selectList(),
                             "accountid = '" + id + "'");
    }
    for (auto& problem : compareSides(*m_pg, m_config.table, *m_client, spec, samples)) {
        note(when + ": " + problem);
    }
}

// Edits every K-th account (by key order, as PostgreSQL holds them after the first sync) in the
// emulator over its Web API; returns the edited keys.
std::vector<std::string> Bench::editAccounts() {
    const auto rows = m_pg->rows(
        "SELECT accountid::text FROM (SELECT accountid, row_number() OVER "
        "(ORDER BY accountid) AS n FROM " +
        m_config.table + ") s WHERE n % " + std::to_string(m_config.editEvery) +
        " = 0 ORDER BY accountid");
    std::vector<std::string> ids;
    std::int64_t n = 0;
    for (const auto& row : rows) {
        if (!row.empty() && row[0]) {
            ++n;
            m_client->patch("accounts(" + *row[0] + ")",
                            {{"name", "Zoë edited #" + std::to_string(n)},
                             {"address1_city", "Łódź"},
                             {"revenue", 1000.25 + static_cast<double>(n)},
                             {"numberofemployees", n},
                             {"creditonhold", n % 2 == 0}});
            ids.push_back(*row[0]);
        }
    }
    return ids;
}

void Bench::printStep(const StepFigures& figures) const {
    const bool writes = figures.run.left.rowsWritten > 0;
    printRunTable(figures.run, figures.rows,
                  writes ? SideNames{"left (emulator)", "right (PostgreSQL)", "$batch write()"}
                         : SideNames{"left (emulator)", "right (PostgreSQL)", "PG write()"});
    std::printf(
        "  %-20s %s requests (%s $batch), %s throttled; RSS %.1f MB before, +%.1f MB "
        "peak during the run\n",
        "emulator", withThousands(static_cast<double>(figures.requests())).c_str(),
        withThousands(static_cast<double>(figures.batches())).c_str(),
        withThousands(static_cast<double>(figures.throttled())).c_str(),
        static_cast<double>(figures.run.startRssKb) / 1024.0, figures.peakGrowthMb());
    if (figures.latencyMs > 0) {
        std::printf("  %-20s %d ms per request: %s rows/s against a bound of %s rows/s (%.0f%%)\n",
                    "latency", figures.latencyMs, withThousands(figures.measured).c_str(),
                    withThousands(figures.bound).c_str(),
                    figures.bound > 0 ? 100.0 * figures.measured / figures.bound : 0.0);
    }
    for (const auto& line : figures.notes) {
        std::printf("  %s\n", line.c_str());
    }
}

std::string Bench::stepJson(const StepFigures& figures) const {
    std::ostringstream out;
    out << "{\"label\": " << jsonString(figures.run.label) << ", \"rows\": " << figures.rows
        << ", \"run\": " << runJson(figures.run, figures.rows)
        << ", \"requests\": " << figures.requests() << ", \"batches\": " << figures.batches()
        << ", \"throttled\": " << figures.throttled()
        << ", \"peakGrowthMb\": " << figures.peakGrowthMb()
        << ", \"latencyMs\": " << figures.latencyMs << ", \"bound\": " << figures.bound
        << ", \"measured\": " << figures.measured << "}";
    return out.str();
}

int Bench::run() {
    fs::create_directories(m_config.workDir / "scratch");
    m_pgSecret = splitPassword(m_config.pgConnection);
    m_pg = std::make_unique<OdbcSession>(m_config.pgConnection);

    const std::int64_t rssBeforeEmulator = statusKb("VmRSS");
    const auto buildStart = Clock::now();
    m_emulatorOptions.accounts = static_cast<int>(m_config.accounts);
    m_emulatorOptions.maxPageSize =
        static_cast<int>(std::min<std::int64_t>(m_config.pageSize, 5000));
    m_emulator = std::make_unique<emu::DynamicsEmulator>(m_emulatorOptions);
    m_emulator->start();
    const double buildSeconds = secondsSince(buildStart);
    const double emulatorMb = static_cast<double>(statusKb("VmRSS") - rssBeforeEmulator) / 1024.0;
    m_client = std::make_unique<EmulatorClient>(*m_emulator, m_emulatorOptions);

    m_registry = instrumentedRegistry(m_instrumentation);
    fs::remove(m_config.workDir / "state.db");
    m_store = std::make_unique<ferry::StateStore>(m_config.workDir / "state.db");

    const EntitySpec accounts = accountSpec();
    const std::int64_t n = m_config.accounts;
    const StepFigures* first = nullptr;
    const StepFigures* rerun = nullptr;
    const StepFigures* latencyRead = nullptr;
    std::vector<const StepFigures*> writes;
    m_steps.reserve(5);

    if (m_config.runs("first")) {
        createTable(*m_pg, m_config.table, accounts);
        m_steps.push_back(step(document("bench-odata-sync", accounts, m_config.table, false),
                               "first sync", n, 0));
        check(m_steps.back(), "right", n, n, 0);
        verifyAccounts("after the first sync", {});
        first = &m_steps.back();

        if (m_config.runs("rerun")) {
            const auto editStart = Clock::now();
            const std::vector<std::string> edited = editAccounts();
            const double editSeconds = secondsSince(editStart);
            const auto editedCount = static_cast<std::int64_t>(edited.size());
            m_steps.push_back(step(document("bench-odata-sync", accounts, m_config.table, false),
                                   "rerun, " + std::to_string(editedCount) + " edited", n, 0));
            StepFigures& figures = m_steps.back();
            // Through the delta link only the edited accounts are read; a full read is correct
            // too (slower), so the count read is a figure, not a check.
            check(figures, "right", -1, 0, editedCount);
            char line[200];
            std::snprintf(line, sizeof line,
                          "edits: %s accounts over the Web API in %.2f s (outside the timing); "
                          "read %s rows from the emulator, %s",
                          withThousands(static_cast<double>(editedCount)).c_str(), editSeconds,
                          withThousands(static_cast<double>(figures.run.report.left.read)).c_str(),
                          figures.run.left.deltaRead ? "through the delta link"
                                                     : "NOT through the delta link (full read)");
            figures.notes.emplace_back(line);
            verifyAccounts("after the edited rerun", edited);
            rerun = &figures;
        }
    }

    if (m_config.runs("latency")) {
        // A fresh target and a fresh connection identity: a first sync again, with latency.
        createTable(*m_pg, m_config.table, accounts);
        m_steps.push_back(step(document("bench-odata-latency", accounts, m_config.table, false),
                               "first sync, " + std::to_string(m_config.latencyMs) + " ms", n,
                               m_config.latencyMs));
        StepFigures& figures = m_steps.back();
        check(figures, "right", n, n, 0);
        figures.bound =
            static_cast<double>(m_config.pageSize * kReadConcurrency) * 1000.0 / m_config.latencyMs;
        const double readSeconds = nsToSeconds(figures.run.left.readNs);
        figures.measured = perSecond(figures.run.left.rowsRead, readSeconds);
        figures.notes.push_back("bound: page size " + std::to_string(m_config.pageSize) + " x " +
                                std::to_string(kReadConcurrency) +
                                " page request in flight / latency; measured: rows read / time "
                                "inside the OData provider's readChanges()");
        verifyAccounts("after the first sync with latency", {});
        latencyRead = &figures;
    }

    if (m_config.runs("writes")) {
        const EntitySpec spec = writeSpec();
        const std::string source = m_config.table + "_src";
        fillWriteSource(*m_pg, source, m_config.writeRows);
        for (const int latency : {0, m_config.latencyMs}) {
            emu::EntityDefinition definition;
            definition.logicalName = "new_benchaccount";
            definition.entitySet = spec.entitySet;
            definition.primaryKey = spec.key;
            definition.primaryName = "new_name";
            for (const auto& column : spec.columns) {
                emu::ColumnDefinition c;
                c.name = column.name;
                c.type =
                    emu::columnTypeFromName(column.emulatorType).value_or(emu::ColumnType::String);
                c.maxLength = column.maxLength > 0 ? column.maxLength : 100;
                definition.columns.push_back(c);
            }
            m_emulator->defineEntity(definition);  // replaces the previous run's rows
            m_steps.push_back(
                step(document("bench-odata-writes-" + std::to_string(latency), spec, source, true),
                     latency == 0 ? "$batch writes"
                                  : "$batch writes, " + std::to_string(latency) + " ms",
                     m_config.writeRows, latency));
            StepFigures& figures = m_steps.back();
            check(figures, "left", m_config.writeRows, m_config.writeRows, 0);
            const double writeSeconds = nsToSeconds(figures.run.left.writeNs);
            figures.measured = perSecond(figures.run.left.rowsWritten, writeSeconds);
            if (latency > 0) {
                figures.bound = static_cast<double>(m_config.odataBatch * m_config.concurrency) *
                                1000.0 / latency;
                figures.notes.push_back(
                    "bound: $batch size " + std::to_string(m_config.odataBatch) + " x " +
                    std::to_string(m_config.concurrency) +
                    " requests in flight / latency; measured: rows / time inside write()");
            }
            std::vector<std::pair<std::string, std::string>> samples;
            for (const std::int64_t i :
                 {std::int64_t{1}, m_config.writeRows / 2, m_config.writeRows}) {
                char number[16];
                std::snprintf(number, sizeof number, "AC%08lld", static_cast<long long>(i));
                samples.emplace_back(
                    spec.entitySet + "?$select=" + spec.selectList() + "&$filter=" +
                        EmulatorClient::encode(std::string("new_accountnumber eq '") + number +
                                               "'"),
                    "new_accountnumber = '" + std::string(number) + "'");
            }
            // Keys are compared too: the engine maps the key column, so each created row should
            // keep the GUID it has in PostgreSQL.
            for (auto& problem : compareSides(*m_pg, source, *m_client, spec, samples)) {
                note(figures.run.label + ": " + problem);
            }
        }
        for (std::size_t i = m_steps.size() - 2; i < m_steps.size(); ++i) {
            writes.push_back(&m_steps[i]);
        }
        if (!m_config.keep) {
            m_pg->exec("DROP TABLE IF EXISTS " + source);
        }
    }
    if (!m_config.keep) {
        m_pg->exec("DROP TABLE IF EXISTS " + m_config.table);
    }

    // Summary.
    double firstRate = 0;
    double ratio = 0;
    std::int64_t growthKb = 0;
    for (const auto& figures : m_steps) {
        growthKb = std::max(growthKb, figures.run.peakRssKb - figures.run.startRssKb);
    }
    const double growthMb = static_cast<double>(growthKb) / 1024.0;
    if (first != nullptr) {
        firstRate = perSecond(n, first->run.seconds);
    }
    if (first != nullptr && rerun != nullptr && first->run.seconds > 0) {
        ratio = rerun->run.seconds / first->run.seconds;
    }
    const auto verdict = [](bool ran, bool ok) { return !ran ? "not run" : ok ? "ok" : "MISSED"; };
    const auto share = [](const StepFigures* figures) {
        return figures != nullptr && figures->bound > 0 ? figures->measured / figures->bound : 0.0;
    };
    const StepFigures* writeLatency = writes.size() == 2 ? writes[1] : nullptr;

    if (m_config.json) {
        std::ostringstream out;
        out << "{\"accounts\": " << n << ", \"emulatorBuildSeconds\": " << buildSeconds
            << ", \"emulatorRssMb\": " << emulatorMb << ", \"pageSize\": " << m_config.pageSize
            << ", \"odataBatch\": " << m_config.odataBatch
            << ", \"concurrency\": " << m_config.concurrency
            << ", \"readConcurrency\": " << kReadConcurrency
            << ", \"latencyMs\": " << m_config.latencyMs << ", \"peakGrowthMb\": " << growthMb
            << ", \"ruMaxRssMb\": " << static_cast<double>(maxRssKb()) / 1024.0
            << ", \"firstRowsPerSecond\": " << firstRate << ", \"rerunRatio\": " << ratio
            << ", \"latencyReadShare\": " << share(latencyRead)
            << ", \"latencyWriteShare\": " << share(writeLatency) << ", \"steps\": [";
        for (std::size_t i = 0; i < m_steps.size(); ++i) {
            out << (i > 0 ? ", " : "") << stepJson(m_steps[i]);
        }
        out << "], \"verified\": " << (m_problems.empty() ? "true" : "false")
            << ", \"problems\": [";
        for (std::size_t i = 0; i < m_problems.size(); ++i) {
            out << (i > 0 ? ", " : "") << jsonString(m_problems[i]);
        }
        out << "]}";
        std::printf("%s\n", out.str().c_str());
    } else {
        std::printf(
            "ferry_bench_odata: Dynamics emulator <-> PostgreSQL, %s accounts x %zu columns, "
            "page %lld, $batch %lld x %lld in flight\n",
            withThousands(static_cast<double>(n)).c_str(), accounts.columns.size() + 1,
            static_cast<long long>(m_config.pageSize), static_cast<long long>(m_config.odataBatch),
            static_cast<long long>(m_config.concurrency));
        std::printf("%-22s %8.2f s  (outside the timings), emulator data %.1f MB of RSS\n",
                    "emulator start", buildSeconds, emulatorMb);
        for (const auto& figures : m_steps) {
            printStep(figures);
        }
        std::printf(
            "%-22s %s\n", "verify",
            m_problems.empty() ? "ok (counts, column sums, key sums, sample rows)" : "FAILED");
        std::printf("%-22s peak growth over the emulator's RSS %.1f MB, ru_maxrss %.1f MB\n",
                    "memory", growthMb, static_cast<double>(maxRssKb()) / 1024.0);
        std::printf(
            "targets: first sync %s rows/s (>= 30,000: %s); peak RSS growth %.1f MB (< 200 MB: "
            "%s); edited rerun %.1f%% of first (<= 5%%: %s); reads at latency %.0f%% of bound "
            "(>= 80%%: %s); $batch writes at latency %.0f%% of bound (>= 80%%: %s)\n",
            withThousands(firstRate).c_str(),
            verdict(first != nullptr, firstRate >= kTargetRowsPerSecond), growthMb,
            verdict(!m_steps.empty(), growthMb < kTargetPeakRssMb), ratio * 100,
            verdict(rerun != nullptr, ratio <= kTargetRerunRatio), share(latencyRead) * 100,
            verdict(latencyRead != nullptr, share(latencyRead) >= kTargetBoundShare),
            share(writeLatency) * 100,
            verdict(writeLatency != nullptr, share(writeLatency) >= kTargetBoundShare));
    }
    for (const auto& problem : m_problems) {
        std::fprintf(stderr, "ferry_bench_odata: %s\n", problem.c_str());
    }
    return m_problems.empty() ? 0 : 1;
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
        if (arg == "--accounts" || arg == "--rows") {
            config.accounts = args.number();
        } else if (arg == "--steps") {
            config.steps.clear();
            std::stringstream list(args.value());
            std::string name;
            while (std::getline(list, name, ',')) {
                if (name != "first" && name != "rerun" && name != "latency" && name != "writes") {
                    throw std::invalid_argument("--steps: unknown step '" + name + "'");
                }
                config.steps.insert(name);
            }
        } else if (arg == "--latency-ms") {
            config.latencyMs = static_cast<int>(std::clamp<std::int64_t>(args.number(), 0, 60'000));
        } else if (arg == "--edit-every") {
            config.editEvery = args.number();
        } else if (arg == "--write-rows") {
            config.writeRows = args.number();
        } else if (arg == "--page-size") {
            config.pageSize = args.number();
        } else if (arg == "--odata-batch") {
            config.odataBatch = args.number();
        } else if (arg == "--concurrency") {
            config.concurrency = args.number();
        } else if (arg == "--batch-size") {
            config.batchSize = static_cast<std::size_t>(std::max<std::int64_t>(args.number(), 0));
        } else if (arg == "--odata-extra") {
            config.odataExtra = args.value();
        } else {
            throw std::invalid_argument("unknown argument '" + arg + "'");
        }
    }
    if (config.accounts < 1 || config.accounts > 100'000'000 || config.editEvery < 1 ||
        config.writeRows < 1 || config.pageSize < 1 || config.odataBatch < 1 ||
        config.concurrency < 1 || config.batchSize < 1 || config.latencyMs < 1) {
        throw std::invalid_argument(
            "--accounts, --edit-every, --write-rows, --page-size, --odata-batch, "
            "--concurrency, --batch-size and --latency-ms must be at least 1");
    }
    if (config.runs("rerun") && !config.runs("first")) {
        throw std::invalid_argument("--steps: rerun needs first");
    }
    config.pgConnection = postgresConnection(config.pgConnection);
    return config;
}

}  // namespace

int main(int argc, char** argv) {
    return ferry::bench::benchMain<BenchConfig>(
        "ferry_bench_odata", kUsage, "ferry-bench-odata-", argc, argv, parseArguments,
        [](const BenchConfig& config) { return Bench(config).run(); });
}
