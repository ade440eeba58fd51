// Value ↔ JSON: a streaming page reader that keeps numbers' text, JSON literals for writes, base64,
// and the name-based GUIDs of ReplicationKey.
#include "odata_values.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "ferry/connection_string.h"
#include "ferry/error.h"

namespace ferry::odata {

namespace {

using nlohmann::json;

constexpr std::int64_t kMicrosPerDay = 86400LL * 1000000LL;

std::optional<std::int64_t> parseInt(std::string_view text) {
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec == std::errc() && ptr == end) {
        return value;
    }
    // "5.0" or "1e3": accept when the exact decimal is a whole number that fits.
    const auto decimal = parseDecimal(text);
    if (!decimal || decimal->text.find('.') != std::string::npos) {
        return std::nullopt;
    }
    const char* dend = decimal->text.data() + decimal->text.size();
    const auto [dptr, dec] = std::from_chars(decimal->text.data(), dend, value);
    if (dec == std::errc() && dptr == dend) {
        return value;
    }
    return std::nullopt;
}

std::optional<double> parseDouble(std::string_view text) {
    if (text == "INF" || text == "Infinity") {
        return std::numeric_limits<double>::infinity();
    }
    if (text == "-INF" || text == "-Infinity") {
        return -std::numeric_limits<double>::infinity();
    }
    if (text == "NaN") {
        return std::numeric_limits<double>::quiet_NaN();
    }
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec == std::errc() && ptr == end) {
        return value;
    }
    return std::nullopt;
}

std::string doubleText(double value) {
    char buffer[64];
    const auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return ec == std::errc() ? std::string(buffer, ptr) : std::string("0");
}

Date dateOf(DateTime value) {
    std::int64_t days = value.micros / kMicrosPerDay;
    if (value.micros % kMicrosPerDay < 0) {
        --days;
    }
    return Date{static_cast<std::int32_t>(days)};
}

std::string jsonQuoted(std::string_view text) {
    std::string out;
    appendJsonString(out, text);
    return out;
}

std::string shortText(std::string_view text) {
    return text.size() > 60 ? std::string(text.substr(0, 60)) + "…" : std::string(text);
}

// Builds the JSON of a nested value (an expanded navigation property) from SAX events.
class NestedBuilder {
public:
    bool active() const { return !m_stack.empty(); }
    void start(json value) {
        if (m_stack.empty()) {
            m_root = std::move(value);
            m_stack.push_back(&m_root);
        } else {
            m_stack.push_back(add(std::move(value)));
        }
    }
    // Returns true when the outermost value just closed.
    bool end() {
        m_stack.pop_back();
        return m_stack.empty();
    }
    void scalar(json value) { add(std::move(value)); }
    void key(std::string name) { m_key = std::move(name); }
    std::string text() const { return m_root.dump(); }

private:
    json* add(json value) {
        json& top = *m_stack.back();
        if (top.is_array()) {
            top.push_back(std::move(value));
            return &top.back();
        }
        top[m_key] = std::move(value);
        return &top[m_key];
    }
    json m_root;
    std::vector<json*> m_stack;
    std::string m_key;
};

class PageHandler {
public:
    using number_integer_t = json::number_integer_t;
    using number_unsigned_t = json::number_unsigned_t;
    using number_float_t = json::number_float_t;
    using string_t = json::string_t;
    using binary_t = json::binary_t;

    PageHandler(const PageLayout& layout, ParsedPage& page) : m_layout(layout), m_page(page) {}

