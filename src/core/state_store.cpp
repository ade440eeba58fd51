// The state store: items synchronized per connection, run history, run errors and conflicts.
#include "ferry/state_store.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "sqlite_statement.h"

namespace ferry {

namespace {

constexpr int kSchemaVersion = 1;

// Items are keyed by each side's own key (encoded values); `hashes` holds one 8-byte hash per
// mapped column of the values both sides agreed on after the last successful write.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS connections(
    num INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    mapping_signature TEXT NOT NULL DEFAULT '',
    left_token TEXT,
    right_token TEXT);
CREATE TABLE IF NOT EXISTS items(
    id INTEGER PRIMARY KEY,
    conn INTEGER NOT NULL,  -- connections.num; no foreign key: it costs a lookup per insert
    left_key BLOB NOT NULL,
    right_key BLOB NOT NULL,
    hashes BLOB NOT NULL,
    row_hash INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS items_left ON items(conn, left_key);
CREATE UNIQUE INDEX IF NOT EXISTS items_right ON items(conn, right_key);
CREATE TABLE IF NOT EXISTS runs(
    id INTEGER PRIMARY KEY,
    connection_id TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    dry_run INTEGER NOT NULL DEFAULT 0,
    counts TEXT NOT NULL DEFAULT '{}',
    conflicts INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS runs_by_connection ON runs(connection_id, id);
CREATE TABLE IF NOT EXISTS run_errors(
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    side TEXT NOT NULL,
    item_key TEXT NOT NULL,
    message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS run_errors_by_run ON run_errors(run_id);
CREATE TABLE IF NOT EXISTS conflicts(
    connection_id TEXT NOT NULL,
    item_key TEXT NOT NULL,
    reason TEXT NOT NULL,
    columns TEXT NOT NULL DEFAULT '[]',
    decision TEXT,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY(connection_id, item_key));
)sql";

nlohmann::json countsToJson(const SideCounts& c) {
    return {{"read", c.read},       {"inserted", c.inserted},   {"updated", c.updated},
            {"deleted", c.deleted}, {"unchanged", c.unchanged}, {"failed", c.failed}};
}

SideCounts countsFromJson(const nlohmann::json& j) {
    SideCounts c;
    c.read = j.value("read", 0ULL);
    c.inserted = j.value("inserted", 0ULL);
    c.updated = j.value("updated", 0ULL);
    c.deleted = j.value("deleted", 0ULL);
    c.unchanged = j.value("unchanged", 0ULL);
    c.failed = j.value("failed", 0ULL);
    return c;
}

RunStatus statusFromString(const std::string& text) {
    for (auto status : {RunStatus::Succeeded, RunStatus::CompletedWithErrors, RunStatus::Aborted,
                        RunStatus::Cancelled}) {
        if (text == toString(status)) {
            return status;
        }
    }
    return RunStatus::Aborted;
}

RunSummary summaryFromRow(const sqlite::Statement& row) {
    RunSummary run;
    run.runId = row.int64(0);
    run.connectionId = row.text(1);
    run.startedAtMs = row.int64(2);
    run.durationMs = row.int64(3);
    run.status = statusFromString(row.text(4));
    run.dryRun = row.int64(5) != 0;
    const auto counts = nlohmann::json::parse(row.text(6), nullptr, false);
    if (counts.is_object()) {
        run.left = countsFromJson(counts.value("left", nlohmann::json::object()));
        run.right = countsFromJson(counts.value("right", nlohmann::json::object()));
    }
    run.conflicts = static_cast<std::uint64_t>(row.int64(7));
    run.message = row.text(8);
    return run;
}

constexpr const char* kRunColumns =
    "id, connection_id, started_at, duration_ms, status, dry_run, counts, conflicts, message";

}  // namespace

std::string encodeRunCounts(const SideCounts& left, const SideCounts& right) {
    return nlohmann::json{{"left", countsToJson(left)}, {"right", countsToJson(right)}}.dump();
}

StateStore::StateStore(const std::filesystem::path& path) : m_path(path) {
    std::error_code ignored;
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), ignored);
    }
    m_db = sqlite::open(path.string());
    try {
        sqlite::exec(
            m_db,
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32000; "
            "PRAGMA foreign_keys=ON;");
        sqlite::exec(m_db, kSchema);
        sqlite::Statement version(m_db, "SELECT value FROM meta WHERE key='schema_version'");
        if (version.step()) {
            if (std::stoi(version.text(0)) > kSchemaVersion) {
                throw Error(ErrorCode::StateStore,
                            "the state database '" + path.string() +
                                "' was written by a newer version of Ferry",
                            {}, "Upgrade Ferry, or point it at another data folder.");
            }
        } else {
            sqlite::exec(m_db, "INSERT INTO meta(key, value) VALUES('schema_version', '" +
                                   std::to_string(kSchemaVersion) + "')");
        }
    } catch (...) {
        sqlite3_close(m_db);
        throw;
    }
}

