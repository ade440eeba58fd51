// Dynamics 365 emulator -> SharePoint emulator benchmark through the OData and SharePoint
// providers and the sync engine: N accounts into an empty custom list (auto mapping), without
// and with latency per request. The emulators run as child processes, so the bench process's
// peak RSS is the engine's and the providers' alone (the SharePoint emulator's items grow with N).
//   ferry_bench_sharepoint --accounts N [--steps first,latency] [--latency-ms L] [--json]
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
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
#include "ferry/document.h"
#include "ferry/state_store.h"
#include "ferry/sync_engine.h"

extern char** environ;

namespace {

using namespace ferry::bench;
namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kUsage =
    "usage: ferry_bench_sharepoint [--accounts N] [--steps LIST] [--latency-ms L]\n"
    "                              [--page-size N] [--sp-batch N] [--sp-concurrency N]\n"
    "                              [--batch-size N]\n"
    "                              [--emulators DIR] [--work-dir DIR] [--json] [--keep]\n"
    "  --accounts N      accounts the Dynamics emulator generates (default 100000; --rows is the\n"
    "                    same)\n"
    "  --steps LIST      comma list of first,latency (default both)\n"
    "  --latency-ms L    latency per request of both emulators in the latency step (default 100)\n"
    "  --page-size N     the OData connection's MaxPageSize (default 5000)\n"
    "  --sp-batch N      the SharePoint connection's BatchSize: operations per $batch (default\n"
    "                    100, SharePoint's practical limit)\n"
    "  --sp-concurrency N the SharePoint connection's Concurrency: $batch requests in flight\n"
    "                    (default 4)\n"
    "  --batch-size N    the document's batchSize (default 1000; the engine caps it by both\n"
    "                    sides' maximum, the SharePoint side's BatchSize x Concurrency)\n"
    "  --emulators DIR   folder of ferry-dynamics-emulator and ferry-sharepoint-emulator\n"
    "                    (default: this program's folder)\n"
    "  --work-dir DIR    state store and scratch files (default: a fresh temporary directory)\n"
    "  --json            print the figures as one JSON object instead of a table\n"
    "  --keep            keep the work directory\n";

constexpr const char* kUser = "admin@contoso.com";
constexpr const char* kPassword = "Passw0rd!";
constexpr const char* kClientId = "ferry-test-client";
constexpr const char* kCrmTenant = "00000000-0000-0000-0000-0000000c0a57";
constexpr const char* kSpTenant = "00000000-0000-0000-0000-00000000c0a5";
constexpr const char* kList = "Accounts";
// The OData provider keeps one page request in flight (a tracked read is one chain of pages).
constexpr int kReadConcurrency = 1;

struct BenchConfig : CommonOptions {
    std::int64_t accounts = 100'000;
    std::set<std::string> steps = {"first", "latency"};
    int latencyMs = 100;
    std::int64_t pageSize = 5000;
    std::int64_t spBatch = 100;
    std::int64_t spConcurrency = 4;
    std::size_t batchSize = 1000;
    fs::path emulators;