    bool null() {
        if (m_nested.active()) {
            m_nested.scalar(nullptr);
        } else if (inRowField() && m_target != nullptr) {
            m_row.values[m_target->column] = Value();
        }
        return true;
    }
    bool boolean(bool value) {
        if (m_nested.active()) {
            m_nested.scalar(value);
        } else if (inRowField() && m_target != nullptr) {
            store(valueFromJsonBool(value, m_target->type), value ? "true" : "false");
        }
        return true;
    }
    bool number_integer(number_integer_t value) {
        if (m_nested.active()) {
            m_nested.scalar(value);
        } else if (inRowField() && m_target != nullptr) {
            if (m_target->type == ValueType::Int) {
                m_row.values[m_target->column] = Value(static_cast<std::int64_t>(value));
            } else {
                number(std::to_string(value));
            }
        }
        return true;
    }
    bool number_unsigned(number_unsigned_t value) {
        if (m_nested.active()) {
            m_nested.scalar(value);
        } else if (inRowField() && m_target != nullptr) {
            if (m_target->type == ValueType::Int &&
                value <= static_cast<number_unsigned_t>(std::numeric_limits<std::int64_t>::max())) {
                m_row.values[m_target->column] = Value(static_cast<std::int64_t>(value));
            } else {
                number(std::to_string(value));
            }
        }
        return true;
    }
    bool number_float(number_float_t value, const string_t& raw) {
        if (m_nested.active()) {
            m_nested.scalar(value);
        } else if (inRowField() && m_target != nullptr) {
            number(raw);
        }
        return true;
    }
    bool string(string_t& value) {
        if (m_nested.active()) {
            m_nested.scalar(value);
            return true;
        }
        if (inRowField()) {
            if (m_keyRole == KeyRole::Id) {
                m_id = value;
            } else if (m_keyRole == KeyRole::Reason) {
                m_reason = value;
            } else if (m_keyRole == KeyRole::Context) {
                m_deletedContext = value.find("$deletedEntity") != std::string::npos;
            }
            if (m_target != nullptr) {
                store(valueFromJsonText(value, m_target->type), value);
            }
        } else if (m_depth == 1) {
            if (m_key == "@odata.nextLink" || m_key == "odata.nextLink") {
                m_page.nextLink = value;
            } else if (m_key == "@odata.deltaLink" || m_key == "odata.deltaLink") {
                m_page.deltaLink = value;
            }
        }
        return true;
    }
    bool binary(binary_t&) { return true; }

    bool start_object(std::size_t) {
        ++m_depth;
        if (m_nested.active()) {
            m_nested.start(json::object());
        } else if (m_depth == 3 && m_inValue) {
            m_row.values.assign(m_layout.columnCount, Value());
            m_id.clear();
            m_reason.clear();
            m_deletedContext = false;
            m_removed = false;
            m_keyIndex = 0;
        } else if (m_depth == 4 && m_inValue) {
            if (m_key == "@removed") {
                m_removed = true;
            }
            m_nested.start(json::object());
        }
        return true;
    }
    bool end_object() {
        if (m_nested.active()) {
            if (m_nested.end()) {
                finishNested();
            }
        } else if (m_depth == 3 && m_inValue) {
            if (m_deletedContext || m_removed || (!m_reason.empty() && !m_id.empty())) {
                m_page.deletedIds.push_back(m_id);
            } else {
                Record record;
                record.values = std::move(m_row.values);
                m_page.rows.push_back(std::move(record));
            }
            m_row.values.clear();
        }
        --m_depth;
        return true;
    }
    bool start_array(std::size_t) {
        ++m_depth;
        if (m_nested.active()) {
            m_nested.start(json::array());
        } else if (m_depth == 2 && m_key == "value") {
            m_inValue = true;
            m_page.collection = true;
        } else if (m_depth == 4 && m_inValue) {
            m_nested.start(json::array());
        }
        return true;
    }
    bool end_array() {
        if (m_nested.active()) {
            if (m_nested.end()) {
                finishNested();
            }
        } else if (m_depth == 2 && m_inValue) {
            m_inValue = false;
        }
        --m_depth;
        return true;
    }
    bool key(string_t& name) {
        if (m_nested.active()) {
            m_nested.key(name);
            return true;
        }
        if (m_depth == 1) {
            m_key = name;
        } else if (m_depth == 3 && m_inValue) {
            lookUp(name);
        }
        return true;
    }

private:
    bool inRowField() const { return m_depth == 3 && m_inValue; }

