// Maps ferry::Error codes and run reports to the command line's exit codes.
#include "exit_codes.h"

namespace ferry::cli {

ExitCode exitCodeFor(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidArgument:
        case ErrorCode::InvalidDocument:
        case ErrorCode::UnknownProvider:
            return ExitCode::Usage;
        case ErrorCode::InvalidConnectionString:
        case ErrorCode::AuthenticationFailed:
        case ErrorCode::ConnectionFailed:
        case ErrorCode::EntityNotFound:
        case ErrorCode::NotUpdatable:
        case ErrorCode::QueryFailed:
        case ErrorCode::Throttled:
            return ExitCode::Connection;
        case ErrorCode::ValueTooLong:
        case ErrorCode::ConstraintViolation:
        case ErrorCode::ItemFailed:
            return ExitCode::ItemErrors;
        case ErrorCode::Aborted:
            return ExitCode::Aborted;
        case ErrorCode::Cancelled:
            return ExitCode::Cancelled;
        case ErrorCode::StateStore:
        case ErrorCode::Internal:
            return ExitCode::Internal;
    }
    return ExitCode::Internal;
}

ExitCode exitCodeFor(const RunReport& report) {
    switch (report.status) {
        case RunStatus::Succeeded:
            return ExitCode::Success;
        case RunStatus::CompletedWithErrors:
            return ExitCode::ItemErrors;
        case RunStatus::Cancelled:
            return ExitCode::Cancelled;
        case RunStatus::Aborted: {
            // Per-item codes cannot abort a run; anything else says why it stopped.
            const ExitCode code = exitCodeFor(report.abortCode);
            return code == ExitCode::ItemErrors || code == ExitCode::Success ? ExitCode::Aborted
                                                                             : code;
        }
    }
    return ExitCode::Internal;
}

}  // namespace ferry::cli