    bool runs(const std::string& step) const { return steps.count(step) != 0; }
};

// --- the synchronized columns ------------------------------------------------------------------

enum class Kind { Text, Money, Integer, Boolean, Timestamp };

// A CRM account column and the SharePoint field of the same name (auto mapping pairs them).
struct ColumnSpec {
    std::string name;
    Kind kind = Kind::Text;
    std::string spType;  // SharePoint field type
    int maxLength = 255;
};

std::vector<ColumnSpec> accountColumns() {
    return {{"name", Kind::Text, "Text", 160},
            {"accountnumber", Kind::Text, "Text", 20},
            {"telephone1", Kind::Text, "Text", 50},
            {"emailaddress1", Kind::Text, "Text", 100},
            {"address1_city", Kind::Text, "Text", 80},
            {"revenue", Kind::Money, "Currency", 0},
            {"numberofemployees", Kind::Integer, "Number", 0},
            {"creditonhold", Kind::Boolean, "Boolean", 0},
            {"modifiedon", Kind::Timestamp, "DateTime", 0}};
}

std::string selectList(const std::vector<ColumnSpec>& columns) {
    std::string out;
    for (const auto& column : columns) {
        out += (out.empty() ? "" : ",") + column.name;
    }
    return out;
}

// The empty custom list: Title made optional (no CRM column is named Title), one field per CRM
// column, accountnumber indexed so that the checks can $filter on it past 5,000 items.
json listDefinition(const std::vector<ColumnSpec>& columns) {
    json fields = json::array({{{"internalName", "Title"}, {"required", false}}});
    for (const auto& column : columns) {
        json field = {{"internalName", column.name}, {"type", column.spType}};
        if (column.spType == "Text") {
            field["maxLength"] = column.maxLength;
        }
        if (column.name == "accountnumber") {
            field["indexed"] = true;
        }
        fields.push_back(field);
    }
    return {{"title", kList}, {"fields", fields}};
}

// A value as a number for the column sums (text: UTF-8 bytes); nullopt for null. SharePoint
// keeps empty text as null, so empty text counts as null on both sides.
std::optional<std::int64_t> measure(const json& value, Kind kind) {
    if (value.is_null() || (value.is_string() && value.get<std::string>().empty())) {
        return std::nullopt;
    }
    switch (kind) {
        case Kind::Text:
            return static_cast<std::int64_t>(value.get<std::string>().size());
        case Kind::Money:
            return std::llround(value.get<double>() * 10'000);
        case Kind::Integer:
            return std::llround(value.get<double>());
        case Kind::Boolean:
            return value.get<bool>() ? 1 : 0;
        case Kind::Timestamp:
            return epochSeconds(value.get<std::string>()).value_or(-1);
    }
    return std::nullopt;
}

// A value in one canonical text for comparing sample rows.
std::string canonical(const json& value, Kind kind) {
    const auto measured = measure(value, kind);
    if (!measured) {
        return "null";
    }
    return kind == Kind::Text ? value.get<std::string>() : std::to_string(*measured);
}

// --- the emulators as child processes ------------------------------------------------------------

// One emulator executable, started with --port 0; its ready line names its URL. Stopped (SIGTERM)
// when destroyed.
class EmulatorProcess {
public:
    EmulatorProcess(const fs::path& program, std::vector<std::string> arguments) {
        if (!fs::exists(program)) {
            throw std::runtime_error(program.string() + " does not exist (build it, or pass " +
                                     "--emulators DIR)");
        }
        int pipeFds[2];
        if (pipe(pipeFds) != 0) {
            throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, pipeFds[0]);
        posix_spawn_file_actions_addclose(&actions, pipeFds[1]);
        arguments.insert(arguments.begin(), program.string());
        std::vector<char*> argv;
        for (auto& argument : arguments) {
            argv.push_back(argument.data());
        }
        argv.push_back(nullptr);
        const int spawned =
            posix_spawn(&m_pid, program.c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        close(pipeFds[1]);
        if (spawned != 0) {
            close(pipeFds[0]);
            throw std::runtime_error("cannot start " + program.string() + ": " +
                                     std::strerror(spawned));
        }
        m_output = fdopen(pipeFds[0], "r");
        char line[1024];
        while (m_output != nullptr && std::fgets(line, sizeof line, m_output) != nullptr) {
            const std::string text(line);
            const auto at = text.find("listening on ");
            if (at != std::string::npos) {
                m_url = text.substr(at + 13);
                while (!m_url.empty() && std::isspace(static_cast<unsigned char>(m_url.back()))) {
                    m_url.pop_back();
                }
                break;
            }
        }
        if (m_url.empty()) {
            stop();
            throw std::runtime_error(program.string() + " did not print its ready line");
        }
    }

    ~EmulatorProcess() { stop(); }
    EmulatorProcess(const EmulatorProcess&) = delete;
    EmulatorProcess& operator=(const EmulatorProcess&) = delete;

    const std::string& url() const { return m_url; }
    pid_t pid() const { return m_pid; }

    // A "Name:  123 kB" field of the child's /proc status; -1 when unreadable.
    std::int64_t statusKb(const char* field) const {
        std::FILE* status = std::fopen(("/proc/" + std::to_string(m_pid) + "/status").c_str(), "r");
        if (status == nullptr) {
            return -1;
        }
        char line[256];
        std::int64_t kb = -1;
        const std::size_t length = std::strlen(field);
        while (std::fgets(line, sizeof line, status) != nullptr) {
            if (std::strncmp(line, field, length) == 0 && line[length] == ':') {
                kb = std::strtoll(line + length + 1, nullptr, 10);
                break;
            }
        }
        std::fclose(status);
        return kb;
    }

    void stop() {
        if (m_pid > 0) {
            kill(m_pid, SIGTERM);
            int status = 0;
            waitpid(m_pid, &status, 0);
            m_pid = -1;
        }
        if (m_output != nullptr) {
            std::fclose(m_output);
            m_output = nullptr;
        }
    }

private:
    pid_t m_pid = -1;
    std::FILE* m_output = nullptr;
    std::string m_url;
};

// Percent-encodes a query value (RFC 3986 unreserved characters stay).
std::string encode(const std::string& text) {
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || c == ',' ||
            c == '$') {
            out += static_cast<char>(c);
        } else {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02X", c);
            out += escaped;
        }
    }
    return out;
}

std::string describe(const httplib::Result& response) {
    if (!response) {
        return "no response (" + httplib::to_string(response.error()) + ")";
    }
    return "HTTP " + std::to_string(response->status) + " " + response->body.substr(0, 400);
}

// An emulator's HTTP API with the bench's own client (cpp-httplib) and its own token: the
// control endpoints (stats, latency, lists) and the reads of the checks never go through Ferry.
class ServiceClient {
public:
    // `root` is http://127.0.0.1:PORT; `accept` the data requests' Accept header.
    ServiceClient(const std::string& root, const std::string& tenant, std::string accept)
        : m_client(root), m_root(root), m_accept(std::move(accept)) {
        m_client.set_keep_alive(true);
        m_client.set_tcp_nodelay(true);
        m_client.set_url_encode(false);  // paths are sent as built; next links come encoded
        m_client.set_read_timeout(600, 0);
        const std::string form = "grant_type=password&client_id=" + encode(kClientId) +
                                 "&username=" + encode(kUser) + "&password=" + encode(kPassword) +
                                 "&scope=" + encode(root + "/.default");
        const auto response = m_client.Post("/" + std::string(tenant) + "/oauth2/v2.0/token", form,
                                            "application/x-www-form-urlencoded");
        if (!response || response->status != 200) {
            throw std::runtime_error("token request to " + root + ": " + describe(response));
        }
        m_token = json::parse(response->body).at("access_token").get<std::string>();
    }

