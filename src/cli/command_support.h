// Helpers shared by the commands: loading a connection, passwords, errors, times, providers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "arguments.h"
#include "ferry/document.h"
#include "ferry/error.h"
#include "ferry/provider.h"

namespace ferry::cli {

struct LoadedConnection {
    std::filesystem::path path;
    ConnectionDocument document;  // document.id is set (see connectionIdFor)
};

// Finds `<connection>` (a path, or a saved connection's title in connectionsDirectory()) and
// loads it. Throws Error{InvalidArgument} when nothing matches, Error{InvalidDocument} when the
// document does not parse or validate.
LoadedConnection loadConnection(const std::string& pathOrTitle);

struct Passwords {
    std::string left;
    std::string right;
    const std::string& of(Side side) const { return side == Side::Left ? left : right; }
};

// FERRY_LEFT_PASSWORD / FERRY_RIGHT_PASSWORD, overridden by each `--password-stdin SIDE`, which
// reads one line of `in` per option in command-line order. Throws Error{InvalidArgument} for a
// bad side, a side given twice or standard input ending early.
Passwords readPasswords(const Arguments& args, std::istream& in);

// "left"/"right" for --side and friends; throws Error{InvalidArgument} naming the option.
Side parseSide(const std::string& option, const std::string& text);

// The registry with every built-in provider (created once).
const ProviderRegistry& builtinRegistry();

// True when the entity's connection string carries a password-like key (a key its provider
// declares secret, or Password/Pwd). Unparsable strings count as not carrying one.
bool connectionStringHasPassword(const ProviderRegistry& registry, const EntityConfig& entity);

// The warning printed when a document carries a password.
std::string passwordWarning(Side side);

// Prints "ferry: error: message (detail)" and "Hint: ..." with secrets redacted.
void printError(std::ostream& err, const Error& error);
// Error text with secrets redacted, for output next to other text.
std::string errorText(const Error& error);

// "2026-03-01 14:05:09" in local time; "-" for 0.
std::string formatTimestamp(std::int64_t epochMs);
// "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min".
std::string formatDuration(std::int64_t ms);
// "entity" or "entity (title)".
std::string sideLabel(Side side, const EntityConfig& entity);

}  // namespace ferry::cli
