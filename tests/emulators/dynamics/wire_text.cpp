// Text forms on the wire: GUIDs, dates, JSON string escaping, percent-encoding, numbers.
#include "wire_text.h"

#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace ferry::emulator {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void appendPadded(std::string& out, std::int64_t value, int width) {
    char buffer[24];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    for (int n = static_cast<int>(result.ptr - buffer); n < width; ++n)
        out.push_back('0');
    out.append(buffer, result.ptr);
}

struct Civil {
    int year;
    unsigned month, day;
};

// Howard Hinnant's days <-> civil date algorithms (proleptic Gregorian calendar).
Civil civilFromDays(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<int>(y + (m <= 2)), m, d};
}

bool readDigits(std::string_view text, std::size_t pos, std::size_t count, int& value) {
    if (pos + count > text.size())
        return false;
    value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (text[i] - '0');
    }
    return true;
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

std::optional<Guid> Guid::parse(std::string_view text) {
    if (text.size() == 38 && text.front() == '{' && text.back() == '}')
        text = text.substr(1, 36);
    if (text.size() != 36)
        return std::nullopt;
    Guid g;
    int digits = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-')
                return std::nullopt;
            continue;
        }
        const int v = common::hexValue(text[i]);
        if (v < 0)
            return std::nullopt;
        auto& half = digits < 16 ? g.hi : g.lo;
        half = (half << 4) | static_cast<std::uint64_t>(v);
        ++digits;
    }
    return g;
}

Guid Guid::fromRandom(std::uint64_t& state) {
    Guid g{nextRandom(state), nextRandom(state)};
    g.hi = (g.hi & ~0xF000ULL) | 0x4000ULL;                         // version 4
    g.lo = (g.lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
    return g;
}

void Guid::appendTo(std::string& out) const {
    // A page of accounts writes two GUIDs per row: two hex digits per byte from one table.
    static constexpr auto kPairs = [] {
        std::array<char, 512> pairs{};
        for (int i = 0; i < 256; ++i) {
            pairs[static_cast<std::size_t>(2 * i)] = kHex[i >> 4];
            pairs[static_cast<std::size_t>(2 * i + 1)] = kHex[i & 0xF];
        }
        return pairs;
    }();
    char buffer[36];
    char* p = buffer;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        const std::uint64_t half = i < 8 ? hi : lo;
        const auto byte = static_cast<std::size_t>((half >> ((7 - (i % 8)) * 8)) & 0xFF);
        *p++ = kPairs[2 * byte];
        *p++ = kPairs[2 * byte + 1];
    }
    out.append(buffer, sizeof buffer);
}

std::string Guid::str() const {
    std::string out;
    appendTo(out);
    return out;
}

namespace {

// Whether any of the 8 bytes of `word` is a control character, '"' or '\\' (bit tricks from
// "Bit Twiddling Hacks": a byte below n, a byte equal to n).
bool needsEscape(std::uint64_t word) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
    const auto below = [&](std::uint64_t x, std::uint64_t n) {
        return (x - kOnes * n) & ~x & kHigh;
    };
    const std::uint64_t quote = word ^ (kOnes * '"');
    const std::uint64_t backslash = word ^ (kOnes * '\\');
    return (below(word, 0x20) | below(quote, 1) | below(backslash, 1)) != 0;
}

}  // namespace

void appendJsonString(std::string& out, std::string_view text) {
    out.push_back('"');
    std::size_t start = 0;
    std::size_t i = 0;
    // Most texts need no escaping: skip eight bytes at a time while none does.
    while (i + 8 <= text.size()) {
        std::uint64_t word;
        std::memcpy(&word, text.data() + i, sizeof word);
        if (needsEscape(word))
            break;
        i += 8;
    }
    for (; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(text.substr(start, i - start));
        start = i + 1;
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
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                out += "\\u00";
                out.push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 0xF]);
        }
    }
    out.append(text.substr(start));
    out.push_back('"');
}