StateStore::~StateStore() {
    sqlite3_close(m_db);
}

std::vector<RunSummary> StateStore::runs(const std::string& connectionId, std::size_t limit) const {
    sqlite::Statement query(m_db, std::string("SELECT ") + kRunColumns +
                                      " FROM runs WHERE connection_id=? ORDER BY id DESC LIMIT ?");
    query.bind(1, connectionId).bind(2, static_cast<std::int64_t>(limit));
    std::vector<RunSummary> result;
    while (query.step()) {
        result.push_back(summaryFromRow(query));
    }
    return result;
}

std::optional<RunSummary> StateStore::lastRun(const std::string& connectionId) const {
    auto list = runs(connectionId, 1);
    if (list.empty()) {
        return std::nullopt;
    }
    return list.front();
}

std::vector<ItemError> StateStore::runErrors(std::int64_t runId) const {
    sqlite::Statement query(
        m_db, "SELECT side, item_key, message FROM run_errors WHERE run_id=? ORDER BY rowid");
    query.bind(1, runId);
    std::vector<ItemError> result;
    while (query.step()) {
        ItemError error;
        error.side = query.text(0) == "left" ? Side::Left : Side::Right;
        error.key = query.text(1);
        error.message = query.text(2);
        result.push_back(std::move(error));
    }
    return result;
}

std::vector<StoredConflict> StateStore::conflicts(const std::string& connectionId) const {
    sqlite::Statement query(m_db,
                            "SELECT item_key, reason, columns, decision, seen_at FROM conflicts "
                            "WHERE connection_id=? ORDER BY item_key");
    query.bind(1, connectionId);
    std::vector<StoredConflict> result;
    while (query.step()) {
        StoredConflict conflict;
        conflict.key = query.text(0);
        conflict.reason = query.text(1);
        const auto columns = nlohmann::json::parse(query.text(2), nullptr, false);
        if (columns.is_array()) {
            for (const auto& c : columns) {
                conflict.columns.push_back(c.get<std::string>());
            }
        }
        if (!query.isNull(3)) {
            conflict.decision = query.text(3) == "left" ? Side::Left : Side::Right;
        }
        conflict.seenAtMs = query.int64(4);
        result.push_back(std::move(conflict));
    }
    return result;
}

bool StateStore::decideConflict(const std::string& connectionId, const std::string& key,
                                Side takeSide) {
    sqlite::Statement update(
        m_db, "UPDATE conflicts SET decision=? WHERE connection_id=? AND item_key=?");
    update.bind(1, std::string(toString(takeSide))).bind(2, connectionId).bind(3, key);
    update.run();
    return sqlite3_changes(m_db) > 0;
}

void StateStore::forgetConnection(const std::string& connectionId) {
    sqlite::Transaction transaction(m_db);
    sqlite::Statement items(
        m_db, "DELETE FROM items WHERE conn=(SELECT num FROM connections WHERE id=?)");
    items.bind(1, connectionId).run();
    sqlite::Statement reset(m_db,
                            "UPDATE connections SET mapping_signature='', left_token=NULL, "
                            "right_token=NULL WHERE id=?");
    reset.bind(1, connectionId).run();
    sqlite::Statement conflicts(m_db, "DELETE FROM conflicts WHERE connection_id=?");
    conflicts.bind(1, connectionId).run();
    transaction.commit();
}

std::uint64_t StateStore::itemCount(const std::string& connectionId) const {
    sqlite::Statement query(m_db,
                            "SELECT COUNT(*) FROM items WHERE conn=(SELECT num FROM connections "
                            "WHERE id=?)");
    query.bind(1, connectionId);
    query.step();
    return static_cast<std::uint64_t>(query.int64(0));
}

}  // namespace ferry
