// Dispatch of `ferry <command>`: global options, help, version, logging, errors to exit codes.
#include "cli.h"

#include <algorithm>
#include <exception>
#include <optional>

#include <spdlog/spdlog.h>

#include "command.h"
#include "command_support.h"
#include "ferry/error.h"
#include "ferry/logging.h"
#include "ferry/paths.h"

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

namespace ferry::cli {

const char* const kExitCodeHelp =
    "Exit codes:\n"
    "  0  succeeded\n"
    "  1  completed, but some items failed (the others were written)\n"
    "  2  usage error, or a connection document that does not load or validate\n"
    "  3  connection, credential, connection-string or select-statement failure\n"
    "  4  aborted by a safety check (delete guard) or the conflict policy; nothing written\n"
    "  5  cancelled (Ctrl+C or SIGTERM)\n"
    "  6  internal error: the local state store or Ferry itself failed\n";

const char* const kPasswordHelp =
    "Passwords are never read from the connection document. Ferry takes them from\n"
    "FERRY_LEFT_PASSWORD and FERRY_RIGHT_PASSWORD, or with --password-stdin SIDE from one line\n"
    "of standard input per option (give it twice, left then right, for both sides).\n";

const char* version() {
    return FERRY_VERSION;
}

std::string helpText(std::string_view raw) {
    if (!raw.empty() && raw.front() == '\n') {
        raw.remove_prefix(1);
    }
    return std::string(raw);
}

namespace {

const std::vector<OptionSpec>& globalOptions() {
    static const std::vector<OptionSpec> options = {
        {"help", 'h', false, false},  {"version", 0, false, false}, {"verbose", 'v', false, false},
        {"quiet", 'q', false, false}, {"state", 0, true, false},
    };
    return options;
}

const std::vector<Command>& commands() {
    static const std::vector<Command> list = {
        runCommandSpec(),     previewCommandSpec(),   verifyCommandSpec(),      listCommandSpec(),
        historyCommandSpec(), conflictsCommandSpec(), createTargetCommandSpec()};
    return list;
}

const Command* findCommand(const std::string& name) {
    const auto& list = commands();
    const auto it =
        std::find_if(list.begin(), list.end(), [&](const Command& c) { return c.name == name; });
    return it != list.end() ? &*it : nullptr;
}

void printGlobalHelp(std::ostream& out) {
    out << "ferry " << version()
        << " - keeps two data entities in sync (Dynamics 365, SharePoint, SQL databases)\n\n"
           "Usage: ferry [global options] <command> [options]\n\n"
           "Commands:\n";
    for (const auto& command : commands()) {
        std::string left = "  " + command.name;
        left.resize(std::max<std::size_t>(left.size() + 2, 18), ' ');
        out << left << command.summary << '\n';
    }
    out << "  help [command]  this help, or a command's (also: ferry <command> --help)\n\n"
           "<connection> is a connection document's path or the title of a saved connection in\n"
        << "  " << connectionsDirectory().string() << "\n\n"
        << "Global options:\n"
           "  -h, --help      show help\n"
           "      --version   print the version\n"
           "  -v, --verbose   log details to standard error\n"
           "  -q, --quiet     print only errors on standard error\n"
           "      --state PATH\n"
           "                  the state database (default: "
        << stateStorePath().string() << ")\n\n"
        << kPasswordHelp
        << "\nEnvironment:\n"
           "  FERRY_CONFIG_DIR   folder of saved connections (<dir>/connections)\n"
           "  FERRY_DATA_DIR     folder of the state database and the logs (<dir>/logs)\n"
           "  FERRY_LEFT_PASSWORD, FERRY_RIGHT_PASSWORD   passwords of the two sides\n\n"
        << kExitCodeHelp << "\nDocumentation: docs/cli.md\n";
}

void printCommandHelp(std::ostream& out, const Command& command) {
    out << "Usage: " << command.usage << "\n\n" << command.help;
    out << "\nGlobal options: -h/--help, -v/--verbose, -q/--quiet, --state PATH"
           " (see ferry --help)\n";
}

// The command's name is the first argument that is neither an option nor a global option's value.
std::optional<std::size_t> commandIndex(const std::vector<std::string>& args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") {
            return i + 1 < args.size() ? std::optional<std::size_t>(i + 1) : std::nullopt;
        }
        if (arg.size() < 2 || arg[0] != '-') {
            return i;
        }
        if ((arg == "--state" || arg == "--password-stdin") && i + 1 < args.size()) {
            ++i;
        }
    }
    return std::nullopt;
}

