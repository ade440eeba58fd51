// Metadata answers of the emulated service: service document, CSDL $metadata, and the
// EntityDefinitions / Attributes metadata entity sets.
#include <algorithm>

#include "dynamics_service.h"
#include "emulator_text.h"
#include "odata_filter.h"

namespace ferry::emulator {
namespace {

using json = nlohmann::json;

Guid metadataId(std::string_view name) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (char c : name)
        hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    std::uint64_t state = hash;
    return Guid::fromRandom(state);
}

std::string displayName(std::string_view logicalName) {
    std::string out;
    bool upper = true;
    for (char c : logicalName) {
        if (c == '_') {
            out.push_back(' ');
            upper = true;
            continue;
        }
        out.push_back(upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
        upper = false;
    }
    return out;
}

json label(const std::string& text) {
    const json localized = {{"Label", text},
                            {"LanguageCode", 1033},
                            {"IsManaged", true},
                            {"MetadataId", metadataId("label:" + text).str()},
                            {"HasChanged", nullptr}};
    return {{"LocalizedLabels", json::array({localized})}, {"UserLocalizedLabel", localized}};
}

json requiredLevel(const char* value) {
    return {{"Value", value},
            {"CanBeChanged", true},
            {"ManagedPropertyLogicalName", "canmodifyrequirementlevelsettings"}};
}

std::string schemaName(const ColumnDefinition& c) {
    // Custom lookups carry their SchemaName casing in the navigation property name.
    if (c.type == ColumnType::Lookup && c.navigationProperty != c.name &&
        compareIgnoreCase(c.navigationProperty, c.name) == 0)
        return c.navigationProperty;
    std::string name = c.name;
    if (!name.empty() && name[0] >= 'a' && name[0] <= 'z')
        name[0] = static_cast<char>(name[0] - 32);
    return name;
}

const char* metadataType(ColumnType type) {
    switch (type) {
        case ColumnType::String:
            return "StringAttributeMetadata";
        case ColumnType::Memo:
            return "MemoAttributeMetadata";
        case ColumnType::Integer:
            return "IntegerAttributeMetadata";
        case ColumnType::BigInt:
            return "BigIntAttributeMetadata";
        case ColumnType::Decimal:
            return "DecimalAttributeMetadata";
        case ColumnType::Money:
            return "MoneyAttributeMetadata";
        case ColumnType::Double:
            return "DoubleAttributeMetadata";
        case ColumnType::Boolean:
            return "BooleanAttributeMetadata";
        case ColumnType::DateTime:
        case ColumnType::DateOnly:
            return "DateTimeAttributeMetadata";
        case ColumnType::Uniqueidentifier:
            return "UniqueIdentifierAttributeMetadata";
        case ColumnType::Picklist:
            return "PicklistAttributeMetadata";
        case ColumnType::State:
            return "StateAttributeMetadata";
        case ColumnType::Lookup:
            return "LookupAttributeMetadata";
    }
    return "AttributeMetadata";
}

json optionSet(const EntityDefinition& entity, const ColumnDefinition& c) {
    json options = json::array();
    for (const auto& o : c.options)
        options.push_back({{"Value", o.value}, {"Label", label(o.label)}, {"Color", nullptr}});
    return {{"MetadataId", metadataId("optionset:" + entity.logicalName + "." + c.name).str()},
            {"Name", entity.logicalName + "_" + c.name},
            {"IsGlobal", false},
            {"OptionSetType", c.type == ColumnType::State ? "State" : "Picklist"},
            {"Options", options}};
}

json attributeJson(const EntityDefinition& entity, const ColumnDefinition& c, bool expandOptions,
                   const std::map<std::string, std::string>& logicalBySet) {
    std::string attributeType = columnTypeName(c.type);
    std::string typeName = attributeType + "Type";
    if (c.type == ColumnType::DateOnly) {
        attributeType = "DateTime";
        typeName = "DateTimeType";
    }
    json a = {
        {"@odata.type", std::string("#Microsoft.Dynamics.CRM.") + metadataType(c.type)},
        {"MetadataId", metadataId(entity.logicalName + "." + c.name).str()},
        {"LogicalName", c.name},
        {"SchemaName", schemaName(c)},
        {"EntityLogicalName", entity.logicalName},
        {"AttributeType", attributeType},
        {"AttributeTypeName", {{"Value", typeName}}},
        {"IsValidForCreate", !c.readOnly},
        {"IsValidForUpdate", !c.readOnly},
        {"IsValidForRead", true},
        {"IsPrimaryId", false},
        {"IsPrimaryName", c.name == entity.primaryName},
        {"IsCustomAttribute",
         c.name.find('_') != std::string::npos && c.name.substr(0, 4) == "new_"},
        {"AttributeOf", nullptr},
        {"RequiredLevel", requiredLevel(c.required ? "ApplicationRequired" : "None")},
        {"DisplayName", label(displayName(c.name))},
    };
    switch (c.type) {
        case ColumnType::String:
        case ColumnType::Memo:
            a["MaxLength"] = c.maxLength;
            a["Format"] = c.type == ColumnType::Memo ? "TextArea" : "Text";
            break;
        case ColumnType::Money:
            a["Precision"] = 2;
            a["PrecisionSource"] = 2;
            a["MinValue"] = -922337203685477.0;
            a["MaxValue"] = 922337203685477.0;
            break;
        case ColumnType::Decimal:
            a["Precision"] = c.scale;
            break;
        case ColumnType::Integer:
            a["MinValue"] = -2147483648LL;
            a["MaxValue"] = 2147483647LL;
            break;
        case ColumnType::DateTime:
            a["Format"] = "DateAndTime";
            a["DateTimeBehavior"] = {{"Value", "UserLocal"}};
            break;
        case ColumnType::DateOnly:
            a["Format"] = "DateOnly";
            a["DateTimeBehavior"] = {{"Value", "DateOnly"}};
            break;
        case ColumnType::Lookup: {
            const auto it = logicalBySet.find(c.target);
            a["Targets"] = json::array({it == logicalBySet.end() ? c.target : it->second});
            break;
        }
        case ColumnType::Picklist:
        case ColumnType::State:
            if (expandOptions)
                a["OptionSet"] = optionSet(entity, c);
            break;
        case ColumnType::Boolean:
            if (expandOptions)
                a["OptionSet"] = {{"TrueOption", {{"Value", 1}, {"Label", label("Yes")}}},
                                  {"FalseOption", {{"Value", 0}, {"Label", label("No")}}}};
            break;
        default:
            break;
    }
    return a;
}

std::map<std::string, std::string> logicalNamesBySet(
    const std::map<std::string, std::unique_ptr<EntityTable>, std::less<>>& tables) {
    std::map<std::string, std::string> out;
    for (const auto& [set, table] : tables)
        out[set] = table->definition().logicalName;
    return out;
}

// Every attribute of an entity: its columns, the primary key, and the derived name columns of
// lookups (AttributeOf set) that Dataverse lists but that are not data.
json attributesJson(const EntityDefinition& entity, bool expandOptions,
                    const std::map<std::string, std::string>& logicalBySet) {
    json list = json::array();
    ColumnDefinition key;
    key.name = entity.primaryKey;
    key.type = ColumnType::Uniqueidentifier;
    json pk = attributeJson(entity, key, false, logicalBySet);
    pk["IsPrimaryId"] = true;
    pk["IsValidForUpdate"] = false;
    pk["RequiredLevel"] = requiredLevel("SystemRequired");
    list.push_back(pk);
    bool hasMoney = false;
    for (const auto& c : entity.columns) {
        list.push_back(attributeJson(entity, c, expandOptions, logicalBySet));
        hasMoney = hasMoney || c.type == ColumnType::Money;
        if (c.type == ColumnType::Lookup) {
            ColumnDefinition nameColumn;
            nameColumn.name = c.name + "name";
            nameColumn.type = ColumnType::String;
            nameColumn.maxLength = 100;
            nameColumn.readOnly = true;
            json derived = attributeJson(entity, nameColumn, false, logicalBySet);
            derived["AttributeOf"] = c.name;
            list.push_back(derived);
        }
    }
    if (hasMoney) {
        ColumnDefinition currency;
        currency.name = "transactioncurrencyid";
        currency.type = ColumnType::Lookup;
        currency.target = "transactioncurrencies";
        currency.navigationProperty = "transactioncurrencyid";
        currency.readOnly = true;
        list.push_back(attributeJson(entity, currency, false,
                                     {{"transactioncurrencies", "transactioncurrency"}}));
    }
    return list;
}

json entityJson(const EntityDefinition& entity) {
    int objectTypeCode = 10000;
    if (entity.logicalName == "account")
        objectTypeCode = 1;
    else if (entity.logicalName == "contact")
        objectTypeCode = 2;
    else
        objectTypeCode += static_cast<int>(metadataId(entity.logicalName).lo % 9000);
    std::string schema = displayName(entity.logicalName);
    schema.erase(std::remove(schema.begin(), schema.end(), ' '), schema.end());
    return {{"MetadataId", metadataId(entity.logicalName).str()},
            {"LogicalName", entity.logicalName},
            {"SchemaName", schema},
            {"EntitySetName", entity.entitySet},
            {"LogicalCollectionName", entity.entitySet},
            {"CollectionSchemaName", schema + "s"},
            {"PrimaryIdAttribute", entity.primaryKey},
            {"PrimaryNameAttribute",
             entity.primaryName.empty() ? json(nullptr) : json(entity.primaryName)},
            {"ObjectTypeCode", objectTypeCode},
            {"IsCustomEntity", entity.logicalName.find('_') != std::string::npos},
            {"ChangeTrackingEnabled", entity.changeTracking},
            {"IsOptimisticConcurrencyEnabled", true},
            {"CanChangeTrackingBeEnabled",
             {{"Value", true},
              {"CanBeChanged", true},
              {"ManagedPropertyLogicalName", "canchangetrackingbeenabled"}}},
            {"DisplayName", label(displayName(entity.logicalName))},
            {"DisplayCollectionName", label(displayName(entity.logicalName) + "s")}};
}

// Applies $select / $filter / $expand to a list of metadata objects.
struct MetadataQuery {
    std::vector<std::string> select;
    std::optional<Filter> filter;
    bool expandOptions = false;
};

std::optional<ServiceResponse> parseMetadataQuery(const ServiceRequest& request,
                                                  MetadataQuery& query) {
    for (const auto& [name, value] : request.query) {
        if (name == "$select") {
            std::size_t start = 0;
            while (start <= value.size()) {
                const auto comma = value.find(',', start);
                std::string item = value.substr(start, comma - start);
                item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
                if (!item.empty())
                    query.select.push_back(item);
                if (comma == std::string::npos)
                    break;
                start = comma + 1;
            }
        } else if (name == "$filter") {
            query.filter = Filter::parse(value);
            query.filter->setEntityType("Microsoft.Dynamics.CRM.AttributeMetadata");
        } else if (name == "$expand") {
            query.expandOptions = value.find("OptionSet") != std::string::npos;
        } else if (name == "$skip" || name == "$search" || name == "$format") {
            return errorResponse(400, "0x80060888",
                                 "The query parameter " + name + " is not supported");
        }
    }
    return std::nullopt;
}

bool matchesFilter(const MetadataQuery& query, const json& item) {
    if (!query.filter)
        return true;
    const PropertyLookup lookup = [&](std::string_view name) -> std::optional<json> {
        const json* node = &item;
        std::size_t start = 0;
        while (start <= name.size()) {
            const auto slash = name.find('/', start);
            const std::string key(name.substr(start, slash - start));
            if (!node->is_object() || !node->contains(key))
                return std::nullopt;
            node = &(*node)[key];
            if (slash == std::string_view::npos)
                break;
            start = slash + 1;
        }
        return *node;
    };
    return query.filter->matches(lookup);
}

json project(const MetadataQuery& query, const json& item) {
    if (query.select.empty())
        return item;
    json out = json::object();
    if (item.contains("@odata.type"))
        out["@odata.type"] = item["@odata.type"];
    out["MetadataId"] = item["MetadataId"];
    for (const auto& name : query.select)
        if (item.contains(name))
            out[name] = item[name];
    if (query.expandOptions && item.contains("OptionSet"))
        out["OptionSet"] = item["OptionSet"];
    return out;
}

std::string selectSuffix(const MetadataQuery& query) {
    if (query.select.empty())
        return "";
    std::string out = "(";
    for (std::size_t i = 0; i < query.select.size(); ++i)
        out += (i ? "," : "") + query.select[i];
    return out + ")";
}

ServiceResponse jsonBody(json body) {
    ServiceResponse r;
    r.body = body.dump();
    r.contentType = "application/json; odata.metadata=minimal";
    return r;
}

void appendXmlAttribute(std::string& out, const char* name, std::string_view value) {
    out += ' ';
    out += name;
    out += "=\"";
    out += common::xmlEscape(value);
    out += '"';
}

}  // namespace

ServiceResponse DynamicsService::serviceDocument(const ServiceRequest& request) const {
    json sets = json::array();
    for (const auto& [name, table] : m_tables)
        sets.push_back({{"name", name}, {"kind", "EntitySet"}, {"url", name}});
    sets.push_back(
        {{"name", "EntityDefinitions"}, {"kind", "EntitySet"}, {"url", "EntityDefinitions"}});
    return jsonBody({{"@odata.context", request.baseUrl + "$metadata"}, {"value", sets}});
}

ServiceResponse DynamicsService::csdl(const ServiceRequest& request) const {
    bool annotations = false;
    for (const auto& [name, value] : request.query)
        if (name == "annotations" && value == "true")
            annotations = true;
    const auto logicalBySet = logicalNamesBySet(m_tables);
    const char* readOnlyAnnotations =
        "<Annotation Term=\"Org.OData.Core.V1.Computed\" Bool=\"true\"/>"
        "<Annotation Term=\"Org.OData.Core.V1.Permissions\"><EnumMember>"
        "Org.OData.Core.V1.PermissionType/Read</EnumMember></Annotation>";
    std::string x =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">"
        "<edmx:DataServices>"
        "<Schema Namespace=\"Microsoft.Dynamics.CRM\" Alias=\"mscrm\" "
        "xmlns=\"http://docs.oasis-open.org/odata/ns/edm\">"
        "<EntityType Name=\"crmbaseentity\" Abstract=\"true\"/>"
        "<EntityType Name=\"transactioncurrency\" BaseType=\"mscrm.crmbaseentity\">"
        "<Key><PropertyRef Name=\"transactioncurrencyid\"/></Key>"
        "<Property Name=\"transactioncurrencyid\" Type=\"Edm.Guid\"/>"
        "<Property Name=\"currencyname\" Type=\"Edm.String\" Unicode=\"false\"/></EntityType>";
    for (const auto& [set, table] : m_tables) {
        const auto& d = table->definition();
        x += "<EntityType";
        appendXmlAttribute(x, "Name", d.logicalName);
        x += " BaseType=\"mscrm.crmbaseentity\"><Key><PropertyRef";
        appendXmlAttribute(x, "Name", d.primaryKey);
        x += "/></Key>";
        std::string navigation;
        for (const auto& c : d.columns) {
            const bool lookup = c.type == ColumnType::Lookup;
            x += "<Property";
            appendXmlAttribute(x, "Name", lookup ? "_" + c.name + "_value" : c.name);
            appendXmlAttribute(x, "Type", edmTypeName(c.type));
            if (c.type == ColumnType::String || c.type == ColumnType::Memo) {
                x += " Unicode=\"false\"";
                appendXmlAttribute(x, "MaxLength", std::to_string(c.maxLength));
            } else if (c.type == ColumnType::Money) {
                x += " Precision=\"19\" Scale=\"4\"";
            } else if (c.type == ColumnType::Decimal) {
                appendXmlAttribute(x, "Precision", std::to_string(c.precision));
                appendXmlAttribute(x, "Scale", std::to_string(c.scale));
            }
            if (annotations && (c.readOnly || lookup)) {
                x += ">";
                x += readOnlyAnnotations;
                x += "</Property>";
            } else {
                x += "/>";
            }
            if (lookup) {
                const auto target = logicalBySet.find(c.target);
                navigation += "<NavigationProperty";
                appendXmlAttribute(navigation, "Name", c.navigationProperty);
                appendXmlAttribute(
                    navigation, "Type",
                    "mscrm." + (target == logicalBySet.end() ? std::string("crmbaseentity")
                                                             : target->second));
                navigation += "><ReferentialConstraint";
                appendXmlAttribute(navigation, "Property", "_" + c.name + "_value");
                const auto targetTable = m_tables.find(c.target);
                appendXmlAttribute(navigation, "ReferencedProperty",
                                   targetTable == m_tables.end()
                                       ? c.target
                                       : targetTable->second->definition().primaryKey);
                navigation += "/></NavigationProperty>";
            }
        }
        x += "<Property";
        appendXmlAttribute(x, "Name", d.primaryKey);
        x += " Type=\"Edm.Guid\"/>";
        if (table->hasMoney()) {
            x += "<Property Name=\"_transactioncurrencyid_value\" Type=\"Edm.Guid\"";
            x += annotations ? std::string(">") + readOnlyAnnotations + "</Property>" : "/>";
            navigation +=
                "<NavigationProperty Name=\"transactioncurrencyid\" "
                "Type=\"mscrm.transactioncurrency\"><ReferentialConstraint "
                "Property=\"_transactioncurrencyid_value\" "
                "ReferencedProperty=\"transactioncurrencyid\"/></NavigationProperty>";
        }
        x += navigation;
        x += "</EntityType>";
    }
    x += "<EntityContainer Name=\"System\">";
    for (const auto& [set, table] : m_tables) {
        const auto& d = table->definition();
        x += "<EntitySet";
        appendXmlAttribute(x, "Name", set);
        appendXmlAttribute(x, "EntityType", "Microsoft.Dynamics.CRM." + d.logicalName);
        x += ">";
        for (const auto& c : d.columns) {
            if (c.type != ColumnType::Lookup || !m_tables.count(c.target))
                continue;
            x += "<NavigationPropertyBinding";
            appendXmlAttribute(x, "Path", c.navigationProperty);
            appendXmlAttribute(x, "Target", c.target);
            x += "/>";
        }
        if (annotations && d.changeTracking)
            x += "<Annotation Term=\"Org.OData.Capabilities.V1.ChangeTracking\"><Record>"
                 "<PropertyValue Property=\"Supported\" Bool=\"true\"/></Record></Annotation>";
        x += "</EntitySet>";
    }
    x += "</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>\n";
    ServiceResponse r;
    r.body = std::move(x);
    r.contentType = "application/xml";
    return r;
}

ServiceResponse DynamicsService::entityDefinitions(const ServiceRequest& request,
                                                   std::string_view rest) const {
    MetadataQuery query;
    if (auto error = parseMetadataQuery(request, query))
        return *error;
    const auto logicalBySet = logicalNamesBySet(m_tables);
    const std::string base = request.baseUrl + "$metadata#EntityDefinitions";
    if (rest.empty()) {
        json list = json::array();
        for (const auto& [set, table] : m_tables) {
            const json e = entityJson(table->definition());
            if (matchesFilter(query, e))
                list.push_back(project(query, e));
        }
        return jsonBody({{"@odata.context", base + selectSuffix(query)}, {"value", list}});
    }
    // (LogicalName='account') or (<MetadataId>)
    if (rest[0] != '(')
        return errorResponse(404, "0x80060888",
                             "Resource not found for the segment '" + std::string(rest) + "'.");
    const auto close = rest.find(')');
    std::string key(rest.substr(1, close == std::string_view::npos ? 0 : close - 1));
    if (key.rfind("LogicalName=", 0) == 0)
        key = key.substr(12);
    if (key.size() >= 2 && key.front() == '\'' && key.back() == '\'')
        key = key.substr(1, key.size() - 2);
    const EntityTable* table = nullptr;
    for (const auto& [set, t] : m_tables) {
        const auto& d = t->definition();
        if (d.logicalName == key || metadataId(d.logicalName).str() == key)
            table = t.get();
    }
    if (!table)
        return errorResponse(
            404, "0x80040217",
            "Could not find entity with logical name or metadata id '" + key + "'.");
    const auto& entity = table->definition();
    rest = rest.substr(close + 1);
    const std::string entityContext = base + "('" + entity.logicalName + "')";
    if (rest.empty()) {
        json e = project(query, entityJson(entity));
        if (!query.expandOptions &&
            request.query.end() !=
                std::find_if(request.query.begin(), request.query.end(), [](const auto& q) {
                    return q.first == "$expand" && q.second.find("Attributes") != std::string::npos;
                }))
            e["Attributes"] = attributesJson(entity, false, logicalBySet);
        json body = {{"@odata.context", base + selectSuffix(query) + "/$entity"}};
        body.update(e);
        return jsonBody(body);
    }
    if (rest.substr(0, 11) != "/Attributes")
        return errorResponse(
            404, "0x80060888",
            "Resource not found for the segment '" + std::string(rest.substr(1)) + "'.");
    rest = rest.substr(11);
    json attributes = attributesJson(entity, query.expandOptions, logicalBySet);
    std::string context = entityContext + "/Attributes";
    if (!rest.empty() && rest[0] == '(') {
        // Attributes(LogicalName='name') or Attributes(<MetadataId>)
        const auto end = rest.find(')');
        std::string name(rest.substr(1, end == std::string_view::npos ? 0 : end - 1));
        if (name.rfind("LogicalName=", 0) == 0)
            name = name.substr(12);
        if (name.size() >= 2 && name.front() == '\'')
            name = name.substr(1, name.size() - 2);
        for (const auto& a : attributes)
            if (a["LogicalName"] == name || a["MetadataId"] == name) {
                json body = {{"@odata.context", context + "/$entity"}};
                body.update(project(query, a));
                return jsonBody(body);
            }
        return errorResponse(
            404, "0x80040217",
            "Could not find attribute '" + name + "' on entity '" + entity.logicalName + "'.");
    }
    std::string cast;
    if (rest.substr(0, 24) == "/Microsoft.Dynamics.CRM.") {
        cast = std::string(rest.substr(24));
        context += "/Microsoft.Dynamics.CRM." + cast;
        if (cast == "EnumAttributeMetadata" || cast.find("AttributeMetadata") == std::string::npos)
            return errorResponse(400, "0x80060888",
                                 "The type 'Microsoft.Dynamics.CRM." + cast +
                                     "' cannot be used as a cast on Attributes.");
    } else if (!rest.empty()) {
        return errorResponse(
            404, "0x80060888",
            "Resource not found for the segment '" + std::string(rest.substr(1)) + "'.");
    }
    json list = json::array();
    for (const auto& a : attributes) {
        if (!cast.empty() && a["@odata.type"] != "#Microsoft.Dynamics.CRM." + cast)
            continue;
        if (matchesFilter(query, a))
            list.push_back(project(query, a));
    }
    return jsonBody({{"@odata.context", context + selectSuffix(query)}, {"value", list}});
}

}  // namespace ferry::emulator
