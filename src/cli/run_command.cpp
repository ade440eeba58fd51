// `ferry run <connection>`: one synchronization, a summary or the JSON report, an exit code.
#include <filesystem>
#include <iomanip>
#include <sstream>

#include <spdlog/spdlog.h>

#include "cancel_signal.h"
#include "command.h"
#include "command_support.h"
#include "ferry/logging.h"
#include "ferry/state_store.h"
#include "ferry/sync_engine.h"

namespace ferry::cli {

namespace {

constexpr std::size_t kErrorsShown = 10;
constexpr std::size_t kChangesShown = 20;
constexpr std::size_t kConflictsShown = 10;

// One progress line on an interactive standard error, redrawn in place.
class ProgressLine final {
public:
    explicit ProgressLine(std::ostream& err) : m_err(err) {}
    ~ProgressLine() { clear(); }
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    void show(const Progress& progress) {
        std::ostringstream line;
        line << "\r\x1b[K" << toString(progress.phase) << ": left " << progress.left.read
             << " read, right " << progress.right.read << " read";
        if (progress.plannedChanges > 0) {
            line << ", " << progress.appliedChanges << "/" << progress.plannedChanges
                 << " changes applied";
        }
        if (progress.conflicts > 0) {
            line << ", " << progress.conflicts << " conflicts";
        }
        line << " (" << formatDuration(progress.elapsedMs) << ")";
        m_err << line.str() << std::flush;
        m_shown = true;
    }

