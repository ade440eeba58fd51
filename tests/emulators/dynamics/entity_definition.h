// The schema of an emulated Dataverse table: its columns, their types and rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ferry::emulator {

// Dataverse column types (AttributeType), each with a fixed Edm type on the wire.
enum class ColumnType {
    String,            // Edm.String, maxLength
    Memo,              // Edm.String, maxLength (default 2000)
    Integer,           // Edm.Int32
    BigInt,            // Edm.Int64
    Decimal,           // Edm.Decimal with precision / scale
    Money,             // Edm.Decimal, 4 decimals on output, brings _transactioncurrencyid_value
    Double,            // Edm.Double
    Boolean,           // Edm.Boolean
    DateTime,          // Edm.DateTimeOffset, UTC, whole seconds
    DateOnly,          // Edm.Date
    Uniqueidentifier,  // Edm.Guid
    Picklist,          // Edm.Int32 restricted to options
    State,             // Edm.Int32 restricted to options (statecode)
    Lookup,            // read as _<name>_value (Edm.Guid), written as <navigation>@odata.bind
};

struct PicklistOption {
    int value = 0;
    std::string label;
};

struct ColumnDefinition {
    std::string name;  // logical name, lower case
    ColumnType type = ColumnType::String;
    int maxLength = 100;    // String / Memo: longest value in characters
    int precision = 18;     // Decimal: total digits
    int scale = 2;          // Decimal: digits after the point
    bool required = false;  // ApplicationRequired: create without a value (or null) is refused
    bool readOnly = false;  // IsValidForCreate/Update false: writes are silently ignored
    std::vector<PicklistOption> options;         // Picklist / State
    std::string target;                          // Lookup: the target entity set, e.g. "accounts"
    std::string navigationProperty;              // Lookup: case-sensitive; defaults to `name`
    std::optional<nlohmann::json> defaultValue;  // applied on create when the body lacks it
};

struct EntityDefinition {
    std::string logicalName;  // "account"
    std::string entitySet;    // "accounts"
    std::string primaryKey;   // "accountid": always Edm.Guid, generated on create if absent
    std::string primaryName;  // "name": the column used for lookup formatted values
    bool changeTracking = false;
    std::vector<ColumnDefinition> columns;  // without the primary key
};

// Wire name of a column type: the AttributeType ("Picklist") and its Edm type ("Edm.Int32").
std::string columnTypeName(ColumnType type);
std::string edmTypeName(ColumnType type);
// Parses an AttributeType name (case-insensitive); nullopt when unknown.
std::optional<ColumnType> columnTypeFromName(std::string_view name);

// JSON form used by POST /_emulator/entities:
// {"logicalName","entitySet","primaryKey","primaryName","changeTracking",
//  "columns":[{"name","type","maxLength","precision","scale","required","readOnly",
//              "options":[{"value","label"}],"target","navigationProperty","default"}]}.
// Throws std::invalid_argument with a plain message on a malformed definition.
EntityDefinition entityDefinitionFromJson(const nlohmann::json& json);
nlohmann::json entityDefinitionToJson(const EntityDefinition& definition);

// Checks names, types and references; fills defaults (navigationProperty, system columns
// createdon / modifiedon / versionnumber when absent). Throws std::invalid_argument.
EntityDefinition normalizeDefinition(EntityDefinition definition);

// The predefined tables: account and contact (change tracking on) and new_region (off).
std::vector<EntityDefinition> builtinDefinitions();

}  // namespace ferry::emulator
