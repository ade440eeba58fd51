// Value accessors, canonical text, and the parsers/formatters shared by providers.
#include "ferry/value.h"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "ferry/error.h"

namespace ferry {

namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

// Decimal texts beyond this many digit positions are refused (e.g. "1e999999999" must not
// allocate a gigabyte). Every finite double fits comfortably.
constexpr std::int64_t kMaxDecimalPositions = 4096;

// Strings are UTF-8 and a 0xFF byte never occurs in UTF-8, so no string canonicalizes to this.
constexpr std::string_view kNullCanonical =
    "\xFF"
    "null";

[[noreturn]] void wrongType(ValueType actual, ValueType wanted) {
    throw Error(ErrorCode::Internal,
                std::string("value holds ") + toString(actual) + ", not " + toString(wanted));
}

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

std::string_view trimSpaces(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

// Reads exactly `count` digits at `pos`; advances `pos`.
bool readDigits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
    if (pos + count > text.size()) {
        return false;
    }
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (!isDigit(c)) {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    pos += count;
    out = value;
    return true;
}

bool isLeapYear(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned daysInMonth(int year, unsigned month) {
    static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30,
                                                       31, 31, 30, 31, 30, 31};
    return month == 2 && isLeapYear(year) ? 29 : kDays[month - 1];
}

// "YYYY-MM-DD" at the start of `text`; advances `pos`.
bool readDate(std::string_view text, std::size_t& pos, Date& out) {
    int year = 0;
    int month = 0;
    int day = 0;
    if (!readDigits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
        !readDigits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
        !readDigits(text, pos, 2, day)) {
        return false;
    }
    if (month < 1 || month > 12 || day < 1 ||
        static_cast<unsigned>(day) > daysInMonth(year, static_cast<unsigned>(month))) {
        return false;
    }
    out = dateFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return true;
}

void appendPadded(std::string& out, std::int64_t value, int width) {
    std::array<char, 24> buffer{};
    auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    (void)ec;  // 24 characters always hold an int64
    const auto length = static_cast<int>(end - buffer.data());
    for (int i = length; i < width; ++i) {
        out += '0';
    }
    out.append(buffer.data(), end);
}

std::string doubleText(double value) {
    if (std::isnan(value)) {
        return "nan";
    }
    if (std::isinf(value)) {
        return value < 0 ? "-inf" : "inf";
    }
    std::array<char, 64> buffer{};
    auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    (void)ec;  // 64 characters always hold the shortest round-trip form of a double
    return {buffer.data(), end};
}

std::string toLower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

}  // namespace

const char* toString(ValueType type) {
    switch (type) {
        case ValueType::Null:
            return "null";
        case ValueType::Bool:
            return "bool";
        case ValueType::Int:
            return "int";
        case ValueType::Double:
            return "double";
        case ValueType::Decimal:
            return "decimal";
        case ValueType::String:
            return "string";
        case ValueType::DateTime:
            return "date-time";
        case ValueType::Date:
            return "date";
        case ValueType::Guid:
            return "guid";
        case ValueType::Binary:
            return "binary";
    }
    return "null";
}

std::optional<ValueType> valueTypeFromString(std::string_view name) {
    for (int i = 0; i <= static_cast<int>(ValueType::Binary); ++i) {
        const auto type = static_cast<ValueType>(i);
        if (name == toString(type)) {
            return type;
        }
    }
    return std::nullopt;
}

// --- accessors -------------------------------------------------------------------------------

bool Value::asBool() const {
    if (const auto* v = std::get_if<bool>(&m_data)) {
        return *v;
    }
    wrongType(type(), ValueType::Bool);
}

std::int64_t Value::asInt() const {
    if (const auto* v = std::get_if<std::int64_t>(&m_data)) {
        return *v;
    }
    wrongType(type(), ValueType::Int);
}

double Value::asDouble() const {
    if (const auto* v = std::get_if<double>(&m_data)) {
        return *v;
    }
    wrongType(type(), ValueType::Double);
}

const Decimal& Value::asDecimal() const {
    if (const auto* v = std::get_if<Decimal>(&m_data)) {
        return *v;
    }
    wrongType(type(), ValueType::Decimal);
}

const std::string& Value::asString() const {
    if (const auto* v = std::get_if<std::string>(&m_data)) {
        return *v;
    }
    wrongType(type(), ValueType::String);
}

DateTime Value::asDateTime() const {
    if (const auto* v = std::get_if<DateTime>(&m_data)) {
        return *v;
    }
    wrongType(type(), ValueType::DateTime);
}

Date Value::asDate() const {
    if (const auto* v = std::get_if<Date>(&m_data)) {
        return *v;
    }
    wrongType(type(), ValueType::Date);
}

const Guid& Value::asGuid() const {
    if (const auto* v = std::get_if<Guid>(&m_data)) {
        return *v;
    }
    wrongType(type(), ValueType::Guid);
}

const Binary& Value::asBinary() const {
    if (const auto* v = std::get_if<Binary>(&m_data)) {
        return *v;
    }
    wrongType(type(), ValueType::Binary);
}

// --- text forms ------------------------------------------------------------------------------

std::string Value::canonical() const {
    switch (type()) {
        case ValueType::Null:
            return std::string(kNullCanonical);
        case ValueType::Bool:
            return asBool() ? "1" : "0";
        case ValueType::Int:
            return std::to_string(asInt());
        case ValueType::Double: {
            // The shortest round-trip text, rewritten without exponent so that it matches the
            // decimal and integer forms of the same number.
            const std::string text = doubleText(asDouble());
            const auto decimal = parseDecimal(text);
            return decimal ? decimal->text : text;
        }
        case ValueType::Decimal: {
            // Decimal is a plain struct: a provider may have stored "5.00"; compare by value.
            const auto decimal = parseDecimal(asDecimal().text);
            return decimal ? decimal->text : asDecimal().text;
        }
        case ValueType::String:
            return asString();
        case ValueType::DateTime:
            return formatDateTime(asDateTime());
        case ValueType::Date:
            return formatDate(asDate());
        case ValueType::Guid: {
            const auto guid = parseGuid(asGuid().text);
            return guid ? guid->text : toLower(asGuid().text);
        }
        case ValueType::Binary:
            return toHex(asBinary().bytes);
    }
    return {};
}

std::string Value::toDisplay() const {
    switch (type()) {
        case ValueType::Null:
            return {};
        case ValueType::Bool:
            return asBool() ? "true" : "false";
        case ValueType::Double:
            return doubleText(asDouble());
        case ValueType::Decimal:
            return asDecimal().text;
        case ValueType::Guid:
            return asGuid().text;
        case ValueType::Binary:
            return "0x" + toHex(asBinary().bytes);
        default:
            return canonical();
    }
}

// --- parsers and formatters ------------------------------------------------------------------

std::optional<Decimal> parseDecimal(std::string_view text) {
    text = trimSpaces(text);
    std::size_t pos = 0;
    bool negative = false;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        negative = text[pos] == '-';
        ++pos;
    }
    std::string digits;
    std::int64_t integerDigits = 0;
    bool anyDigit = false;
    while (pos < text.size() && isDigit(text[pos])) {
        digits += text[pos++];
        ++integerDigits;
        anyDigit = true;
    }
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        while (pos < text.size() && isDigit(text[pos])) {
            digits += text[pos++];
            anyDigit = true;
        }
    }
    if (!anyDigit) {
        return std::nullopt;
    }
    std::int64_t exponent = 0;
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
        ++pos;
        bool negativeExponent = false;
        if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
            negativeExponent = text[pos] == '-';
            ++pos;
        }
        if (pos >= text.size() || !isDigit(text[pos])) {
            return std::nullopt;
        }
        while (pos < text.size() && isDigit(text[pos])) {
            if (exponent < 1'000'000'000) {  // saturate; range is checked below
                exponent = exponent * 10 + (text[pos] - '0');
            }
            ++pos;
        }
        if (negativeExponent) {
            exponent = -exponent;
        }
    }
    if (pos != text.size()) {
        return std::nullopt;
    }

    // The value is 0.<digits> * 10^point.
    std::int64_t point = integerDigits + exponent;
    std::size_t first = 0;
    while (first < digits.size() && digits[first] == '0') {
        ++first;
        --point;
    }
    std::size_t last = digits.size();
    while (last > first && digits[last - 1] == '0') {
        --last;
    }
    if (first == last) {
        return Decimal{"0"};  // also "-0", "0e5", "-0.000"
    }
    const std::string_view significant(digits.data() + first, last - first);
    const auto length = static_cast<std::int64_t>(significant.size());
    if (point > kMaxDecimalPositions || point < -kMaxDecimalPositions) {
        return std::nullopt;
    }
    std::string out = negative ? "-" : "";
    if (point <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-point), '0');
        out += significant;
    } else if (point >= length) {
        out += significant;
        out.append(static_cast<std::size_t>(point - length), '0');
    } else {
        out += significant.substr(0, static_cast<std::size_t>(point));
        out += '.';
        out += significant.substr(static_cast<std::size_t>(point));
    }
    return Decimal{std::move(out)};
}

