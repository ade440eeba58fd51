// Field ↔ column and value ↔ JSON for SharePoint list items; `_xHHHH_` name encoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "ferry/schema.h"
#include "ferry/value.h"
#include "net/url.h"
#include "sharepoint_wire.h"

namespace ferry::sharepoint {

// "Account_x0020_Number" → "Account Number": every `_xHHHH_` becomes its UTF-16 code unit
// (surrogate pairs joined), written as UTF-8. Malformed escapes stay as they are.
std::string decodeInternalName(std::string_view name);

// "Account Number" → "Account_x0020_Number": every character other than an ASCII letter, digit
// or '_' becomes `_xHHHH_` (lower-case hex of each UTF-16 code unit), as SharePoint names fields.
std::string encodeInternalName(std::string_view name);

// The text MultiChoice and multi-value lookup columns are joined with (SharePoint's own ";#").
inline constexpr std::string_view kMultiSeparator = ";#";

// Parses one element of /fields (nometadata JSON). Unknown TypeAsString with a known
// FieldTypeKind keeps the kind.
FieldInfo fieldFromJson(const nlohmann::json& field);

// Whether a field becomes a column: not hidden, and of a type Ferry can carry.
bool isMappable(const FieldInfo& field);

// The column for a field: name = its name in item JSON (EntityPropertyName; `<Name>Id` for lookups
// and persons), displayName = its title, type by kind (Text/Note/Choice/MultiChoice/URL → String,
// Number → Double, Currency → Decimal, Integer/Counter/Lookup/User → Int, DateTime → DateTime,
// Boolean → Bool, Guid → Guid), readOnly for ReadOnlyField, Counter, Calculated and the
// server-maintained Created/Modified/Author/Editor, nullable = !Required, length = MaxLength.
Column columnFor(const FieldInfo& field);

// The property name of the field in item JSON (what columnFor() names the column).
std::string jsonName(const FieldInfo& field);

// One JSON value of an item (nometadata or verbose shapes) as a Value of `type` for `field`.
// Multi values ({"results": [...]} or arrays) are joined with kMultiSeparator; a URL object gives
// its Url. nullopt when the JSON does not fit the type.
std::optional<Value> valueFromJson(const nlohmann::json& json, const FieldInfo& field,
                                   ValueType type);

// The JSON to write `value` into `field` (nometadata shapes: arrays for multi values, an
// {"Url","Description"} object for URL). Converts compatible values (a number into a text field,
// a number text into a number field). nullopt with `problem` set (plain language, without the
// field's name) when the value cannot be stored there.
std::optional<nlohmann::json> jsonFor(const Value& value, const FieldInfo& field,
                                      std::string& problem);

// Number of Unicode code points of a UTF-8 string (how SharePoint counts MaxLength).
using net::codePointCount;

}  // namespace ferry::sharepoint
