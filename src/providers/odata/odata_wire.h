// What the OData provider reads off the wire: the CSDL model, Dataverse metadata, batch parts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/multipart.h"

namespace ferry::odata {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A structural property of an entity type ($metadata <Property>).
struct EdmProperty {
    std::string name;
    std::string type;  // "Edm.String", "Edm.Decimal", ... (enum/complex types keep their name)
    bool nullable = true;
    std::int64_t maxLength = 0;  // 0: none or "max"
    int precision = 0;
    int scale = 0;
    bool computed = false;  // Core.Computed or Core.Permissions=Read: the service sets it
};

// A navigation property; single-valued ones with a referential constraint are lookups.
struct EdmNavigation {
    std::string name;        // case preserved: used in "<name>@odata.bind"
    std::string targetType;  // qualified entity type name (namespace, not alias)
    bool collection = false;
    std::string property;            // the dependent property, e.g. "_parentaccountid_value"
    std::string referencedProperty;  // the target's key, e.g. "accountid"
};

struct EdmEntityType {
    std::string name;       // unqualified, e.g. "account" (Dataverse: the logical name)
    std::string qualified;  // "Microsoft.Dynamics.CRM.account"
    std::string baseType;   // qualified, empty when none
    std::vector<std::string> key;
    std::vector<EdmProperty> properties;
    std::vector<EdmNavigation> navigations;
};

struct EdmEntitySet {
    std::string name;
    std::string entityType;              // qualified
    std::optional<bool> changeTracking;  // Capabilities.ChangeTracking/Supported
    std::optional<bool> insertable;      // Capabilities.InsertRestrictions/Insertable
    std::optional<bool> updatable;       // Capabilities.UpdateRestrictions/Updatable
    std::optional<bool> deletable;       // Capabilities.DeleteRestrictions/Deletable
};

// The parsed $metadata document. Inherited keys and properties are resolved by the helpers.
struct ServiceModel {
    std::map<std::string, EdmEntityType> entityTypes;  // by qualified name
    std::vector<EdmEntitySet> entitySets;
    bool dataverse = false;  // the Microsoft.Dynamics.CRM namespace is present

    const EdmEntitySet* findSet(const std::string& name) const;  // exact, then case-insensitive
    const EdmEntityType* findType(const std::string& qualified) const;
    // The key of a type, looked up through its base types.
    std::vector<std::string> keyOf(const EdmEntityType& type) const;
    // Properties and navigations of a type including inherited ones (base first).
    std::vector<EdmProperty> propertiesOf(const EdmEntityType& type) const;
    std::vector<EdmNavigation> navigationsOf(const EdmEntityType& type) const;
    // The first entity set whose type is `qualified`, or empty.
    std::string setOfType(const std::string& qualified) const;
};

// Dataverse: EntityDefinitions(LogicalName='x') and its Attributes.
struct AttributeInfo {
    std::string logicalName;
    std::string attributeType;  // "String", "Picklist", "Lookup", "State", ...
    bool validForCreate = true;
    bool validForUpdate = true;
    bool validForRead = true;
    std::string attributeOf;    // set: derived from another attribute (e.g. a lookup's name)
    std::string requiredLevel;  // "None", "ApplicationRequired", "SystemRequired", ...
};

struct EntityDefinition {
    std::string logicalName;
    std::string entitySetName;
    std::string primaryIdAttribute;
    std::optional<bool> changeTrackingEnabled;
    std::vector<AttributeInfo> attributes;
};

// $batch operations and their responses are the shared multipart types of ferry::net.
using BatchOperation = net::BatchPart;
using BatchResult = net::BatchPartResponse;

// The service's error body: {"error":{"code":"…","message":"…"}} (SharePoint-style
// {"message":{"value":…}} too).
struct ServiceError {
    std::string code;
    std::string message;
};

}  // namespace ferry::odata
