// Connection documents: JSON parsing with field-named errors, validation, atomic saving, lookup.
#include "ferry/document.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ferry/connection_string.h"
#include "ferry/error.h"

namespace ferry {

namespace {

// ordered_json keeps the file's order, so problems are reported in reading order and saved
// documents keep the order of design.md.
using Json = nlohmann::ordered_json;

constexpr double kDefaultMaxDeletePercent = 50.0;
constexpr std::size_t kDefaultBatchSize = 500;
constexpr std::int64_t kMaxBatchSize = 100000;

constexpr std::array<std::string_view, 9> kTopFields = {
    "id",    "title",   "direction",        "conflictResolution", "left",
    "right", "mapping", "maxDeletePercent", "batchSize"};
constexpr std::array<std::string_view, 6> kEntityFields = {
    "title", "provider", "connectionString", "select", "primaryKey", "modifiedColumn"};
constexpr std::array<std::string_view, 4> kMappingFields = {"auto", "columns", "excludeLeft",
                                                            "excludeRight"};
constexpr std::array<std::string_view, 2> kPairFields = {"left", "right"};

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Case-insensitive edit distance, for "did you mean".
std::size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> previous(b.size() + 1);
    std::vector<std::size_t> current(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        previous[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t substitution =
                previous[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

template <std::size_t N>
std::string closestName(std::string_view name, const std::array<std::string_view, N>& known) {
    std::string best;
    std::size_t bestDistance = std::max<std::size_t>(2, name.size() / 4) + 1;
    for (std::string_view candidate : known) {
        const std::size_t distance = editDistance(name, candidate);
        if (distance < bestDistance) {
            bestDistance = distance;
            best = std::string(candidate);
        }
    }
    return best;
}

std::string choices(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) {
        out += (out.empty() ? "" : ", ") + name;
    }
    return out;
}

std::vector<std::string> directionNames() {
    return {toString(Direction::LeftToRight), toString(Direction::RightToLeft),
            toString(Direction::Bidirectional)};
}

std::vector<std::string> resolutionNames() {
    return {toString(ConflictResolution::LeftWins), toString(ConflictResolution::RightWins),
            toString(ConflictResolution::Skip), toString(ConflictResolution::Fail),
            toString(ConflictResolution::NewestWins)};
}

std::string fieldOf(std::string_view problem) {
    static constexpr std::string_view kPrefix = "field '";
    if (problem.substr(0, kPrefix.size()) != kPrefix) {
        return {};
    }
    const auto end = problem.find('\'', kPrefix.size());
    return std::string(problem.substr(kPrefix.size(), end - kPrefix.size()));
}

std::string trimmed(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
        text.remove_suffix(1);
    }
    return std::string(text);
}

// Reads the JSON tree into a ConnectionDocument, collecting every type problem by field.
class Reader {
public:
    std::vector<std::string> problems;
    std::set<std::string> badFields;

    void problem(const std::string& field, const std::string& text) {
        problems.push_back("field '" + field + "': " + text);
        badFields.insert(field);
    }

    template <std::size_t N>
    void checkUnknown(const Json& object, const std::string& prefix,
                      const std::array<std::string_view, N>& known) {
        for (const auto& item : object.items()) {
            const std::string& name = item.key();
            if (std::find(known.begin(), known.end(), name) != known.end()) {
                continue;
            }
            std::string text = "unknown field '";
            text.append(prefix).append(name).append("'");
            if (const auto guess = closestName(name, known); !guess.empty()) {
                text.append(" (did you mean '").append(prefix).append(guess).append("'?)");
            }
            problems.push_back(text);
        }
    }

    // A string field; null counts as absent.
    void readString(const Json& object, const char* key, const std::string& field,
                    std::string& out) {
        const auto it = object.find(key);
        if (it == object.end() || it->is_null()) {
            return;
        }
        if (!it->is_string()) {
            problem(field, "must be a string");
            return;
        }
        out = it->get<std::string>();
    }

    void readStringList(const Json& object, const char* key, const std::string& field,
                        std::vector<std::string>& out, bool allowSingle) {
        const auto it = object.find(key);
        if (it == object.end() || it->is_null()) {
            return;
        }
        if (allowSingle && it->is_string()) {
            const auto single = it->get<std::string>();
            if (!single.empty()) {
                out = {single};
            }
            return;
        }
        if (!it->is_array() ||
            !std::all_of(it->begin(), it->end(), [](const Json& v) { return v.is_string(); })) {
            problem(field, allowSingle ? "must be a string or an array of strings"
                                       : "must be an array of strings");
            return;
        }
        for (const auto& item : *it) {
            out.push_back(item.get<std::string>());
        }
    }

    void readEntity(const Json& root, const char* key, EntityConfig& out) {
        const std::string prefix = std::string(key) + ".";
        const auto it = root.find(key);
        if (it == root.end() || it->is_null()) {
            problem(key, "required");
            return;
        }
        if (!it->is_object()) {
            problem(key, "must be an object");
            return;
        }
        checkUnknown(*it, prefix, kEntityFields);
        readString(*it, "title", prefix + "title", out.title);
        readString(*it, "provider", prefix + "provider", out.provider);
        readString(*it, "connectionString", prefix + "connectionString", out.connectionString);
        readString(*it, "select", prefix + "select", out.select);
        readStringList(*it, "primaryKey", prefix + "primaryKey", out.primaryKey, true);
        readString(*it, "modifiedColumn", prefix + "modifiedColumn", out.modifiedColumn);
    }

    void readMapping(const Json& root, MappingConfig& out) {
        const auto it = root.find("mapping");
        if (it == root.end() || it->is_null()) {
            return;
        }
        if (!it->is_object()) {
            problem("mapping", "must be an object");
            return;
        }
        checkUnknown(*it, "mapping.", kMappingFields);
        if (const auto autoIt = it->find("auto"); autoIt != it->end() && !autoIt->is_null()) {
            if (autoIt->is_boolean()) {
                out.autoMap = autoIt->get<bool>();
            } else {
                problem("mapping.auto", "must be true or false");
            }
        }
        if (const auto columns = it->find("columns"); columns != it->end() && !columns->is_null()) {
            if (!columns->is_array()) {
                problem("mapping.columns", "must be an array of {\"left\": …, \"right\": …}");
            } else {
                for (std::size_t i = 0; i < columns->size(); ++i) {
                    const Json& pair = (*columns)[i];
                    const std::string field = "mapping.columns[" + std::to_string(i) + "]";
                    if (!pair.is_object()) {
                        problem(field, "must be an object with 'left' and 'right'");
                        continue;
                    }
                    checkUnknown(pair, field + ".", kPairFields);
                    ColumnPair columnPair;
                    readString(pair, "left", field + ".left", columnPair.left);
                    readString(pair, "right", field + ".right", columnPair.right);
                    out.columns.push_back(std::move(columnPair));
                }
            }
        }
        readStringList(*it, "excludeLeft", "mapping.excludeLeft", out.excludeLeft, false);
        readStringList(*it, "excludeRight", "mapping.excludeRight", out.excludeRight, false);
    }

    ConnectionDocument read(const Json& root) {
        ConnectionDocument document;
        checkUnknown(root, "", kTopFields);
        readString(root, "id", "id", document.id);
        readString(root, "title", "title", document.title);

        std::string text;
        readString(root, "direction", "direction", text);
        if (const auto it = root.find("direction"); it != root.end() && !it->is_null()) {
            if (const auto direction = directionFromString(text)) {
                document.direction = *direction;
            } else if (!badFields.contains("direction")) {
                problem("direction",
                        "must be one of " + choices(directionNames()) + " (got '" + text + "')");
            }
        }
        text.clear();
        readString(root, "conflictResolution", "conflictResolution", text);
        if (const auto it = root.find("conflictResolution"); it != root.end() && !it->is_null()) {
            if (const auto resolution = conflictResolutionFromString(text)) {
                document.conflictResolution = *resolution;
            } else if (!badFields.contains("conflictResolution")) {
                problem("conflictResolution",
                        "must be one of " + choices(resolutionNames()) + " (got '" + text + "')");
            }
        }

        readEntity(root, "left", document.left);
        readEntity(root, "right", document.right);
        readMapping(root, document.mapping);

        if (const auto it = root.find("maxDeletePercent"); it != root.end() && !it->is_null()) {
            if (it->is_number()) {
                document.maxDeletePercent = it->get<double>();
            } else {
                problem("maxDeletePercent", "must be a number from 0 to 100");
            }
        }
        if (const auto it = root.find("batchSize"); it != root.end() && !it->is_null()) {
            const std::string range =
                "must be a whole number from 1 to " + std::to_string(kMaxBatchSize);
            if (it->is_number_unsigned()) {
                const auto value = it->get<std::uint64_t>();
                if (value < 1 || value > static_cast<std::uint64_t>(kMaxBatchSize)) {
                    problem("batchSize", range);
                } else {
                    document.batchSize = static_cast<std::size_t>(value);
                }
            } else {
                // Negative numbers, fractions and non-numbers.
                problem("batchSize", range);
            }
        }
        return document;
    }
};

std::string errorText(const std::vector<std::string>& problems) {
    std::string out;
    for (const auto& problem : problems) {
        out += (out.empty() ? "" : "\n") + problem;
    }
    return out;
}

Json entityJson(const EntityConfig& entity) {
    Json json = Json::object();
    if (!entity.title.empty()) {
        json["title"] = entity.title;
    }
    json["provider"] = entity.provider;
    json["connectionString"] = entity.connectionString;
    if (!entity.select.empty()) {
        json["select"] = entity.select;
    }
    if (!entity.primaryKey.empty()) {
        json["primaryKey"] = entity.primaryKey;
    }
    if (!entity.modifiedColumn.empty()) {
        json["modifiedColumn"] = entity.modifiedColumn;
    }
    return json;
}

void checkColumnList(const std::vector<std::string>& columns, const std::string& field,
                     std::vector<std::string>& problems) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (trimmed(columns[i]).empty()) {
            problems.push_back("field '" + field + "': empty column name at position " +
                               std::to_string(i + 1));
            continue;
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (equalsIgnoreCase(columns[i], columns[j])) {
                problems.push_back("field '" + field + "': column '" + columns[i] +
                                   "' is listed twice");
                break;
            }
        }
    }
}

void checkEntity(const EntityConfig& entity, const std::string& side,
                 std::vector<std::string>& problems) {
    if (trimmed(entity.provider).empty()) {
        problems.push_back("field '" + side + ".provider': required");
    }
    if (trimmed(entity.connectionString).empty()) {
        problems.push_back("field '" + side + ".connectionString': required");
    }
    checkColumnList(entity.primaryKey, side + ".primaryKey", problems);
}

std::string titleOf(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return {};
    }
    const Json json = Json::parse(in, nullptr, false);  // no exceptions: unreadable files
    if (!json.is_object()) {
        return {};
    }
    const auto it = json.find("title");
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

// --- enum texts ------------------------------------------------------------------------------

const char* toString(Direction value) {
    switch (value) {
        case Direction::LeftToRight:
            return "left-to-right";
        case Direction::RightToLeft:
            return "right-to-left";
        case Direction::Bidirectional:
            return "bidirectional";
    }
    return "left-to-right";
}

const char* toString(ConflictResolution value) {
    switch (value) {
        case ConflictResolution::LeftWins:
            return "left-wins";
        case ConflictResolution::RightWins:
            return "right-wins";
        case ConflictResolution::Skip:
            return "skip";
        case ConflictResolution::Fail:
            return "fail";
        case ConflictResolution::NewestWins:
            return "newest-wins";
    }
    return "skip";
}

const char* toString(Side value) {
    return value == Side::Left ? "left" : "right";
}

std::optional<Direction> directionFromString(std::string_view text) {
    for (auto value : {Direction::LeftToRight, Direction::RightToLeft, Direction::Bidirectional}) {
        if (equalsIgnoreCase(text, toString(value))) {
            return value;
        }
    }
    return std::nullopt;
}

std::optional<ConflictResolution> conflictResolutionFromString(std::string_view text) {
    for (auto value :
         {ConflictResolution::LeftWins, ConflictResolution::RightWins, ConflictResolution::Skip,
          ConflictResolution::Fail, ConflictResolution::NewestWins}) {
        if (equalsIgnoreCase(text, toString(value))) {
            return value;
        }
    }
    return std::nullopt;
}

// --- parsing and validation ------------------------------------------------------------------

ConnectionDocument parseDocument(std::string_view jsonText) {
    Json root;
    try {
        root = Json::parse(jsonText.begin(), jsonText.end());
    } catch (const Json::parse_error& e) {
        std::string what = e.what();
        // Drop nlohmann's "[json.exception.parse_error.101] " prefix; keep line and column.
        if (const auto bracket = what.find("] ");
            what.starts_with("[") && bracket != std::string::npos) {
            what = what.substr(bracket + 2);
        }
        throw Error(ErrorCode::InvalidDocument, "the document is not valid JSON: " + what);
    }
    if (!root.is_object()) {
        throw Error(ErrorCode::InvalidDocument, "the document must be a JSON object");
    }
    Reader reader;
    ConnectionDocument document = reader.read(root);
    // Semantic checks, skipping fields whose JSON was already wrong (one message per mistake).
    for (auto& problem : validateDocument(document)) {
        const std::string field = fieldOf(problem);
        const bool reported = std::any_of(
            reader.badFields.begin(), reader.badFields.end(), [&field](const std::string& bad) {
                return field == bad || field.starts_with(bad + ".") || field.starts_with(bad + "[");
            });
        if (!reported) {
            reader.problems.push_back(std::move(problem));
        }
    }
    if (!reader.problems.empty()) {
        throw Error(ErrorCode::InvalidDocument, errorText(reader.problems));
    }
    return document;
}

ConnectionDocument loadDocument(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(ErrorCode::InvalidArgument,
                    "cannot read the connection document '" + path.string() + "'", {},
                    "check that the file exists and is readable");
    }
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return parseDocument(text.str());
    } catch (const Error& e) {
        throw Error(e.code(), e.message(), "in " + path.string(), e.hint());
    }
}

