// CSDL parsing (pugixml), service documents, Dataverse attribute metadata and error bodies.
#include "odata_metadata.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "ferry/connection_string.h"
#include "ferry/error.h"
#include "net/service_connection.h"

namespace ferry::odata {

namespace {

using nlohmann::json;

std::string_view localName(const char* name) {
    std::string_view view(name);
    const auto colon = view.find(':');
    return colon == std::string_view::npos ? view : view.substr(colon + 1);
}

bool endsWith(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Every element with this local name below `node`, in document order.
void collect(const pugi::xml_node& node, std::string_view name, std::vector<pugi::xml_node>& out) {
    for (const pugi::xml_node& child : node.children()) {
        if (child.type() != pugi::node_element) {
            continue;
        }
        if (localName(child.name()) == name) {
            out.push_back(child);
        }
        collect(child, name, out);
    }
}

std::vector<pugi::xml_node> childrenNamed(const pugi::xml_node& node, std::string_view name) {
    std::vector<pugi::xml_node> out;
    for (const pugi::xml_node& child : node.children()) {
        if (child.type() == pugi::node_element && localName(child.name()) == name) {
            out.push_back(child);
        }
    }
    return out;
}

class Aliases {
public:
    void add(const std::string& alias, const std::string& ns) {
        if (!alias.empty()) {
            m_aliases[alias] = ns;
        }
    }
    // "mscrm.account" → "Microsoft.Dynamics.CRM.account"; "Collection(x)" → x.
    std::string qualify(std::string_view name) const {
        if (name.substr(0, 11) == "Collection(" && !name.empty() && name.back() == ')') {
            name = name.substr(11, name.size() - 12);
        }
        const auto dot = name.rfind('.');
        if (dot == std::string_view::npos) {
            return std::string(name);
        }
        const auto found = m_aliases.find(std::string(name.substr(0, dot)));
        if (found == m_aliases.end()) {
            return std::string(name);
        }
        return found->second + std::string(name.substr(dot));
    }

private:
    std::map<std::string, std::string> m_aliases;
};

// A Bool-valued annotation (or PropertyValue): Bool="true" or <Bool>true</Bool>.
std::optional<bool> boolOf(const pugi::xml_node& node) {
    if (const auto attribute = node.attribute("Bool")) {
        return attribute.as_bool();
    }
    for (const auto& child : childrenNamed(node, "Bool")) {
        return std::string_view(child.child_value()) == "true";
    }
    return std::nullopt;
}

// Looks for PropertyValue Property=`property` in an annotation's record.
std::optional<bool> recordBool(const pugi::xml_node& annotation, std::string_view property) {
    for (const auto& record : childrenNamed(annotation, "Record")) {
        for (const auto& value : childrenNamed(record, "PropertyValue")) {
            if (property == value.attribute("Property").as_string()) {
                return boolOf(value);
            }
        }
    }
    return std::nullopt;
}

bool marksComputed(const pugi::xml_node& annotation, const Aliases& aliases) {
    const std::string term = aliases.qualify(annotation.attribute("Term").as_string());
    if (endsWith(term, "Core.V1.Computed") || term == "Core.Computed") {
        return boolOf(annotation).value_or(true);
    }
    if (endsWith(term, "Core.V1.Permissions") || term == "Core.Permissions") {
        std::string member = annotation.attribute("EnumMember").as_string();
        for (const auto& child : childrenNamed(annotation, "EnumMember")) {
            member = child.child_value();
        }
        return endsWith(member, "/Read") || endsWith(member, "PermissionType'Read'");
    }
    return false;
}

void applySetAnnotation(const pugi::xml_node& annotation, const Aliases& aliases,
                        EdmEntitySet& set) {
    const std::string term = aliases.qualify(annotation.attribute("Term").as_string());
    if (endsWith(term, ".ChangeTracking")) {
        if (auto supported = recordBool(annotation, "Supported")) {
            set.changeTracking = supported;
        } else if (auto value = boolOf(annotation)) {
            set.changeTracking = value;
        }
    } else if (endsWith(term, ".InsertRestrictions")) {
        set.insertable = recordBool(annotation, "Insertable");
    } else if (endsWith(term, ".UpdateRestrictions")) {
        set.updatable = recordBool(annotation, "Updatable");
    } else if (endsWith(term, ".DeleteRestrictions")) {
        set.deletable = recordBool(annotation, "Deletable");
    }
}

std::optional<bool> jsonBool(const json& object, const char* name) {
    const auto found = object.find(name);
    if (found == object.end()) {
        return std::nullopt;
    }
    if (found->is_boolean()) {
        return found->get<bool>();
    }
    if (found->is_object() && found->contains("Value") && (*found)["Value"].is_boolean()) {
        return (*found)["Value"].get<bool>();
    }
    return std::nullopt;
}

std::string jsonString(const json& object, const char* name) {
    const auto found = object.find(name);
    if (found != object.end() && found->is_string()) {
        return found->get<std::string>();
    }
    if (found != object.end() && found->is_object() && found->contains("Value") &&
        (*found)["Value"].is_string()) {
        return (*found)["Value"].get<std::string>();
    }
    return {};
}

json parseJson(std::string_view text, const char* what) {
    json parsed = json::parse(text.begin(), text.end(), nullptr, false);
    if (parsed.is_discarded()) {
        throw Error(ErrorCode::QueryFailed,
                    std::string("the service sent ") + what + " that is not valid JSON");
    }
    return parsed;
}

AttributeInfo attributeOf(const json& item) {
    AttributeInfo attribute;
    attribute.logicalName = jsonString(item, "LogicalName");
    attribute.attributeType = jsonString(item, "AttributeType");
    attribute.validForCreate = jsonBool(item, "IsValidForCreate").value_or(true);
    attribute.validForUpdate = jsonBool(item, "IsValidForUpdate").value_or(true);
    attribute.validForRead = jsonBool(item, "IsValidForRead").value_or(true);
    attribute.attributeOf = jsonString(item, "AttributeOf");
    attribute.requiredLevel = jsonString(item, "RequiredLevel");
    return attribute;
}

}  // namespace

// --- ServiceModel ----------------------------------------------------------------------------

const EdmEntitySet* ServiceModel::findSet(const std::string& name) const {
    for (const auto& set : entitySets) {
        if (set.name == name) {
            return &set;
        }
    }
    for (const auto& set : entitySets) {
        if (equalsIgnoreCase(set.name, name)) {
            return &set;
        }
    }
    return nullptr;
}

const EdmEntityType* ServiceModel::findType(const std::string& qualified) const {
    const auto found = entityTypes.find(qualified);
    return found == entityTypes.end() ? nullptr : &found->second;
}

std::vector<std::string> ServiceModel::keyOf(const EdmEntityType& type) const {
    const EdmEntityType* current = &type;
    for (int depth = 0; current != nullptr && depth < 32; ++depth) {
        if (!current->key.empty()) {
            return current->key;
        }
        current = current->baseType.empty() ? nullptr : findType(current->baseType);
    }
    return {};
}

std::vector<EdmProperty> ServiceModel::propertiesOf(const EdmEntityType& type) const {
    std::vector<const EdmEntityType*> chain;
    for (const EdmEntityType* current = &type; current != nullptr && chain.size() < 32;
         current = current->baseType.empty() ? nullptr : findType(current->baseType)) {
        chain.push_back(current);
    }
    std::vector<EdmProperty> out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        out.insert(out.end(), (*it)->properties.begin(), (*it)->properties.end());
    }
    return out;
}

std::vector<EdmNavigation> ServiceModel::navigationsOf(const EdmEntityType& type) const {
    std::vector<const EdmEntityType*> chain;
    for (const EdmEntityType* current = &type; current != nullptr && chain.size() < 32;
         current = current->baseType.empty() ? nullptr : findType(current->baseType)) {
        chain.push_back(current);
    }
    std::vector<EdmNavigation> out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        out.insert(out.end(), (*it)->navigations.begin(), (*it)->navigations.end());
    }
    return out;
}

