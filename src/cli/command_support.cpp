// Helpers shared by the commands: loading a connection, passwords, errors, times, providers.
#include "command_support.h"

#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "ferry/connection_string.h"
#include "ferry/logging.h"
#include "ferry/paths.h"

namespace ferry::cli {

LoadedConnection loadConnection(const std::string& pathOrTitle) {
    LoadedConnection loaded;
    loaded.path = resolveDocument(pathOrTitle, connectionsDirectory());
    loaded.document = loadDocument(loaded.path);
    loaded.document.id = stateId(loaded.document);
    return loaded;
}

Passwords readPasswords(const Arguments& args, std::istream& in) {
    Passwords passwords;
    // NOLINTBEGIN(concurrency-mt-unsafe): read once at startup, before any thread exists
    if (const char* value = std::getenv("FERRY_LEFT_PASSWORD"); value != nullptr) {
        passwords.left = value;
    }
    if (const char* value = std::getenv("FERRY_RIGHT_PASSWORD"); value != nullptr) {
        passwords.right = value;
    }
    // NOLINTEND(concurrency-mt-unsafe)
    bool readLeft = false;
    bool readRight = false;
    for (const auto& sideText : args.values("password-stdin")) {
        const Side side = parseSide("--password-stdin", sideText);
        bool& alreadyRead = side == Side::Left ? readLeft : readRight;
        if (alreadyRead) {
            throw Error(ErrorCode::InvalidArgument,
                        "option '--password-stdin " + sideText + "' given more than once");
        }
        alreadyRead = true;
        std::string line;
        if (!std::getline(in, line)) {
            throw Error(ErrorCode::InvalidArgument,
                        "option '--password-stdin " + sideText +
                            "': standard input ended before a password line",
                        {}, "pipe the password in, e.g. printf '%s\\n' \"$SECRET\" | ferry ...");
        }
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        (side == Side::Left ? passwords.left : passwords.right) = std::move(line);
    }
    return passwords;
}

Side parseSide(const std::string& option, const std::string& text) {
    if (text == "left") {
        return Side::Left;
    }
    if (text == "right") {
        return Side::Right;
    }
    throw Error(ErrorCode::InvalidArgument,
                "option '" + option + "' must be 'left' or 'right', not '" + text + "'");
}

const ProviderRegistry& builtinRegistry() {
    static const ProviderRegistry registry = [] {
        ProviderRegistry r;
        registerBuiltinProviders(r);
        return r;
    }();
    return registry;
}

bool connectionStringHasPassword(const ProviderRegistry& registry, const EntityConfig& entity) {
    ConnectionString parsed;
    try {
        parsed = ConnectionString::parse(entity.connectionString);
    } catch (const Error&) {
        return false;
    }
    return registry.carriesSecret(entity.provider, parsed);
}

std::string passwordWarning(Side side) {
    const std::string name = toString(side);
    const std::string variable =
        side == Side::Left ? "FERRY_LEFT_PASSWORD" : "FERRY_RIGHT_PASSWORD";
    return "the connection string of " + name +
           " contains a password; passwords belong in the credential store / " + variable +
           " (or --password-stdin " + name + ")";
}

std::string errorText(const Error& error) {
    return redactSecrets(error.fullText());
}

void printError(std::ostream& err, const Error& error) {
    err << "ferry: error: " << errorText(error) << '\n';
}

std::string formatTimestamp(std::int64_t epochMs) {
    if (epochMs <= 0) {
        return "-";
    }
    const std::time_t seconds = static_cast<std::time_t>(epochMs / 1000);
    std::tm local{};
#ifdef _WIN32
    localtime_s(&local, &seconds);
#else
    localtime_r(&seconds, &local);
#endif
    std::ostringstream out;
    out << std::put_time(&local, "%Y-%m-%d %H:%M:%S");
    return out.str();
}

std::string formatDuration(std::int64_t ms) {
    std::ostringstream out;
    if (ms < 1000) {
        out << ms << " ms";
    } else if (ms < 60'000) {
        out << std::fixed << std::setprecision(1) << static_cast<double>(ms) / 1000.0 << " s";
    } else if (ms < 3'600'000) {
        out << ms / 60'000 << " min " << std::setw(2) << std::setfill('0') << (ms / 1000) % 60
            << " s";
    } else {
        out << ms / 3'600'000 << " h " << std::setw(2) << std::setfill('0') << (ms / 60'000) % 60
            << " min";
    }
    return out.str();
}

std::string sideLabel(Side side, const EntityConfig& entity) {
    std::string label = toString(side);
    if (!entity.title.empty()) {
        label += " (" + entity.title + ")";
    }
    return label;
}

}  // namespace ferry::cli