std::vector<std::string> validateDocument(const ConnectionDocument& document) {
    std::vector<std::string> problems;
    if (trimmed(document.title).empty()) {
        problems.emplace_back("field 'title': required");
    }
    checkEntity(document.left, "left", problems);
    checkEntity(document.right, "right", problems);
    if (document.conflictResolution == ConflictResolution::NewestWins) {
        for (const auto* side : {"left", "right"}) {
            const auto& entity = std::string_view(side) == "left" ? document.left : document.right;
            if (trimmed(entity.modifiedColumn).empty()) {
                problems.push_back("field '" + std::string(side) +
                                   ".modifiedColumn': required when conflictResolution is "
                                   "newest-wins");
            }
        }
    }

    const auto& mapping = document.mapping;
    for (std::size_t i = 0; i < mapping.columns.size(); ++i) {
        const std::string field = "mapping.columns[" + std::to_string(i) + "]";
        const auto& pair = mapping.columns[i];
        for (const auto* side : {"left", "right"}) {
            const std::string& name = std::string_view(side) == "left" ? pair.left : pair.right;
            if (trimmed(name).empty()) {
                problems.push_back("field '" + field + "." + side + "': required");
                continue;
            }
            for (std::size_t j = 0; j < i; ++j) {
                const auto& earlier = std::string_view(side) == "left" ? mapping.columns[j].left
                                                                       : mapping.columns[j].right;
                if (equalsIgnoreCase(name, earlier)) {
                    std::string problem = "field '";
                    problem.append(field).append(".").append(side).append("': column '");
                    problem.append(name).append("' is already mapped in mapping.columns[");
                    problem.append(std::to_string(j)).append("]");
                    problems.push_back(std::move(problem));
                    break;
                }
            }
        }
    }
    checkColumnList(mapping.excludeLeft, "mapping.excludeLeft", problems);
    checkColumnList(mapping.excludeRight, "mapping.excludeRight", problems);
    if (!mapping.autoMap && mapping.columns.empty()) {
        problems.emplace_back(
            "field 'mapping': no columns are mapped (set 'auto' to true or list column pairs)");
    }

    if (std::isnan(document.maxDeletePercent) || document.maxDeletePercent < 0.0 ||
        document.maxDeletePercent > 100.0) {
        problems.emplace_back("field 'maxDeletePercent': must be a number from 0 to 100");
    }
    if (document.batchSize < 1 || document.batchSize > static_cast<std::size_t>(kMaxBatchSize)) {
        problems.push_back("field 'batchSize': must be a whole number from 1 to " +
                           std::to_string(kMaxBatchSize));
    }
    return problems;
}

