// An in-memory provider for engine scenario tests.
#include "memory_provider.h"

namespace ferry::test {

std::string MemoryTable::keyOf(const std::vector<Value>& values) const {
    std::string key;
    for (const auto& v : values) {
        key += v.canonical() + "\x1f";
    }
    return key;
}

std::vector<Value> MemoryTable::keyValues(const Record& record) const {
    std::vector<Value> values;
    for (std::size_t i = 0; i < schema.columns.size(); ++i) {
        if (schema.columns[i].key) {
            values.push_back(record.values[i]);
        }
    }
    return values;
}

namespace {

class MemoryProvider final : public Provider {
public:
    explicit MemoryProvider(MemoryTable& table) : m_table(table) {}

    ProviderCapabilities capabilities() const override {
        ProviderCapabilities caps;
        caps.maxBatchSize = 100;
        caps.defaultPageSize = 7;  // small pages exercise paging
        caps.supportsChangeTracking = m_table.changeTracking;
        caps.supportsKeyedRead = m_table.keyedRead;
        caps.recordsOrigin = m_table.recordsOrigin;
        caps.derivesKeysFromOrigin = m_table.derivesKeys;
        return caps;
    }

    std::optional<std::vector<Value>> doKeyForOrigin(const std::string& origin) const override {
        if (!m_table.derivesKeys) {
            return std::nullopt;
        }
        return std::vector<Value>{Value(MemoryTable::derivedKey(origin))};
    }

private:
    void doVerify() override {}
    Schema doDescribe() override { return m_table.schema; }

    void doReadKeys(const std::vector<std::vector<Value>>& keys, const PageSink& sink) override {
        ++m_table.keyedReads;
        m_table.keysAskedFor += keys.size();
        std::vector<Record> page;
        for (const auto& key : keys) {
            if (auto it = m_table.rows.find(m_table.keyOf(key)); it != m_table.rows.end()) {
                page.push_back(it->second);
            }
        }
        if (!page.empty()) {
            sink(page);
        }
    }

    void doRead(const ReadRequest& request, const PageSink& sink) override {
        ++m_table.plainReads;
        std::vector<Record> page;
        const std::size_t pageSize = request.pageSize == 0 ? 7 : request.pageSize;
        std::size_t count = 0;
        for (const auto& [key, record] : m_table.rows) {
            if (request.maxRows && count >= *request.maxRows) {
                break;
            }
            page.push_back(record);
            ++count;
            if (page.size() == pageSize) {
                if (!sink(page)) {
                    return;
                }
                page.clear();
            }
        }
        if (!page.empty()) {
            sink(page);
        }
    }

    ChangeReadResult doReadChanges(const std::string& deltaToken, const PageSink& sink,
                                   const DeletedKeySink& deleted) override {
        ChangeReadResult result;
        const auto snapshot = static_cast<std::size_t>(
            deltaToken.empty() || m_table.tokensExpired ? 0 : std::stoull(deltaToken));
        if (deltaToken.empty() || m_table.tokensExpired || snapshot >= m_table.snapshots.size()) {
            ++m_table.fullReads;
            doRead(ReadRequest{}, sink);
        } else {
            ++m_table.deltaReads;
            result.delta = true;
            const auto& before = m_table.snapshots[snapshot];
            std::vector<Record> page;
            for (const auto& [key, record] : m_table.rows) {
                const auto old = before.find(key);
                if (old == before.end() || !sameValues(old->second, record)) {
                    page.push_back(record);
                }
            }
            if (!page.empty() && !sink(page)) {
                return result;
            }
            std::vector<std::vector<Value>> keys;
            for (const auto& [key, record] : before) {
                if (m_table.rows.count(key) == 0) {
                    keys.push_back(m_table.keyValues(record));
                }
            }
            for (const auto& [stamp, keyValues] : m_table.insertedKeys) {
                const std::string key = m_table.keyOf(keyValues);
                if (stamp > snapshot && before.count(key) == 0 && m_table.rows.count(key) == 0) {
                    keys.push_back(keyValues);
                }
            }
            if (!keys.empty() && !deleted(keys)) {
                return result;
            }
        }
        m_table.snapshots.push_back(m_table.rows);
        result.deltaToken = std::to_string(m_table.snapshots.size() - 1);
        return result;
    }

    static bool sameValues(const Record& a, const Record& b) {
        if (a.values.size() != b.values.size()) {
            return false;
        }
        for (std::size_t i = 0; i < a.values.size(); ++i) {
            if (a.values[i].canonical() != b.values[i].canonical()) {
                return false;
            }
        }
        return true;
    }

