// An in-memory provider for engine scenario tests: tables live in a MemoryDatabase the test owns.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ferry/provider.h"

namespace ferry::test {

struct MemoryTable {
    Schema schema;
    std::map<std::string, Record> rows;  // by canonical key text
    std::int64_t nextId = 1000;          // for generated keys (a readOnly key column)
    // Per-item failure injection: return a message to fail the write of that item.
    std::function<std::string(const WriteItem&)> failWrite;
    std::size_t writeCalls = 0;
    std::size_t maxBatchSeen = 0;
    // Change tracking: a token names a snapshot of the rows; a delta is the difference between
    // the snapshot and the rows now, so tests may edit `rows` directly.
    bool changeTracking = false;
    bool tokensExpired = false;  // every token is refused: readChanges() falls back to a full read
    std::vector<std::map<std::string, Record>> snapshots;
    // Keys inserted through the provider, stamped with snapshots.size() at the time: a record
    // created after a snapshot and deleted before the next delta still shows as deleted.
    std::vector<std::pair<std::size_t, std::vector<Value>>> insertedKeys;
    std::size_t deltaReads = 0;
    std::size_t fullReads = 0;
    bool keyedRead = false;  // readKeys() is offered
    std::size_t keyedReads = 0;
    std::size_t keysAskedFor = 0;
    std::size_t plainReads = 0;  // read() calls
    bool recordsOrigin = false;  // inserts keep WriteItem::origin, reads return it
    // Inserts get the readOnly key derived from their origin (as OData ReplicationKey); an insert
    // whose derived key exists updates that record.
    bool derivesKeys = false;
    std::vector<std::string> updatedColumns;  // columns the updates wrote (WriteItem::changed)
    // A crash stand-in: the write call with this number (1-based) applies its items, then
    // throws ConnectionFailed, so the engine never learns their outcomes. 0 = never.
    std::size_t loseConnectionOnWriteCall = 0;

    std::string keyOf(const std::vector<Value>& keyValues) const;
    static std::int64_t derivedKey(const std::string& origin);
    std::vector<Value> keyValues(const Record& record) const;
};

// Holds the tables; providers are created with connection string `Table=<name>;`.
class MemoryDatabase {
public:
    MemoryTable& create(const std::string& name, Schema schema);
    MemoryTable& table(const std::string& name);
    // Registers provider "memory" bound to this database.
    void registerProvider(ProviderRegistry& registry);

private:
    std::map<std::string, MemoryTable> m_tables;
};

}  // namespace ferry::test
