// Column type names, the JSON form of table definitions, and the predefined tables.
#include "entity_definition.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

namespace ferry::emulator {
namespace {

struct TypeNames {
    ColumnType type;
    const char* attributeType;
    const char* edmType;
};

constexpr TypeNames kTypeNames[] = {
    {ColumnType::String, "String", "Edm.String"},
    {ColumnType::Memo, "Memo", "Edm.String"},
    {ColumnType::Integer, "Integer", "Edm.Int32"},
    {ColumnType::BigInt, "BigInt", "Edm.Int64"},
    {ColumnType::Decimal, "Decimal", "Edm.Decimal"},
    {ColumnType::Money, "Money", "Edm.Decimal"},
    {ColumnType::Double, "Double", "Edm.Double"},
    {ColumnType::Boolean, "Boolean", "Edm.Boolean"},
    {ColumnType::DateTime, "DateTime", "Edm.DateTimeOffset"},
    {ColumnType::DateOnly, "DateOnly", "Edm.Date"},
    {ColumnType::Uniqueidentifier, "Uniqueidentifier", "Edm.Guid"},
    {ColumnType::Picklist, "Picklist", "Edm.Int32"},
    {ColumnType::State, "State", "Edm.Int32"},
    {ColumnType::Lookup, "Lookup", "Edm.Guid"},
};

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool isIdentifier(const std::string& name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

ColumnDefinition column(std::string name, ColumnType type) {
    ColumnDefinition c;
    c.name = std::move(name);
    c.type = type;
    return c;
}

ColumnDefinition text(std::string name, int maxLength, bool required = false) {
    ColumnDefinition c = column(std::move(name), ColumnType::String);
    c.maxLength = maxLength;
    c.required = required;
    return c;
}

ColumnDefinition lookup(std::string name, std::string target, std::string navigation = {}) {
    ColumnDefinition c = column(std::move(name), ColumnType::Lookup);
    c.target = std::move(target);
    c.navigationProperty = std::move(navigation);
    return c;
}

ColumnDefinition stateColumn() {
    ColumnDefinition c = column("statecode", ColumnType::State);
    c.options = {{0, "Active"}, {1, "Inactive"}};
    c.defaultValue = 0;
    return c;
}

}  // namespace

std::string columnTypeName(ColumnType type) {
    for (const auto& names : kTypeNames)
        if (names.type == type)
            return names.attributeType;
    return "String";
}

std::string edmTypeName(ColumnType type) {
    for (const auto& names : kTypeNames)
        if (names.type == type)
            return names.edmType;
    return "Edm.String";
}

std::optional<ColumnType> columnTypeFromName(std::string_view name) {
    for (const auto& names : kTypeNames)
        if (equalsIgnoreCase(name, names.attributeType))
            return names.type;
    return std::nullopt;
}

EntityDefinition entityDefinitionFromJson(const nlohmann::json& json) {
    if (!json.is_object())
        throw std::invalid_argument("An entity definition must be a JSON object.");
    EntityDefinition d;
    try {
        d.logicalName = json.at("logicalName").get<std::string>();
        d.entitySet = json.value("entitySet", d.logicalName + "s");
        d.primaryKey = json.value("primaryKey", d.logicalName + "id");
        d.primaryName = json.value("primaryName", std::string());
        d.changeTracking = json.value("changeTracking", false);
        for (const auto& c : json.value("columns", nlohmann::json::array())) {
            ColumnDefinition col;
            col.name = c.at("name").get<std::string>();
            const auto typeName = c.value("type", std::string("String"));
            const auto type = columnTypeFromName(typeName);
            if (!type)
                throw std::invalid_argument("Unknown column type '" + typeName + "' for column '" +
                                            col.name + "'.");
            col.type = *type;
            col.maxLength = c.value("maxLength", col.type == ColumnType::Memo ? 2000 : 100);
            col.precision = c.value("precision", col.precision);
            col.scale = c.value("scale", col.scale);
            col.required = c.value("required", false);
            col.readOnly = c.value("readOnly", false);
            for (const auto& o : c.value("options", nlohmann::json::array()))
                col.options.push_back({o.at("value").get<int>(), o.value("label", std::string())});
            col.target = c.value("target", std::string());
            col.navigationProperty = c.value("navigationProperty", std::string());
            if (c.contains("default"))
                col.defaultValue = c.at("default");
            d.columns.push_back(std::move(col));
        }
    } catch (const nlohmann::json::exception& e) {
        throw std::invalid_argument(std::string("Malformed entity definition: ") + e.what());
    }
    return d;
}

nlohmann::json entityDefinitionToJson(const EntityDefinition& definition) {
    nlohmann::json columns = nlohmann::json::array();
    for (const auto& c : definition.columns) {
        nlohmann::json col = {{"name", c.name},           {"type", columnTypeName(c.type)},
                              {"maxLength", c.maxLength}, {"precision", c.precision},
                              {"scale", c.scale},         {"required", c.required},
                              {"readOnly", c.readOnly}};
        if (!c.options.empty()) {
            col["options"] = nlohmann::json::array();
            for (const auto& o : c.options)
                col["options"].push_back({{"value", o.value}, {"label", o.label}});
        }
        if (c.type == ColumnType::Lookup) {
            col["target"] = c.target;
            col["navigationProperty"] = c.navigationProperty;
        }
        if (c.defaultValue)
            col["default"] = *c.defaultValue;
        columns.push_back(std::move(col));
    }
    return {{"logicalName", definition.logicalName},       {"entitySet", definition.entitySet},
            {"primaryKey", definition.primaryKey},         {"primaryName", definition.primaryName},
            {"changeTracking", definition.changeTracking}, {"columns", columns}};
}

EntityDefinition normalizeDefinition(EntityDefinition d) {
    if (!isIdentifier(d.logicalName))
        throw std::invalid_argument("The logical name '" + d.logicalName + "' is not valid.");
    if (d.entitySet.empty())
        d.entitySet = d.logicalName + "s";
    if (d.primaryKey.empty())
        d.primaryKey = d.logicalName + "id";
    if (!isIdentifier(d.entitySet) || !isIdentifier(d.primaryKey))
        throw std::invalid_argument("The entity set or primary key name is not valid.");
    std::set<std::string> names{d.primaryKey};
    for (auto& c : d.columns) {
        if (!isIdentifier(c.name))
            throw std::invalid_argument("The column name '" + c.name + "' is not valid.");
        if (!names.insert(c.name).second)
            throw std::invalid_argument("The column '" + c.name + "' is defined twice.");
        if ((c.type == ColumnType::String || c.type == ColumnType::Memo) && c.maxLength <= 0)
            throw std::invalid_argument("The column '" + c.name + "' needs a positive maxLength.");
        if (c.type == ColumnType::Decimal &&
            (c.precision < 1 || c.precision > 18 || c.scale < 0 || c.scale > c.precision))
            throw std::invalid_argument(
                "The column '" + c.name +
                "' needs 1 <= precision <= 18 and 0 <= scale <= precision.");
        if (c.type == ColumnType::Lookup) {
            if (c.target.empty())
                throw std::invalid_argument("The lookup '" + c.name + "' needs a target.");
            if (c.navigationProperty.empty())
                c.navigationProperty = c.name;
        }
        if ((c.type == ColumnType::Picklist || c.type == ColumnType::State) && c.options.empty())
            throw std::invalid_argument("The choice column '" + c.name + "' needs options.");
    }
    if (!d.primaryName.empty() && !names.count(d.primaryName))
        throw std::invalid_argument("The primary name column '" + d.primaryName +
                                    "' is not a column.");
    // Every Dataverse table has these server-maintained columns.
    auto addSystem = [&](const char* name, ColumnType type) {
        if (names.insert(name).second) {
            ColumnDefinition c = column(name, type);
            c.readOnly = true;
            d.columns.push_back(std::move(c));
        }
    };
    addSystem("createdon", ColumnType::DateTime);
    addSystem("modifiedon", ColumnType::DateTime);
    addSystem("versionnumber", ColumnType::BigInt);
    return d;
}

std::vector<EntityDefinition> builtinDefinitions() {
    EntityDefinition account;
    account.logicalName = "account";
    account.entitySet = "accounts";
    account.primaryKey = "accountid";
    account.primaryName = "name";
    account.changeTracking = true;
    ColumnDefinition description = column("description", ColumnType::Memo);
    description.maxLength = 2000;
    ColumnDefinition industry = column("industrycode", ColumnType::Picklist);
    industry.options = {{1, "Accounting"},
                        {2, "Agriculture and Non-petrol Natural Resource Extraction"},
                        {3, "Broadcasting Printing and Publishing"},
                        {4, "Brokers"},
                        {5, "Building Supply Retail"}};
    ColumnDefinition creditOnHold = column("creditonhold", ColumnType::Boolean);
    creditOnHold.defaultValue = false;
    account.columns = {text("name", 160, true),
                       text("accountnumber", 20),
                       text("telephone1", 50),
                       text("emailaddress1", 100),
                       text("address1_city", 80),
                       description,
                       column("revenue", ColumnType::Money),
                       column("numberofemployees", ColumnType::Integer),
                       creditOnHold,
                       industry,
                       column("lastonholdtime", ColumnType::DateTime),
                       lookup("parentaccountid", "accounts"),
                       lookup("primarycontactid", "contacts"),
                       stateColumn()};

    EntityDefinition contact;
    contact.logicalName = "contact";
    contact.entitySet = "contacts";
    contact.primaryKey = "contactid";
    contact.primaryName = "fullname";
    contact.changeTracking = true;
    ColumnDefinition fullname = text("fullname", 160);
    fullname.readOnly = true;
    contact.columns = {text("firstname", 50),
                       text("lastname", 50, true),
                       fullname,
                       text("emailaddress1", 100),
                       column("birthdate", ColumnType::DateOnly),
                       lookup("parentcustomerid", "accounts", "parentcustomerid_account"),
                       stateColumn()};

    EntityDefinition region;
    region.logicalName = "new_region";
    region.entitySet = "new_regions";
    region.primaryKey = "new_regionid";
    region.primaryName = "new_name";
    region.changeTracking = false;
    region.columns = {text("new_name", 100, true), text("new_code", 10)};

    std::vector<EntityDefinition> all;
    for (auto* d : {&account, &contact, &region})
        all.push_back(normalizeDefinition(std::move(*d)));
    return all;
}

}  // namespace ferry::emulator