std::optional<DateTime> parseDateTime(std::string_view text) {
    text = trimSpaces(text);
    std::size_t pos = 0;
    Date date;
    if (!readDate(text, pos, date)) {
        return std::nullopt;
    }
    // A date alone is a Date, not a DateTime.
    if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
        return std::nullopt;
    }
    ++pos;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!readDigits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
        !readDigits(text, pos, 2, minute)) {
        return std::nullopt;
    }
    std::int64_t fractionMicros = 0;
    if (pos < text.size() && text[pos] == ':') {
        ++pos;
        if (!readDigits(text, pos, 2, second)) {
            return std::nullopt;
        }
        if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
            ++pos;
            std::size_t count = 0;
            while (pos < text.size() && isDigit(text[pos])) {
                if (count < 6) {  // digits beyond microseconds are truncated
                    fractionMicros = fractionMicros * 10 + (text[pos] - '0');
                }
                ++count;
                ++pos;
            }
            if (count == 0 || count > 9) {
                return std::nullopt;
            }
            for (std::size_t i = count; i < 6; ++i) {
                fractionMicros *= 10;
            }
        }
    }
    if (hour > 23 || minute > 59 || second > 59) {
        return std::nullopt;
    }
    std::int64_t offsetMinutes = 0;
    if (pos < text.size()) {
        const char c = text[pos++];
        if (c == 'Z' || c == 'z') {
            // UTC
        } else if (c == '+' || c == '-') {
            int offsetHours = 0;
            int offsetMins = 0;
            if (!readDigits(text, pos, 2, offsetHours)) {
                return std::nullopt;
            }
            if (pos < text.size()) {
                if (text[pos] == ':') {
                    ++pos;
                }
                if (!readDigits(text, pos, 2, offsetMins)) {
                    return std::nullopt;
                }
            }
            if (offsetHours > 23 || offsetMins > 59) {
                return std::nullopt;
            }
            offsetMinutes = (std::int64_t{offsetHours} * 60 + offsetMins) * (c == '-' ? -1 : 1);
        } else {
            return std::nullopt;
        }
    }
    if (pos != text.size()) {
        return std::nullopt;
    }
    const std::int64_t localSeconds = static_cast<std::int64_t>(date.days) * 86'400 +
                                      std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 +
                                      second;
    const std::int64_t utcSeconds = localSeconds - offsetMinutes * 60;
    return DateTime{utcSeconds * kMicrosPerSecond + fractionMicros};
}