std::string ServiceModel::setOfType(const std::string& qualified) const {
    for (const auto& set : entitySets) {
        if (set.entityType == qualified) {
            return set.name;
        }
    }
    return {};
}

// --- parsing ---------------------------------------------------------------------------------

ServiceModel parseCsdl(std::string_view xml) {
    pugi::xml_document document;
    const pugi::xml_parse_result parsed = document.load_buffer(xml.data(), xml.size());
    if (!parsed) {
        throw Error(ErrorCode::QueryFailed, "the service's $metadata is not valid XML",
                    parsed.description());
    }
    std::vector<pugi::xml_node> schemas;
    collect(document, "Schema", schemas);
    if (schemas.empty()) {
        throw Error(ErrorCode::QueryFailed,
                    "the service's $metadata has no schema: is the URL an OData v4 service root?");
    }
    Aliases aliases;
    std::vector<pugi::xml_node> includes;
    collect(document, "Include", includes);
    for (const auto& include : includes) {
        aliases.add(include.attribute("Alias").as_string(),
                    include.attribute("Namespace").as_string());
    }
    ServiceModel model;
    for (const auto& schema : schemas) {
        const std::string ns = schema.attribute("Namespace").as_string();
        aliases.add(schema.attribute("Alias").as_string(), ns);
        if (ns == "Microsoft.Dynamics.CRM") {
            model.dataverse = true;
        }
    }
    for (const auto& schema : schemas) {
        const std::string ns = schema.attribute("Namespace").as_string();
        for (const auto& node : childrenNamed(schema, "EntityType")) {
            EdmEntityType type;
            type.name = node.attribute("Name").as_string();
            type.qualified = ns + "." + type.name;
            if (const auto base = node.attribute("BaseType")) {
                type.baseType = aliases.qualify(base.as_string());
            }
            for (const auto& key : childrenNamed(node, "Key")) {
                for (const auto& ref : childrenNamed(key, "PropertyRef")) {
                    type.key.emplace_back(ref.attribute("Name").as_string());
                }
            }
            for (const auto& item : childrenNamed(node, "Property")) {
                EdmProperty property;
                property.name = item.attribute("Name").as_string();
                property.type = aliases.qualify(item.attribute("Type").as_string());
                property.nullable = item.attribute("Nullable").as_bool(true);
                const std::string maxLength = item.attribute("MaxLength").as_string();
                property.maxLength = maxLength.empty() || lower(maxLength) == "max"
                                         ? 0
                                         : std::atoll(maxLength.c_str());
                property.precision = item.attribute("Precision").as_int(0);
                const std::string scale = item.attribute("Scale").as_string();
                property.scale =
                    scale.empty() || lower(scale) == "variable" ? 0 : std::atoi(scale.c_str());
                for (const auto& annotation : childrenNamed(item, "Annotation")) {
                    property.computed = property.computed || marksComputed(annotation, aliases);
                }
                type.properties.push_back(std::move(property));
            }
            for (const auto& item : childrenNamed(node, "NavigationProperty")) {
                EdmNavigation navigation;
                navigation.name = item.attribute("Name").as_string();
                const std::string rawType = item.attribute("Type").as_string();
                navigation.collection = rawType.rfind("Collection(", 0) == 0;
                navigation.targetType = aliases.qualify(rawType);
                for (const auto& constraint : childrenNamed(item, "ReferentialConstraint")) {
                    navigation.property = constraint.attribute("Property").as_string();
                    navigation.referencedProperty =
                        constraint.attribute("ReferencedProperty").as_string();
                }
                type.navigations.push_back(std::move(navigation));
            }
            model.entityTypes[type.qualified] = std::move(type);
        }
    }
    for (const auto& schema : schemas) {
        for (const auto& container : childrenNamed(schema, "EntityContainer")) {
            for (const auto& node : childrenNamed(container, "EntitySet")) {
                EdmEntitySet set;
                set.name = node.attribute("Name").as_string();
                set.entityType = aliases.qualify(node.attribute("EntityType").as_string());
                for (const auto& annotation : childrenNamed(node, "Annotation")) {
                    applySetAnnotation(annotation, aliases, set);
                }
                model.entitySets.push_back(std::move(set));
            }
        }
    }
    // Out-of-line annotations: Target="ns.type/property" or "ns.Container/set".
    std::vector<pugi::xml_node> blocks;
    collect(document, "Annotations", blocks);
    for (const auto& block : blocks) {
        const std::string target = block.attribute("Target").as_string();
        const auto slash = target.find('/');
        if (slash == std::string::npos) {
            continue;
        }
        const std::string owner = aliases.qualify(target.substr(0, slash));
        const std::string member = target.substr(slash + 1);
        const auto annotations = childrenNamed(block, "Annotation");
        if (auto type = model.entityTypes.find(owner); type != model.entityTypes.end()) {
            for (auto& property : type->second.properties) {
                if (property.name == member) {
                    for (const auto& annotation : annotations) {
                        property.computed = property.computed || marksComputed(annotation, aliases);
                    }
                }
            }
            continue;
        }
        for (auto& set : model.entitySets) {
            if (set.name == member) {
                for (const auto& annotation : annotations) {
                    applySetAnnotation(annotation, aliases, set);
                }
            }
        }
    }
    return model;
}

