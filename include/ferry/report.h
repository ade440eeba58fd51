// Run reports, progress snapshots and their JSON form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ferry/document.h"
#include "ferry/error.h"

namespace ferry {

enum class RunStatus { Succeeded, CompletedWithErrors, Aborted, Cancelled };
const char* toString(RunStatus status);  // "succeeded", "completed-with-errors", ...

// Counts for one side; `inserted` counts items inserted *into* this side, and so on.
struct SideCounts {
    std::uint64_t read = 0;
    std::uint64_t inserted = 0;
    std::uint64_t updated = 0;
    std::uint64_t deleted = 0;
    std::uint64_t unchanged = 0;
    std::uint64_t failed = 0;
};

struct ItemError {
    Side side = Side::Right;  // the side the failed write was aimed at
    std::string key;          // the item's key in display form
    std::string message;
};

struct ConflictEntry {
    std::string key;
    std::vector<std::string> columns;  // columns changed on both sides; empty for delete-vs-update
    std::string reason;                // "changed on both sides", "deleted left, changed right"
    std::string resolution;            // what was done: "left-wins", "skipped", ...
};

enum class ChangeKind { Insert, Update, Delete };
const char* toString(ChangeKind kind);

// One planned or applied change (dry runs list these).
struct PlannedChange {
    Side target = Side::Right;
    ChangeKind kind = ChangeKind::Insert;
    std::string key;
    std::vector<std::string> columns;  // updates: the columns that change
};

struct RunReport {
    std::int64_t runId = 0;
    std::string connectionTitle;
    RunStatus status = RunStatus::Succeeded;
    bool dryRun = false;
    std::string message;  // why a run was aborted or cancelled; empty otherwise
    // Why an aborted run stopped: Aborted for a safety check or the conflict policy `fail`;
    // the Error's code (ConnectionFailed, AuthenticationFailed, QueryFailed, ...) when opening,
    // verifying or describing a side failed. The command line's exit code depends on it.
    ErrorCode abortCode = ErrorCode::Aborted;
    std::int64_t startedAtMs = 0;  // Unix epoch milliseconds
    std::int64_t durationMs = 0;
    SideCounts left;
    SideCounts right;
    std::uint64_t conflicts = 0;
    std::vector<ItemError> errors;              // capped at 1000 entries; counts stay exact
    std::vector<ConflictEntry> conflictList;    // capped at 1000 entries
    std::vector<PlannedChange> plannedChanges;  // dry runs only, capped at 10000 entries
    std::vector<std::string> warnings;
};

// The design.md report shape: status, dryRun, conflicts, durationMs, left, right, errors (plus
// runId, message, warnings, conflictList and, for dry runs, plannedChanges).
std::string toJson(const RunReport& report, int indent = 2);

enum class RunPhase { Connecting, Describing, Reading, Planning, Writing, Finishing, Done };
const char* toString(RunPhase phase);

// A snapshot published at most every ~200 ms, never per row.
struct Progress {
    RunPhase phase = RunPhase::Connecting;
    SideCounts left;
    SideCounts right;
    std::uint64_t conflicts = 0;
    std::uint64_t plannedChanges = 0;  // known after planning; plannedLeft + plannedRight
    std::uint64_t appliedChanges = 0;  // appliedLeft + appliedRight
    // Per side: the writes planned against each side, and those answered so far (succeeded or
    // failed), so a GUI can show one bar per side.
    std::uint64_t plannedLeft = 0;
    std::uint64_t plannedRight = 0;
    std::uint64_t appliedLeft = 0;
    std::uint64_t appliedRight = 0;
    std::uint64_t retries = 0;
    std::int64_t elapsedMs = 0;
};

}  // namespace ferry
