// Text forms on the SharePoint wire: percent-encoding, query strings, dates, GUIDs, numbers.
#include "sp_text.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace ferry::emulator::sp {
namespace {

char lowerAscii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Howard Hinnant's days_from_civil / civil_from_days.
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civilFromDays(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

bool readDigits(std::string_view text, std::size_t& pos, int count, int& out) {
    if (pos + static_cast<std::size_t>(count) > text.size())
        return false;
    out = 0;
    for (int i = 0; i < count; ++i) {
        const char c = text[pos + static_cast<std::size_t>(i)];
        if (c < '0' || c > '9')
            return false;
        out = out * 10 + (c - '0');
    }
    pos += static_cast<std::size_t>(count);
    return true;
}

}  // namespace

std::string percentEncode(std::string_view text) {
    return common::percentEncode(text, common::HexCase::Upper);
}

std::optional<NameValues> parseQuery(std::string_view query, bool plusIsSpace) {
    NameValues pairs;
    std::size_t start = 0;
    while (start <= query.size()) {
        auto end = query.find('&', start);
        if (end == std::string_view::npos)
            end = query.size();
        const std::string_view part = query.substr(start, end - start);
        if (!part.empty()) {
            const auto eq = part.find('=');
            auto name = percentDecode(part.substr(0, eq), plusIsSpace);
            auto value = percentDecode(
                eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1),
                plusIsSpace);
            if (!name || !value)
                return std::nullopt;
            pairs.emplace_back(std::move(*name), std::move(*value));
        }
        start = end + 1;
    }
    return pairs;
}

std::optional<std::string> findValue(const NameValues& pairs, std::string_view name) {
    for (const auto& [key, value] : pairs)
        if (key == name)
            return value;
    return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && compareIgnoreCase(a, b) == 0;
}

bool istartsWith(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string toLower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = lowerAscii(c);
    return out;
}

std::string formatIso(std::int64_t seconds) {
    std::int64_t days = seconds / 86400;
    std::int64_t rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    std::int64_t y = 0;
    unsigned m = 0, d = 0;
    civilFromDays(days, y, m, d);
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                  static_cast<long long>(y), m, d, static_cast<long long>(rest / 3600),
                  static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
    return buffer;
}

std::optional<std::int64_t> parseIso(std::string_view text) {
    std::size_t pos = 0;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!readDigits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
        !readDigits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
        !readDigits(text, pos, 2, day))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return std::nullopt;
    std::int64_t offset = 0;
    if (pos < text.size()) {
        if (text[pos] != 'T' && text[pos] != ' ')
            return std::nullopt;
        ++pos;
        if (!readDigits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
            !readDigits(text, pos, 2, minute))
            return std::nullopt;
        if (pos < text.size() && text[pos] == ':') {
            ++pos;
            if (!readDigits(text, pos, 2, second))
                return std::nullopt;
            if (pos < text.size() && text[pos] == '.') {
                ++pos;
                while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
                    ++pos;
            }
        }
        if (pos < text.size()) {
            if (text[pos] == 'Z' && pos + 1 == text.size()) {
                pos = text.size();
            } else if (text[pos] == '+' || text[pos] == '-') {
                const int sign = text[pos] == '-' ? -1 : 1;
                ++pos;
                int oh = 0, om = 0;
                if (!readDigits(text, pos, 2, oh) || pos >= text.size() || text[pos++] != ':' ||
                    !readDigits(text, pos, 2, om) || pos != text.size())
                    return std::nullopt;
                offset = sign * (oh * 3600 + om * 60);
            } else {
                return std::nullopt;
            }
        }
        if (hour > 23 || minute > 59 || second > 59)
            return std::nullopt;
    }
    return daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
           hour * 3600 + minute * 60 + second - offset;
}

std::int64_t nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t dotNetTicks(std::int64_t unixSeconds) {
    return (unixSeconds + 62135596800LL) * 10000000LL;
}

std::string formatRfc1123(std::int64_t seconds) {
    static constexpr const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::int64_t days = seconds / 86400;
    const std::int64_t rest = seconds % 86400;
    std::int64_t y = 0;
    unsigned m = 0, d = 0;
    civilFromDays(days, y, m, d);
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%s, %02u %s %04lld %02lld:%02lld:%02lld -0000",
                  kDays[((days % 7) + 7) % 7], d, kMonths[m - 1], static_cast<long long>(y),
                  static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                  static_cast<long long>(rest % 60));
    return buffer;
}

std::string formatNumber(double value) {
    if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15)
        return std::to_string(static_cast<long long>(value));
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::optional<double> parseNumber(std::string_view text) {
    if (!text.empty() && text.front() == '+')
        text.remove_prefix(1);
    double value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size() || text.empty() ||
        !std::isfinite(value))
        return std::nullopt;
    return value;
}

std::string encodeInternalName(std::string_view displayName, std::size_t maxLength) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < displayName.size();) {
        const auto c = static_cast<unsigned char>(displayName[i]);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '_') {
            out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        // Decode one UTF-8 sequence into a code point, then write its UTF-16 units.
        std::uint32_t cp = c;
        std::size_t len = 1;
        if (c >= 0xF0 && i + 3 < displayName.size()) {
            cp = ((c & 0x07U) << 18) | ((displayName[i + 1] & 0x3FU) << 12) |
                 ((displayName[i + 2] & 0x3FU) << 6) | (displayName[i + 3] & 0x3FU);
            len = 4;
        } else if (c >= 0xE0 && i + 2 < displayName.size()) {
            cp = ((c & 0x0FU) << 12) | ((displayName[i + 1] & 0x3FU) << 6) |
                 (displayName[i + 2] & 0x3FU);
            len = 3;
        } else if (c >= 0xC0 && i + 1 < displayName.size()) {
            cp = ((c & 0x1FU) << 6) | (displayName[i + 1] & 0x3FU);
            len = 2;
        }
        i += len;
        auto unit = [&](std::uint32_t u) {
            out += "_x";
            for (int shift = 12; shift >= 0; shift -= 4)
                out.push_back(kHex[(u >> shift) & 15]);
            out.push_back('_');
        };
        if (cp >= 0x10000) {
            cp -= 0x10000;
            unit(0xD800 + (cp >> 10));
            unit(0xDC00 + (cp & 0x3FF));
        } else {
            unit(cp);
        }
    }
    if (out.size() > maxLength)
        out.resize(maxLength);
    return out;
}

}  // namespace ferry::emulator::sp
