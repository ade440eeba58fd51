// `ferry verify <connection>`: checks the document, each side's connection string, credentials
// and select statement, then the mapping, and says in plain language what to fix.
#include <algorithm>
#include <optional>

#include "command.h"
#include "command_support.h"
#include "ferry/connection_string.h"
#include "ferry/logging.h"
#include "ferry/sync_engine.h"

namespace ferry::cli {

namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (std::size_t i = 0; i < items.size(); ++i) {
        text += (i > 0 ? ", " : "") + items[i];
    }
    return text;
}

void printFailure(std::ostream& out, const std::string& message, const std::string& detail = {},
                  const std::string& hint = {}) {
    // Continuation lines (a document with several problems) line up under the first.
    std::string text = redactSecrets(message);
    for (auto pos = text.find('\n'); pos != std::string::npos; pos = text.find('\n', pos + 1)) {
        text.insert(pos + 1, "          ");
    }
    out << "  FAILED: " << text << '\n';
    if (!detail.empty()) {
        out << "  detail: " << redactSecrets(detail) << '\n';
    }
    if (!hint.empty()) {
        out << "  hint: " << redactSecrets(hint) << '\n';
    }
}

// Remembers the worst failure: a connection-side problem (3) outranks a document problem (2).
void noteFailure(std::optional<ExitCode>& failure, ExitCode code) {
    if (!failure || code == ExitCode::Connection) {
        failure = code;
    }
}

// Checks one side; prints its block and returns its schema when everything passed, else notes
// the failure's exit code.
std::optional<Schema> verifySide(std::ostream& out, const ConnectionDocument& document, Side side,
                                 const std::string& password, std::optional<ExitCode>& failure) {
    const EntityConfig& entity = side == Side::Left ? document.left : document.right;
    const ProviderRegistry& registry = builtinRegistry();
    out << sideLabel(side, entity) << '\n';

    const ProviderInfo* info = registry.find(entity.provider);
    if (info == nullptr) {
        std::vector<std::string> names;
        for (const auto* known : registry.all()) {
            names.push_back(known->name);
        }
        printFailure(
            out, "unknown provider '" + entity.provider + "'", {},
            "set " + std::string(toString(side)) + ".provider to one of: " + joined(names));
        noteFailure(failure, ExitCode::Usage);
        return std::nullopt;
    }

    ConnectionString connectionString;
    try {
        connectionString = ConnectionString::parse(entity.connectionString);
    } catch (const Error& e) {
        printFailure(out, "the connection string cannot be read: " + e.message(), e.detail(),
                     e.hint());
        noteFailure(failure, ExitCode::Connection);
        return std::nullopt;
    }
    const auto problems = registry.validate(entity.provider, connectionString);
    if (!problems.empty()) {
        out << "  FAILED: the connection string has " << problems.size()
            << (problems.size() == 1 ? " problem" : " problems") << '\n';
        for (const auto& problem : problems) {
            out << "    - " << redactSecrets(problem) << '\n';
        }
        out << "  hint: 'ferry verify --help' lists where the keys of each provider are "
               "documented\n";
        noteFailure(failure, ExitCode::Connection);
        return std::nullopt;
    }
    if (connectionStringHasPassword(registry, entity)) {
        out << "  warning: " << passwordWarning(side) << '\n';
    }

    try {
        auto provider = openEntity(registry, entity, password);
        provider->verify();
        const Schema schema = provider->describe();
        const ProviderCapabilities capabilities = provider->capabilities();
        const auto keys = schema.keyColumns();
        if (keys.empty()) {
            printFailure(out, "no primary key: the entity has none and the document names none", {},
                         "set " + std::string(toString(side)) +
                             ".primaryKey to the column(s) that identify a row");
            noteFailure(failure, ExitCode::Usage);
            return std::nullopt;
        }
        if (writesTo(document.direction, side) && !capabilities.writable) {
            printFailure(out,
                         "this side is written to (" + std::string(toString(document.direction)) +
                             ") but cannot be: " + capabilities.whyNotWritable,
                         {}, "select the columns of a single table, without joins or expressions");
            noteFailure(failure, ExitCode::Connection);
            return std::nullopt;
        }
        out << "  OK: " << info->name << ", " << schema.columns.size() << " columns, key "
            << joined(keys);
        if (!capabilities.writable) {
            out << ", read-only (" << capabilities.whyNotWritable << ")";
        }
        out << '\n';
        return schema;
    } catch (const Error& e) {
        printFailure(out, e.message(), e.detail(), e.hint());
        noteFailure(failure, exitCodeFor(e.code()));
        return std::nullopt;
    }
}