std::string formatDateTime(DateTime value) {
    std::int64_t days = value.micros / kMicrosPerDay;
    std::int64_t rest = value.micros % kMicrosPerDay;
    if (rest < 0) {
        rest += kMicrosPerDay;
        --days;
    }
    std::string out = formatDate(Date{static_cast<std::int32_t>(days)});
    const std::int64_t seconds = rest / kMicrosPerSecond;
    std::int64_t fraction = rest % kMicrosPerSecond;
    out += 'T';
    appendPadded(out, seconds / 3600, 2);
    out += ':';
    appendPadded(out, seconds / 60 % 60, 2);
    out += ':';
    appendPadded(out, seconds % 60, 2);
    if (fraction != 0) {
        int width = 6;
        while (fraction % 10 == 0) {
            fraction /= 10;
            --width;
        }
        out += '.';
        appendPadded(out, fraction, width);
    }
    out += 'Z';
    return out;
}

std::optional<Date> parseDate(std::string_view text) {
    text = trimSpaces(text);
    std::size_t pos = 0;
    Date date;
    if (!readDate(text, pos, date) || pos != text.size()) {
        return std::nullopt;
    }
    return date;
}

std::string formatDate(Date value) {
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    civilFromDate(value, year, month, day);
    std::string out;
    if (year < 0) {
        out += '-';
    }
    appendPadded(out, year < 0 ? -static_cast<std::int64_t>(year) : year, 4);
    out += '-';
    appendPadded(out, month, 2);
    out += '-';
    appendPadded(out, day, 2);
    return out;
}

