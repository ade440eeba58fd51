// Compact column-wise row storage of one emulated table, ordered by primary key.
#include "entity_table.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace ferry::emulator {
namespace {

constexpr std::int64_t kMoneyLimit = 922337203685477LL;    // Dataverse's money range, both signs
constexpr std::int64_t kEarliestDateTime = -6847804800LL;  // 1753-01-01T00:00:00Z

std::int64_t powerOfTen(int exponent) {
    std::int64_t value = 1;
    for (int i = 0; i < exponent; ++i)
        value *= 10;
    return value;
}

std::string literal(const nlohmann::json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string conversionError(const nlohmann::json& value, ColumnType type) {
    return "Cannot convert the literal '" + literal(value) + "' to the expected type '" +
           edmTypeName(type) + "'.";
}

// A decimal number's text ("-12.5", "1E-3") as a fixed-point integer value * 10^scale, rounded
// half away from zero to the scale; digit by digit, since a double keeps only about 16 digits
// and Money and Decimal values must stay exact. nullopt when it is not a number or when the
// result is beyond +-9.2e18.
std::optional<std::int64_t> scaledFromText(std::string_view text, int scale) {
    constexpr std::uint64_t kLimit = 9'200'000'000'000'000'000ULL;
    std::size_t i = 0;
    const bool negative = !text.empty() && text[0] == '-';
    if (!text.empty() && (text[0] == '-' || text[0] == '+'))
        ++i;
    const auto isDigit = [&](std::size_t at) {
        return at < text.size() && text[at] >= '0' && text[at] <= '9';
    };
    std::string digits;
    long exponent = 0;
    while (isDigit(i))
        digits.push_back(text[i++]);
    if (i < text.size() && text[i] == '.') {
        ++i;
        while (isDigit(i)) {
            digits.push_back(text[i++]);
            --exponent;
        }
    }
    if (digits.empty())
        return std::nullopt;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        const bool negativeExponent = i < text.size() && text[i] == '-';
        if (i < text.size() && (text[i] == '-' || text[i] == '+'))
            ++i;
        if (!isDigit(i))
            return std::nullopt;
        long written = 0;
        while (isDigit(i)) {
            written = std::min(written * 10 + (text[i++] - '0'), 100000L);
        }
        exponent += negativeExponent ? -written : written;
    }
    if (i != text.size())
        return std::nullopt;
    exponent += scale;  // the result is digits * 10^exponent
    bool roundUp = false;
    if (exponent < 0) {
        const auto cut = static_cast<std::size_t>(-exponent);
        roundUp = cut <= digits.size() && digits[digits.size() - cut] >= '5';
        digits.resize(cut < digits.size() ? digits.size() - cut : 0);
    }
    std::uint64_t value = 0;
    const auto append = [&](char digit) {
        value = value * 10 + static_cast<std::uint64_t>(digit - '0');
        return value < kLimit;
    };
    for (const char digit : digits)
        if (!append(digit))
            return std::nullopt;
    for (long zeros = exponent; zeros > 0 && value != 0; --zeros)
        if (!append('0'))
            return std::nullopt;
    if (roundUp && ++value >= kLimit)
        return std::nullopt;
    const auto magnitude = static_cast<std::int64_t>(value);
    return negative ? -magnitude : magnitude;
}

// A JSON number or numeric string as value * 10^scale; `numberText` is the number as the
// client wrote it, when known (a parsed double has lost digits).
std::optional<std::int64_t> toScaled(const nlohmann::json& value, std::string_view numberText,
                                     int scale) {
    if (value.is_string())
        return scaledFromText(value.get_ref<const std::string&>(), scale);
    if (!value.is_number())
        return std::nullopt;
    if (value.is_number_float() && !std::isfinite(value.get<double>()))
        return std::nullopt;
    // Without the text, the shortest form that reads back as the same double.
    return scaledFromText(numberText.empty() ? value.dump() : numberText, scale);
}

}  // namespace

Guid baseCurrencyId() {
    static const Guid id = *Guid::parse("f1d2c2a4-8e3b-4f0a-9c51-5e0c0ffee001");
    return id;
}

