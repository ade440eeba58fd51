// Logging setup: spdlog with a rotating file; secrets are redacted before anything is logged.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace ferry {

enum class LogLevel { Trace, Debug, Info, Warn, Error, Off };

// Installs the default logger: stderr at `consoleLevel` plus a rotating file in `logDir`
// (5 files of 5 MB) at Debug. Safe to call more than once.
void setupLogging(LogLevel consoleLevel, const std::filesystem::path& logDir = {});

// Removes secret values from text meant for logs: values of Password/Pwd/ClientSecret/
// AccessToken/Secret keys in connection strings and "Authorization:" headers.
std::string redactSecrets(std::string_view text);

}  // namespace ferry
