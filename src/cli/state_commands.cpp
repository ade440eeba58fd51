// `ferry list`, `ferry history` and `ferry conflicts`: what the state store remembers.
#include <algorithm>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "command.h"
#include "command_support.h"
#include "ferry/logging.h"
#include "ferry/paths.h"
#include "ferry/state_store.h"
#include "text_table.h"

namespace ferry::cli {

namespace {

constexpr std::size_t kDefaultHistory = 20;

// The state store when it exists; listing never creates one.
std::unique_ptr<StateStore> openExistingStore(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return nullptr;
    }
    return std::make_unique<StateStore>(path);
}

nlohmann::json countsJson(const SideCounts& counts) {
    return {{"read", counts.read},           {"inserted", counts.inserted},
            {"updated", counts.updated},     {"deleted", counts.deleted},
            {"unchanged", counts.unchanged}, {"failed", counts.failed}};
}

nlohmann::json runJson(const RunSummary& run) {
    return {{"runId", run.runId},
            {"startedAtMs", run.startedAtMs},
            {"startedAt", formatTimestamp(run.startedAtMs)},
            {"durationMs", run.durationMs},
            {"status", toString(run.status)},
            {"dryRun", run.dryRun},
            {"conflicts", run.conflicts},
            {"left", countsJson(run.left)},
            {"right", countsJson(run.right)},
            {"message", redactSecrets(run.message)}};
}

std::string statusText(const RunSummary& run) {
    std::string text = toString(run.status);
    if (run.dryRun) {
        text += " (dry run)";
    }
    return text;
}

// "inserted/updated/deleted/failed" of one side.
std::string changesText(const SideCounts& counts) {
    return std::to_string(counts.inserted) + "/" + std::to_string(counts.updated) + "/" +
           std::to_string(counts.deleted) + "/" + std::to_string(counts.failed);
}

ExitCode listHandler(Context& context) {
    const auto directory = connectionsDirectory();
    const bool json = context.args.has("json");
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end;
         it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".json") {
            files.push_back(it->path());
        }
    }
    std::sort(files.begin(), files.end());
    const auto store = openExistingStore(context.statePath);

    struct Row {
        std::filesystem::path file;
        std::optional<ConnectionDocument> document;
        std::string error;
        std::optional<RunSummary> lastRun;
    };
    std::vector<Row> rows;
    for (const auto& file : files) {
        Row row{file, std::nullopt, {}, std::nullopt};
        try {
            row.document = loadDocument(file);
            if (store) {
                row.lastRun = store->lastRun(stateId(*row.document));
            }
        } catch (const Error& e) {
            row.error = errorText(e);
        }
        rows.push_back(std::move(row));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        const std::string ta = a.document ? a.document->title : a.file.filename().string();
        const std::string tb = b.document ? b.document->title : b.file.filename().string();
        return ta < tb;
    });

    if (json) {
        nlohmann::json result = nlohmann::json::array();
        for (const auto& row : rows) {
            nlohmann::json item = {{"file", row.file.string()}};
            if (row.document) {
                item["title"] = row.document->title;
                item["id"] = stateId(*row.document);
                item["direction"] = toString(row.document->direction);
                item["lastRun"] = row.lastRun ? runJson(*row.lastRun) : nlohmann::json(nullptr);
            } else {
                item["error"] = row.error;
            }
            result.push_back(std::move(item));
        }
        context.io.out << result.dump(2) << '\n';
        return ExitCode::Success;
    }

    auto& out = context.io.out;
    if (rows.empty()) {
        out << "No saved connections in " << directory.string() << '\n';
        return ExitCode::Success;
    }
    TextTable table({"TITLE", "DIRECTION", "LAST RUN", "STATUS", "FILE"}, 48);
    for (const auto& row : rows) {
        if (!row.document) {
            // The first problem is enough here; `ferry verify <file>` shows them all.
            const auto newline = row.error.find('\n');
            std::string problem = row.error.substr(0, newline);
            if (newline != std::string::npos) {
                problem += " (and more)";
            }
            table.addRow({"(invalid)", "", "", problem, row.file.filename().string()});
            continue;
        }
        table.addRow({row.document->title, toString(row.document->direction),
                      row.lastRun ? formatTimestamp(row.lastRun->startedAtMs) : "never",
                      row.lastRun ? statusText(*row.lastRun) : "", row.file.filename().string()});
    }
    out << "Connections in " << directory.string() << ":\n\n";
    table.print(out);
    return ExitCode::Success;
}

