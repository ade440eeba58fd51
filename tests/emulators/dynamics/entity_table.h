// Compact column-wise row storage of one emulated table, ordered by primary key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "entity_definition.h"
#include "wire_text.h"

namespace ferry::emulator {

// One decoded cell: used for writes, snapshots and sort keys, never for bulk storage.
struct Cell {
    bool null = true;
    std::int64_t i = 0;  // Integer, BigInt, Picklist, State, Boolean, DateTime (s), DateOnly
                         // (days), Money (1/10000), Decimal (1/10^scale)
    double d = 0;        // Double
    Guid g;              // Uniqueidentifier, Lookup
    std::string s;       // String, Memo
};

// How a column type is stored.
enum class Storage { Text, Int, Real, Id };
Storage storageOf(ColumnType type);

// Rows are slots in per-column vectors (text in a per-column arena), so a million accounts
// take a few hundred bytes each; an ordered index maps primary keys to slots. Not
// thread-safe: the service guards every table with its lock.
class EntityTable final {
public:
    static constexpr int kPrimaryKey = -2;  // propertyIndex() of the primary key
    static constexpr int kCurrency = -3;    // propertyIndex() of _transactioncurrencyid_value
    static constexpr int kMissing = -1;

    explicit EntityTable(EntityDefinition definition);

    const EntityDefinition& definition() const { return m_definition; }
    const ColumnDefinition& column(int index) const {
        return m_definition.columns[static_cast<std::size_t>(index)];
    }
    int columnCount() const { return static_cast<int>(m_definition.columns.size()); }
    // Column index by logical name (lookups by their column name), or kMissing.
    int columnIndex(std::string_view name) const;
    // Column index of a readable property: plain names, "_x_value" for lookups, the primary key
    // (kPrimaryKey) and "_transactioncurrencyid_value" on tables with money (kCurrency).
    int propertyIndex(std::string_view property) const;
    // Lookup column whose navigation property is exactly `navigation`, or kMissing.
    int navigationIndex(std::string_view navigation) const;
    bool hasMoney() const { return m_hasMoney; }
    // The property name a column is read as ("_x_value" for lookups).
    std::string propertyName(int index) const;

    std::size_t size() const { return m_index.size(); }
    std::optional<std::uint32_t> find(const Guid& id) const;
    const std::map<Guid, std::uint32_t>& index() const { return m_index; }

    const Guid& id(std::uint32_t slot) const { return m_ids[slot]; }
    std::uint64_t version(std::uint32_t slot) const { return m_versions[slot]; }
    bool isNull(std::uint32_t slot, int column) const;
    std::int64_t intValue(std::uint32_t slot, int column) const;
    double realValue(std::uint32_t slot, int column) const;
    const Guid& idValue(std::uint32_t slot, int column) const;
    std::string_view textValue(std::uint32_t slot, int column) const;
    Cell cell(std::uint32_t slot, int column) const;

    // Adds an all-null row; the caller fills cells and the version. The id must be new.
    std::uint32_t insert(const Guid& id);
    void setCell(std::uint32_t slot, int column, const Cell& value);
    void setVersion(std::uint32_t slot, std::uint64_t version);
    void erase(std::uint32_t slot);
    void reserve(std::size_t rows);
    // Moves the rows into primary-key order in every column (texts back to back, rewritten text
    // dropped), as a clustered index stores them: pages are read in key order, and rows spread
    // over the storage made every page a cache miss per cell. Slots change; ids, values and
    // versions do not.
    void clusterByKey();

    // A full copy of one row, for rolling back a failed changeset.
    struct Snapshot {
        Guid id;
        std::uint64_t version = 0;
        std::vector<Cell> cells;
    };
    Snapshot snapshot(std::uint32_t slot) const;
    void restore(const Snapshot& snapshot);  // inserts the row again when it is gone

    // Deletions (id, version at deletion), oldest first, for change tracking.
    std::vector<std::pair<Guid, std::uint64_t>>& deletions() { return m_deletions; }
    const std::vector<std::pair<Guid, std::uint64_t>>& deletions() const { return m_deletions; }

    // Writes the JSON value of a column (never a property name).
    void appendValue(std::string& out, std::uint32_t slot, int column) const;
    // JSON value of a readable property (see propertyIndex), for $filter.
    nlohmann::json jsonValue(std::uint32_t slot, int property) const;
    // Converts a JSON payload value for `column`; on failure returns nullopt and sets `error`
    // to the client-facing message. `numberText` is a number's text as the client sent it, when
    // known: Decimal and Money values are read from it exactly (a double keeps ~16 digits).
    std::optional<Cell> parseValue(int column, const nlohmann::json& value, std::string& error,
                                   std::string_view numberText = {}) const;

private:
    struct TextRef {
        std::uint32_t offset = 0;
        std::uint32_t length = 0;
    };
    struct ColumnData {
        Storage storage = Storage::Text;
        std::vector<std::uint8_t> nulls;
        std::vector<std::int64_t> ints;
        std::vector<double> reals;
        std::vector<Guid> ids;
        std::vector<TextRef> texts;
        std::string arena;  // text values back to back; rewrites append, old text is garbage
    };

    EntityDefinition m_definition;
    std::vector<ColumnData> m_columns;
    std::vector<Guid> m_ids;
    std::vector<std::uint64_t> m_versions;
    std::vector<std::uint32_t> m_free;
    std::map<Guid, std::uint32_t> m_index;
    std::vector<std::pair<Guid, std::uint64_t>> m_deletions;
    int m_versionColumn = kMissing;
    bool m_hasMoney = false;
};

// The fixed id of the emulated organisation's base currency (US dollar).
Guid baseCurrencyId();

}  // namespace ferry::emulator