Storage storageOf(ColumnType type) {
    switch (type) {
        case ColumnType::String:
        case ColumnType::Memo:
            return Storage::Text;
        case ColumnType::Double:
            return Storage::Real;
        case ColumnType::Uniqueidentifier:
        case ColumnType::Lookup:
            return Storage::Id;
        default:
            return Storage::Int;
    }
}

EntityTable::EntityTable(EntityDefinition definition) : m_definition(std::move(definition)) {
    m_columns.resize(m_definition.columns.size());
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
        m_columns[i].storage = storageOf(m_definition.columns[i].type);
        if (m_definition.columns[i].type == ColumnType::Money)
            m_hasMoney = true;
        if (m_definition.columns[i].name == "versionnumber")
            m_versionColumn = static_cast<int>(i);
    }
}

int EntityTable::columnIndex(std::string_view name) const {
    for (std::size_t i = 0; i < m_definition.columns.size(); ++i)
        if (m_definition.columns[i].name == name)
            return static_cast<int>(i);
    return kMissing;
}

int EntityTable::propertyIndex(std::string_view property) const {
    if (property == m_definition.primaryKey)
        return kPrimaryKey;
    if (m_hasMoney && property == "_transactioncurrencyid_value")
        return kCurrency;
    if (property.size() > 7 && property.front() == '_' &&
        property.substr(property.size() - 6) == "_value") {
        const int index = columnIndex(property.substr(1, property.size() - 7));
        if (index >= 0 && column(index).type == ColumnType::Lookup)
            return index;
        return kMissing;
    }
    const int index = columnIndex(property);
    if (index >= 0 && column(index).type == ColumnType::Lookup)
        return kMissing;
    return index;
}

int EntityTable::navigationIndex(std::string_view navigation) const {
    for (std::size_t i = 0; i < m_definition.columns.size(); ++i) {
        const auto& c = m_definition.columns[i];
        if (c.type == ColumnType::Lookup && c.navigationProperty == navigation)
            return static_cast<int>(i);
    }
    return kMissing;
}

std::string EntityTable::propertyName(int index) const {
    if (index == kPrimaryKey)
        return m_definition.primaryKey;
    if (index == kCurrency)
        return "_transactioncurrencyid_value";
    const auto& c = column(index);
    return c.type == ColumnType::Lookup ? "_" + c.name + "_value" : c.name;
}

std::optional<std::uint32_t> EntityTable::find(const Guid& id) const {
    auto it = m_index.find(id);
    if (it == m_index.end())
        return std::nullopt;
    return it->second;
}

bool EntityTable::isNull(std::uint32_t slot, int column) const {
    return m_columns[static_cast<std::size_t>(column)].nulls[slot] != 0;
}

std::int64_t EntityTable::intValue(std::uint32_t slot, int column) const {
    return m_columns[static_cast<std::size_t>(column)].ints[slot];
}

double EntityTable::realValue(std::uint32_t slot, int column) const {
    return m_columns[static_cast<std::size_t>(column)].reals[slot];
}

const Guid& EntityTable::idValue(std::uint32_t slot, int column) const {
    return m_columns[static_cast<std::size_t>(column)].ids[slot];
}

std::string_view EntityTable::textValue(std::uint32_t slot, int column) const {
    const auto& data = m_columns[static_cast<std::size_t>(column)];
    const TextRef ref = data.texts[slot];
    return std::string_view(data.arena).substr(ref.offset, ref.length);
}

Cell EntityTable::cell(std::uint32_t slot, int column) const {
    Cell c;
    c.null = isNull(slot, column);
    if (c.null)
        return c;
    switch (m_columns[static_cast<std::size_t>(column)].storage) {
        case Storage::Text:
            c.s = std::string(textValue(slot, column));
            break;
        case Storage::Int:
            c.i = intValue(slot, column);
            break;
        case Storage::Real:
            c.d = realValue(slot, column);
            break;
        case Storage::Id:
            c.g = idValue(slot, column);
            break;
    }
    return c;
}

void EntityTable::reserve(std::size_t rows) {
    m_ids.reserve(rows);
    m_versions.reserve(rows);
    for (auto& data : m_columns) {
        data.nulls.reserve(rows);
        switch (data.storage) {
            case Storage::Text:
                data.texts.reserve(rows);
                break;
            case Storage::Int:
                data.ints.reserve(rows);
                break;
            case Storage::Real:
                data.reals.reserve(rows);
                break;
            case Storage::Id:
                data.ids.reserve(rows);
                break;
        }
    }
}