    // Property names repeat in the same order on every row: remember the lookup per position.
    void lookUp(const std::string& name) {
        m_key = name;
        if (m_keyIndex < m_keyCache.size() && m_keyCache[m_keyIndex].name == name) {
            m_target = m_keyCache[m_keyIndex].target;
            m_keyRole = m_keyCache[m_keyIndex].role;
        } else {
            const auto found = m_layout.fields.find(name);
            m_target = found == m_layout.fields.end() ? nullptr : &found->second;
            m_keyRole = name == "id" || name == "@id" || name == "@odata.id" ? KeyRole::Id
                        : name == "reason"                                   ? KeyRole::Reason
                        : name == "@odata.context"                           ? KeyRole::Context
                                                                             : KeyRole::Other;
            const CachedKey entry{name, m_target, m_keyRole};
            if (m_keyIndex < m_keyCache.size()) {
                m_keyCache[m_keyIndex] = entry;
            } else {
                m_keyCache.push_back(entry);
            }
        }
        ++m_keyIndex;
    }

    void number(const std::string& raw) { store(valueFromJsonNumber(raw, m_target->type), raw); }

    void store(std::optional<Value> value, std::string_view text) {
        if (!value) {
            throw Error(ErrorCode::QueryFailed,
                        "the service sent '" + shortText(text) + "' for column '" + m_target->name +
                            "', which is not a valid " + toString(m_target->type) + " value");
        }
        m_row.values[m_target->column] = std::move(*value);
    }

    void finishNested() {
        if (m_target != nullptr && m_depth == 4) {
            m_row.values[m_target->column] = Value(m_nested.text());
        }
    }

    const PageLayout& m_layout;
    ParsedPage& m_page;
    int m_depth = 0;
    bool m_inValue = false;
    std::string m_key;
    const FieldTarget* m_target = nullptr;
    // What a row property's string value means besides its column (deleted-entity entries).
    enum class KeyRole { Other, Id, Reason, Context };
    struct CachedKey {
        std::string name;
        const FieldTarget* target = nullptr;
        KeyRole role = KeyRole::Other;
    };
    std::vector<CachedKey> m_keyCache;
    KeyRole m_keyRole = KeyRole::Other;
    std::size_t m_keyIndex = 0;
    Record m_row;
    std::string m_id;
    std::string m_reason;
    bool m_deletedContext = false;
    bool m_removed = false;
    NestedBuilder m_nested;
};

// A strict JSON (RFC 8259) reader for whole pages that drives the same SAX handler as
// nlohmann::json::sax_parse. A 5,000-row page is about 2 MB: this reader copies a string
// without escapes in one piece and keeps no per-character bookkeeping, several times faster
// than the general lexer, which mattered while each page waited for the previous one's parse.
template <typename Handler>
class PageScanner {
public:
    PageScanner(std::string_view text, Handler& handler)
        : m_begin(text.data()),
          m_pos(text.data()),
          m_end(text.data() + text.size()),
          m_handler(handler) {}

    void run() {
        skipSpace();
        value(0);
        skipSpace();
        if (m_pos != m_end) {
            fail("unexpected text after the JSON value");
        }
    }

private:
    static constexpr int kMaxDepth = 512;

    [[noreturn]] void fail(const std::string& what) const {
        throw Error(ErrorCode::QueryFailed, "the service sent a page that is not valid JSON",
                    "parse error at byte " + std::to_string(m_pos - m_begin) + ": " + what);
    }

    char peek() const { return m_pos < m_end ? *m_pos : '\0'; }

    void skipSpace() {
        while (m_pos < m_end &&
               (*m_pos == ' ' || *m_pos == '\n' || *m_pos == '\r' || *m_pos == '\t')) {
            ++m_pos;
        }
    }

    void value(int depth) {
        if (m_pos >= m_end) {
            fail("unexpected end of the page");
        }
        switch (*m_pos) {
            case '{':
                object(depth);
                return;
            case '[':
                array(depth);
                return;
            case '"':
                readString(m_text);
                m_handler.string(m_text);
                return;
            case 't':
                literal("true");
                m_handler.boolean(true);
                return;
            case 'f':
                literal("false");
                m_handler.boolean(false);
                return;
            case 'n':
                literal("null");
                m_handler.null();
                return;
            default:
                number();
        }
    }