    json get(const std::string& path) {
        const httplib::Headers headers = {{"Authorization", "Bearer " + m_token},
                                          {"Accept", m_accept},
                                          {"Prefer", "odata.maxpagesize=5000"}};
        const auto response = m_client.Get(relative(path), headers);
        if (!response || response->status != 200) {
            throw std::runtime_error("GET " + path + ": " + describe(response));
        }
        return json::parse(response->body);
    }

    // Every row of a collection, page by page (OData "@odata.nextLink" or SharePoint's
    // "odata.nextLink").
    void stream(std::string path, const std::function<void(const json&)>& row) {
        while (!path.empty()) {
            const json page = get(path);
            for (const auto& item : page.at("value")) {
                row(item);
            }
            path.clear();
            for (const char* name : {"@odata.nextLink", "odata.nextLink"}) {
                if (const auto link = page.find(name); link != page.end()) {
                    path = link->get<std::string>();
                }
            }
        }
    }

    // A control endpoint under /_emulator/ (no token needed).
    std::string control(const std::string& method, const std::string& what,
                        const json& body = nullptr) {
        const std::string path = "/_emulator/" + what;
        const auto response =
            method == "GET" ? m_client.Get(path)
            : method == "DELETE"
                ? m_client.Delete(path)
                : m_client.Post(path, body.is_null() ? "" : body.dump(), "application/json");
        if (!response || response->status < 200 || response->status >= 300) {
            throw std::runtime_error(method + " " + path + ": " + describe(response));
        }
        return response->body;
    }

    std::uint64_t requests() { return stat("requests"); }
    std::uint64_t batches() { return stat("batches"); }

private:
    std::uint64_t stat(const char* name) {
        return json::parse(control("GET", "stats")).at(name).get<std::uint64_t>();
    }

    std::string relative(const std::string& link) const {
        return link.rfind(m_root, 0) == 0 ? link.substr(m_root.size()) : link;
    }