void setupLoggingFor(const Context& context) {
    const LogLevel level = context.verbose ? LogLevel::Debug
                           : context.quiet ? LogLevel::Error
                                           : LogLevel::Warn;
    try {
        setupLogging(level, logDirectory());
    } catch (const std::exception& e) {
        // A log folder that cannot be created must not stop a scheduled run.
        setupLogging(level);
        context.io.err << "ferry: warning: no log file: " << redactSecrets(e.what()) << '\n';
    }
}

}  // namespace

int runCli(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
           std::ostream& err, bool errIsTerminal) {
    Io io{in, out, err, errIsTerminal};
    try {
        const auto index = commandIndex(args);
        std::vector<std::string> rest = args;
        const Command* command = nullptr;
        if (index) {
            const std::string name = args[*index];
            rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(*index));
            if (name == "help") {
                const auto parsed = Arguments::parse(rest, globalOptions());
                if (parsed.positionals().empty()) {
                    printGlobalHelp(out);
                    return toInt(ExitCode::Success);
                }
                const Command* topic = findCommand(parsed.positionals().front());
                if (topic == nullptr) {
                    throw Error(ErrorCode::InvalidArgument,
                                "unknown command '" + parsed.positionals().front() + "'", {},
                                "run 'ferry --help' for the list of commands");
                }
                printCommandHelp(out, *topic);
                return toInt(ExitCode::Success);
            }
            command = findCommand(name);
            if (command == nullptr) {
                throw Error(ErrorCode::InvalidArgument, "unknown command '" + name + "'", {},
                            "run 'ferry --help' for the list of commands");
            }
        }

        std::vector<OptionSpec> specs = globalOptions();
        if (command != nullptr) {
            specs.insert(specs.end(), command->options.begin(), command->options.end());
        }
        Arguments parsed;
        try {
            parsed = Arguments::parse(rest, specs);
        } catch (const Error& e) {
            // "ferry run --help --bogus" still deserves the help, not an error.
            const bool wantsHelp = std::find(rest.begin(), rest.end(), "--help") != rest.end() ||
                                   std::find(rest.begin(), rest.end(), "-h") != rest.end();
            if (!wantsHelp) {
                const std::string where =
                    command != nullptr ? "ferry " + command->name + " --help" : "ferry --help";
                throw Error(e.code(), e.message(), e.detail(), "run '" + where + "' for usage");
            }
        }

        if (parsed.has("version") && command == nullptr) {
            out << "ferry " << version() << '\n';
            return toInt(ExitCode::Success);
        }
        if (command == nullptr) {
            if (parsed.has("help")) {
                printGlobalHelp(out);
                return toInt(ExitCode::Success);
            }
            throw Error(ErrorCode::InvalidArgument, "no command given", {},
                        "run 'ferry --help' for the list of commands");
        }
        if (parsed.has("help") || std::find(rest.begin(), rest.end(), "--help") != rest.end() ||
            std::find(rest.begin(), rest.end(), "-h") != rest.end()) {
            printCommandHelp(out, *command);
            return toInt(ExitCode::Success);
        }
        const auto count = parsed.positionals().size();
        if (count < command->minPositionals || count > command->maxPositionals) {
            throw Error(
                ErrorCode::InvalidArgument,
                count < command->minPositionals
                    ? "missing argument <connection>"
                    : "unexpected argument '" + parsed.positionals()[command->maxPositionals] + "'",
                {}, "usage: " + command->usage);
        }
        if (parsed.has("verbose") && parsed.has("quiet")) {
            throw Error(ErrorCode::InvalidArgument, "--verbose and --quiet exclude each other");
        }

        Context context{io, parsed, {}, parsed.has("verbose"), parsed.has("quiet")};
        context.statePath = parsed.value("state") ? std::filesystem::path(*parsed.value("state"))
                                                  : stateStorePath();
        setupLoggingFor(context);
        spdlog::debug("ferry {} {}", version(), command->name);
        const ExitCode code = command->handler(context);
        spdlog::default_logger()->flush();
        return toInt(code);
    } catch (const Error& e) {
        printError(err, e);
        return toInt(exitCodeFor(e.code()));
    } catch (const std::exception& e) {
        err << "ferry: internal error: " << redactSecrets(e.what()) << '\n';
        return toInt(ExitCode::Internal);
    }
}

}  // namespace ferry::cli