namespace {

template <typename T>
void permute(std::vector<T>& values, const std::vector<std::uint32_t>& order) {
    std::vector<T> out;
    out.reserve(order.size());
    for (const std::uint32_t slot : order)
        out.push_back(values[slot]);
    values = std::move(out);
}

}  // namespace

void EntityTable::clusterByKey() {
    std::vector<std::uint32_t> order;
    order.reserve(m_index.size());
    for (const auto& [id, slot] : m_index)
        order.push_back(slot);
    for (auto& data : m_columns) {
        permute(data.nulls, order);
        switch (data.storage) {
            case Storage::Text: {
                std::string arena;
                std::vector<TextRef> texts;
                texts.reserve(order.size());
                for (const std::uint32_t slot : order) {
                    const TextRef ref = data.texts[slot];
                    texts.push_back({static_cast<std::uint32_t>(arena.size()), ref.length});
                    arena.append(data.arena, ref.offset, ref.length);
                }
                data.texts = std::move(texts);
                data.arena = std::move(arena);
                break;
            }
            case Storage::Int:
                permute(data.ints, order);
                break;
            case Storage::Real:
                permute(data.reals, order);
                break;
            case Storage::Id:
                permute(data.ids, order);
                break;
        }
    }
    permute(m_ids, order);
    permute(m_versions, order);
    m_free.clear();
    // A new index too, built before the old one is freed so that its nodes lie in key order.
    std::map<Guid, std::uint32_t> index;
    std::uint32_t next = 0;
    for (const auto& [id, slot] : m_index)
        index.emplace_hint(index.end(), id, next++);
    m_index = std::move(index);
}

std::uint32_t EntityTable::insert(const Guid& id) {
    std::uint32_t slot = 0;
    if (!m_free.empty()) {
        slot = m_free.back();
        m_free.pop_back();
        m_ids[slot] = id;
        m_versions[slot] = 0;
        for (auto& data : m_columns)
            data.nulls[slot] = 1;
    } else {
        slot = static_cast<std::uint32_t>(m_ids.size());
        m_ids.push_back(id);
        m_versions.push_back(0);
        for (auto& data : m_columns) {
            data.nulls.push_back(1);
            switch (data.storage) {
                case Storage::Text:
                    data.texts.push_back({});
                    break;
                case Storage::Int:
                    data.ints.push_back(0);
                    break;
                case Storage::Real:
                    data.reals.push_back(0);
                    break;
                case Storage::Id:
                    data.ids.push_back({});
                    break;
            }
        }
    }
    m_index.emplace(id, slot);
    return slot;
}

void EntityTable::setCell(std::uint32_t slot, int column, const Cell& value) {
    auto& data = m_columns[static_cast<std::size_t>(column)];
    data.nulls[slot] = value.null ? 1 : 0;
    if (value.null)
        return;
    switch (data.storage) {
        case Storage::Text:
            data.texts[slot] = {static_cast<std::uint32_t>(data.arena.size()),
                                static_cast<std::uint32_t>(value.s.size())};
            data.arena += value.s;
            break;
        case Storage::Int:
            data.ints[slot] = value.i;
            break;
        case Storage::Real:
            data.reals[slot] = value.d;
            break;
        case Storage::Id:
            data.ids[slot] = value.g;
            break;
    }
}

void EntityTable::setVersion(std::uint32_t slot, std::uint64_t version) {
    m_versions[slot] = version;
    if (m_versionColumn >= 0) {
        Cell c;
        c.null = false;
        c.i = static_cast<std::int64_t>(version);
        setCell(slot, m_versionColumn, c);
    }
}

void EntityTable::erase(std::uint32_t slot) {
    m_index.erase(m_ids[slot]);
    m_free.push_back(slot);
}

EntityTable::Snapshot EntityTable::snapshot(std::uint32_t slot) const {
    Snapshot s;
    s.id = m_ids[slot];
    s.version = m_versions[slot];
    for (int c = 0; c < columnCount(); ++c)
        s.cells.push_back(cell(slot, c));
    return s;
}