ExitCode printRunDetails(Context& context, const StateStore& store, const std::string& id,
                         std::int64_t runId) {
    const auto runs = store.runs(id, 100000);
    const auto it = std::find_if(runs.begin(), runs.end(),
                                 [&](const RunSummary& run) { return run.runId == runId; });
    if (it == runs.end()) {
        throw Error(ErrorCode::InvalidArgument,
                    "run " + std::to_string(runId) + " is not in this connection's history");
    }
    const auto errors = store.runErrors(runId);
    if (context.args.has("json")) {
        nlohmann::json result = runJson(*it);
        result["errors"] = nlohmann::json::array();
        for (const auto& error : errors) {
            result["errors"].push_back({{"side", toString(error.side)},
                                        {"key", error.key},
                                        {"message", redactSecrets(error.message)}});
        }
        context.io.out << result.dump(2) << '\n';
        return ExitCode::Success;
    }
    auto& out = context.io.out;
    out << "Run " << it->runId << ": " << statusText(*it) << ", started "
        << formatTimestamp(it->startedAtMs) << ", took " << formatDuration(it->durationMs) << '\n';
    if (!it->message.empty()) {
        out << "  " << redactSecrets(it->message) << '\n';
    }
    out << "  left  inserted/updated/deleted/failed: " << changesText(it->left) << '\n'
        << "  right inserted/updated/deleted/failed: " << changesText(it->right) << '\n'
        << "  conflicts: " << it->conflicts << "\n\n";
    if (errors.empty()) {
        out << "No item errors.\n";
        return ExitCode::Success;
    }
    TextTable table({"SIDE", "KEY", "ERROR"}, 80);
    for (const auto& error : errors) {
        table.addRow({toString(error.side), error.key, redactSecrets(error.message)});
    }
    table.print(out);
    return ExitCode::Success;
}

ExitCode historyHandler(Context& context) {
    const LoadedConnection connection = loadConnection(context.args.positionals().front());
    const std::string& id = connection.document.id;
    const std::size_t limit = context.args.value("limit")
                                  ? parseCount("limit", *context.args.value("limit"))
                                  : kDefaultHistory;
    const auto store = openExistingStore(context.statePath);
    if (auto runText = context.args.value("run")) {
        const auto runId = static_cast<std::int64_t>(parseCount("run", *runText));
        if (!store) {
            throw Error(ErrorCode::InvalidArgument, "no runs recorded yet");
        }
        return printRunDetails(context, *store, id, runId);
    }
    const auto runs = store ? store->runs(id, limit) : std::vector<RunSummary>{};

    if (context.args.has("json")) {
        nlohmann::json result = nlohmann::json::array();
        for (const auto& run : runs) {
            result.push_back(runJson(run));
        }
        context.io.out << result.dump(2) << '\n';
        return ExitCode::Success;
    }
    auto& out = context.io.out;
    if (runs.empty()) {
        out << "No runs of \"" << connection.document.title << "\" yet.\n";
        return ExitCode::Success;
    }
    out << "Runs of \"" << connection.document.title << "\", newest first "
        << "(changes: inserted/updated/deleted/failed):\n\n";
    TextTable table(
        {"RUN", "STARTED", "DURATION", "STATUS", "LEFT", "RIGHT", "CONFLICTS", "MESSAGE"}, 60);
    table.setAlign(0, Align::Right);
    table.setAlign(2, Align::Right);
    table.setAlign(6, Align::Right);
    for (const auto& run : runs) {
        table.addRow({std::to_string(run.runId), formatTimestamp(run.startedAtMs),
                      formatDuration(run.durationMs), statusText(run), changesText(run.left),
                      changesText(run.right), std::to_string(run.conflicts),
                      redactSecrets(run.message)});
    }
    table.print(out);
    out << "\n'ferry history <connection> --run ID' lists a run's item errors.\n";
    return ExitCode::Success;
}

