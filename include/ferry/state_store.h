// The local SQLite database (WAL) that remembers what was synchronized, runs and conflicts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/document.h"
#include "ferry/report.h"

struct sqlite3;

namespace ferry {

struct RunSummary {
    std::int64_t runId = 0;
    std::string connectionId;
    std::int64_t startedAtMs = 0;
    std::int64_t durationMs = 0;
    RunStatus status = RunStatus::Succeeded;
    bool dryRun = false;
    SideCounts left;
    SideCounts right;
    std::uint64_t conflicts = 0;
    std::string message;
};

struct StoredConflict {
    std::string key;
    std::string reason;
    std::vector<std::string> columns;
    std::optional<Side> decision;  // set by the user: take this side on the next run
    std::int64_t seenAtMs = 0;
};

class StateStore {
public:
    // Opens (creating when missing) the database; WAL mode, foreign keys on.
    // Throws Error{StateStore} when the file cannot be opened or has a newer schema.
    explicit StateStore(const std::filesystem::path& path);
    ~StateStore();
    StateStore(const StateStore&) = delete;
    StateStore& operator=(const StateStore&) = delete;

    const std::filesystem::path& path() const { return m_path; }

    // Run history, newest first.
    std::vector<RunSummary> runs(const std::string& connectionId, std::size_t limit = 50) const;
    std::optional<RunSummary> lastRun(const std::string& connectionId) const;
    // Per-item errors of one run (capped as in the report).
    std::vector<ItemError> runErrors(std::int64_t runId) const;

    // The open conflicts of a connection and the user's decisions on them.
    std::vector<StoredConflict> conflicts(const std::string& connectionId) const;
    // Records a decision for the next run; returns false when no such open conflict exists.
    bool decideConflict(const std::string& connectionId, const std::string& key, Side takeSide);

    // Forgets everything synchronized for a connection (the next run correlates from scratch).
    void forgetConnection(const std::string& connectionId);

    // Number of items remembered for a connection.
    std::uint64_t itemCount(const std::string& connectionId) const;

    sqlite3* handle() const { return m_db; }  // for the engine (src/core) only

private:
    std::filesystem::path m_path;
    sqlite3* m_db = nullptr;
};

}  // namespace ferry
