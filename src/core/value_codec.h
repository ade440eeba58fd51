// Compact, exact, reversible byte encoding of value lists (state keys and the run's scratch index).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ferry/value.h"

namespace ferry::codec {

// Each value: one type byte, a varint length, then the exact payload (integers and doubles in
// text that round-trips, decimals/strings/GUIDs as text, date-times as microseconds, binary raw).
// The same values always give the same bytes, so encoded keys can be looked up.
std::string encode(const std::vector<Value>& values);
void encodeAppend(std::string& out, const Value& value);
// Throws Error{StateStore} on malformed input.
std::vector<Value> decode(std::string_view bytes);

// "42" or "7, abc" — the key in display form for reports.
std::string display(const std::vector<Value>& values);

}  // namespace ferry::codec