ExitCode conflictsHandler(Context& context) {
    const LoadedConnection connection = loadConnection(context.args.positionals().front());
    const std::string& id = connection.document.id;
    const auto takeText = context.args.value("take");
    const auto keys = context.args.values("key");
    if (takeText.has_value() != !keys.empty()) {
        throw Error(ErrorCode::InvalidArgument, "--take and --key go together", {},
                    "e.g. ferry conflicts crm.json --take left --key 42");
    }

    if (takeText) {
        const Side side = parseSide("--take", *takeText);
        if (context.statePath.has_parent_path()) {
            std::error_code ec;
            std::filesystem::create_directories(context.statePath.parent_path(), ec);
        }
        StateStore store(context.statePath);
        bool allFound = true;
        for (const auto& key : keys) {
            if (store.decideConflict(id, key, side)) {
                context.io.out << key << ": the next run takes the " << toString(side) << " side\n";
            } else {
                context.io.err << "ferry: error: no open conflict with key '" << key << "'\n";
                allFound = false;
            }
        }
        return allFound ? ExitCode::Success : ExitCode::Usage;
    }

    const auto store = openExistingStore(context.statePath);
    const auto conflicts = store ? store->conflicts(id) : std::vector<StoredConflict>{};
    if (context.args.has("json")) {
        nlohmann::json result = nlohmann::json::array();
        for (const auto& conflict : conflicts) {
            result.push_back(
                {{"key", conflict.key},
                 {"reason", conflict.reason},
                 {"columns", conflict.columns},
                 {"decision", conflict.decision ? nlohmann::json(toString(*conflict.decision))
                                                : nlohmann::json(nullptr)},
                 {"seenAtMs", conflict.seenAtMs}});
        }
        context.io.out << result.dump(2) << '\n';
        return ExitCode::Success;
    }
    auto& out = context.io.out;
    if (conflicts.empty()) {
        out << "No open conflicts for \"" << connection.document.title << "\".\n";
        return ExitCode::Success;
    }
    TextTable table({"KEY", "REASON", "COLUMNS", "SEEN", "DECISION"}, 48);
    for (const auto& conflict : conflicts) {
        std::string columns;
        for (std::size_t i = 0; i < conflict.columns.size(); ++i) {
            columns += (i > 0 ? ", " : "") + conflict.columns[i];
        }
        table.addRow({conflict.key, conflict.reason, columns, formatTimestamp(conflict.seenAtMs),
                      conflict.decision ? std::string("take ") + toString(*conflict.decision)
                                        : std::string("-")});
    }
    out << conflicts.size() << " open " << (conflicts.size() == 1 ? "conflict" : "conflicts")
        << " for \"" << connection.document.title << "\":\n\n";
    table.print(out);
    out << "\n'ferry conflicts <connection> --take left|right --key KEY' decides one for the "
           "next run.\n";
    return ExitCode::Success;
}

}  // namespace

Command listCommandSpec() {
    Command command;
    command.name = "list";
    command.summary = "saved connections and their last run";
    command.usage = "ferry list [--json]";
    command.help = helpText(R"(
Lists the connection documents in the connections folder (FERRY_CONFIG_DIR/connections, by
default ~/.config/ferry/connections) with their title, direction, and the time and status
of their last run from the state store.

Options:
      --json    print an array of {"file", "title", "id", "direction", "lastRun"}
)");
    command.options = {{"json", 0, false, false}};
    command.handler = listHandler;
    return command;
}

Command historyCommandSpec() {
    Command command;
    command.name = "history";
    command.summary = "past runs of a connection, and a run's item errors";
    command.usage = "ferry history <connection> [--limit N] [--run ID] [--json]";
    command.help = helpText(R"(
Shows the connection's runs, newest first: when, how long, the status, the inserted/
updated/deleted/failed counts per side, conflicts and why a run stopped.

Options:
      --limit N    how many runs (default: 20)
      --run ID     one run in detail, with its item errors
      --json       print the runs (or the one run) as JSON
)");
    command.options = {
        {"limit", 0, true, false}, {"run", 0, true, false}, {"json", 0, false, false}};
    command.minPositionals = 1;
    command.maxPositionals = 1;
    command.handler = historyHandler;
    return command;
}

Command conflictsCommandSpec() {
    Command command;
    command.name = "conflicts";
    command.summary = "open conflicts of a connection, and deciding them";
    command.usage = "ferry conflicts <connection> [--json] [--take left|right --key KEY...]";
    command.help = helpText(R"(
Lists the items that changed on both sides and were left alone (conflict policy "skip"),
with the columns in conflict. With --take, records a decision that the next run applies:
the chosen side's values are written to the other side.

Options:
      --take left|right   the side whose values win for the given keys
      --key KEY           an item's key as listed (repeatable)
      --json              print the open conflicts as JSON
)");
    command.options = {{"take", 0, true, false}, {"key", 0, true, true}, {"json", 0, false, false}};
    command.minPositionals = 1;
    command.maxPositionals = 1;
    command.handler = conflictsHandler;
    return command;
}

}  // namespace ferry::cli
