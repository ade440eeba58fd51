// Field ↔ column mapping, item JSON ↔ Value conversion and SharePoint's `_xHHHH_` name encoding.
#include "sharepoint_values.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "ferry/connection_string.h"

namespace ferry::sharepoint {

namespace {

using nlohmann::json;

void appendUtf8(std::string& out, std::uint32_t codePoint) {
    if (codePoint < 0x80) {
        out += static_cast<char>(codePoint);
    } else if (codePoint < 0x800) {
        out += static_cast<char>(0xC0 | (codePoint >> 6));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    } else if (codePoint < 0x10000) {
        out += static_cast<char>(0xE0 | (codePoint >> 12));
        out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (codePoint >> 18));
        out += static_cast<char>(0x80 | ((codePoint >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    }
}

// The `_xHHHH_` at `position`, or nullopt.
std::optional<std::uint32_t> escapeAt(std::string_view name, std::size_t position) {
    if (position + 7 > name.size() || name[position] != '_' || name[position + 1] != 'x' ||
        name[position + 6] != '_') {
        return std::nullopt;
    }
    std::uint32_t unit = 0;
    const char* first = name.data() + position + 2;
    const auto [ptr, ec] = std::from_chars(first, first + 4, unit, 16);
    if (ec != std::errc() || ptr != first + 4) {
        return std::nullopt;
    }
    return unit;
}

// Decodes one UTF-8 sequence at `position`; advances it. Invalid bytes come back as themselves.
std::uint32_t nextCodePoint(std::string_view text, std::size_t& position) {
    const auto byte = static_cast<unsigned char>(text[position++]);
    int extra = 0;
    std::uint32_t codePoint = byte;
    if ((byte & 0xE0) == 0xC0) {
        extra = 1;
        codePoint = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
        extra = 2;
        codePoint = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
        extra = 3;
        codePoint = byte & 0x07;
    }
    for (int i = 0; i < extra && position < text.size(); ++i) {
        codePoint = (codePoint << 6) | (static_cast<unsigned char>(text[position++]) & 0x3F);
    }
    return codePoint;
}

std::string hex4(std::uint32_t unit) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "_x";
    for (int shift = 12; shift >= 0; shift -= 4) {
        out += kHex[(unit >> shift) & 0xF];
    }
    return out + "_";
}

bool boolOf(const json& field, const char* name) {
    const auto it = field.find(name);
    return it != field.end() && it->is_boolean() && it->get<bool>();
}

std::string stringOf(const json& field, const char* name) {
    const auto it = field.find(name);
    return it != field.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Verbose wraps collections as {"results": [...]}.
const json* elements(const json& value) {
    if (value.is_array()) {
        return &value;
    }
    if (value.is_object()) {
        const auto it = value.find("results");
        if (it != value.end() && it->is_array()) {
            return &*it;
        }
    }
    return nullptr;
}

std::string numberText(const json& value) {
    if (value.is_number_integer()) {
        return value.is_number_unsigned() ? std::to_string(value.get<std::uint64_t>())
                                          : std::to_string(value.get<std::int64_t>());
    }
    // nlohmann prints the shortest text that reads back as the same double: what the service
    // sent for every value with up to 15 significant digits.
    return value.dump();
}

std::string joinElements(const json& list) {
    std::string out;
    for (const auto& element : list) {
        if (!out.empty()) {
            out += kMultiSeparator;
        }
        out += element.is_string()   ? element.get<std::string>()
               : element.is_number() ? numberText(element)
                                     : element.dump();
    }
    return out;
}

std::vector<std::string> splitMulti(const std::string& text) {
    std::vector<std::string> parts;
    if (text.empty()) {
        return parts;
    }
    std::size_t position = 0;
    while (true) {
        const auto next = text.find(kMultiSeparator, position);
        parts.push_back(text.substr(position, next - position));
        if (next == std::string::npos) {
            break;
        }
        position = next + kMultiSeparator.size();
    }
    return parts;
}

std::optional<std::int64_t> intOf(const Value& value) {
    switch (value.type()) {
        case ValueType::Int:
            return value.asInt();
        case ValueType::Bool:
            return value.asBool() ? 1 : 0;
        case ValueType::Decimal: {
            const std::string& text = value.asDecimal().text;
            std::int64_t out = 0;
            const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
            if (ec == std::errc() && ptr == text.data() + text.size()) {
                return out;
            }
            return std::nullopt;
        }
        case ValueType::Double: {
            const double d = value.asDouble();
            if (std::floor(d) == d && std::fabs(d) < 9.0e15) {
                return static_cast<std::int64_t>(d);
            }
            return std::nullopt;
        }
        case ValueType::String: {
            const std::string& text = value.asString();
            std::int64_t out = 0;
            const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
            if (!text.empty() && ec == std::errc() && ptr == text.data() + text.size()) {
                return out;
            }
            return std::nullopt;
        }
        default:
            return std::nullopt;
    }
}

// A JSON number for a Number/Currency field; decimals are sent by their exact text.
std::optional<json> numberJson(const Value& value) {
    switch (value.type()) {
        case ValueType::Int:
            return json(value.asInt());
        case ValueType::Double:
            if (!std::isfinite(value.asDouble())) {
                return std::nullopt;
            }
            return json(value.asDouble());
        case ValueType::Bool:
            return json(value.asBool() ? 1 : 0);
        case ValueType::Decimal:
        case ValueType::String: {
            const auto decimal = parseDecimal(
                value.type() == ValueType::Decimal ? value.asDecimal().text : value.asString());
            if (!decimal) {
                return std::nullopt;
            }
            // SharePoint stores numbers as doubles, so the wire can carry one; parse keeps the
            // shortest text, which nlohmann writes back unchanged.
            return json::parse(decimal->text, nullptr, false);
        }
        default:
            return std::nullopt;
    }
}

}  // namespace

bool FieldInfo::multi() const {
    return typeAsString == "LookupMulti" || typeAsString == "UserMulti";
}

std::string decodeInternalName(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    std::size_t i = 0;
    while (i < name.size()) {
        const auto unit = escapeAt(name, i);
        if (!unit) {
            out += name[i++];
            continue;
        }
        i += 7;
        std::uint32_t codePoint = *unit;
        if (codePoint >= 0xD800 && codePoint < 0xDC00) {
            const auto low = escapeAt(name, i);
            if (low && *low >= 0xDC00 && *low < 0xE000) {
                codePoint = 0x10000 + ((codePoint - 0xD800) << 10) + (*low - 0xDC00);
                i += 7;
            }
        }
        appendUtf8(out, codePoint);
    }
    return out;
}

std::string encodeInternalName(std::string_view name) {
    std::string out;
    std::size_t position = 0;
    while (position < name.size()) {
        const char c = name[position];
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x80 && std::isalnum(byte) != 0) || c == '_') {
            // A literal "_x" that looks like an escape must itself be escaped to read back.
            if (c == '_' && escapeAt(name, position)) {
                out += hex4('_');
            } else {
                out += c;
            }
            ++position;
            continue;
        }
        const std::uint32_t codePoint = nextCodePoint(name, position);
        if (codePoint >= 0x10000) {
            const std::uint32_t v = codePoint - 0x10000;
            out += hex4(0xD800 + (v >> 10));
            out += hex4(0xDC00 + (v & 0x3FF));
        } else {
            out += hex4(codePoint);
        }
    }
    return out;
}

FieldInfo fieldFromJson(const json& field) {
    FieldInfo info;
    info.internalName = stringOf(field, "InternalName");
    info.entityPropertyName = stringOf(field, "EntityPropertyName");
    if (info.entityPropertyName.empty()) {
        // Names starting with '_' get an "OData_" prefix in REST JSON.
        info.entityPropertyName =
            (!info.internalName.empty() && info.internalName.front() == '_' ? "OData_" : "") +
            info.internalName;
    }
    info.title = stringOf(field, "Title");
    info.typeAsString = stringOf(field, "TypeAsString");
    const auto kind = field.find("FieldTypeKind");
    if (kind != field.end() && kind->is_number_integer()) {
        info.kind = static_cast<FieldKind>(kind->get<int>());
    }
    info.readOnly = boolOf(field, "ReadOnlyField");
    info.hidden = boolOf(field, "Hidden");
    info.required = boolOf(field, "Required");
    info.indexed = boolOf(field, "Indexed");
    const auto maxLength = field.find("MaxLength");
    if (maxLength != field.end() && maxLength->is_number_integer()) {
        info.maxLength = maxLength->get<std::int64_t>();
    }
    const auto choices = field.find("Choices");
    if (choices != field.end()) {
        if (const json* list = elements(*choices)) {
            for (const auto& choice : *list) {
                if (choice.is_string()) {
                    info.choices.push_back(choice.get<std::string>());
                }
            }
        }
    }
    return info;
}

bool isMappable(const FieldInfo& field) {
    if (field.hidden) {
        return false;
    }
    switch (field.kind) {
        case FieldKind::Integer:
        case FieldKind::Text:
        case FieldKind::Note:
        case FieldKind::DateTime:
        case FieldKind::Counter:
        case FieldKind::Choice:
        case FieldKind::Lookup:
        case FieldKind::Boolean:
        case FieldKind::Number:
        case FieldKind::Currency:
        case FieldKind::Url:
        case FieldKind::Guid:
        case FieldKind::MultiChoice:
        case FieldKind::Calculated:
        case FieldKind::User:
            return true;
        default:
            return false;  // Computed, Attachments, File, ...: not item data Ferry can carry
    }
}

std::string jsonName(const FieldInfo& field) {
    const bool byId = (field.kind == FieldKind::Lookup || field.kind == FieldKind::User);
    // SharePoint names the navigation property after the field ("Author"); some services
    // already give the id property ("OwnerId"): never append "Id" twice.
    const bool hasId = field.entityPropertyName == field.internalName + "Id";
    return byId && !hasId ? field.entityPropertyName + "Id" : field.entityPropertyName;
}

Column columnFor(const FieldInfo& field) {
    Column column;
    column.name = jsonName(field);
    column.displayName = field.title.empty() ? decodeInternalName(field.internalName) : field.title;
    column.nativeType = field.typeAsString.empty() ? std::to_string(static_cast<int>(field.kind))
                                                   : field.typeAsString;
    column.nullable = !field.required;
    column.readOnly = field.readOnly;
    switch (field.kind) {
        case FieldKind::Integer:
            column.type = ValueType::Int;
            break;
        case FieldKind::Counter:
            column.type = ValueType::Int;
            column.readOnly = true;
            column.nullable = false;
            break;
        case FieldKind::Lookup:
        case FieldKind::User:
            column.type = field.multi() ? ValueType::String : ValueType::Int;
            break;
        case FieldKind::Number:
            column.type = ValueType::Double;
            break;
        case FieldKind::Currency:
            column.type = ValueType::Decimal;
            break;
        case FieldKind::DateTime:
            column.type = ValueType::DateTime;
            break;
        case FieldKind::Boolean:
            column.type = ValueType::Bool;
            break;
        case FieldKind::Guid:
            column.type = ValueType::Guid;
            break;
        case FieldKind::Calculated:
            column.type = ValueType::String;
            column.readOnly = true;
            break;
        case FieldKind::Text:
            column.type = ValueType::String;
            column.length = field.maxLength > 0 ? field.maxLength : 255;
            break;
        default:  // Note, Choice, MultiChoice, URL
            column.type = ValueType::String;
            break;
    }
    static const char* const kServerMaintained[] = {"Created", "Modified", "Author", "Editor"};
    for (const char* name : kServerMaintained) {
        if (field.internalName == name) {
            column.readOnly = true;
        }
    }
    return column;
}

std::optional<Value> valueFromJson(const json& value, const FieldInfo& field, ValueType type) {
    if (value.is_null()) {
        return Value();
    }
    if (const json* list = elements(value)) {
        if (list->empty()) {
            return Value();
        }
        return type == ValueType::String ? std::optional<Value>(Value(joinElements(*list)))
                                         : std::nullopt;
    }
    if (value.is_object()) {
        // SP.FieldUrlValue: {"Url": ..., "Description": ...}
        const auto url = value.find("Url");
        if (url != value.end()) {
            return url->is_null() ? Value() : Value(url->get<std::string>());
        }
        return std::nullopt;
    }
    switch (type) {
        case ValueType::String:
            if (value.is_string()) {
                return Value(value.get<std::string>());
            }
            if (value.is_number()) {
                return Value(numberText(value));
            }
            if (value.is_boolean()) {
                return Value(std::string(value.get<bool>() ? "true" : "false"));
            }
            return std::nullopt;
        case ValueType::Int:
            if (value.is_number_integer()) {
                return Value(value.get<std::int64_t>());
            }
            if (value.is_number_float() || value.is_string()) {
                const auto parsed = intOf(value.is_string() ? Value(value.get<std::string>())
                                                            : Value(value.get<double>()));
                return parsed ? std::optional<Value>(Value(*parsed)) : std::nullopt;
            }
            return std::nullopt;
        case ValueType::Double:
            if (value.is_number()) {
                return Value(value.get<double>());
            }
            return std::nullopt;
        case ValueType::Decimal: {
            if (!value.is_number() && !value.is_string()) {
                return std::nullopt;
            }
            const auto decimal =
                parseDecimal(value.is_string() ? value.get<std::string>() : numberText(value));
            return decimal ? std::optional<Value>(Value(*decimal)) : std::nullopt;
        }
        case ValueType::Bool:
            if (value.is_boolean()) {
                return Value(value.get<bool>());
            }
            if (value.is_number_integer()) {
                return Value(value.get<std::int64_t>() != 0);
            }
            return std::nullopt;
        case ValueType::DateTime: {
            if (!value.is_string()) {
                return std::nullopt;
            }
            const auto parsed = parseDateTime(value.get<std::string>());
            return parsed ? std::optional<Value>(Value(*parsed)) : std::nullopt;
        }
        case ValueType::Guid: {
            if (!value.is_string()) {
                return std::nullopt;
            }
            const auto parsed = parseGuid(value.get<std::string>());
            return parsed ? std::optional<Value>(Value(*parsed)) : std::nullopt;
        }
        default:
            (void)field;
            return std::nullopt;
    }
}

std::optional<json> jsonFor(const Value& value, const FieldInfo& field, std::string& problem) {
    if (value.isNull()) {
        if (field.kind == FieldKind::MultiChoice || field.multi()) {
            return json::array();
        }
        return json(nullptr);
    }
    const auto fail = [&problem](std::string text) -> std::optional<json> {
        problem = std::move(text);
        return std::nullopt;
    };
    switch (field.kind) {
        case FieldKind::Text:
        case FieldKind::Note:
        case FieldKind::Choice: {
            const std::string text = value.toDisplay();
            if (field.kind == FieldKind::Text) {
                const auto limit = field.maxLength > 0 ? field.maxLength : 255;
                const auto length = codePointCount(text);
                if (static_cast<std::int64_t>(length) > limit) {
                    return fail("the value has " + std::to_string(length) +
                                " characters; the column holds at most " + std::to_string(limit));
                }
            }
            return json(text);
        }
        case FieldKind::MultiChoice: {
            json list = json::array();
            for (const auto& part : splitMulti(value.toDisplay())) {
                list.push_back(part);
            }
            return list;
        }
        case FieldKind::Url: {
            const std::string url = value.toDisplay();
            return json{{"Url", url}, {"Description", url}};
        }
        case FieldKind::Integer:
        case FieldKind::Lookup:
        case FieldKind::User: {
            if (field.multi()) {
                json list = json::array();
                for (const auto& part : splitMulti(value.toDisplay())) {
                    const auto id = intOf(Value(part));
                    if (!id) {
                        return fail("'" + part + "' is not an item id");
                    }
                    list.push_back(*id);
                }
                return list;
            }
            const auto id = intOf(value);
            if (!id) {
                return fail("'" + value.toDisplay() + "' is not a whole number");
            }
            return json(*id);
        }
        case FieldKind::Number:
        case FieldKind::Currency: {
            auto number = numberJson(value);
            if (!number || number->is_discarded()) {
                return fail("'" + value.toDisplay() + "' is not a number");
            }
            return number;
        }
        case FieldKind::Boolean:
            if (value.type() == ValueType::Bool) {
                return json(value.asBool());
            }
            if (const auto number = intOf(value); number && (*number == 0 || *number == 1)) {
                return json(*number == 1);
            }
            if (value.type() == ValueType::String) {
                const std::string& text = value.asString();
                if (equalsIgnoreCase(text, "true") || equalsIgnoreCase(text, "yes")) {
                    return json(true);
                }
                if (equalsIgnoreCase(text, "false") || equalsIgnoreCase(text, "no")) {
                    return json(false);
                }
            }
            return fail("'" + value.toDisplay() + "' is not true or false");
        case FieldKind::DateTime:
            if (value.type() == ValueType::DateTime) {
                return json(formatDateTime(value.asDateTime()));
            }
            if (value.type() == ValueType::Date) {
                return json(formatDate(value.asDate()) + "T00:00:00Z");
            }
            if (value.type() == ValueType::String) {
                if (const auto parsed = parseDateTime(value.asString())) {
                    return json(formatDateTime(*parsed));
                }
            }
            return fail("'" + value.toDisplay() + "' is not a date and time");
        case FieldKind::Guid:
            if (const auto guid = parseGuid(value.toDisplay())) {
                return json(guid->text);
            }
            return fail("'" + value.toDisplay() + "' is not a GUID");
        default:
            return fail("the column is computed by SharePoint and cannot be written");
    }
}

}  // namespace ferry::sharepoint