std::vector<std::string> parseServiceDocument(std::string_view text) {
    const json document = parseJson(text, "a service document");
    std::vector<std::string> names;
    if (!document.contains("value") || !document["value"].is_array()) {
        return names;
    }
    for (const auto& item : document["value"]) {
        const std::string kind = jsonString(item, "kind");
        if (kind.empty() || kind == "EntitySet") {
            const std::string name = jsonString(item, "name");
            if (!name.empty()) {
                names.push_back(name);
            }
        }
    }
    return names;
}

EntityDefinition parseEntityDefinition(std::string_view text) {
    const json document = parseJson(text, "entity metadata");
    EntityDefinition definition;
    definition.logicalName = jsonString(document, "LogicalName");
    definition.entitySetName = jsonString(document, "EntitySetName");
    definition.primaryIdAttribute = jsonString(document, "PrimaryIdAttribute");
    definition.changeTrackingEnabled = jsonBool(document, "ChangeTrackingEnabled");
    if (document.contains("Attributes") && document["Attributes"].is_array()) {
        for (const auto& item : document["Attributes"]) {
            definition.attributes.push_back(attributeOf(item));
        }
    }
    return definition;
}

std::vector<AttributeInfo> parseAttributes(std::string_view text) {
    const json document = parseJson(text, "attribute metadata");
    std::vector<AttributeInfo> attributes;
    if (document.contains("value") && document["value"].is_array()) {
        for (const auto& item : document["value"]) {
            attributes.push_back(attributeOf(item));
        }
    }
    return attributes;
}