    void object(int depth) {
        if (depth >= kMaxDepth) {
            fail("nested too deeply");
        }
        ++m_pos;
        m_handler.start_object(std::numeric_limits<std::size_t>::max());
        skipSpace();
        if (peek() == '}') {
            ++m_pos;
            m_handler.end_object();
            return;
        }
        for (;;) {
            if (peek() != '"') {
                fail("expected a property name");
            }
            readString(m_key);
            m_handler.key(m_key);
            skipSpace();
            if (peek() != ':') {
                fail("expected ':'");
            }
            ++m_pos;
            skipSpace();
            value(depth + 1);
            skipSpace();
            const char next = peek();
            ++m_pos;
            if (next == '}') {
                m_handler.end_object();
                return;
            }
            if (next != ',') {
                --m_pos;
                fail("expected ',' or '}'");
            }
            skipSpace();
        }
    }

    void array(int depth) {
        if (depth >= kMaxDepth) {
            fail("nested too deeply");
        }
        ++m_pos;
        m_handler.start_array(std::numeric_limits<std::size_t>::max());
        skipSpace();
        if (peek() == ']') {
            ++m_pos;
            m_handler.end_array();
            return;
        }
        for (;;) {
            value(depth + 1);
            skipSpace();
            const char next = peek();
            ++m_pos;
            if (next == ']') {
                m_handler.end_array();
                return;
            }
            if (next != ',') {
                --m_pos;
                fail("expected ',' or ']'");
            }
            skipSpace();
        }
    }

    void literal(std::string_view word) {
        if (static_cast<std::size_t>(m_end - m_pos) < word.size() ||
            std::string_view(m_pos, word.size()) != word) {
            fail("invalid literal");
        }
        m_pos += word.size();
    }

    void number() {
        const char* start = m_pos;
        bool integral = true;
        if (peek() == '-') {
            ++m_pos;
        }
        if (peek() == '0') {
            ++m_pos;
        } else if (peek() >= '1' && peek() <= '9') {
            skipDigits();
        } else {
            fail("invalid value");
        }
        if (peek() == '.') {
            integral = false;
            ++m_pos;
            if (!isDigit(peek())) {
                fail("invalid number");
            }
            skipDigits();
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            ++m_pos;
            if (peek() == '+' || peek() == '-') {
                ++m_pos;
            }
            if (!isDigit(peek())) {
                fail("invalid number");
            }
            skipDigits();
        }
        if (integral) {
            if (*start == '-') {
                std::int64_t value = 0;
                const auto [end, error] = std::from_chars(start, m_pos, value);
                if (error == std::errc() && end == m_pos) {
                    m_handler.number_integer(value);
                    return;
                }
            } else {
                std::uint64_t value = 0;
                const auto [end, error] = std::from_chars(start, m_pos, value);
                if (error == std::errc() && end == m_pos) {
                    m_handler.number_unsigned(value);
                    return;
                }
            }
        }
        // Fractions, exponents and integers beyond 64 bits, as nlohmann's lexer reports them.
        m_raw.assign(start, m_pos);
        double value = 0;
        std::from_chars(start, m_pos, value);
        m_handler.number_float(value, m_raw);
    }

    static bool isDigit(char c) { return c >= '0' && c <= '9'; }
    void skipDigits() {
        while (m_pos < m_end && isDigit(*m_pos)) {
            ++m_pos;
        }
    }