void EntityTable::restore(const Snapshot& snapshot) {
    auto slot = find(snapshot.id);
    if (!slot)
        slot = insert(snapshot.id);
    for (int c = 0; c < columnCount(); ++c)
        setCell(*slot, c, snapshot.cells[static_cast<std::size_t>(c)]);
    m_versions[*slot] = snapshot.version;
}

void EntityTable::appendValue(std::string& out, std::uint32_t slot, int index) const {
    if (isNull(slot, index)) {
        out += "null";
        return;
    }
    const auto& c = column(index);
    switch (c.type) {
        case ColumnType::String:
        case ColumnType::Memo:
            appendJsonString(out, textValue(slot, index));
            break;
        case ColumnType::Integer:
        case ColumnType::BigInt:
        case ColumnType::Picklist:
        case ColumnType::State:
            appendInt(out, intValue(slot, index));
            break;
        case ColumnType::Decimal:
            appendScaled(out, intValue(slot, index), c.scale);
            break;
        case ColumnType::Money:
            appendScaled(out, intValue(slot, index), 4);
            break;
        case ColumnType::Double:
            appendDouble(out, realValue(slot, index));
            break;
        case ColumnType::Boolean:
            out += intValue(slot, index) != 0 ? "true" : "false";
            break;
        case ColumnType::DateTime:
            out.push_back('"');
            appendDateTime(out, intValue(slot, index));
            out.push_back('"');
            break;
        case ColumnType::DateOnly:
            out.push_back('"');
            appendDate(out, intValue(slot, index));
            out.push_back('"');
            break;
        case ColumnType::Uniqueidentifier:
        case ColumnType::Lookup:
            out.push_back('"');
            idValue(slot, index).appendTo(out);
            out.push_back('"');
            break;
    }
}

nlohmann::json EntityTable::jsonValue(std::uint32_t slot, int property) const {
    if (property == kPrimaryKey)
        return m_ids[slot].str();
    if (property == kCurrency)
        return baseCurrencyId().str();
    if (isNull(slot, property))
        return nullptr;
    const auto& c = column(property);
    switch (c.type) {
        case ColumnType::String:
        case ColumnType::Memo:
            return std::string(textValue(slot, property));
        case ColumnType::Integer:
        case ColumnType::BigInt:
        case ColumnType::Picklist:
        case ColumnType::State:
            return intValue(slot, property);
        case ColumnType::Boolean:
            return intValue(slot, property) != 0;
        case ColumnType::Double:
            return realValue(slot, property);
        case ColumnType::DateTime:
            return formatDateTime(intValue(slot, property));
        case ColumnType::DateOnly:
            return formatDate(intValue(slot, property));
        case ColumnType::Uniqueidentifier:
        case ColumnType::Lookup:
            return idValue(slot, property).str();
        case ColumnType::Decimal:
        case ColumnType::Money: {
            // Parsed from the exact decimal text, so the filter sees the stored value.
            std::string text;
            appendScaled(text, intValue(slot, property), c.type == ColumnType::Money ? 4 : c.scale);
            return nlohmann::json::parse(text);
        }
    }
    return nullptr;
}

