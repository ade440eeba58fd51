// What every `ferry` command gets (streams, parsed options, paths) and how it is declared.
#pragma once

#include <filesystem>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "arguments.h"
#include "exit_codes.h"

namespace ferry::cli {

// The process's standard streams; tests may substitute string streams.
struct Io {
    std::istream& in;
    std::ostream& out;
    std::ostream& err;
    bool errIsTerminal = false;  // progress lines only go to an interactive standard error
};

struct Context {
    Io io;
    Arguments args;                   // the command's options and positionals (globals too)
    std::filesystem::path statePath;  // --state, else ferry::stateStorePath()
    bool verbose = false;
    bool quiet = false;
};

struct Command {
    std::string name;
    std::string summary;  // one line for `ferry --help`
    std::string usage;    // "ferry run <connection> [options]"
    std::string help;     // description, options and notes for `ferry <name> --help`
    std::vector<OptionSpec> options;
    std::size_t minPositionals = 0;
    std::size_t maxPositionals = 0;
    ExitCode (*handler)(Context& context) = nullptr;
};

// The commands, each defined in its own file.
Command runCommandSpec();
Command previewCommandSpec();
Command verifyCommandSpec();
Command listCommandSpec();
Command historyCommandSpec();
Command conflictsCommandSpec();
Command createTargetCommandSpec();

// A raw-string help text without its leading newline (so the literal can start on its own line).
std::string helpText(std::string_view raw);

// The exit-code table printed by `ferry --help` and by the commands that run connections.
extern const char* const kExitCodeHelp;
// The password paragraph shared by the commands that open connections.
extern const char* const kPasswordHelp;

}  // namespace ferry::cli