    // Reads a string token at m_pos (on its opening quote) into `out`, unescaped.
    void readString(std::string& out) {
        ++m_pos;
        out.clear();
        for (;;) {
            const char* run = m_pos;
            while (m_pos < m_end) {
                const auto c = static_cast<unsigned char>(*m_pos);
                if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) {
                    break;
                }
                ++m_pos;
            }
            out.append(run, m_pos);
            if (m_pos >= m_end) {
                fail("unterminated string");
            }
            const auto c = static_cast<unsigned char>(*m_pos);
            if (c == '"') {
                ++m_pos;
                return;
            }
            if (c < 0x20) {
                fail("control character in a string");
            }
            if (c >= 0x80) {
                utf8Sequence(out);
            } else {
                escape(out);
            }
        }
    }

    // Copies one UTF-8 encoded code point after checking it (no overlongs or surrogates).
    void utf8Sequence(std::string& out) {
        const auto lead = static_cast<unsigned char>(*m_pos);
        int length = 0;
        unsigned char low = 0x80;
        unsigned char high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            low = lead == 0xE0 ? 0xA0 : 0x80;
            high = lead == 0xED ? 0x9F : 0xBF;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            low = lead == 0xF0 ? 0x90 : 0x80;
            high = lead == 0xF4 ? 0x8F : 0xBF;
        } else {
            fail("invalid UTF-8 in a string");
        }
        if (m_end - m_pos < length) {
            fail("invalid UTF-8 in a string");
        }
        for (int i = 1; i < length; ++i) {
            const auto next = static_cast<unsigned char>(m_pos[i]);
            if (next < (i == 1 ? low : 0x80) || next > (i == 1 ? high : 0xBF)) {
                fail("invalid UTF-8 in a string");
            }
        }
        out.append(m_pos, static_cast<std::size_t>(length));
        m_pos += length;
    }

    void escape(std::string& out) {
        ++m_pos;  // the backslash
        if (m_pos >= m_end) {
            fail("unterminated string");
        }
        const char c = *m_pos++;
        switch (c) {
            case '"':
            case '\\':
            case '/':
                out.push_back(c);
                return;
            case 'b':
                out.push_back('\b');
                return;
            case 'f':
                out.push_back('\f');
                return;
            case 'n':
                out.push_back('\n');
                return;
            case 'r':
                out.push_back('\r');
                return;
            case 't':
                out.push_back('\t');
                return;
            case 'u':
                break;
            default:
                --m_pos;
                fail("invalid escape in a string");
        }
        std::uint32_t code = hex4();
        if (code >= 0xD800 && code <= 0xDBFF) {
            if (m_end - m_pos < 2 || m_pos[0] != '\\' || m_pos[1] != 'u') {
                fail("a high surrogate without its low surrogate");
            }
            m_pos += 2;
            const std::uint32_t second = hex4();
            if (second < 0xDC00 || second > 0xDFFF) {
                fail("a high surrogate without its low surrogate");
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (second - 0xDC00);
        } else if (code >= 0xDC00 && code <= 0xDFFF) {
            fail("a low surrogate without its high surrogate");
        }
        const auto byte = [&out](std::uint32_t bits) { out.push_back(static_cast<char>(bits)); };
        if (code < 0x80) {
            byte(code);
        } else if (code < 0x800) {
            byte(0xC0 | (code >> 6));
            byte(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            byte(0xE0 | (code >> 12));
            byte(0x80 | ((code >> 6) & 0x3F));
            byte(0x80 | (code & 0x3F));
        } else {
            byte(0xF0 | (code >> 18));
            byte(0x80 | ((code >> 12) & 0x3F));
            byte(0x80 | ((code >> 6) & 0x3F));
            byte(0x80 | (code & 0x3F));
        }
    }

    std::uint32_t hex4() {
        if (m_end - m_pos < 4) {
            fail("invalid \\u escape");
        }
        std::uint32_t code = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = *m_pos++;
            code <<= 4;
            if (c >= '0' && c <= '9') {
                code |= static_cast<std::uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                code |= static_cast<std::uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                code |= static_cast<std::uint32_t>(c - 'A' + 10);
            } else {
                --m_pos;
                fail("invalid \\u escape");
            }
        }
        return code;
    }

    const char* m_begin;
    const char* m_pos;
    const char* m_end;
    Handler& m_handler;
    std::string m_key;   // reused: most keys fit its capacity after the first row
    std::string m_text;  // reused for string values
    std::string m_raw;
};

}  // namespace

