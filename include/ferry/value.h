// The value model every provider converts to and from, with one canonical text per value.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ferry {

enum class ValueType : std::uint8_t {
    Null,
    Bool,
    Int,  // int64
    Double,
    Decimal,   // exact, kept as canonical decimal text
    String,    // UTF-8
    DateTime,  // UTC, microseconds
    Date,
    Guid,
    Binary,
};

// Stable lower-case name ("decimal", "date-time", ...) and its inverse.
const char* toString(ValueType type);
std::optional<ValueType> valueTypeFromString(std::string_view name);

struct DateTime {
    std::int64_t micros = 0;  // microseconds since 1970-01-01T00:00:00Z
    auto operator<=>(const DateTime&) const = default;
};

struct Date {
    std::int32_t days = 0;  // days since 1970-01-01
    auto operator<=>(const Date&) const = default;
};

struct Decimal {
    std::string text;  // canonical: "-12.5", "0", "123" (no exponent, no trailing fraction zeros)
    auto operator<=>(const Decimal&) const = default;
};

struct Guid {
    std::string text;  // canonical: lower-case 8-4-4-4-12
    auto operator<=>(const Guid&) const = default;
};

struct Binary {
    std::vector<std::uint8_t> bytes;
    auto operator<=>(const Binary&) const = default;
};

class Value {
public:
    Value() = default;                                // null
    Value(bool v) : m_data(v) {}                      // NOLINT(google-explicit-constructor)
    Value(std::int64_t v) : m_data(v) {}              // NOLINT
    Value(int v) : m_data(std::int64_t{v}) {}         // NOLINT
    Value(double v) : m_data(v) {}                    // NOLINT
    Value(Decimal v) : m_data(std::move(v)) {}        // NOLINT
    Value(std::string v) : m_data(std::move(v)) {}    // NOLINT
    Value(const char* v) : m_data(std::string(v)) {}  // NOLINT
    Value(DateTime v) : m_data(v) {}                  // NOLINT
    Value(Date v) : m_data(v) {}                      // NOLINT
    Value(Guid v) : m_data(std::move(v)) {}           // NOLINT
    Value(Binary v) : m_data(std::move(v)) {}         // NOLINT

    ValueType type() const { return static_cast<ValueType>(m_data.index()); }
    bool isNull() const { return m_data.index() == 0; }

    // Accessors; each throws Error{Internal} when the value holds another type.
    bool asBool() const;
    std::int64_t asInt() const;
    double asDouble() const;
    const Decimal& asDecimal() const;
    const std::string& asString() const;
    // The text this value holds, for readers that refill reused records in place (keeping the
    // string's storage); nullptr when it holds no string.
    std::string* mutableString() { return std::get_if<std::string>(&m_data); }
    DateTime asDateTime() const;
    Date asDate() const;
    const Guid& asGuid() const;
    const Binary& asBinary() const;

    // The text used for hashing and cross-system comparison. Type-agnostic where systems differ
    // in what they can store: numbers compare by numeric value (int 5, decimal "5.00" and
    // double 5.0 are all "5"), booleans are "1"/"0", date-times are ISO 8601 UTC with trailing
    // fraction zeros removed, GUIDs lower-case, binary lower-case hex. Null is a distinct marker
    // that no string produces.
    std::string canonical() const;

    // Human-readable text (for previews and reports); null is the empty string.
    std::string toDisplay() const;

    // Exact equality of type and value (not canonical equality).
    bool operator==(const Value&) const = default;

private:
    std::variant<std::monostate, bool, std::int64_t, double, Decimal, std::string, DateTime, Date,
                 Guid, Binary>
        m_data;
};

// Parsing and formatting helpers shared by providers. Parsers return nullopt on malformed text.
std::optional<Decimal> parseDecimal(std::string_view text);  // "1.50", "-0.0", "1e3" (exponent ok)
std::optional<DateTime> parseDateTime(
    std::string_view text);                  // ISO 8601, 'T' or ' ', optional Z/offset
std::string formatDateTime(DateTime value);  // "2024-01-02T03:04:05.123456Z", fraction trimmed
std::optional<Date> parseDate(std::string_view text);  // "2024-01-02"
std::string formatDate(Date value);
std::optional<Guid> parseGuid(std::string_view text);  // with or without braces, any case
std::string toHex(const std::vector<std::uint8_t>& bytes);

// Civil-calendar conversions (proleptic Gregorian).
Date dateFromCivil(int year, unsigned month, unsigned day);
void civilFromDate(Date date, int& year, unsigned& month, unsigned& day);

// 64-bit hash of a canonical text (stable across platforms and versions: stored on disk).
std::uint64_t hashText(std::string_view text);

}  // namespace ferry
