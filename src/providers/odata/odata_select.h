// The select statement (`accounts?$select=name&$filter=…`) and the URL helpers around it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/url.h"

namespace ferry::odata {

struct SelectStatement {
    std::string entitySet;            // decoded
    std::vector<std::string> select;  // decoded property names; empty = every column
    std::string filter;               // decoded option values; empty when absent
    std::string orderby;
    std::string expand;
    std::string apply;
    std::optional<std::size_t> top;
    // Any other option (custom parameters, $count, $search), decoded, in the given order.
    std::vector<std::pair<std::string, std::string>> extra;

    // Names of the navigation properties $expand names at its top level.
    std::vector<std::string> expandedNames() const;
};

// Parses `accounts?$select=a,b&$filter=…&$orderby=…&$top=5&$expand=…`, also with a leading '/',
// the service root's path in front, or a full URL under the service root. Option names are
// accepted in any case and with or without '$'; values may be percent-encoded or typed plainly
// ('&' inside a quoted literal stays part of it). Throws Error{QueryFailed} naming the problem:
// empty text, a URL outside the service root, a key or path after the entity set, $skip (never
// supported: Ferry pages with the service's next links), $skiptoken/$deltatoken, $format, a bad
// $top, an option given twice.
SelectStatement parseSelect(std::string_view text, std::string_view serviceRoot);

// The query string (without '?') for reading: $select of `columns` (none when empty), then
// $filter, $orderby, $expand, $apply, $top (when `withTop`) and the extra options, encoded.
std::string queryString(const SelectStatement& statement, const std::vector<std::string>& columns,
                        bool withTop);

// Percent-decoding and query-value encoding are shared with SharePoint (net/url.h).
using net::encodeQueryValue;
using net::percentDecode;

// The service root with exactly one trailing '/'.
std::string normalizeServiceRoot(std::string_view url);

// Resolves a link from a response (@odata.nextLink, @odata.deltaLink, OData-EntityId) against the
// service root: absolute links unchanged, "/path" against the root's origin, anything else
// relative to the service root. The link's own encoding is kept byte for byte.
std::string resolveLink(std::string_view serviceRoot, std::string_view link);

// The key inside the last parentheses of an entity id or URL: "accounts(1d…)" → "1d…",
// "Customers('ANTON')" → "ANTON", "accounts(accountid=1d…)" → "1d…"; empty when none.
std::string keyFromEntityId(std::string_view id);

}  // namespace ferry::odata