// Prints the resolved column pairs; returns false when the mapping cannot work.
bool verifyMapping(std::ostream& out, const ConnectionDocument& document, const Schema& left,
                   const Schema& right) {
    out << "mapping\n";
    std::vector<ResolvedPair> pairs;
    try {
        pairs = resolveMapping(document.mapping, left, right);
    } catch (const Error& e) {
        printFailure(out, e.message(), e.detail(), e.hint());
        return false;
    }
    if (pairs.empty()) {
        printFailure(out, "no column of the left side matches a column of the right side", {},
                     "add explicit pairs under mapping.columns, or enable mapping.auto");
        return false;
    }
    std::vector<std::string> texts;
    for (const auto& pair : pairs) {
        texts.push_back(pair.leftName == pair.rightName ? pair.leftName
                                                        : pair.leftName + " = " + pair.rightName);
    }
    for (const auto& key : left.keyColumns()) {
        const bool mapped = std::any_of(pairs.begin(), pairs.end(),
                                        [&](const ResolvedPair& p) { return p.leftName == key; });
        if (!mapped) {
            out << "  warning: the left key column '" << key
                << "' is not mapped, so items cannot be matched across sides by key\n";
        }
    }
    out << "  OK: " << pairs.size() << (pairs.size() == 1 ? " column pair: " : " column pairs: ")
        << joined(texts) << '\n';
    return true;
}

ExitCode verifyHandler(Context& context) {
    const std::string& connectionArg = context.args.positionals().front();
    std::optional<Side> onlySide;
    if (auto sideText = context.args.value("side")) {
        onlySide = parseSide("--side", *sideText);
    }
    auto& out = context.io.out;

    LoadedConnection connection;
    try {
        connection = loadConnection(connectionArg);
    } catch (const Error& e) {
        out << "document\n";
        printFailure(out, e.message(), e.detail(), e.hint());
        return exitCodeFor(e.code());
    }
    const ConnectionDocument& document = connection.document;
    const Passwords passwords = readPasswords(context.args, context.io.in);

    out << "Verifying \"" << document.title << "\" (" << connection.path.string() << ")\n";
    out << "document\n  OK: " << toString(document.direction) << ", conflicts "
        << toString(document.conflictResolution) << ", delete guard " << document.maxDeletePercent
        << "%\n";

    std::optional<ExitCode> failure;
    std::optional<Schema> schemas[2];
    for (const Side side : {Side::Left, Side::Right}) {
        if (onlySide && *onlySide != side) {
            continue;
        }
        auto& schema = schemas[side == Side::Left ? 0 : 1];
        schema = verifySide(out, document, side, passwords.of(side), failure);
    }
    if (failure) {
        out << "Verification failed.\n";
        return *failure;
    }
    if (!onlySide && !verifyMapping(out, document, *schemas[0], *schemas[1])) {
        out << "Verification failed.\n";
        return ExitCode::Usage;
    }
    out << "All checks passed.\n";
    return ExitCode::Success;
}

}  // namespace

Command verifyCommandSpec() {
    Command command;
    command.name = "verify";
    command.summary = "check the document, connection strings, credentials and mapping";
    command.usage = "ferry verify <connection> [--side left|right] [--password-stdin SIDE]";
    command.help = helpText(R"(
Checks the connection document, then for each side: the connection-string keys against the
provider's list, the connection and credentials, the select statement, the columns and the
primary key; then the column mapping. Prints OK or a plain-language diagnosis with a hint per
side. Nothing is written anywhere. Warns when a connection string carries a password.

Options:
      --side left|right      check only this side (and skip the mapping)
      --password-stdin SIDE  read SIDE's password from a line of standard input

)") + kPasswordHelp +
                   R"(
Exit codes: 0 every check passed, 2 the document is invalid (an unknown provider, no
primary key, a mapping that does not resolve), 3 a side failed (connection string,
connection, credentials, select statement).
)";
    command.options = {{"side", 0, true, false}, {"password-stdin", 0, true, true}};
    command.minPositionals = 1;
    command.maxPositionals = 1;
    command.handler = verifyHandler;
    return command;
}

}  // namespace ferry::cli