    void clear() {
        if (m_shown) {
            m_err << "\r\x1b[K" << std::flush;
            m_shown = false;
        }
    }

private:
    std::ostream& m_err;
    bool m_shown = false;
};

std::string countsLine(const char* name, const SideCounts& counts) {
    std::ostringstream line;
    line << "  " << std::left << std::setw(7) << name << std::right << std::setw(10) << counts.read
         << std::setw(10) << counts.inserted << std::setw(10) << counts.updated << std::setw(10)
         << counts.deleted << std::setw(11) << counts.unchanged << std::setw(8) << counts.failed;
    return line.str();
}

std::string statusHeadline(const RunReport& report) {
    switch (report.status) {
        case RunStatus::Succeeded:
            return report.dryRun ? "dry run finished (nothing was written)" : "succeeded";
        case RunStatus::CompletedWithErrors:
            return "completed with errors";
        case RunStatus::Aborted:
            return "aborted (nothing was written)";
        case RunStatus::Cancelled:
            return "cancelled";
    }
    return toString(report.status);
}

void printSummary(std::ostream& out, const RunReport& report, const std::string& connectionArg) {
    out << "Run";
    if (report.runId > 0) {
        out << ' ' << report.runId;
    }
    out << " of \"" << report.connectionTitle << "\": " << statusHeadline(report) << " in "
        << formatDuration(report.durationMs) << '\n';
    if (!report.message.empty()) {
        out << "  " << redactSecrets(report.message) << '\n';
    }
    out << "               read  inserted   updated   deleted  unchanged  failed\n";
    out << countsLine("left", report.left) << '\n';
    out << countsLine("right", report.right) << '\n';
    out << "  conflicts: " << report.conflicts << '\n';

    for (const auto& warning : report.warnings) {
        out << "warning: " << redactSecrets(warning) << '\n';
    }

    if (!report.conflictList.empty()) {
        out << "Conflicts:\n";
        for (std::size_t i = 0; i < report.conflictList.size() && i < kConflictsShown; ++i) {
            const auto& conflict = report.conflictList[i];
            out << "  " << conflict.key << ": " << conflict.reason;
            if (!conflict.columns.empty()) {
                out << " (";
                for (std::size_t c = 0; c < conflict.columns.size(); ++c) {
                    out << (c > 0 ? ", " : "") << conflict.columns[c];
                }
                out << ")";
            }
            if (!conflict.resolution.empty()) {
                out << " -> " << conflict.resolution;
            }
            out << '\n';
        }
        if (report.conflicts > kConflictsShown) {
            out << "  ... and " << report.conflicts - kConflictsShown << " more (ferry conflicts "
                << connectionArg << ")\n";
        }
    }

    if (report.dryRun && !report.plannedChanges.empty()) {
        out << "Planned changes:\n";
        for (std::size_t i = 0; i < report.plannedChanges.size() && i < kChangesShown; ++i) {
            const auto& change = report.plannedChanges[i];
            out << "  " << toString(change.kind) << ' ' << toString(change.target) << ' '
                << change.key;
            if (!change.columns.empty()) {
                out << " (";
                for (std::size_t c = 0; c < change.columns.size(); ++c) {
                    out << (c > 0 ? ", " : "") << change.columns[c];
                }
                out << ")";
            }
            out << '\n';
        }
        if (report.plannedChanges.size() > kChangesShown) {
            out << "  ... and " << report.plannedChanges.size() - kChangesShown
                << " more (--json lists them all)\n";
        }
    }

    if (!report.errors.empty()) {
        const std::uint64_t failed = report.left.failed + report.right.failed;
        out << "Errors:\n";
        for (std::size_t i = 0; i < report.errors.size() && i < kErrorsShown; ++i) {
            const auto& error = report.errors[i];
            out << "  " << toString(error.side) << ' ' << error.key << ": "
                << redactSecrets(error.message) << '\n';
        }
        const std::uint64_t shown = std::min<std::uint64_t>(report.errors.size(), kErrorsShown);
        if (failed > shown) {
            out << "  ... and " << failed - shown << " more (ferry history " << connectionArg
                << " --errors, or --json)\n";
        }
    }
}

// Messages come from drivers and servers; no secret that slipped into one is printed.
RunReport redacted(RunReport report) {
    report.message = redactSecrets(report.message);
    for (auto& warning : report.warnings) {
        warning = redactSecrets(warning);
    }
    for (auto& error : report.errors) {
        error.message = redactSecrets(error.message);
    }
    return report;
}

ExitCode runHandler(Context& context) {
    const std::string& connectionArg = context.args.positionals().front();
    const bool json = context.args.has("json");
    auto& err = context.io.err;

    LoadedConnection connection;
    try {
        connection = loadConnection(connectionArg);
    } catch (const Error& e) {
        if (json) {
            // Scripts reading --json always get one report object.
            RunReport report;
            report.connectionTitle = connectionArg;
            report.status = RunStatus::Aborted;
            report.abortCode = e.code();
            report.message = errorText(e);
            context.io.out << toJson(report) << '\n';
        }
        throw;
    }
    const ConnectionDocument& document = connection.document;
    const Passwords passwords = readPasswords(context.args, context.io.in);

    if (!context.quiet) {
        for (const Side side : {Side::Left, Side::Right}) {
            const auto& entity = side == Side::Left ? document.left : document.right;
            if (connectionStringHasPassword(builtinRegistry(), entity)) {
                err << "ferry: warning: " << passwordWarning(side) << '\n';
            }
        }
    }

    if (context.statePath.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(context.statePath.parent_path(), ec);
    }
    StateStore store(context.statePath);
    SyncEngine engine(builtinRegistry(), store);

    CancelOnSignal cancel;
    RunOptions options;
    options.dryRun = context.args.has("dry-run");
    options.force = context.args.has("force");
    options.fullRead = context.args.has("full");
    options.leftPassword = passwords.left;
    options.rightPassword = passwords.right;
    options.cancel = cancel.flag();

    std::optional<ProgressLine> progressLine;
    if (context.io.errIsTerminal && !context.quiet) {
        progressLine.emplace(err);
        options.onProgress = [&progressLine](const Progress& progress) {
            progressLine->show(progress);
        };
    }

    spdlog::info("run '{}' ({}){}{}", document.title, connection.path.string(),
                 options.dryRun ? " dry run" : "", options.force ? " forced" : "");
    RunReport report;
    try {
        report = engine.run(document, options);
    } catch (const Error& e) {
        if (progressLine) {
            progressLine->clear();
        }
        if (json) {
            RunReport failed;
            failed.connectionTitle = document.title;
            failed.status = RunStatus::Aborted;
            failed.abortCode = e.code();
            failed.message = errorText(e);
            failed.dryRun = options.dryRun;
            context.io.out << toJson(failed) << '\n';
        }
        throw;
    }
    if (progressLine) {
        progressLine->clear();
    }
    spdlog::info("run '{}' finished: {}", document.title, toString(report.status));

    if (json) {
        context.io.out << toJson(redacted(report)) << '\n';
    } else {
        printSummary(context.io.out, report, connectionArg);
    }
    const ExitCode code = exitCodeFor(report);
    if (code == ExitCode::Connection && !context.quiet && !json) {
        err << "ferry: hint: 'ferry verify " << connectionArg
            << "' checks each side and says what to fix\n";
    }
    return code;
}

}  // namespace

Command runCommandSpec() {
    Command command;
    command.name = "run";
    command.summary = "run one synchronization of a connection";
    command.usage =
        "ferry run <connection> [--dry-run] [--force] [--full] [--json] [--password-stdin SIDE]";
    command.help = helpText(R"(
Reads both sides, compares them with what the last run left behind, and writes the
changes that the connection's direction and conflict policy allow. An interrupted run
(Ctrl+C, a crash, a lost connection) can simply be started again: it resumes without
duplicating or losing changes.

Options:
      --dry-run              plan and report the changes, write nothing
      --force                go ahead even when the deletes exceed the document's
                             maxDeletePercent (the delete guard)
      --full                 read both sides in full, ignoring change tracking (after
                             restoring a backup, or to double-check a delta-based run)
      --json                 print only the run report, as JSON, on standard output
      --password-stdin SIDE  read SIDE's password (left or right) from a line of
                             standard input; repeatable

A summary goes to standard output; progress goes to standard error when it is a terminal.
The first Ctrl+C stops after the current batch, a second one at once.

)") + kPasswordHelp +
                   "\n" + kExitCodeHelp;
    command.options = {{"dry-run", 0, false, false},
                       {"force", 0, false, false},
                       {"full", 0, false, false},
                       {"json", 0, false, false},
                       {"password-stdin", 0, true, true}};
    command.minPositionals = 1;
    command.maxPositionals = 1;
    command.handler = runHandler;
    return command;
}

}  // namespace ferry::cli