std::optional<Cell> EntityTable::parseValue(int index, const nlohmann::json& value,
                                            std::string& error, std::string_view numberText) const {
    const auto& c = column(index);
    Cell cell;
    if (value.is_null())
        return cell;
    cell.null = false;
    const auto outOfRange = [&] {
        const std::string shown = numberText.empty() ? literal(value) : std::string(numberText);
        error = "A validation error occurred. The value " + shown + " of '" + c.name +
                "' on record of type '" + m_definition.logicalName +
                "' is outside the valid range.";
    };
    switch (c.type) {
        case ColumnType::String:
        case ColumnType::Memo:
            if (!value.is_string()) {
                error = conversionError(value, c.type);
                return std::nullopt;
            }
            cell.s = value.get<std::string>();
            if (codePointCount(cell.s) > static_cast<std::size_t>(c.maxLength)) {
                error = "A validation error occurred. The length of the '" + c.name +
                        "' attribute of the '" + m_definition.logicalName +
                        "' entity exceeded the maximum allowed length of '" +
                        std::to_string(c.maxLength) + "'.";
                return std::nullopt;
            }
            return cell;
        case ColumnType::Integer:
        case ColumnType::Picklist:
        case ColumnType::State:
            if (!value.is_number_integer() || value.get<std::int64_t>() < INT32_MIN ||
                value.get<std::int64_t>() > INT32_MAX ||
                (value.is_number_unsigned() && value.get<std::uint64_t>() > INT32_MAX)) {
                error = conversionError(value, c.type);
                return std::nullopt;
            }
            cell.i = value.get<std::int64_t>();
            if (c.type != ColumnType::Integer) {
                bool known = false;
                std::string accepted;
                for (const auto& o : c.options) {
                    known = known || o.value == cell.i;
                    accepted += (accepted.empty() ? "" : ",") + std::to_string(o.value);
                }
                if (!known) {
                    outOfRange();
                    error.pop_back();
                    error += ". Accepted Values: " + accepted;
                    return std::nullopt;
                }
            }
            return cell;
        case ColumnType::BigInt:
            if (value.is_number_integer() &&
                !(value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX)) {
                cell.i = value.get<std::int64_t>();
                return cell;
            }
            if (value.is_string()) {
                const auto& s = value.get_ref<const std::string&>();
                char* end = nullptr;
                errno = 0;
                cell.i = std::strtoll(s.c_str(), &end, 10);
                if (!s.empty() && end == s.c_str() + s.size() && errno == 0)
                    return cell;
            }
            error = conversionError(value, c.type);
            return std::nullopt;
        case ColumnType::Decimal:
        case ColumnType::Money: {
            if (!value.is_number() && !value.is_string()) {
                error = conversionError(value, c.type);
                return std::nullopt;
            }
            const int scale = c.type == ColumnType::Money ? 4 : c.scale;
            const auto scaled = toScaled(value, numberText, scale);
            const std::int64_t limit =
                c.type == ColumnType::Money ? kMoneyLimit * 10000 : powerOfTen(c.precision) - 1;
            if (!scaled) {
                if (value.is_string())
                    error = conversionError(value, c.type);
                else
                    outOfRange();
                return std::nullopt;
            }
            if (*scaled > limit || *scaled < -limit) {
                outOfRange();
                return std::nullopt;
            }
            cell.i = *scaled;
            return cell;
        }
        case ColumnType::Double:
            if (!value.is_number()) {
                error = conversionError(value, c.type);
                return std::nullopt;
            }
            cell.d = value.get<double>();
            return cell;
        case ColumnType::Boolean:
            if (!value.is_boolean()) {
                error = conversionError(value, c.type);
                return std::nullopt;
            }
            cell.i = value.get<bool>() ? 1 : 0;
            return cell;
        case ColumnType::DateTime: {
            const auto seconds =
                value.is_string() ? parseDateTime(value.get<std::string>()) : std::nullopt;
            if (!seconds) {
                error = conversionError(value, c.type);
                return std::nullopt;
            }
            if (*seconds < kEarliestDateTime) {
                error = "The date-time format for " + literal(value) +
                        " is invalid, or value is outside the supported range.";
                return std::nullopt;
            }
            cell.i = *seconds;
            return cell;
        }
        case ColumnType::DateOnly: {
            std::optional<std::int64_t> days;
            if (value.is_string()) {
                const auto& s = value.get_ref<const std::string&>();
                days = parseDate(s);
                // A date-time whose time is midnight is accepted too, as the service does.
                if (!days && s.size() > 10) {
                    const auto seconds = parseDateTime(s);
                    if (seconds && *seconds % 86400 == 0)
                        days = *seconds / 86400;
                }
            }
            if (!days) {
                error = conversionError(value, c.type);
                return std::nullopt;
            }
            cell.i = *days;
            return cell;
        }
        case ColumnType::Uniqueidentifier:
        case ColumnType::Lookup: {
            const auto g = value.is_string() ? Guid::parse(value.get<std::string>()) : std::nullopt;
            if (!g) {
                error = conversionError(value, c.type);
                return std::nullopt;
            }
            cell.g = *g;
            return cell;
        }
    }
    error = conversionError(value, c.type);
    return std::nullopt;
}

}  // namespace ferry::emulator
