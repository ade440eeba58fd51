// Reads one side of a connection into the run's on-disk index.
#include "side_index.h"

#include <charconv>
#include <cstring>

#include "value_codec.h"

namespace ferry::engine {

namespace {

constexpr const char* kScratchSchema = R"sql(
PRAGMA journal_mode=OFF;
PRAGMA synchronous=OFF;
PRAGMA cache_size=-8000;
PRAGMA temp_store=FILE;
CREATE TABLE ch(
    seq INTEGER,          -- the state store's item id; NULL for never-seen records
    k BLOB NOT NULL,      -- this side's key (encoded values)
    ck TEXT,              -- correlation text (mapped key in canonical form) for never-seen records
    h BLOB,               -- one 8-byte hash per mapped pair; NULL for deletions
    v BLOB,               -- mapped values (encoded) when this side may be a source
    m INTEGER,            -- modified-on, microseconds (newest-wins)
    del INTEGER NOT NULL, -- 1: in the state store, not read now
    ok BLOB,              -- the other side's key, from the state store
    sh BLOB);             -- the hashes the state store remembers
CREATE TABLE need(k BLOB PRIMARY KEY, seq INTEGER NOT NULL, sh BLOB) WITHOUT ROWID;
)sql";

void appendHash(std::string& out, std::uint64_t hash) {
    for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<char>((hash >> (8 * i)) & 0xff));
    }
}

template <typename T>
std::uint64_t hashBytes(char tag, T value) {
    char bytes[1 + sizeof(T)];
    bytes[0] = tag;
    std::memcpy(bytes + 1, &value, sizeof(T));
    return hashText(std::string_view(bytes, sizeof bytes));
}

std::int64_t rowHash(std::string_view hashes) {
    return static_cast<std::int64_t>(hashText(hashes));
}

