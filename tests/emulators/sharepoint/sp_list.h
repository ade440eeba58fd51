// One SharePoint list in memory: fields, compact item storage, value conversion, change log.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sharepoint_emulator.h"
#include "sp_filter.h"

namespace ferry::emulator::sp {

// A failure the service reports as a SharePoint error body: HTTP status, the
// "<HRESULT>, <exception type>" code and the message.
struct SpError : std::runtime_error {
    SpError(int httpStatus, std::string errorCode, const std::string& message)
        : std::runtime_error(message), status(httpStatus), code(std::move(errorCode)) {}
    int status;
    std::string code;
};

inline constexpr const char* kInvalidClientQuery =
    "-1, Microsoft.SharePoint.Client.InvalidClientQueryException";
inline constexpr const char* kValidationFailed =
    "-2130575162, Microsoft.SharePoint.SPListDataValidationException";
inline constexpr const char* kDuplicateValuesCode =
    "-2130575169, Microsoft.SharePoint.SPDuplicateValuesFoundException";
inline constexpr const char* kArgumentException = "-2147024809, System.ArgumentException";
inline constexpr const char* kThrottledCode =
    "-2147024860, Microsoft.SharePoint.SPQueryThrottledException";

enum class JsonFormat { Verbose, Minimal, NoMetadata };

// Built-in columns kept as item members rather than value slots.
enum class Builtin { None, Id, Created, Modified, Author, Editor };

struct ListField {
    SpField def;
    Builtin builtin = Builtin::None;
    int slot = -1;           // index into SpItem::values when builtin == None
    std::string id;          // the field's GUID
    std::string entityName;  // its name in item JSON ("OData_" prefix, "<Name>Id" for lookups)
    bool fromBaseType = false;
};

// Values are kept as canonical text, one std::string per column (SharePoint's own storage is
// text-like too): Number "12.5", Boolean "1"/"0", DateTime "YYYY-MM-DDTHH:MM:SSZ",
// MultiChoice ";#a;#b;#", Lookup/User "7", URL "<url>\x1f<description>". Empty = null.
struct SpItem {
    int id = 0;
    int version = 1;  // the ETag
    std::int64_t created = 0, modified = 0;
    int author = 1, editor = 1;
    std::vector<std::string> values;
};

struct SpChange {
    std::int64_t number = 0;
    int type = 1;  // 1 add, 2 update, 3 delete
    int itemId = 0;
    std::int64_t time = 0;
};

class SpList final {
public:
    // Throws std::invalid_argument on a malformed definition (no title, duplicate field names).
    SpList(const SpListDefinition& definition, std::string id, std::string siteRelativeUrl);

    const std::string& title() const { return m_title; }
    void setTitle(std::string title) { m_title = std::move(title); }
    const std::string& urlName() const { return m_urlName; }
    const std::string& id() const { return m_id; }
    const std::string& entityTypeName() const { return m_entityTypeName; }  // "AccountsList"
    std::string itemEntityTypeFullName() const { return "SP.Data." + m_itemTypeName; }
    const std::string& rootFolderUrl() const { return m_rootUrl; }  // "/sites/sales/Lists/X"
    std::int64_t created() const { return m_created; }
    std::int64_t lastItemModified() const { return m_lastModified; }
    std::int64_t lastItemDeleted() const { return m_lastDeleted; }

    const std::vector<ListField>& fields() const { return m_fields; }
    // Adds a field (REST field creation). Throws SpError 400 when the name exists.
    const ListField& addField(const SpField& field);
    // By internal name, entity name ("CustomerId") or, when byTitle, display title; any case.
    const ListField* findField(std::string_view name, bool byTitle = false) const;

    const std::map<int, SpItem>& items() const { return m_items; }
    const SpItem* item(int id) const;
    std::size_t itemCount() const { return m_items.size(); }

    // Writes from a request body (entity names, "__metadata" already removed). Throw SpError:
    // 400 for an unknown property, a value of the wrong type, a text over MaxLength, a value
    // outside the choices or a duplicate in a unique field; 404 for a missing item. Required
    // fields are not checked, as SharePoint's REST item writes do not check them (PnP-JS-Core
    // #376); ValidateUpdateListItem does (SharePointService).
    const SpItem& create(const nlohmann::json& body, int user, std::int64_t now);
    // replace: PUT semantics (fields not in the body return to null).
    const SpItem& update(int id, const nlohmann::json& body, bool replace, int user,
                         std::int64_t now);
    void remove(int id, std::int64_t now);
    // Seeds without a change-log entry (nor the unique-value check); keys are
    // internal or entity names. Throws std::invalid_argument on bad input.
    void seed(const nlohmann::json& values, std::int64_t now);

    // The typed value of a column of an item, for $filter and $orderby.
    FilterValue value(const SpItem& item, const ListField& field) const;
    // Sets `out[field.entityName]` (or the built-in's name) to the value in `format`.
    void writeValue(nlohmann::ordered_json& out, const SpItem& item, const ListField& field,
                    JsonFormat format) const;
    // The native form used by SharePointEmulator::items(): internal names, plain values.
    nlohmann::json nativeItem(const SpItem& item) const;

    // Change log.
    const std::vector<SpChange>& changes() const { return m_changes; }
    std::int64_t lastChangeNumber() const { return m_changeCounter; }
    std::string changeToken(std::int64_t number, std::int64_t time) const;
    std::string currentChangeToken() const;

    // Stable per-item GUID (the GUID column), derived from the list id and the item id.
    std::string itemGuid(int id) const;

private:
    std::string toCell(const ListField& field, const nlohmann::json& value) const;
    void applyBody(SpItem& item, const nlohmann::json& body, bool replace);
    void logChange(int type, int itemId, std::int64_t now);

    std::string m_title, m_urlName, m_id, m_entityTypeName, m_itemTypeName, m_rootUrl;
    std::vector<ListField> m_fields;
    std::map<int, SpItem> m_items;
    int m_nextId = 1;
    int m_slots = 0;
    std::int64_t m_created = 0, m_lastModified = 0, m_lastDeleted = 0;
    std::vector<SpChange> m_changes;
    std::int64_t m_changeCounter = 0;
    std::uint64_t m_guidSeed = 0;
};

// "Text", "Number", ... and FieldTypeKind numbers as SharePoint names them.
std::string typeAsString(SpFieldType type);
int fieldTypeKind(SpFieldType type);
// Parses "Text", "Choice", ... (any case) or a FieldTypeKind number; nullopt when unknown.
std::optional<SpFieldType> parseFieldType(const nlohmann::json& value);

}  // namespace ferry::emulator::sp
