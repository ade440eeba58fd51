// Text forms on the SharePoint wire: percent-encoding, query strings, dates, GUIDs, numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator_text.h"

namespace ferry::emulator::sp {

using NameValues = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes everything but RFC 3986 unreserved characters, upper-case hex digits.
std::string percentEncode(std::string_view text);
// Decodes %XX (and '+' as a space when plusIsSpace); nullopt on a malformed escape.
using common::percentDecode;
// Splits "a=1&b=2" into decoded pairs; nullopt when an escape is malformed.
std::optional<NameValues> parseQuery(std::string_view query, bool plusIsSpace);
// The value of the first pair named `name` (exact case), or nullopt.
std::optional<std::string> findValue(const NameValues& pairs, std::string_view name);

bool iequals(std::string_view a, std::string_view b);
bool istartsWith(std::string_view text, std::string_view prefix);
std::string toLower(std::string_view text);
using common::codePointCount;
using common::compareIgnoreCase;

// Seconds since 1970 <-> "YYYY-MM-DDTHH:MM:SSZ". parseIso accepts a date alone, optional
// seconds and fractions, and Z or +-HH:MM (no zone = UTC).
std::string formatIso(std::int64_t seconds);
std::optional<std::int64_t> parseIso(std::string_view text);
std::int64_t nowSeconds();
// .NET ticks (100 ns since 0001-01-01) of a Unix time, as change tokens carry them.
std::int64_t dotNetTicks(std::int64_t unixSeconds);
// "Sat, 01 Jan 2024 10:00:00 -0000" (the form-digest suffix).
std::string formatRfc1123(std::int64_t seconds);

// splitmix64 and a random lower-case hyphenated GUID from it.
using common::nextRandom;
using common::randomGuid;

// Shortest text that reads back as the same double ("12", "12.5", "1e+21").
std::string formatNumber(double value);
std::optional<double> parseNumber(std::string_view text);

// "Account Number" -> "Account_x0020_Number": characters other than ASCII letters, digits and
// '_' become _xHHHH_ (UTF-16 code units); the result is cut to maxLength characters.
std::string encodeInternalName(std::string_view displayName, std::size_t maxLength = 32);

}  // namespace ferry::emulator::sp
