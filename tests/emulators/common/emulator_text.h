// Text helpers both emulators use on the wire: percent-encoding, case-insensitive comparison,
// UTF-8 length and the deterministic random source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::emulator::common {

enum class HexCase { Lower, Upper };

// The value of a hex digit in either case, or -1.
int hexValue(char c);

// Percent-encoding of everything but RFC 3986 unreserved characters; the services differ in the
// case of the hex digits they write.
std::string percentEncode(std::string_view text, HexCase hexCase);
// Decodes %XX (and '+' as a space when plusIsSpace); nullopt on a malformed escape.
std::optional<std::string> percentDecode(std::string_view text, bool plusIsSpace);

// Escapes ", &, < and > for XML text and attribute values.
std::string xmlEscape(std::string_view text);

// ASCII case-insensitive three-way comparison: -1, 0 or 1.
int compareIgnoreCase(std::string_view a, std::string_view b);
// Number of Unicode code points in UTF-8 text.
std::size_t codePointCount(std::string_view utf8);

// splitmix64: the emulators' deterministic random source.
std::uint64_t nextRandom(std::uint64_t& state);
// A uniform draw in [0, 1) from the random source (53 bits).
double nextUnit(std::uint64_t& state);
// A random lower-case hyphenated version-4 GUID from the random source.
std::string randomGuid(std::uint64_t& state);

}  // namespace ferry::emulator::common
