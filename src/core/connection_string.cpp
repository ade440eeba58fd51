// Parsing and writing `Key=Value;` connection strings with {…} and "…" quoting.
#include "ferry/connection_string.h"

#include <algorithm>
#include <cctype>

#include "ferry/error.h"

namespace ferry {

namespace {

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && isSpace(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && isSpace(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// Positions in messages are 1-based, as a user counts characters.
std::string at(std::size_t index) {
    return " at position " + std::to_string(index + 1);
}

[[noreturn]] void fail(std::string message) {
    throw Error(ErrorCode::InvalidConnectionString, std::move(message), {},
                "use Key=Value; pairs; quote values containing ';' as {value}");
}

bool needsQuoting(std::string_view value) {
    if (value.empty()) {
        return false;
    }
    if (isSpace(value.front()) || isSpace(value.back())) {
        return true;
    }
    return value.find_first_of(";{}=\"'") != std::string_view::npos;
}

std::string quoted(std::string_view value) {
    if (!needsQuoting(value)) {
        return std::string(value);
    }
    std::string out = "{";
    for (char c : value) {
        out += c;
        if (c == '}') {
            out += '}';  // '}' inside {…} is written twice
        }
    }
    out += '}';
    return out;
}

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

ConnectionString ConnectionString::parse(std::string_view text) {
    ConnectionString result;
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        // Skip whitespace and empty segments (";;").
        if (isSpace(text[i]) || text[i] == ';') {
            ++i;
            continue;
        }
        const std::size_t keyStart = i;
        while (i < n && text[i] != '=' && text[i] != ';') {
            ++i;
        }
        const std::string key(trim(text.substr(keyStart, i - keyStart)));
        if (i >= n || text[i] == ';') {
            fail("missing '=' after key '" + key + "'" + at(i));
        }
        if (key.empty()) {
            fail("missing key before '='" + at(i));
        }
        ++i;  // '='
        while (i < n && isSpace(text[i]) && text[i] != ';') {
            ++i;
        }
        std::string value;
        if (i < n && (text[i] == '{' || text[i] == '"')) {
            const char open = text[i];
            const char close = open == '{' ? '}' : '"';
            const std::size_t quoteStart = i;
            ++i;
            bool closed = false;
            while (i < n) {
                if (text[i] == close) {
                    if (i + 1 < n && text[i + 1] == close) {
                        value += close;  // doubled closing character is an escaped one
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                value += text[i++];
            }
            if (!closed) {
                fail(std::string("unterminated '") + open + "' in value of '" + key + "' (opened" +
                     at(quoteStart) + ")");
            }
            while (i < n && isSpace(text[i])) {
                ++i;
            }
            if (i < n && text[i] != ';') {
                fail("expected ';' after the quoted value of '" + key + "'" + at(i) + ", found '" +
                     text[i] + "'");
            }
        } else {
            const std::size_t valueStart = i;
            while (i < n && text[i] != ';') {
                ++i;
            }
            value = std::string(trim(text.substr(valueStart, i - valueStart)));
        }
        for (const auto& entry : result.m_entries) {
            if (equalsIgnoreCase(entry.first, key)) {
                fail("key '" + key + "' appears twice");
            }
        }
        result.m_entries.emplace_back(key, std::move(value));
        if (i < n) {
            ++i;  // ';'
        }
    }
    return result;
}

std::optional<std::string> ConnectionString::get(std::string_view key) const {
    for (const auto& entry : m_entries) {
        if (equalsIgnoreCase(entry.first, key)) {
            return entry.second;
        }
    }
    return std::nullopt;
}

std::string ConnectionString::getOr(std::string_view key, std::string fallback) const {
    auto value = get(key);
    return value ? std::move(*value) : std::move(fallback);
}

void ConnectionString::set(std::string_view key, std::string value) {
    for (auto& entry : m_entries) {
        if (equalsIgnoreCase(entry.first, key)) {
            entry.second = std::move(value);
            return;
        }
    }
    m_entries.emplace_back(std::string(key), std::move(value));
}

void ConnectionString::remove(std::string_view key) {
    std::erase_if(m_entries,
                  [key](const auto& entry) { return equalsIgnoreCase(entry.first, key); });
}

std::string ConnectionString::toString() const {
    return redacted({});
}

std::string ConnectionString::redacted(const std::vector<std::string>& secretKeys) const {
    std::string out;
    for (const auto& entry : m_entries) {
        const std::string& key = entry.first;
        const std::string& value = entry.second;
        const bool secret =
            std::any_of(secretKeys.begin(), secretKeys.end(),
                        [&key](const std::string& s) { return equalsIgnoreCase(s, key); });
        out += key;
        out += '=';
        out += secret ? std::string("***") : quoted(value);
        out += ';';
    }
    return out;
}

}  // namespace ferry