std::optional<std::int64_t> parseInteger(std::string_view text) {
    std::int64_t value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

ValueType compareType(ValueType left, ValueType right) {
    if (left == right) {
        return left;
    }
    if (left == ValueType::String) {
        return right;
    }
    if (right == ValueType::String) {
        return left;
    }
    if ((left == ValueType::Date && right == ValueType::DateTime) ||
        (left == ValueType::DateTime && right == ValueType::Date)) {
        return ValueType::DateTime;
    }
    return ValueType::Null;  // numbers and booleans already compare by canonical text
}

std::string originOf(const std::string& stateId, Side side, const std::vector<Value>& key) {
    return stateId + "/" + toString(side) + "/" + codec::display(key);
}

Value coerce(const Value& value, ValueType target) {
    if (value.isNull() || target == ValueType::Null || value.type() == target) {
        return value;
    }
    const ValueType type = value.type();
    switch (target) {
        case ValueType::DateTime:
            if (type == ValueType::String) {
                if (auto parsed = parseDateTime(value.asString())) {
                    return *parsed;
                }
                if (auto date = parseDate(value.asString())) {
                    return DateTime{std::int64_t{date->days} * 86'400'000'000LL};
                }
            } else if (type == ValueType::Date) {
                return DateTime{std::int64_t{value.asDate().days} * 86'400'000'000LL};
            }
            break;
        case ValueType::Date:
            if (type == ValueType::String) {
                if (auto parsed = parseDate(value.asString())) {
                    return *parsed;
                }
            } else if (type == ValueType::DateTime) {
                const auto micros = value.asDateTime().micros;
                if (micros % 86'400'000'000LL == 0) {
                    return Date{static_cast<std::int32_t>(micros / 86'400'000'000LL)};
                }
            }
            break;
        case ValueType::Guid:
            if (type == ValueType::String) {
                if (auto parsed = parseGuid(value.asString())) {
                    return *parsed;
                }
            }
            break;
        case ValueType::Decimal:
            if (type == ValueType::String || type == ValueType::Int) {
                if (auto parsed = parseDecimal(value.canonical())) {
                    return *parsed;
                }
            } else if (type == ValueType::Double) {
                if (auto parsed = parseDecimal(value.canonical())) {
                    return *parsed;
                }
            }
            break;
        case ValueType::Int:
            if (type == ValueType::Bool) {
                return std::int64_t{value.asBool() ? 1 : 0};
            }
            if (type == ValueType::String || type == ValueType::Decimal ||
                type == ValueType::Double) {
                if (auto parsed = parseInteger(value.canonical())) {
                    return *parsed;
                }
            }
            break;
        case ValueType::Double:
            if (type == ValueType::Int) {
                return static_cast<double>(value.asInt());
            }
            if (type == ValueType::String || type == ValueType::Decimal) {
                const std::string text = value.canonical();
                double parsed = 0;
                const auto result = std::from_chars(text.data(), text.data() + text.size(), parsed);
                if (result.ec == std::errc() && result.ptr == text.data() + text.size()) {
                    return parsed;
                }
            }
            break;
        case ValueType::Bool:
            if (type == ValueType::Int && (value.asInt() == 0 || value.asInt() == 1)) {
                return value.asInt() == 1;
            }
            if (type == ValueType::String) {
                const auto& s = value.asString();
                if (s == "1" || s == "true" || s == "True" || s == "TRUE") {
                    return true;
                }
                if (s == "0" || s == "false" || s == "False" || s == "FALSE") {
                    return false;
                }
            }
            break;
        case ValueType::String:
            if (type == ValueType::Bool) {
                return std::string(value.asBool() ? "true" : "false");
            }
            if (type != ValueType::Binary) {
                return value.canonical();
            }
            break;
        default:
            break;
    }
    return value;
}

std::uint64_t hashForCompare(const Value& value, ValueType compareType) {
    // Both sides hold the compare type after coercion, so the exact typed payload identifies a
    // value; only mixed or unconvertible pairs need the (slower) canonical text.
    if (compareType == ValueType::Null || value.type() != compareType) {
        return hashText(value.canonical());
    }
    switch (value.type()) {
        case ValueType::Bool:
            return hashBytes('b', static_cast<std::uint8_t>(value.asBool() ? 1 : 0));
        case ValueType::Int:
            return hashBytes('i', value.asInt());
        case ValueType::Double: {
            const double d = value.asDouble();
            return hashBytes('f', d == 0.0 ? 0.0 : d);  // -0.0 equals 0.0
        }
        case ValueType::DateTime:
            return hashBytes('t', value.asDateTime().micros);
        case ValueType::Date:
            return hashBytes('d', value.asDate().days);
        case ValueType::String:
            return hashText(value.asString());
        case ValueType::Decimal:
            return hashText(value.asDecimal().text);
        case ValueType::Guid:
            return hashText(value.asGuid().text);
        default:
            return hashText(value.canonical());
    }
}

SideIndex::SideIndex(const SideSetup& setup, const std::filesystem::path& scratchFile,
                     const std::filesystem::path& stateFile, std::int64_t connection,
                     std::int64_t maxItemId)
    : m_setup(setup), m_file(scratchFile), m_connection(connection) {
    std::error_code ignored;
    std::filesystem::remove(scratchFile, ignored);
    m_scratch = sqlite::open(scratchFile.string());
    m_state = sqlite::open(stateFile.string());
    sqlite::exec(m_scratch, kScratchSchema);
    sqlite::exec(m_state, "PRAGMA query_only=1; PRAGMA cache_size=-16000;");
    m_insert = std::make_unique<sqlite::Statement>(
        m_scratch, "INSERT INTO ch(seq, k, ck, h, v, m, del, ok, sh) VALUES(?,?,?,?,?,?,?,?,?)");
    const bool left = setup.side == Side::Left;
    const std::string own = left ? "left_key" : "right_key";
    const std::string columns = "SELECT " + own + ", id, row_hash, hashes, " +
                                (left ? "right_key" : "left_key") +
                                " FROM items WHERE conn=?1 AND ";
    m_point = std::make_unique<sqlite::Statement>(m_state, columns + own + "=?2");
    m_range = std::make_unique<sqlite::Statement>(
        m_state, columns + own + " BETWEEN ?2 AND ?3 ORDER BY " + own + " LIMIT ?4");
    m_seen.assign(static_cast<std::size_t>(maxItemId) + 1, false);
}

SideIndex::~SideIndex() {
    m_insert.reset();
    m_point.reset();
    m_range.reset();
    m_needLookup.reset();
    sqlite3_close(m_scratch);
    sqlite3_close(m_state);
    std::error_code ignored;
    std::filesystem::remove(m_file, ignored);
}

void SideIndex::keyOf(const Record& record, std::string& key) const {
    key.clear();
    for (const auto column : m_setup.keyColumns) {
        codec::encodeAppend(key, record.values[column]);
    }
}

namespace {

// Columns: key, id, row_hash, hashes, other side's key.
void readMatch(const sqlite::Statement& row, std::int64_t recordHash, StateMatch& match) {
    match.seq = row.int64(1);
    match.changed = recordHash != row.int64(2);
    if (match.changed) {
        match.stateHashes.assign(row.blob(3));
        match.otherKey.assign(row.blob(4));
    }
}

}  // namespace

// Finds the state items of a page's keys. Records mostly arrive in (or near) key order, so one
// range scan over the page's keys replaces thousands of index seeks; keys the bounded scan does
// not reach are looked up one by one.
void SideIndex::lookUp(const std::vector<std::string>& keys,
                       const std::vector<std::int64_t>& recordHashes,
                       std::vector<StateMatch>& matches) {
    const std::size_t count = keys.size();
    if (count == 0) {
        return;
    }
    std::vector<std::size_t> order(count);
    for (std::size_t i = 0; i < count; ++i) {
        order[i] = i;
    }
    std::sort(order.begin(), order.end(),
              [&keys](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
    const auto limit = static_cast<std::int64_t>(2 * count + 64);
    m_range->bind(1, m_connection).bindBlob(2, keys[order.front()]).bindBlob(3, keys[order.back()]);
    m_range->bind(4, limit);
    std::size_t position = 0;
    std::int64_t scanned = 0;
    while (position < count && m_range->step()) {
        ++scanned;
        const std::string_view stored = m_range->blob(0);
        while (position < count && std::string_view(keys[order[position]]) < stored) {
            ++position;  // not in the state store
        }
        while (position < count && std::string_view(keys[order[position]]) == stored) {
            readMatch(*m_range, recordHashes[order[position]], matches[order[position]]);
            ++position;
        }
    }
    const bool reachedEnd = scanned < limit;
    m_range->reset();
    if (reachedEnd) {
        return;
    }
    for (; position < count; ++position) {
        const std::size_t i = order[position];
        m_point->bind(1, m_connection).bindBlob(2, keys[i]);
        if (m_point->step()) {
            readMatch(*m_point, recordHashes[i], matches[i]);
        }
        m_point->reset();
    }
}

void SideIndex::indexPage(std::vector<Record>& page, bool neededOnly) {
    const std::size_t pairCount = m_setup.pairColumns.size();
    std::string hashes;
    std::vector<Value> values;
    sqlite::exec(m_scratch, "BEGIN");
    // One read transaction for the page's lookups, not one per lookup (each costs WAL locks).
    const bool lookups = !neededOnly && m_connection >= 0;
    if (lookups) {
        sqlite::exec(m_state, "BEGIN");
    }
    // Keys and hashes first, so that the state lookups can run as one ordered range scan.
    const std::size_t count = page.size();
    std::vector<std::string> keys(count);
    std::string allHashes;
    allHashes.reserve(count * pairCount * 8);
    std::vector<std::int64_t> recordHashes(count);
    for (std::size_t i = 0; i < count; ++i) {
        const Record& record = page[i];
        keyOf(record, keys[i]);
        hashes.clear();
        for (std::size_t p = 0; p < pairCount; ++p) {
            const Value& value = record.values[m_setup.pairColumns[p]];
            const ValueType type = m_setup.compareTypes[p];
            appendHash(hashes, type == ValueType::Null || value.type() == type
                                   ? hashForCompare(value, type)
                                   : hashForCompare(coerce(value, type), type));
        }
        recordHashes[i] = rowHash(hashes);
        allHashes += hashes;
    }
    std::vector<StateMatch> matches(count);
    if (lookups) {
        lookUp(keys, recordHashes, matches);
    }

    for (std::size_t i = 0; i < count; ++i) {
        const Record& record = page[i];
        const std::string& key = keys[i];
        hashes.assign(allHashes, i * pairCount * 8, pairCount * 8);
        std::optional<std::int64_t> seq;
        std::string stateHashes;
        std::string otherKey;
        if (neededOnly) {
            m_needLookup->bindBlob(1, key);
            const bool found = m_needLookup->step();
            if (found) {
                seq = m_needLookup->int64(0);
                stateHashes.assign(m_needLookup->blob(1));
            }
            m_needLookup->reset();
            if (!found) {
                continue;
            }
        } else if (matches[i].seq >= 0) {
            seq = matches[i].seq;
            const auto index = static_cast<std::size_t>(*seq);
            if (index < m_seen.size() && !m_seen[index]) {
                m_seen[index] = true;
                ++m_seenCount;
            }
            if (!matches[i].changed) {
                continue;  // unchanged since the last sync: nothing to remember
            }
            stateHashes = std::move(matches[i].stateHashes);
            otherKey = std::move(matches[i].otherKey);
        }

        std::string correlation;
        bool correlatable = !m_setup.correlationPairs.empty();
        if (!m_setup.originStateId.empty() && !seq) {
            correlatable = true;
            const std::string& id = m_setup.originStateId;
            const bool ours = record.origin.size() > id.size() &&
                              record.origin.compare(0, id.size(), id) == 0 &&
                              record.origin[id.size()] == '/';
            if (ours) {
                correlation = record.origin;
            } else {
                const std::vector<Value> own = codec::decode(key);
                correlation = originOf(id, m_setup.side, own);
                if (m_setup.otherDerivesKeys != nullptr) {
                    const auto copyKey = m_setup.otherDerivesKeys->keyForOrigin(correlation);
                    if (copyKey) {
                        correlation = originOf(id, other(m_setup.side), *copyKey);
                    }
                }
            }
        }
        for (const auto p : m_setup.correlationPairs) {
            const Value& value = record.values[m_setup.pairColumns[p]];
            if (value.isNull()) {
                correlatable = false;
                break;
            }
            correlation += coerce(value, m_setup.compareTypes[p]).canonical();
            correlation.push_back('\x1f');
        }

        auto& insert = *m_insert;
        if (seq) {
            insert.bind(1, *seq);
        } else {
            insert.bindNull(1);
        }
        insert.bindBlob(2, key);
        if (correlatable && !seq) {
            insert.bind(3, correlation);
        } else {
            insert.bindNull(3);
        }
        insert.bindBlob(4, hashes);
        if (m_setup.storeValues || neededOnly) {
            values.clear();
            for (const auto column : m_setup.pairColumns) {
                values.push_back(record.values[column]);
            }
            insert.bindBlob(5, codec::encode(values));
        } else {
            insert.bindNull(5);
        }
        if (m_setup.modifiedColumn &&
            record.values[*m_setup.modifiedColumn].type() == ValueType::DateTime) {
            insert.bind(6, record.values[*m_setup.modifiedColumn].asDateTime().micros);
        } else {
            insert.bindNull(6);
        }
        insert.bind(7, std::int64_t{0});
        if (seq && !neededOnly) {
            insert.bindBlob(8, otherKey);
        } else {
            insert.bindNull(8);
        }
        if (seq) {
            insert.bindBlob(9, stateHashes);
        } else {
            insert.bindNull(9);
        }
        insert.run();
    }
    if (lookups) {
        sqlite::exec(m_state, "COMMIT");
    }
    sqlite::exec(m_scratch, "COMMIT");
}

bool SideIndex::read(const std::atomic<bool>* cancel, std::atomic<std::uint64_t>& readCount) {
    bool cancelled = false;
    const PageSink sink = [&](std::vector<Record>& page) {
        if (cancel != nullptr && cancel->load()) {
            cancelled = true;
            return false;
        }
        indexPage(page, false);
        readCount += page.size();
        return true;
    };
    if (!m_setup.changeTracking) {
        m_setup.provider->read(ReadRequest{}, sink);
        return !cancelled;
    }
    const auto result = m_setup.provider->readChanges(m_setup.deltaToken, sink,
                                                      [&](std::vector<std::vector<Value>>& keys) {
                                                          if (cancel != nullptr && cancel->load()) {
                                                              cancelled = true;
                                                              return false;
                                                          }
                                                          indexDeletedKeys(keys);
                                                          return true;
                                                      });
    // A token given but not honoured means a full read: absent records were deleted.
    m_deltaRead = result.delta && !m_setup.deltaToken.empty();
    m_nextDeltaToken = result.deltaToken;
    return !cancelled;
}

// A delta read names the records deleted since its token: each one the state store knows
// becomes a deletion row, as addDeletions() makes for records a full read did not see.
void SideIndex::indexDeletedKeys(const std::vector<std::vector<Value>>& keys) {
    if (m_connection < 0) {
        return;  // nothing was synchronized yet, so nothing can have been deleted
    }
    const std::size_t keyCount = m_setup.keyColumns.size();
    std::string key;
    sqlite::exec(m_scratch, "BEGIN");
    sqlite::exec(m_state, "BEGIN");
    for (const auto& values : keys) {
        if (values.size() != keyCount) {
            continue;
        }
        key.clear();
        for (std::size_t k = 0; k < keyCount; ++k) {
            // Keys are stored in the column's own type; a provider may name them as text.
            const auto& column = m_setup.schema->columns[m_setup.keyColumns[k]];
            codec::encodeAppend(
                key, values[k].type() == column.type ? values[k] : coerce(values[k], column.type));
        }
        m_point->bind(1, m_connection).bindBlob(2, key);
        if (m_point->step() && !seen(m_point->int64(1))) {
            auto& insert = *m_insert;
            insert.bind(1, m_point->int64(1)).bindBlob(2, m_point->blob(0)).bindNull(3);
            insert.bindNull(4).bindNull(5).bindNull(6).bind(7, std::int64_t{1});
            insert.bindBlob(8, m_point->blob(4)).bindBlob(9, m_point->blob(3));
            insert.run();
            ++m_deletedCount;
        }
        m_point->reset();
    }
    sqlite::exec(m_state, "COMMIT");
    sqlite::exec(m_scratch, "COMMIT");
}

bool SideIndex::seen(std::int64_t seq) const {
    const auto index = static_cast<std::size_t>(seq);
    return index < m_seen.size() && m_seen[index];
}

bool SideIndex::readKeys(const std::vector<std::vector<Value>>& keys,
                         const std::atomic<bool>* cancel, std::atomic<std::uint64_t>& readCount) {
    m_deltaRead = true;
    bool cancelled = false;
    m_setup.provider->readKeys(keys, [&](std::vector<Record>& page) {
        if (cancel != nullptr && cancel->load()) {
            cancelled = true;
            return false;
        }
        indexPage(page, false);
        readCount += page.size();
        return true;
    });
    if (!cancelled) {
        indexDeletedKeys(keys);
    }
    return !cancelled;
}

std::vector<std::vector<Value>> SideIndex::counterpartKeys(const SideSetup& other) const {
    // Which of this side's mapped values form the other side's key, in its key order.
    std::vector<std::size_t> keyPairs;
    for (const auto column : other.keyColumns) {
        for (std::size_t p = 0; p < other.pairColumns.size(); ++p) {
            if (other.pairColumns[p] == column) {
                keyPairs.push_back(p);
                break;
            }
        }
    }
    const bool keysMapped = keyPairs.size() == other.keyColumns.size();
    std::vector<std::vector<Value>> keys;
    sqlite::Statement rows(m_scratch, "SELECT ok, v FROM ch");
    while (rows.step()) {
        if (!rows.isNull(0)) {
            keys.push_back(codec::decode(rows.blob(0)));
        } else if (keysMapped && !rows.isNull(1)) {
            const auto values = codec::decode(rows.blob(1));
            std::vector<Value> key;
            for (std::size_t k = 0; k < keyPairs.size(); ++k) {
                const auto type = other.schema->columns[other.keyColumns[k]].type;
                key.push_back(coerce(values[keyPairs[k]], type));
            }
            keys.push_back(std::move(key));
        }
    }
    return keys;
}

bool SideIndex::readNeeded(const std::atomic<bool>* cancel) {
    m_needLookup =
        std::make_unique<sqlite::Statement>(m_scratch, "SELECT seq, sh FROM need WHERE k=?");
    bool cancelled = false;
    m_setup.provider->read(ReadRequest{}, [&](std::vector<Record>& page) {
        if (cancel != nullptr && cancel->load()) {
            cancelled = true;
            return false;
        }
        indexPage(page, true);
        return true;
    });
    return !cancelled;
}

std::uint64_t SideIndex::addDeletions(sqlite3* state) {
    const bool left = m_setup.side == Side::Left;
    sqlite::Statement scan(state, left ? "SELECT id, left_key, right_key, hashes FROM items "
                                         "WHERE conn=?"
                                       : "SELECT id, right_key, left_key, hashes FROM items "
                                         "WHERE conn=?");
    scan.bind(1, m_connection);
    std::uint64_t deletions = 0;
    sqlite::exec(m_scratch, "BEGIN");
    while (scan.step()) {
        const auto id = static_cast<std::size_t>(scan.int64(0));
        if (id < m_seen.size() && m_seen[id]) {
            continue;
        }
        auto& insert = *m_insert;
        insert.bind(1, scan.int64(0)).bindBlob(2, scan.blob(1)).bindNull(3).bindNull(4);
        insert.bindNull(5).bindNull(6).bind(7, std::int64_t{1}).bindBlob(8, scan.blob(2));
        insert.bindBlob(9, scan.blob(3));
        insert.run();
        ++deletions;
    }
    sqlite::exec(m_scratch, "COMMIT");
    return deletions;
}

void SideIndex::finish() {
    sqlite::exec(m_scratch,
                 "CREATE INDEX ch_seq ON ch(seq) WHERE seq IS NOT NULL;"
                 "CREATE INDEX ch_ck ON ch(ck) WHERE seq IS NULL;");
}

}  // namespace ferry::engine
