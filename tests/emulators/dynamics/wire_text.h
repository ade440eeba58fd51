// Text forms on the wire: GUIDs, dates, JSON string escaping, percent-encoding, numbers.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "emulator_text.h"

namespace ferry::emulator {

// A GUID as two 64-bit halves of its hex digits, so that ordering by value equals ordering by
// the lower-case text form. All zero means "no value".
struct Guid {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;

    bool isNil() const { return hi == 0 && lo == 0; }
    auto operator<=>(const Guid&) const = default;

    // Accepts 8-4-4-4-12 hex digits in any case, optionally in braces; nullopt otherwise.
    static std::optional<Guid> parse(std::string_view text);
    // A version-4 style GUID from a 64-bit random source step (splitmix64 of `state`).
    static Guid fromRandom(std::uint64_t& state);
    std::string str() const;  // lower case, hyphenated, no braces
    void appendTo(std::string& out) const;
};

// splitmix64: the emulator's deterministic random source.
using common::nextRandom;

// JSON text pieces, appended to a buffer (page output never builds JSON trees).
void appendJsonString(std::string& out, std::string_view text);
void appendInt(std::string& out, std::int64_t value);
void appendDouble(std::string& out, double value);
// A fixed-point number stored as value / 10^scale, written with exactly `scale` decimals.
void appendScaled(std::string& out, std::int64_t value, int scale);

// Percent-encoding of everything but RFC 3986 unreserved characters, lower-case hex digits.
std::string percentEncode(std::string_view text);
using common::percentDecode;

// Seconds since 1970-01-01T00:00:00Z <-> "YYYY-MM-DDTHH:MM:SSZ".
std::string formatDateTime(std::int64_t seconds);
void appendDateTime(std::string& out, std::int64_t seconds);
// Accepts YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM]; no zone means UTC; fractions are dropped.
std::optional<std::int64_t> parseDateTime(std::string_view text);
// Days since 1970-01-01 <-> "YYYY-MM-DD".
std::string formatDate(std::int64_t days);
void appendDate(std::string& out, std::int64_t days);
std::optional<std::int64_t> parseDate(std::string_view text);
std::int64_t daysFromCivil(int year, unsigned month, unsigned day);
// "M/D/YYYY h:mm AM" and "M/D/YYYY", the formatted values of a US-English user in UTC.
std::string formatUserDateTime(std::int64_t seconds);
std::string formatUserDate(std::int64_t days);
// "1,234,567" / "$1,234.50" (money formatted with 2 decimals).
std::string formatGrouped(std::int64_t value);
std::string formatMoney(std::int64_t tenThousandths);

// ASCII case-insensitive comparison (Dataverse's default collation, near enough).
using common::compareIgnoreCase;
// Number of Unicode code points in UTF-8 text (what MaxLength counts).
using common::codePointCount;

}  // namespace ferry::emulator
