// The `ferry` command line's exit codes and how errors and run reports map onto them.
#pragma once

#include "ferry/error.h"
#include "ferry/report.h"

namespace ferry::cli {

// Documented in `ferry --help` and docs/cli.md; scripts depend on these values.
enum class ExitCode : int {
    Success = 0,     // the command did what was asked (a run: status succeeded)
    ItemErrors = 1,  // a run completed, but some items failed (see the report's errors)
    Usage = 2,       // bad command line, or a connection document that does not load/validate
    Connection = 3,  // connection, credentials, connection string or select statement failed
    Aborted = 4,     // a safety check (delete guard) or the conflict policy `fail` stopped it
    Cancelled = 5,   // interrupted (Ctrl+C / SIGTERM) before it finished
    Internal = 6,    // the local state store or Ferry itself failed
};

inline int toInt(ExitCode code) {
    return static_cast<int>(code);
}

// The exit code for an Error that ended a command.
ExitCode exitCodeFor(ErrorCode code);

// The exit code for a finished run: succeeded 0, completed-with-errors 1, cancelled 5, aborted 4
// unless the abort cause (RunReport::abortCode) was a connection/verification failure (3), a
// document problem (2) or a local failure (6).
ExitCode exitCodeFor(const RunReport& report);

}  // namespace ferry::cli