ParsedPage parsePage(std::string_view body, const PageLayout& layout) {
    ParsedPage page;
    PageHandler handler(layout, page);
    PageScanner<PageHandler>(body, handler).run();
    return page;
}

std::optional<Value> valueFromJsonText(std::string_view text, ValueType type) {
    switch (type) {
        case ValueType::String:
            return Value(std::string(text));
        case ValueType::Guid:
            if (auto guid = parseGuid(text)) {
                return Value(std::move(*guid));
            }
            return std::nullopt;
        case ValueType::DateTime:
            if (auto at = parseDateTime(text)) {
                return Value(*at);
            }
            if (auto day = parseDate(text)) {
                return Value(DateTime{std::int64_t{day->days} * kMicrosPerDay});
            }
            return std::nullopt;
        case ValueType::Date:
            if (auto day = parseDate(text)) {
                return Value(*day);
            }
            if (auto at = parseDateTime(text)) {
                return Value(dateOf(*at));
            }
            return std::nullopt;
        case ValueType::Decimal:
            if (auto decimal = parseDecimal(text)) {
                return Value(std::move(*decimal));
            }
            return std::nullopt;
        case ValueType::Int:
            if (auto number = parseInt(text)) {
                return Value(*number);
            }
            return std::nullopt;
        case ValueType::Double:
            if (auto number = parseDouble(text)) {
                return Value(*number);
            }
            return std::nullopt;
        case ValueType::Bool:
            if (equalsIgnoreCase(text, "true")) {
                return Value(true);
            }
            if (equalsIgnoreCase(text, "false")) {
                return Value(false);
            }
            return std::nullopt;
        case ValueType::Binary:
            if (auto bytes = base64Decode(text)) {
                return Value(Binary{std::move(*bytes)});
            }
            return std::nullopt;
        case ValueType::Null:
            return Value();
    }
    return std::nullopt;
}

std::optional<Value> valueFromJsonNumber(std::string_view raw, ValueType type) {
    switch (type) {
        case ValueType::Int:
            if (auto number = parseInt(raw)) {
                return Value(*number);
            }
            return std::nullopt;
        case ValueType::Decimal:
            if (auto decimal = parseDecimal(raw)) {
                return Value(std::move(*decimal));
            }
            return std::nullopt;
        case ValueType::Double:
            if (auto number = parseDouble(raw)) {
                return Value(*number);
            }
            return std::nullopt;
        case ValueType::String:
            return Value(std::string(raw));
        case ValueType::Bool:
            if (raw == "0" || raw == "1") {
                return Value(raw == "1");
            }
            return std::nullopt;
        default:
            return std::nullopt;
    }
}

std::optional<Value> valueFromJsonBool(bool value, ValueType type) {
    switch (type) {
        case ValueType::Bool:
            return Value(value);
        case ValueType::Int:
            return Value(std::int64_t{value ? 1 : 0});
        case ValueType::String:
            return Value(std::string(value ? "true" : "false"));
        default:
            return std::nullopt;
    }
}