ServiceError parseServiceError(std::string_view body) {
    ServiceError error;
    if (const auto parsed = net::parseJsonServiceError(body)) {
        error.code = parsed->code;
        error.message = parsed->message;
    }
    return error;
}

std::optional<ValueType> valueTypeOfEdm(std::string_view edmType) {
    static const std::vector<std::pair<std::string_view, ValueType>> kTypes = {
        {"Edm.String", ValueType::String},
        {"Edm.Int16", ValueType::Int},
        {"Edm.Int32", ValueType::Int},
        {"Edm.Int64", ValueType::Int},
        {"Edm.Byte", ValueType::Int},
        {"Edm.SByte", ValueType::Int},
        {"Edm.Decimal", ValueType::Decimal},
        {"Edm.Double", ValueType::Double},
        {"Edm.Single", ValueType::Double},
        {"Edm.Boolean", ValueType::Bool},
        {"Edm.DateTimeOffset", ValueType::DateTime},
        {"Edm.Date", ValueType::Date},
        {"Edm.Guid", ValueType::Guid},
        {"Edm.Binary", ValueType::Binary},
    };
    for (const auto& [name, type] : kTypes) {
        if (name == edmType) {
            return type;
        }
    }
    return std::nullopt;
}

std::string closestName(std::string_view name, const std::vector<std::string>& candidates) {
    const std::string target = lower(name);
    std::string best;
    std::size_t bestDistance = std::string::npos;
    for (const auto& candidate : candidates) {
        const std::string other = lower(candidate);
        std::vector<std::size_t> row(other.size() + 1);
        for (std::size_t j = 0; j <= other.size(); ++j) {
            row[j] = j;
        }
        for (std::size_t i = 1; i <= target.size(); ++i) {
            std::size_t diagonal = row[0];
            row[0] = i;
            for (std::size_t j = 1; j <= other.size(); ++j) {
                const std::size_t previous = row[j];
                row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                                   diagonal + (target[i - 1] == other[j - 1] ? 0 : 1)});
                diagonal = previous;
            }
        }
        if (row[other.size()] < bestDistance) {
            bestDistance = row[other.size()];
            best = candidate;
        }
    }
    const std::size_t allowed = std::max<std::size_t>(2, target.size() / 3);
    return bestDistance <= allowed ? best : std::string();
}

}  // namespace ferry::odata