    std::vector<WriteOutcome> doWrite(const WriteBatch& batch) override {
        ++m_table.writeCalls;
        m_table.maxBatchSeen = std::max(m_table.maxBatchSeen, batch.items.size());
        std::vector<WriteOutcome> outcomes;
        for (const auto& item : batch.items) {
            WriteOutcome outcome;
            if (m_table.failWrite) {
                outcome.error = m_table.failWrite(item);
                if (!outcome.error.empty()) {
                    outcomes.push_back(outcome);
                    continue;
                }
            }
            if (item.kind == WriteKind::Delete) {
                m_table.rows.erase(m_table.keyOf(item.key));
                outcome.ok = true;
            } else if (item.kind == WriteKind::Update) {
                auto it = m_table.rows.find(m_table.keyOf(item.key));
                if (it == m_table.rows.end()) {
                    outcome.error = "no longer exists";
                } else {
                    std::vector<std::string> columns;
                    std::vector<Value> values;
                    for (std::size_t c = 0; c < batch.columns.size(); ++c) {
                        if (item.changed.empty() || item.changed[c]) {
                            columns.push_back(batch.columns[c]);
                            values.push_back(item.values[c]);
                            m_table.updatedColumns.push_back(batch.columns[c]);
                        }
                    }
                    assign(it->second, columns, values);
                    outcome.ok = true;
                }
            } else {
                Record record;
                record.values.resize(m_table.schema.columns.size());
                for (std::size_t i = 0; i < m_table.schema.columns.size(); ++i) {
                    if (m_table.schema.columns[i].key && m_table.schema.columns[i].readOnly) {
                        record.values[i] = m_table.derivesKeys && !item.origin.empty()
                                               ? MemoryTable::derivedKey(item.origin)
                                               : std::int64_t{m_table.nextId++};
                    }
                }
                assign(record, batch.columns, item.values);
                if (m_table.recordsOrigin) {
                    record.origin = item.origin;
                }
                outcome.key = m_table.keyValues(record);
                const std::string key = m_table.keyOf(outcome.key);
                if (m_table.rows.count(key) != 0 && m_table.derivesKeys && !item.origin.empty()) {
                    m_table.rows[key] = std::move(record);  // made by an interrupted run
                    outcome.ok = true;
                } else if (m_table.rows.count(key) != 0) {
                    outcome.key.clear();
                    outcome.errorCode = ErrorCode::ConstraintViolation;
                    outcome.error = "duplicate key " + key;
                } else {
                    m_table.rows[key] = std::move(record);
                    m_table.insertedKeys.emplace_back(m_table.snapshots.size(), outcome.key);
                    outcome.ok = true;
                }
            }
            outcomes.push_back(std::move(outcome));
        }
        if (m_table.writeCalls == m_table.loseConnectionOnWriteCall) {
            throw Error(ErrorCode::ConnectionFailed, "connection lost after the batch was applied");
        }
        return outcomes;
    }

    void assign(Record& record, const std::vector<std::string>& columns,
                const std::vector<Value>& values) {
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const auto index = m_table.schema.indexOf(columns[c]);
            if (index && !m_table.schema.columns[*index].readOnly) {
                record.values[*index] = values[c];
            }
        }
    }

    MemoryTable& m_table;
};

}  // namespace

std::int64_t MemoryTable::derivedKey(const std::string& origin) {
    // FNV-1a: stable across runs and processes (std::hash need not be).
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char c : origin) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    return static_cast<std::int64_t>(hash >> 2);
}

MemoryTable& MemoryDatabase::create(const std::string& name, Schema schema) {
    MemoryTable& table = m_tables[name];
    table = MemoryTable{};
    table.schema = std::move(schema);
    return table;
}

MemoryTable& MemoryDatabase::table(const std::string& name) {
    return m_tables.at(name);
}

void MemoryDatabase::registerProvider(ProviderRegistry& registry) {
    ProviderInfo info;
    info.name = "memory";
    info.displayName = "In-memory tables (tests)";
    info.keys = {ConnectionKey{"Table", "table name", true, false, {}, {}}};
    info.factory = [this](const ProviderSettings& settings) -> std::unique_ptr<Provider> {
        const auto name = settings.connectionString.get("Table").value_or("");
        auto it = m_tables.find(name);
        if (it == m_tables.end()) {
            throw Error(ErrorCode::EntityNotFound, "no memory table '" + name + "'");
        }
        return std::make_unique<MemoryProvider>(it->second);
    };
    registry.add(std::move(info));
}

}  // namespace ferry::test