std::optional<std::string> jsonLiteral(const Value& value, ValueType type, std::string& problem) {
    if (value.isNull()) {
        return std::string("null");
    }
    const ValueType from = value.type();
    const auto invalid = [&](const char* what) -> std::optional<std::string> {
        // Appended piecewise: GCC 12 at -O3 misreports "literal + std::string&&" (-Wrestrict).
        problem.assign(1, '\'');
        problem += shortText(value.toDisplay());
        problem += "' is not ";
        problem += what;
        return std::nullopt;
    };
    switch (type) {
        case ValueType::String:
            if (from == ValueType::String) {
                return jsonQuoted(value.asString());
            }
            if (from == ValueType::Binary) {
                return invalid("text");
            }
            if (from == ValueType::Bool) {
                return jsonQuoted(value.asBool() ? "true" : "false");
            }
            return jsonQuoted(value.toDisplay());
        case ValueType::Int: {
            if (from == ValueType::Int) {
                return std::to_string(value.asInt());
            }
            if (from == ValueType::Bool) {
                return std::string(value.asBool() ? "1" : "0");
            }
            std::optional<std::int64_t> number;
            if (from == ValueType::Decimal) {
                number = parseInt(value.asDecimal().text);
            } else if (from == ValueType::String) {
                number = parseInt(value.asString());
            } else if (from == ValueType::Double) {
                const double d = value.asDouble();
                if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18) {
                    number = static_cast<std::int64_t>(d);
                }
            }
            if (number) {
                return std::to_string(*number);
            }
            return invalid("a whole number");
        }
        case ValueType::Decimal:
            if (from == ValueType::Decimal) {
                return value.asDecimal().text;
            }
            if (from == ValueType::Int) {
                return std::to_string(value.asInt());
            }
            if (from == ValueType::Double && std::isfinite(value.asDouble())) {
                return doubleText(value.asDouble());
            }
            if (from == ValueType::String) {
                if (auto decimal = parseDecimal(value.asString())) {
                    return decimal->text;
                }
            }
            return invalid("a number");
        case ValueType::Double:
            if (from == ValueType::Double) {
                const double d = value.asDouble();
                if (std::isnan(d)) {
                    return jsonQuoted("NaN");
                }
                if (std::isinf(d)) {
                    return jsonQuoted(d > 0 ? "INF" : "-INF");
                }
                return doubleText(d);
            }
            if (from == ValueType::Int) {
                return std::to_string(value.asInt());
            }
            if (from == ValueType::Decimal) {
                return value.asDecimal().text;
            }
            if (from == ValueType::String) {
                if (auto number = parseDouble(value.asString()); number && std::isfinite(*number)) {
                    return doubleText(*number);
                }
            }
            return invalid("a number");
        case ValueType::Bool:
            if (from == ValueType::Bool) {
                return std::string(value.asBool() ? "true" : "false");
            }
            if (from == ValueType::Int && (value.asInt() == 0 || value.asInt() == 1)) {
                return std::string(value.asInt() == 1 ? "true" : "false");
            }
            if (from == ValueType::String) {
                const std::string& text = value.asString();
                if (equalsIgnoreCase(text, "true") || text == "1") {
                    return std::string("true");
                }
                if (equalsIgnoreCase(text, "false") || text == "0") {
                    return std::string("false");
                }
            }
            return invalid("true or false");
        case ValueType::DateTime:
            if (from == ValueType::DateTime) {
                return jsonQuoted(formatDateTime(value.asDateTime()));
            }
            if (from == ValueType::Date) {
                return jsonQuoted(formatDateTime(DateTime{value.asDate().days * kMicrosPerDay}));
            }
            if (from == ValueType::String) {
                if (auto at = parseDateTime(value.asString())) {
                    return jsonQuoted(formatDateTime(*at));
                }
            }
            return invalid("a date and time");
        case ValueType::Date:
            if (from == ValueType::Date) {
                return jsonQuoted(formatDate(value.asDate()));
            }
            if (from == ValueType::DateTime) {
                return jsonQuoted(formatDate(dateOf(value.asDateTime())));
            }
            if (from == ValueType::String) {
                if (auto day = parseDate(value.asString())) {
                    return jsonQuoted(formatDate(*day));
                }
            }
            return invalid("a date");
        case ValueType::Guid:
            if (from == ValueType::Guid) {
                return jsonQuoted(value.asGuid().text);
            }
            if (from == ValueType::String) {
                if (auto guid = parseGuid(value.asString())) {
                    return jsonQuoted(guid->text);
                }
            }
            return invalid("a GUID");
        case ValueType::Binary:
            if (from == ValueType::Binary) {
                return jsonQuoted(base64Encode(value.asBinary().bytes));
            }
            if (from == ValueType::String) {
                const std::string& text = value.asString();
                return jsonQuoted(
                    base64Encode(std::vector<std::uint8_t>(text.begin(), text.end())));
            }
            return invalid("binary data");
        case ValueType::Null:
            return std::string("null");
    }
    return invalid("storable here");
}