std::optional<Guid> parseGuid(std::string_view text) {
    text = trimSpaces(text);
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
        text = text.substr(1, text.size() - 2);
    }
    std::string hex;
    if (text.size() == 36) {
        for (std::size_t i = 0; i < text.size(); ++i) {
            const bool dashPosition = i == 8 || i == 13 || i == 18 || i == 23;
            if (dashPosition != (text[i] == '-')) {
                return std::nullopt;
            }
            if (!dashPosition) {
                hex += text[i];
            }
        }
    } else if (text.size() == 32) {
        hex = std::string(text);
    } else {
        return std::nullopt;
    }
    std::string out;
    for (std::size_t i = 0; i < hex.size(); ++i) {
        const char c = hex[i];
        const bool valid = isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!valid) {
            return std::nullopt;
        }
        if (i == 8 || i == 12 || i == 16 || i == 20) {
            out += '-';
        }
        out += (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return Guid{std::move(out)};
}

std::string toHex(const std::vector<std::uint8_t>& bytes) {
    static constexpr std::string_view kDigits = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::uint8_t byte : bytes) {
        out += kDigits[byte >> 4];
        out += kDigits[byte & 0x0F];
    }
    return out;
}

// Howard Hinnant's days_from_civil / civil_from_days: the year is shifted to start in March so
// that the leap day is the last day of the year; 400-year eras repeat exactly (146097 days).
Date dateFromCivil(int year, unsigned month, unsigned day) {
    const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yearOfEra = y - era * 400;                             // [0, 399]
    const std::int64_t monthFromMarch = month > 2 ? month - 3 : month + 9;    // [0, 11]
    const std::int64_t dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1;  // [0, 365]
    const std::int64_t dayOfEra =
        yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;  // [0, 146096]
    return Date{static_cast<std::int32_t>(era * 146097 + dayOfEra - 719468)};
}

void civilFromDate(Date date, int& year, unsigned& month, unsigned& day) {
    const std::int64_t z = static_cast<std::int64_t>(date.days) + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t dayOfEra = z - era * 146097;  // [0, 146096]
    const std::int64_t yearOfEra =
        (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;  // [0, 399]
    const std::int64_t dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const std::int64_t monthFromMarch = (5 * dayOfYear + 2) / 153;  // [0, 11]
    day = static_cast<unsigned>(dayOfYear - (153 * monthFromMarch + 2) / 5 + 1);
    month = static_cast<unsigned>(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9);
    year = static_cast<int>(yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
}

// FNV-1a 64 over the bytes, then the MurmurHash3 fmix64 finalizer so that every output bit
// depends on every input bit. Stored on disk: never change this function.
std::uint64_t hashText(std::string_view text) {
    // Eight bytes per step (little-endian words, so every platform stores the same hashes),
    // then the MurmurHash3 finaliser so that every output bit depends on every input bit.
    constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ULL;
    constexpr std::uint64_t kStep = 0xbf58476d1ce4e5b9ULL;
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t size = text.size();
    std::uint64_t hash = 0xcbf29ce484222325ULL ^ (static_cast<std::uint64_t>(size) * kMul);
    auto absorb = [&hash](std::uint64_t word) {
        hash ^= word * kMul;
        hash = ((hash << 29) | (hash >> 35)) * kStep;
    };
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, bytes + i, 8);
        if constexpr (std::endian::native == std::endian::big) {
            word = __builtin_bswap64(word);
        }
        absorb(word);
    }
    if (i < size) {
        std::uint64_t word = 0;
        for (std::size_t b = size; b > i; --b) {
            word = (word << 8) | bytes[b - 1];
        }
        absorb(word);
    }
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdULL;
    hash ^= hash >> 33;
    hash *= 0xc4ceb9fe1a85ec53ULL;
    hash ^= hash >> 33;
    return hash;
}

}  // namespace ferry