void appendInt(std::string& out, std::int64_t value) {
    char buffer[24];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

void appendDouble(std::string& out, double value) {
    char buffer[40];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

void appendScaled(std::string& out, std::int64_t value, int scale) {
    std::int64_t divisor = 1;
    for (int i = 0; i < scale; ++i)
        divisor *= 10;
    // Negative values: write the sign, then work with the magnitude (as unsigned: INT64_MIN).
    auto magnitude = static_cast<std::uint64_t>(value);
    if (value < 0) {
        out.push_back('-');
        magnitude = ~magnitude + 1;
    }
    const auto udivisor = static_cast<std::uint64_t>(divisor);
    char buffer[24];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, magnitude / udivisor);
    out.append(buffer, result.ptr);
    if (scale > 0) {
        out.push_back('.');
        result = std::to_chars(buffer, buffer + sizeof buffer, magnitude % udivisor);
        for (int n = static_cast<int>(result.ptr - buffer); n < scale; ++n)
            out.push_back('0');
        out.append(buffer, result.ptr);
    }
}

std::string percentEncode(std::string_view text) {
    return common::percentEncode(text, common::HexCase::Lower);
}

std::int64_t daysFromCivil(int year, unsigned month, unsigned day) {
    const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void appendDate(std::string& out, std::int64_t days) {
    const Civil c = civilFromDays(days);
    appendPadded(out, c.year, 4);
    out.push_back('-');
    appendPadded(out, c.month, 2);
    out.push_back('-');
    appendPadded(out, c.day, 2);
}

void appendDateTime(std::string& out, std::int64_t seconds) {
    const std::int64_t days = floorDiv(seconds, 86400);
    const std::int64_t rest = seconds - days * 86400;
    appendDate(out, days);
    out.push_back('T');
    appendPadded(out, rest / 3600, 2);
    out.push_back(':');
    appendPadded(out, rest / 60 % 60, 2);
    out.push_back(':');
    appendPadded(out, rest % 60, 2);
    out.push_back('Z');
}

std::string formatDate(std::int64_t days) {
    std::string out;
    appendDate(out, days);
    return out;
}

std::string formatDateTime(std::int64_t seconds) {
    std::string out;
    appendDateTime(out, seconds);
    return out;
}

std::optional<std::int64_t> parseDate(std::string_view text) {
    int year = 0, month = 0, day = 0;
    if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !readDigits(text, 0, 4, year) ||
        !readDigits(text, 5, 2, month) || !readDigits(text, 8, 2, day))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return std::nullopt;
    const auto days = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    // Reject dates such as 2023-02-30 that would roll over into the next month.
    if (civilFromDays(days).day != static_cast<unsigned>(day))
        return std::nullopt;
    return days;
}

std::optional<std::int64_t> parseDateTime(std::string_view text) {
    const auto days = parseDate(text.substr(0, std::min<std::size_t>(10, text.size())));
    if (!days)
        return std::nullopt;
    std::int64_t seconds = *days * 86400;
    if (text.size() == 10)
        return seconds;
    if (text[10] != 'T' && text[10] != ' ')
        return std::nullopt;
    int hour = 0, minute = 0, second = 0;
    std::size_t pos = 11;
    if (!readDigits(text, pos, 2, hour) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
        !readDigits(text, pos + 3, 2, minute))
        return std::nullopt;
    pos += 5;
    if (pos < text.size() && text[pos] == ':') {
        if (!readDigits(text, pos + 1, 2, second))
            return std::nullopt;
        pos += 3;
        if (pos < text.size() && text[pos] == '.') {
            ++pos;
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
                ++pos;
        }
    }
    if (hour > 23 || minute > 59 || second > 59)
        return std::nullopt;
    seconds += hour * 3600 + minute * 60 + second;
    if (pos == text.size() || (text[pos] == 'Z' && pos + 1 == text.size()))
        return seconds;
    int offsetHours = 0, offsetMinutes = 0;
    if ((text[pos] != '+' && text[pos] != '-') || text.size() != pos + 6 ||
        !readDigits(text, pos + 1, 2, offsetHours) || text[pos + 3] != ':' ||
        !readDigits(text, pos + 4, 2, offsetMinutes))
        return std::nullopt;
    const int offset = offsetHours * 3600 + offsetMinutes * 60;
    return text[pos] == '+' ? seconds - offset : seconds + offset;
}

std::string formatUserDate(std::int64_t days) {
    const Civil c = civilFromDays(days);
    return std::to_string(c.month) + "/" + std::to_string(c.day) + "/" + std::to_string(c.year);
}

std::string formatUserDateTime(std::int64_t seconds) {
    const std::int64_t days = floorDiv(seconds, 86400);
    const std::int64_t rest = seconds - days * 86400;
    const std::int64_t hour = rest / 3600;
    const std::int64_t hour12 = hour % 12 == 0 ? 12 : hour % 12;
    std::string out = formatUserDate(days) + " " + std::to_string(hour12) + ":";
    appendPadded(out, rest / 60 % 60, 2);
    out += hour < 12 ? " AM" : " PM";
    return out;
}

std::string formatGrouped(std::int64_t value) {
    std::string digits = std::to_string(value < 0 ? -value : value);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out.push_back(',');
        out.push_back(digits[i]);
    }
    return value < 0 ? "-" + out : out;
}

std::string formatMoney(std::int64_t tenThousandths) {
    const bool negative = tenThousandths < 0;
    const std::int64_t magnitude = negative ? -tenThousandths : tenThousandths;
    const std::int64_t cents = (magnitude + 50) / 100;
    std::string out = negative ? "-$" : "$";
    out += formatGrouped(cents / 100);
    out.push_back('.');
    appendPadded(out, cents % 100, 2);
    return out;
}

}  // namespace ferry::emulator