// --- saving ----------------------------------------------------------------------------------

std::string serializeDocument(const ConnectionDocument& document) {
    Json json = Json::object();
    if (!document.id.empty()) {
        json["id"] = document.id;
    }
    json["title"] = document.title;
    // direction, conflictResolution and mapping.auto are always written: a reader of the file
    // should not need to know the defaults to see what the connection does.
    json["direction"] = toString(document.direction);
    json["conflictResolution"] = toString(document.conflictResolution);
    json["left"] = entityJson(document.left);
    json["right"] = entityJson(document.right);
    Json mapping = Json::object();
    mapping["auto"] = document.mapping.autoMap;
    if (!document.mapping.columns.empty()) {
        Json columns = Json::array();
        for (const auto& pair : document.mapping.columns) {
            columns.push_back(Json{{"left", pair.left}, {"right", pair.right}});
        }
        mapping["columns"] = std::move(columns);
    }
    if (!document.mapping.excludeLeft.empty()) {
        mapping["excludeLeft"] = document.mapping.excludeLeft;
    }
    if (!document.mapping.excludeRight.empty()) {
        mapping["excludeRight"] = document.mapping.excludeRight;
    }
    json["mapping"] = std::move(mapping);
    if (document.maxDeletePercent != kDefaultMaxDeletePercent) {
        json["maxDeletePercent"] = document.maxDeletePercent;
    }
    if (document.batchSize != kDefaultBatchSize) {
        json["batchSize"] = document.batchSize;
    }
    return json.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

void saveDocument(ConnectionDocument& document, const std::filesystem::path& path) {
    if (document.id.empty()) {
        document.id = newId();
    }
    const std::string text = serializeDocument(document);
    std::error_code error;
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), error);
    }
    // The temporary file sits next to the target so that the rename stays on one file system.
    auto temporary = path;
    temporary += ".tmp-" + newId().substr(0, 8);
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.close();
        if (!out) {
            std::filesystem::remove(temporary, error);
            throw Error(ErrorCode::InvalidArgument,
                        "cannot write the connection document '" + path.string() + "'", {},
                        "check that the folder exists and is writable");
        }
    }
    std::filesystem::rename(temporary, path, error);
    if (error) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        throw Error(ErrorCode::InvalidArgument,
                    "cannot write the connection document '" + path.string() + "'",
                    error.message());
    }
}

