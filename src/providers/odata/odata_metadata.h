// The service's description: CSDL $metadata, the service document, Dataverse attribute metadata,
// error bodies, and the mapping of Edm types to Ferry's value types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/value.h"
#include "odata_wire.h"

namespace ferry::odata {

// Parses a CSDL document (OData v4 $metadata, with or without annotations). Aliases are resolved
// to namespaces; Core.Computed / Core.Permissions=Read (inline or in <Annotations Target=…>) make
// a property computed; Capabilities.ChangeTracking/Supported and the Insert/Update/Delete
// restrictions are read for entity sets. Throws Error{QueryFailed} when the XML is not CSDL.
ServiceModel parseCsdl(std::string_view xml);

// Entity set names from a service document (`{"value":[{"name":…,"kind":"EntitySet"},…]}`).
std::vector<std::string> parseServiceDocument(std::string_view json);

// Dataverse: `EntityDefinitions(LogicalName='x')?$select=…` and `…/Attributes?$select=…`.
EntityDefinition parseEntityDefinition(std::string_view json);
std::vector<AttributeInfo> parseAttributes(std::string_view json);

// The error of an OData error body; the message is empty when the body is not one.
ServiceError parseServiceError(std::string_view body);

// Edm.String → String, Edm.Int16/32/64/Byte/SByte → Int, Edm.Decimal → Decimal,
// Edm.Double/Single → Double, Edm.Boolean → Bool, Edm.DateTimeOffset → DateTime, Edm.Date → Date,
// Edm.Guid → Guid, Edm.Binary → Binary; nullopt for other types (complex, enum, geography...).
std::optional<ValueType> valueTypeOfEdm(std::string_view edmType);

// The candidate closest to `name` (case-insensitive edit distance), when close enough to be a
// likely typo; empty otherwise.
std::string closestName(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace ferry::odata