    httplib::Client m_client;
    std::string m_root;
    std::string m_accept;
    std::string m_token;
};

// --- checks ------------------------------------------------------------------------------------

// Row count and per column the non-null count and a sum; order-independent, streamed.
struct Checksums {
    std::int64_t rows = 0;
    std::vector<std::int64_t> counts;
    std::vector<std::int64_t> sums;
};

Checksums checksums(ServiceClient& client, const std::string& path,
                    const std::vector<ColumnSpec>& columns) {
    Checksums out;
    out.counts.assign(columns.size(), 0);
    out.sums.assign(columns.size(), 0);
    client.stream(path, [&](const json& row) {
        ++out.rows;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const auto found = row.find(columns[c].name);
            if (found == row.end()) {
                continue;
            }
            if (const auto value = measure(*found, columns[c].kind)) {
                ++out.counts[c];
                out.sums[c] += *value;
            }
        }
    });
    return out;
}

// --- one step ----------------------------------------------------------------------------------

struct StepFigures {
    RunFigures run;
    std::int64_t rows = 0;
    int latencyMs = 0;
    std::uint64_t crmRequests = 0;
    std::uint64_t spRequests = 0;
    std::uint64_t spBatches = 0;
    double readBound = 0;  // rows/s the latency allows (0: no latency)
    double readMeasured = 0;
    double writeBound = 0;
    double writeMeasured = 0;
    std::int64_t spEmulatorKb = 0;  // the SharePoint emulator's VmRSS after the run
};

class Bench {
public:
    explicit Bench(const BenchConfig& config) : m_config(config) {}
    int run();

private:
    ferry::ConnectionDocument document(const std::string& id) const;
    StepFigures step(const std::string& id, const std::string& label, int latencyMs);
    void verify(const StepFigures& figures);
    void printStep(const StepFigures& figures) const;
    std::string stepJson(const StepFigures& figures) const;
    void note(std::string problem) { m_problems.push_back(std::move(problem)); }

    const BenchConfig& m_config;
    std::vector<ColumnSpec> m_columns = accountColumns();
    std::unique_ptr<EmulatorProcess> m_crm;
    std::unique_ptr<EmulatorProcess> m_sharePoint;
    std::string m_crmRoot;
    std::string m_spRoot;
    std::string m_site;
    std::unique_ptr<ServiceClient> m_crmClient;
    std::unique_ptr<ServiceClient> m_spClient;
    Instrumentation m_instrumentation;
    ferry::ProviderRegistry m_registry;
    std::unique_ptr<ferry::StateStore> m_store;
    std::vector<StepFigures> m_steps;
    std::vector<std::string> m_problems;
};

ferry::ConnectionDocument Bench::document(const std::string& id) const {
    ferry::ConnectionDocument doc;
    doc.id = id;
    doc.title = "Dynamics emulator to SharePoint emulator benchmark";
    doc.direction = ferry::Direction::LeftToRight;
    doc.left = {"Dynamics accounts",
                "odata",
                "URL=" + m_crm->url() + ";Authentication=microsoft_modern_crm;User=" + kUser +
                    ";Authority=" + m_crmRoot + "/" + kCrmTenant +
                    ";MaxPageSize=" + std::to_string(m_config.pageSize) + ";",
                "accounts?$select=" + selectList(m_columns),
                {"accountid"},
                {}};
    doc.right = {"SharePoint Accounts",
                 "sharepoint",
                 "URL=" + m_site + "/Lists/" + kList +
                     "/AllItems.aspx;Authentication=Microsoft_Modern;User=" + kUser +
                     ";TokenEndpoint=" + m_spRoot + "/" + kSpTenant +
                     "/oauth2/v2.0/token;BatchSize=" + std::to_string(m_config.spBatch) +
                     ";Concurrency=" + std::to_string(m_config.spConcurrency) +
                     ";PageSize=" + std::to_string(m_config.pageSize) + ";",
                 "",
                 {"ID"},
                 {}};
    doc.mapping.autoMap = true;
    doc.batchSize = m_config.batchSize;
    return doc;
}

