// Reads one side of a connection into the run's on-disk index: key, hashes and (when needed)
// values of every record that differs from the state store. Memory stays flat in the entity size.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/document.h"
#include "ferry/provider.h"
#include "sqlite_statement.h"

namespace ferry::engine {

// How one side of the run reads and compares its records.
struct SideSetup {
    Side side = Side::Left;
    Provider* provider = nullptr;
    const Schema* schema = nullptr;
    std::vector<std::size_t> keyColumns;        // schema indices of the key
    std::vector<std::size_t> pairColumns;       // schema index of each mapped pair on this side
    std::vector<ValueType> compareTypes;        // per pair: common type for comparison
    std::vector<std::size_t> correlationPairs;  // pair indices whose values correlate new items
    // Non-empty (the connection's state id): with no mapped key, never-seen items correlate by
    // origin: the origin a record carries when it names this connection (Ferry made it from
    // the other side), otherwise the record's own (see originOf()).
    std::string originStateId;
    // With origins: the other side's provider when it derives its keys from origins (and this
    // side does not). A never-seen record here then correlates by the key its copy there would
    // have, which is how that copy correlates itself.
    const Provider* otherDerivesKeys = nullptr;
    std::optional<std::size_t> modifiedColumn;  // newest-wins
    bool storeValues = false;                   // keep values of differing records (a source)
    // Change tracking: read through Provider::readChanges() from this token ("" = full read
    // that starts tracking). Off: Provider::read().
    bool changeTracking = false;
    std::string deltaToken;
};

// The stable identity of a record Ferry copies to the other side (WriteItem::origin):
// "<state id>/<left|right>/<key in display form>".
std::string originOf(const std::string& stateId, Side side, const std::vector<Value>& key);

// Converts a value for comparison with, or writing to, a column of `target` type. Text that
// parses as the target type is converted; anything else is returned unchanged.
Value coerce(const Value& value, ValueType target);

// The hash of a value for comparison across sides, given its pair's compare type.
std::uint64_t hashForCompare(const Value& value, ValueType compareType);

// The common comparison type of a mapped pair (ValueType::Null: compare canonical text as is).
ValueType compareType(ValueType left, ValueType right);

// What the state store remembers of one record read now (seq < 0: nothing).
struct StateMatch {
    std::int64_t seq = -1;
    bool changed = false;     // the record's hashes differ from the remembered ones
    std::string stateHashes;  // only when changed
    std::string otherKey;     // only when changed
};

class SideIndex {
public:
    // `scratchFile` is created fresh; `stateFile` is the state store (read for lookups).
    SideIndex(const SideSetup& setup, const std::filesystem::path& scratchFile,
              const std::filesystem::path& stateFile, std::int64_t connection,
              std::int64_t maxItemId);
    ~SideIndex();
    SideIndex(const SideIndex&) = delete;
    SideIndex& operator=(const SideIndex&) = delete;

    // Reads the whole side. Returns false when cancelled. Throws the provider's Error.
    bool read(const std::atomic<bool>* cancel, std::atomic<std::uint64_t>& readCount);

    // Reads only the records with these keys (Provider::readKeys): records not named are
    // unchanged, and a named record the state store knows that did not come back was deleted.
    bool readKeys(const std::vector<std::vector<Value>>& keys, const std::atomic<bool>* cancel,
                  std::atomic<std::uint64_t>& readCount);

    // After read(): this side's records that need looking at on the other side, as the other
    // side's keys: the remembered counterpart of every changed or deleted record, and for a
    // new record the key its mapped values give (skipped when they cannot).
    std::vector<std::vector<Value>> counterpartKeys(const SideSetup& other) const;

    // Re-reads the side, indexing (with values) only the records whose keys are in need().
    bool readNeeded(const std::atomic<bool>* cancel);

    // Adds a deletion row for every state item of the connection not seen by read(). Not for
    // a delta read, which names its deletions itself.
    std::uint64_t addDeletions(sqlite3* state);

    // After read(): whether it read only the changes since SideSetup::deltaToken (records it did
    // not see are unchanged), and the token to resume from next time.
    bool deltaRead() const { return m_deltaRead; }
    const std::string& nextDeltaToken() const { return m_nextDeltaToken; }
    std::uint64_t deletedCount() const { return m_deletedCount; }

    // The planner fills the scratch table `need(k, seq, sh)` with the keys whose values a later
    // step needs (see readNeeded) and reports how many it added.
    void setNeeded(std::uint64_t count) { m_needed = count; }
    std::uint64_t neededCount() const { return m_needed; }

    // Finishes writing and builds the indexes the planner joins on.
    void finish();

    std::uint64_t seenCount() const { return m_seenCount; }
    const std::filesystem::path& file() const { return m_file; }

private:
    void indexPage(std::vector<Record>& page, bool neededOnly);
    // Deletion rows for the keys the state store knows and this read did not see.
    void indexDeletedKeys(const std::vector<std::vector<Value>>& keys);
    void keyOf(const Record& record, std::string& key) const;
    bool seen(std::int64_t seq) const;
    void lookUp(const std::vector<std::string>& keys, const std::vector<std::int64_t>& recordHashes,
                std::vector<StateMatch>& matches);

    const SideSetup& m_setup;
    std::filesystem::path m_file;
    sqlite3* m_scratch = nullptr;
    sqlite3* m_state = nullptr;
    std::int64_t m_connection;
    std::unique_ptr<sqlite::Statement> m_insert;
    std::unique_ptr<sqlite::Statement> m_point;  // one key
    std::unique_ptr<sqlite::Statement> m_range;  // a page's keys, in key order
    std::unique_ptr<sqlite::Statement> m_needLookup;
    std::vector<bool> m_seen;
    std::uint64_t m_seenCount = 0;
    std::uint64_t m_needed = 0;
    bool m_inTransaction = false;
    bool m_deltaRead = false;
    std::string m_nextDeltaToken;
    std::uint64_t m_deletedCount = 0;
};

}  // namespace ferry::engine
