// Command-line parsing for the `ferry` commands.
#include "arguments.h"

#include <algorithm>
#include <charconv>

#include "ferry/error.h"

namespace ferry::cli {

namespace {

[[noreturn]] void usageError(std::string message) {
    throw Error(ErrorCode::InvalidArgument, std::move(message));
}

}  // namespace

Arguments Arguments::parse(const std::vector<std::string>& args,
                           const std::vector<OptionSpec>& specs) {
    Arguments result;
    bool optionsEnded = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (optionsEnded || arg.size() < 2 || arg[0] != '-') {
            result.m_positionals.push_back(arg);
            continue;
        }
        if (arg == "--") {
            optionsEnded = true;
            continue;
        }

        const OptionSpec* spec = nullptr;
        std::string shown;
        std::optional<std::string> inlineValue;
        if (arg.rfind("--", 0) == 0) {
            std::string name = arg.substr(2);
            if (const auto eq = name.find('='); eq != std::string::npos) {
                inlineValue = name.substr(eq + 1);
                name.resize(eq);
            }
            shown = "--" + name;
            const auto it = std::find_if(specs.begin(), specs.end(),
                                         [&](const OptionSpec& s) { return s.name == name; });
            spec = it != specs.end() ? &*it : nullptr;
        } else {
            shown = arg;
            if (arg.size() == 2) {
                const auto it = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) {
                    return s.shortName != 0 && s.shortName == arg[1];
                });
                spec = it != specs.end() ? &*it : nullptr;
            }
        }
        if (spec == nullptr) {
            usageError("unknown option '" + shown + "'");
        }

        std::string value;
        if (spec->takesValue) {
            if (inlineValue) {
                value = *inlineValue;
            } else if (i + 1 < args.size()) {
                value = args[++i];
            } else {
                usageError("option '" + shown + "' needs a value");
            }
        } else if (inlineValue) {
            usageError("option '" + shown + "' does not take a value");
        }
        if (!spec->repeatable && result.has(spec->name)) {
            usageError("option '" + shown + "' given more than once");
        }
        result.m_options.emplace_back(spec->name, std::move(value));
    }
    return result;
}

bool Arguments::has(std::string_view name) const {
    return std::any_of(m_options.begin(), m_options.end(),
                       [&](const auto& option) { return option.first == name; });
}

std::optional<std::string> Arguments::value(std::string_view name) const {
    std::optional<std::string> result;
    for (const auto& [optionName, optionValue] : m_options) {
        if (optionName == name) {
            result = optionValue;
        }
    }
    return result;
}

std::vector<std::string> Arguments::values(std::string_view name) const {
    std::vector<std::string> result;
    for (const auto& [optionName, optionValue] : m_options) {
        if (optionName == name) {
            result.push_back(optionValue);
        }
    }
    return result;
}

std::size_t parseCount(std::string_view option, std::string_view text) {
    std::size_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end) {
        usageError("option '--" + std::string(option) + "' needs a whole number, not '" +
                   std::string(text) + "'");
    }
    return value;
}

}  // namespace ferry::cli