// A first sync into a fresh, empty list under a fresh connection id.
StepFigures Bench::step(const std::string& id, const std::string& label, int latencyMs) {
    try {
        m_spClient->control("DELETE", std::string("lists/") + kList);
    } catch (const std::exception&) {
        // the first step: no list yet
    }
    m_spClient->control("POST", "lists", listDefinition(m_columns));

    ferry::RunOptions options;
    options.leftPassword = kPassword;
    options.rightPassword = kPassword;
    StepFigures figures;
    figures.rows = m_config.accounts;
    figures.latencyMs = latencyMs;
    m_crmClient->control("POST", "latency", {{"ms", latencyMs}});
    m_spClient->control("POST", "latency", {{"ms", latencyMs}});
    const std::uint64_t crmBefore = m_crmClient->requests();
    const std::uint64_t spBefore = m_spClient->requests();
    const std::uint64_t batchesBefore = m_spClient->batches();
    figures.run = runSync(m_registry, m_instrumentation, *m_store, document(id), options,
                          m_config.workDir / "scratch", label);
    // Less the stats requests themselves: each reading counts itself, so the difference holds
    // the "after" reading and, for SharePoint, the "before" reading of its batches.
    figures.crmRequests = m_crmClient->requests() - crmBefore - 1;
    figures.spRequests = m_spClient->requests() - spBefore - 2;
    figures.spBatches = m_spClient->batches() - batchesBefore;
    m_crmClient->control("POST", "latency", {{"ms", 0}});
    m_spClient->control("POST", "latency", {{"ms", 0}});
    figures.spEmulatorKb = m_sharePoint->statusKb("VmRSS");
    if (latencyMs > 0) {
        figures.readBound =
            static_cast<double>(m_config.pageSize * kReadConcurrency) * 1000.0 / latencyMs;
        figures.writeBound =
            static_cast<double>(m_config.spBatch * m_config.spConcurrency) * 1000.0 / latencyMs;
    }
    figures.readMeasured =
        perSecond(figures.run.left.rowsRead, nsToSeconds(figures.run.left.readNs));
    figures.writeMeasured =
        perSecond(figures.run.right.rowsWritten, nsToSeconds(figures.run.right.writeNs));
    verify(figures);
    return figures;
}

// The run succeeded with N inserts and nothing else; the list equals the CRM accounts in count
// and column sums; the first, middle and last account match column by column.
void Bench::verify(const StepFigures& figures) {
    const RunFigures& run = figures.run;
    if (std::string failure = failureText(run); !failure.empty()) {
        note(failure);
        return;
    }
    const auto n = static_cast<std::uint64_t>(m_config.accounts);
    const auto& right = run.report.right;
    if (run.report.left.read != n || right.inserted != n || right.updated != 0 ||
        right.deleted != 0 || right.failed != 0) {
        note(run.label + ": read " + std::to_string(run.report.left.read) + ", inserted " +
             std::to_string(right.inserted) + ", updated " + std::to_string(right.updated) +
             ", deleted " + std::to_string(right.deleted) + ", failed " +
             std::to_string(right.failed) + "; expected " + std::to_string(n) +
             " read and inserted");
    }
    const std::string select = selectList(m_columns);
    const std::string crmPath = m_crm->url() + "accounts?$select=" + select;
    const std::string items = m_site + "/_api/web/lists/GetByTitle('" + kList + "')/items";
    const std::string spPath = items + "?$select=" + select + "&$top=5000";
    const Checksums crm = checksums(*m_crmClient, crmPath, m_columns);
    const Checksums list = checksums(*m_spClient, spPath, m_columns);
    if (crm.rows != list.rows) {
        note(run.label + ": CRM has " + std::to_string(crm.rows) + " accounts, the list " +
             std::to_string(list.rows) + " items");
    }
    for (std::size_t c = 0; c < m_columns.size(); ++c) {
        if (crm.counts[c] != list.counts[c] || crm.sums[c] != list.sums[c]) {
            note(run.label + ": column " + m_columns[c].name + ": CRM " +
                 std::to_string(crm.counts[c]) + " values, sum " + std::to_string(crm.sums[c]) +
                 "; list " + std::to_string(list.counts[c]) + " values, sum " +
                 std::to_string(list.sums[c]));
        }
    }
    for (const std::int64_t i : {std::int64_t{1}, m_config.accounts / 2 + 1, m_config.accounts}) {
        char number[16];
        std::snprintf(number, sizeof number, "ACC%07lld", static_cast<long long>(i));
        const std::string filter = encode(std::string("accountnumber eq '") + number + "'");
        const json crmRows = m_crmClient->get(crmPath + "&$filter=" + filter).at("value");
        const json spRows =
            m_spClient->get(items + "?$select=" + select + "&$filter=" + filter).at("value");
        if (crmRows.size() != 1 || spRows.size() != 1) {
            note(run.label + ": account " + number + ": " + std::to_string(crmRows.size()) +
                 " in CRM, " + std::to_string(spRows.size()) + " in the list");
            continue;
        }
        for (const auto& column : m_columns) {
            const std::string want = canonical(crmRows[0].value(column.name, json()), column.kind);
            const std::string have = canonical(spRows[0].value(column.name, json()), column.kind);
            if (want != have) {
                note(run.label + ": account " + number + " " + column.name + ": CRM '" + want +
                     "', list '" + have + "'");
            }
        }
    }
}