void appendJsonString(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (byte < 0x20) {
                    out += "\\u00";
                    out += kHex[byte >> 4];
                    out += kHex[byte & 0x0F];
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

std::string base64Encode(const std::vector<std::uint8_t>& bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const std::uint32_t n =
            (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (i < bytes.size()) {
        std::uint32_t n = std::uint32_t{bytes[i]} << 16;
        if (i + 1 < bytes.size()) {
            n |= std::uint32_t{bytes[i + 1]} << 8;
        }
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text) {
    const auto sextet = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        if (c == '+' || c == '-') {
            return 62;
        }
        if (c == '/' || c == '_') {
            return 63;
        }
        return -1;
    };
    while (!text.empty() && text.back() == '=') {
        text.remove_suffix(1);
    }
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::vector<std::uint8_t> out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const int value = sextet(c);
        if (value < 0) {
            return std::nullopt;
        }
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>((buffer >> bits) & 0xFF));
        }
    }
    return out;
}

std::array<std::uint8_t, 20> sha1(std::string_view data) {
    std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    std::string message(data);
    const std::uint64_t bitLength = static_cast<std::uint64_t>(data.size()) * 8;
    message += static_cast<char>(0x80);
    while (message.size() % 64 != 56) {
        message += '\0';
    }
    for (int shift = 56; shift >= 0; shift -= 8) {
        message += static_cast<char>((bitLength >> shift) & 0xFF);
    }
    const auto rotl = [](std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
    for (std::size_t chunk = 0; chunk < message.size(); chunk += 64) {
        std::uint32_t w[80];
        for (int i = 0; i < 16; ++i) {
            const auto* p = reinterpret_cast<const unsigned char*>(message.data() + chunk + 4 * i);
            w[i] = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                   (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
        }
        for (int i = 16; i < 80; ++i) {
            w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        }
        std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; ++i) {
            std::uint32_t f = 0;
            std::uint32_t k = 0;
            if (i < 20) {
                f = (b & c) | (~b & d);
                k = 0x5A827999;
            } else if (i < 40) {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1;
            } else if (i < 60) {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDC;
            } else {
                f = b ^ c ^ d;
                k = 0xCA62C1D6;
            }
            const std::uint32_t temp = rotl(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rotl(b, 30);
            b = a;
            a = temp;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }
    std::array<std::uint8_t, 20> digest{};
    for (int i = 0; i < 5; ++i) {
        for (int j = 0; j < 4; ++j) {
            digest[static_cast<std::size_t>(i * 4 + j)] =
                static_cast<std::uint8_t>((h[i] >> (24 - 8 * j)) & 0xFF);
        }
    }
    return digest;
}

Guid nameBasedGuid(std::string_view name) {
    // Ferry's own namespace UUID (random, fixed forever: changing it would change every key).
    static constexpr std::uint8_t kNamespace[16] = {0x5f, 0x3c, 0x8a, 0x21, 0x9d, 0x47, 0x4e, 0x0b,
                                                    0xa6, 0x13, 0x72, 0xc4, 0xe8, 0x15, 0xd9, 0x60};
    std::string input(reinterpret_cast<const char*>(kNamespace), sizeof kNamespace);
    input += name;
    const auto digest = sha1(input);
    std::vector<std::uint8_t> bytes(digest.begin(), digest.begin() + 16);
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x50);  // version 5
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
    const std::string hex = toHex(bytes);
    return Guid{hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
                hex.substr(16, 4) + "-" + hex.substr(20, 12)};
}

Guid replicationGuid(std::string_view serviceRoot, std::string_view entitySet,
                     std::string_view origin) {
    std::string root(serviceRoot);
    for (auto& c : root) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    while (!root.empty() && root.back() == '/') {
        root.pop_back();
    }
    return nameBasedGuid(root + "|" + std::string(entitySet) + "|" + std::string(origin));
}

}  // namespace ferry::odata
