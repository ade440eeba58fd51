// Connection documents: the JSON file that describes one connection between two entities.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

enum class Direction { LeftToRight, RightToLeft, Bidirectional };
enum class ConflictResolution { LeftWins, RightWins, Skip, Fail, NewestWins };
enum class Side { Left, Right };

// "left-to-right", "right-to-left", "bidirectional"; "left-wins", ..., "newest-wins";
// "left"/"right".
const char* toString(Direction value);
const char* toString(ConflictResolution value);
const char* toString(Side value);
std::optional<Direction> directionFromString(std::string_view text);
std::optional<ConflictResolution> conflictResolutionFromString(std::string_view text);
inline Side other(Side side) {
    return side == Side::Left ? Side::Right : Side::Left;
}
// Whether a run in `direction` may write to `side`.
inline bool writesTo(Direction direction, Side side) {
    return direction == Direction::Bidirectional ||
           (direction == Direction::LeftToRight) == (side == Side::Right);
}

struct EntityConfig {
    std::string title;
    std::string provider;          // registry name: "odbc", "odata", "sharepoint"
    std::string connectionString;  // never holds the password in a saved document
    std::string select;
    std::vector<std::string> primaryKey;
    std::string modifiedColumn;  // server-maintained modified-on column, for newest-wins
};

struct ColumnPair {
    std::string left;
    std::string right;
};

struct MappingConfig {
    bool autoMap = true;                    // match remaining columns by normalized name
    std::vector<ColumnPair> columns;        // explicit pairs, applied first
    std::vector<std::string> excludeLeft;   // left columns never mapped automatically
    std::vector<std::string> excludeRight;  // right columns never mapped automatically
};

struct ConnectionDocument {
    std::string id;  // stable identity for the state store; generated when empty on save
    std::string title;
    Direction direction = Direction::LeftToRight;
    ConflictResolution conflictResolution = ConflictResolution::Skip;
    EntityConfig left;
    EntityConfig right;
    MappingConfig mapping;
    double maxDeletePercent = 50.0;  // abort when a run would delete more than this share
    std::size_t batchSize = 500;     // items per write batch (capped by the provider)
};

// Parses and validates a document. Throws Error{InvalidDocument} whose message names the field:
// "field 'left.provider': required", "field 'direction': must be one of left-to-right, ...".
// Unknown top-level fields are errors too (they are usually typos).
ConnectionDocument parseDocument(std::string_view jsonText);
ConnectionDocument loadDocument(const std::filesystem::path& path);

// Every validation problem, each naming its field; empty when valid.
std::vector<std::string> validateDocument(const ConnectionDocument& document);

// Serializes to pretty JSON (2-space indent); only non-default optional fields are written.
std::string serializeDocument(const ConnectionDocument& document);
// Writes atomically (temporary file + rename). Generates `id` when empty.
void saveDocument(ConnectionDocument& document, const std::filesystem::path& path);

// The identity a connection's state and history are kept under: its `id`, or for a hand-written
// document without one, "title:" + its title.
std::string stateId(const ConnectionDocument& document);

// A new random identifier (UUID v4 text).
std::string newId();

// Finds a document by path, or by title among the documents in `directory` (case-insensitive).
// Throws Error{InvalidArgument} naming what was looked for when nothing matches.
std::filesystem::path resolveDocument(std::string_view pathOrTitle,
                                      const std::filesystem::path& directory);

}  // namespace ferry