std::string stateId(const ConnectionDocument& document) {
    return document.id.empty() ? "title:" + document.title : document.id;
}

std::string newId() {
    std::random_device device;
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < bytes.size(); i += 4) {
        const auto word = static_cast<std::uint32_t>(device());
        for (std::size_t j = 0; j < 4; ++j) {
            bytes[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
        }
    }
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
    static constexpr std::string_view kDigits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        out += kDigits[bytes[i] >> 4];
        out += kDigits[bytes[i] & 0x0F];
    }
    return out;
}

std::filesystem::path resolveDocument(std::string_view pathOrTitle,
                                      const std::filesystem::path& directory) {
    std::filesystem::path asPath(pathOrTitle);
    std::error_code error;
    if (!pathOrTitle.empty() && std::filesystem::is_regular_file(asPath, error)) {
        return asPath;
    }
    const std::string wanted = trimmed(pathOrTitle);
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(directory, error)) {
        for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
            if (entry.is_regular_file(error) && entry.path().extension() == ".json") {
                files.push_back(entry.path());
            }
        }
    }
    std::sort(files.begin(), files.end());
    std::vector<std::filesystem::path> matches;
    std::vector<std::string> titles;
    for (const auto& file : files) {
        const std::string title = titleOf(file);
        if (title.empty()) {
            continue;
        }
        titles.push_back(title);
        if (equalsIgnoreCase(trimmed(title), wanted)) {
            matches.push_back(file);
        }
    }
    if (matches.size() == 1) {
        return matches.front();
    }
    if (matches.size() > 1) {
        std::string names;
        for (const auto& match : matches) {
            names += (names.empty() ? "" : ", ") + match.filename().string();
        }
        throw Error(ErrorCode::InvalidArgument,
                    "the title '" + wanted + "' matches " + std::to_string(matches.size()) +
                        " saved connections (" + names + ")",
                    {}, "pass the document's path instead");
    }
    std::string message = "no connection document or saved connection named '" + wanted + "'";
    if (titles.empty()) {
        message += " (there are no saved connections in " + directory.string() + ")";
    } else {
        std::sort(titles.begin(), titles.end());
        std::string list;
        for (const auto& title : titles) {
            list += (list.empty() ? "'" : ", '") + title + "'";
        }
        message += "; saved connections: " + list;
    }
    throw Error(ErrorCode::InvalidArgument, message);
}

}  // namespace ferry