void Bench::printStep(const StepFigures& figures) const {
    printRunTable(figures.run, figures.rows,
                  {"left (Dynamics)", "right (SharePoint)", "SP $batch write()"});
    std::printf("  %-20s Dynamics %s, SharePoint %s (%s $batch)\n", "HTTP requests",
                withThousands(static_cast<double>(figures.crmRequests)).c_str(),
                withThousands(static_cast<double>(figures.spRequests)).c_str(),
                withThousands(static_cast<double>(figures.spBatches)).c_str());
    std::printf(
        "  %-20s bench process %.1f MB peak (VmHWM; %.1f MB before the run); SharePoint "
        "emulator process %.1f MB after\n",
        "memory", static_cast<double>(figures.run.peakRssKb) / 1024.0,
        static_cast<double>(figures.run.startRssKb) / 1024.0,
        static_cast<double>(figures.spEmulatorKb) / 1024.0);
    std::printf("  %-20s reads %s rows/s inside read(), writes %s rows/s inside write()\n",
                "provider rates", withThousands(figures.readMeasured).c_str(),
                withThousands(figures.writeMeasured).c_str());
    if (figures.latencyMs > 0) {
        std::printf(
            "  %-20s %d ms per request: reads %.0f%% of %s rows/s (page x %d / latency), "
            "writes %.0f%% of %s rows/s ($batch x %d / latency)\n",
            "latency bound", figures.latencyMs, 100.0 * figures.readMeasured / figures.readBound,
            withThousands(figures.readBound).c_str(), kReadConcurrency,
            100.0 * figures.writeMeasured / figures.writeBound,
            withThousands(figures.writeBound).c_str(), static_cast<int>(m_config.spConcurrency));
    }
}

std::string Bench::stepJson(const StepFigures& figures) const {
    std::ostringstream out;
    out << "{\"label\": " << jsonString(figures.run.label) << ", \"rows\": " << figures.rows
        << ", \"run\": " << runJson(figures.run, figures.rows)
        << ", \"latencyMs\": " << figures.latencyMs
        << ", \"dynamicsRequests\": " << figures.crmRequests
        << ", \"sharePointRequests\": " << figures.spRequests
        << ", \"sharePointBatches\": " << figures.spBatches
        << ", \"peakRssMb\": " << static_cast<double>(figures.run.peakRssKb) / 1024.0
        << ", \"sharePointEmulatorRssMb\": " << static_cast<double>(figures.spEmulatorKb) / 1024.0
        << ", \"readRowsPerSecond\": " << figures.readMeasured
        << ", \"writeRowsPerSecond\": " << figures.writeMeasured
        << ", \"readBound\": " << figures.readBound << ", \"writeBound\": " << figures.writeBound
        << "}";
    return out.str();
}

