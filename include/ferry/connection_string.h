// `Key=Value;` connection strings: values quoted with {…} or "…", case-insensitive keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry {

class ConnectionString {
public:
    ConnectionString() = default;

    // Parses `Key=Value;Key2={va;lue};Key3="x ""y""";`. Whitespace around keys and unquoted
    // values is trimmed; a trailing ';' is optional. Throws Error{InvalidConnectionString} with
    // the position and what was expected (e.g. "missing '=' after key 'Server' at position 7",
    // "unterminated '{' in value of 'Password'", "key 'URL' appears twice").
    static ConnectionString parse(std::string_view text);

    // Value of a key (case-insensitive), or nullopt.
    std::optional<std::string> get(std::string_view key) const;
    std::string getOr(std::string_view key, std::string fallback) const;
    bool has(std::string_view key) const { return get(key).has_value(); }

    // Sets (replacing case-insensitively) or removes a key.
    void set(std::string_view key, std::string value);
    void remove(std::string_view key);

    // Entries in their original order and spelling.
    const std::vector<std::pair<std::string, std::string>>& entries() const { return m_entries; }

    // Serializes back, quoting values with {…} where needed (';', '{', '}', '=', leading or
    // trailing space, quotes).
    std::string toString() const;

    // Same, with the values of the named keys (case-insensitive) replaced by "***".
    std::string redacted(const std::vector<std::string>& secretKeys) const;

private:
    std::vector<std::pair<std::string, std::string>> m_entries;
};

// Case-insensitive ASCII comparison, shared helper.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace ferry
