// A small command-line parser: long options (--name, --name=value, --name value), short
// aliases (-h), repeatable options, positional arguments and "--".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::cli {

struct OptionSpec {
    std::string name;    // long name without dashes: "dry-run"
    char shortName = 0;  // 'h' for -h; 0 when there is none
    bool takesValue = false;
    bool repeatable = false;
};

class Arguments {
public:
    // Parses `args` against `specs`. Throws Error{InvalidArgument} for an unknown option, a
    // missing value, a value given to a flag or a non-repeatable option given twice; the
    // message names the option.
    static Arguments parse(const std::vector<std::string>& args,
                           const std::vector<OptionSpec>& specs);

    bool has(std::string_view name) const;
    // The last value of an option, or nullopt.
    std::optional<std::string> value(std::string_view name) const;
    // Every value of a repeatable option, in command-line order.
    std::vector<std::string> values(std::string_view name) const;
    const std::vector<std::string>& positionals() const { return m_positionals; }

private:
    std::vector<std::pair<std::string, std::string>> m_options;  // name, value ("" for flags)
    std::vector<std::string> m_positionals;
};

// A non-negative integer option value; throws Error{InvalidArgument} naming the option.
std::size_t parseCount(std::string_view option, std::string_view text);

}  // namespace ferry::cli