int Bench::run() {
    fs::create_directories(m_config.workDir / "scratch");
    const auto startEmulators = Clock::now();
    m_crm = std::make_unique<EmulatorProcess>(
        m_config.emulators / "ferry-dynamics-emulator",
        std::vector<std::string>{"--port", "0", "--accounts", std::to_string(m_config.accounts)});
    m_sharePoint = std::make_unique<EmulatorProcess>(
        m_config.emulators / "ferry-sharepoint-emulator", std::vector<std::string>{"--port", "0"});
    const double emulatorSeconds = secondsSince(startEmulators);
    m_crmRoot = m_crm->url().substr(0, m_crm->url().find("/api/data/"));
    m_site = m_sharePoint->url();
    m_spRoot = m_site.substr(0, m_site.find("/sites/"));
    m_crmClient = std::make_unique<ServiceClient>(m_crmRoot, kCrmTenant, "application/json");
    m_spClient =
        std::make_unique<ServiceClient>(m_spRoot, kSpTenant, "application/json;odata=nometadata");

    m_registry = instrumentedRegistry(m_instrumentation);
    fs::remove(m_config.workDir / "state.db");
    m_store = std::make_unique<ferry::StateStore>(m_config.workDir / "state.db");

    if (m_config.runs("first")) {
        m_steps.push_back(step("bench-sharepoint-sync", "first sync", 0));
    }
    if (m_config.runs("latency")) {
        m_steps.push_back(step("bench-sharepoint-latency",
                               "first sync, " + std::to_string(m_config.latencyMs) + " ms",
                               m_config.latencyMs));
    }
    const double crmEmulatorMb = static_cast<double>(m_crm->statusKb("VmHWM")) / 1024.0;
    const double spEmulatorMb = static_cast<double>(m_sharePoint->statusKb("VmHWM")) / 1024.0;

    if (m_config.json) {
        std::ostringstream out;
        out << "{\"accounts\": " << m_config.accounts << ", \"columns\": " << m_columns.size()
            << ", \"pageSize\": " << m_config.pageSize << ", \"spBatch\": " << m_config.spBatch
            << ", \"latencyMs\": " << m_config.latencyMs
            << ", \"ruMaxRssMb\": " << static_cast<double>(maxRssKb()) / 1024.0
            << ", \"dynamicsEmulatorPeakMb\": " << crmEmulatorMb
            << ", \"sharePointEmulatorPeakMb\": " << spEmulatorMb << ", \"steps\": [";
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
            "ferry_bench_sharepoint: Dynamics emulator -> SharePoint emulator, %s accounts "
            "x %zu columns (auto mapping), page %lld, $batch %lld\n",
            withThousands(static_cast<double>(m_config.accounts)).c_str(), m_columns.size(),
            static_cast<long long>(m_config.pageSize), static_cast<long long>(m_config.spBatch));
        std::printf("%-22s %8.2f s  (child processes, outside the timings)\n", "emulator start",
                    emulatorSeconds);
        for (const auto& figures : m_steps) {
            printStep(figures);
        }
        std::printf("%-22s %s\n", "verify",
                    m_problems.empty() ? "ok (counts, column sums, sample rows)" : "FAILED");
        std::printf(
            "%-22s bench ru_maxrss %.1f MB; emulators' peak RSS: Dynamics %.1f MB, "
            "SharePoint %.1f MB\n",
            "memory", static_cast<double>(maxRssKb()) / 1024.0, crmEmulatorMb, spEmulatorMb);
    }
    for (const auto& problem : m_problems) {
        std::fprintf(stderr, "ferry_bench_sharepoint: %s\n", problem.c_str());
    }
    return m_problems.empty() ? 0 : 1;
}

// --- main --------------------------------------------------------------------------------------

fs::path programFolder() {
    std::error_code error;
    const fs::path self = fs::read_symlink("/proc/self/exe", error);
    return error ? fs::current_path() : self.parent_path();
}

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
                if (name != "first" && name != "latency") {
                    throw std::invalid_argument("--steps: unknown step '" + name + "'");
                }
                config.steps.insert(name);
            }
        } else if (arg == "--latency-ms") {
            config.latencyMs = static_cast<int>(std::clamp<std::int64_t>(args.number(), 0, 60'000));
        } else if (arg == "--page-size") {
            config.pageSize = args.number();
        } else if (arg == "--sp-batch") {
            config.spBatch = args.number();
        } else if (arg == "--sp-concurrency") {
            config.spConcurrency = std::clamp<std::int64_t>(args.number(), 1, 16);
        } else if (arg == "--batch-size") {
            config.batchSize = static_cast<std::size_t>(std::max<std::int64_t>(args.number(), 0));
        } else if (arg == "--emulators") {
            config.emulators = args.value();
        } else {
            throw std::invalid_argument("unknown argument '" + arg + "'");
        }
    }
    if (config.accounts < 1 || config.accounts > 9'999'999 || config.pageSize < 1 ||
        config.spBatch < 1 || config.batchSize < 1 || config.latencyMs < 1) {
        throw std::invalid_argument(
            "--accounts (at most 9,999,999), --page-size, --sp-batch, --batch-size and "
            "--latency-ms must be at least 1");
    }
    if (config.emulators.empty()) {
        config.emulators = programFolder();
    }
    return config;
}

}  // namespace

int main(int argc, char** argv) {
    return ferry::bench::benchMain<BenchConfig>(
        "ferry_bench_sharepoint", kUsage, "ferry-bench-sharepoint-", argc, argv, parseArguments,
        [](const BenchConfig& config) { return Bench(config).run(); });
}
