// Value ↔ JSON for the OData provider: reading pages (exact decimals) and writing bodies.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ferry/schema.h"
#include "ferry/value.h"
#include "net/url.h"

namespace ferry::odata {

// Where one JSON property of an entity lands in a record.
struct FieldTarget {
    std::size_t column = 0;
    ValueType type = ValueType::String;
    std::string name;   // the column's name, for error messages
    bool json = false;  // keep the property's JSON text (expanded navigation properties)
};

// How the properties of the entities of a page map to a record's columns. Property names are
// matched exactly; a label column is mapped under "<property>@OData.Community.Display.V1.
// FormattedValue".
struct PageLayout {
    std::unordered_map<std::string, FieldTarget> fields;
    std::size_t columnCount = 0;
};

struct ParsedPage {
    std::vector<Record> rows;
    std::vector<std::string> deletedIds;  // "id"/"@id" of $deletedEntity / @removed entries
    std::string nextLink;                 // as sent (absolute or relative)
    std::string deltaLink;
    bool collection = false;  // the body had a "value" array
};

// Parses a collection response page. Numbers are converted from their JSON text, never through
// a double, so decimals keep every digit. Throws Error{QueryFailed} for a body that is not
// JSON, or a value that does not fit its column's type (naming the column).
ParsedPage parsePage(std::string_view body, const PageLayout& layout);

// One JSON scalar converted to a column type; nullopt when it is not a valid value of that type.
std::optional<Value> valueFromJsonText(std::string_view text, ValueType type);   // a JSON string
std::optional<Value> valueFromJsonNumber(std::string_view raw, ValueType type);  // number text
std::optional<Value> valueFromJsonBool(bool value, ValueType type);

// The JSON literal for a value written to a column of `type` (Edm type `edmType` decides
// DateTimeOffset vs Date formatting details); converts between compatible types (an int into a
// decimal column, a GUID text into a GUID column). Returns nullopt and sets `problem` (plain
// language, without the column name) when the value cannot be stored in that type.
std::optional<std::string> jsonLiteral(const Value& value, ValueType type, std::string& problem);

// Appends a JSON string literal (quoted and escaped).
void appendJsonString(std::string& out, std::string_view text);

// Base64 (RFC 4648): standard alphabet with padding out; standard or URL-safe in, with or
// without padding. nullopt for malformed input.
std::string base64Encode(const std::vector<std::uint8_t>& bytes);
std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text);

// Number of Unicode code points of a UTF-8 string (how OData services count MaxLength).
using net::codePointCount;

// SHA-1 of the bytes (for name-based UUIDs).
std::array<std::uint8_t, 20> sha1(std::string_view data);

// The name-based UUID (version 5, RFC 4122) of `name` in Ferry's replication namespace: the same
// name always gives the same GUID.
Guid nameBasedGuid(std::string_view name);

// The GUID an insert gets with ReplicationKey=true: derived from the service root (case-folded),
// the entity set and the item's origin, so a rerun re-addresses the record a crashed run made.
Guid replicationGuid(std::string_view serviceRoot, std::string_view entitySet,
                     std::string_view origin);

}  // namespace ferry::odata
