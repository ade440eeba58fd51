// Where the list lives (site, list, view from a URL or a title) and the select statement's options.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/url.h"

namespace ferry::sharepoint {

// The list a connection string names.
struct ListLocation {
    std::string origin;    // "https://contoso.sharepoint.com"
    std::string sitePath;  // server-relative site path, decoded, no trailing '/': "/sites/sales"
    std::string listPath;  // server-relative root folder, decoded: "/sites/sales/Lists/Accounts"
    std::string title;     // the list's title when given with List=; then listPath is empty
    std::string viewPath;  // server-relative view page when the URL named one (".../AllItems.aspx")

    std::string siteUrl() const { return origin + sitePath; }
    // What messages call the list: its title, or the last segment of its URL.
    std::string displayName() const;
};

// Resolves `URL` (a site, list or view URL, percent-encoded or not) and the optional `List`
// title. A view page (`.../Lists/Accounts/AllItems.aspx`, a library's `.../Forms/AllItems.aspx`)
// is cut to its list; the site is what comes before `/Lists/` (or before the library's folder).
// Throws Error{InvalidConnectionString} for a URL that is not http(s), or one that names only a
// site when no List title is given.
ListLocation resolveListLocation(std::string_view url, std::string_view listTitle);

// The select statement: OData query options for the list's items, e.g.
// `$select=Title,Account_x0020_Number&$filter=Status eq 'Open'`.
struct SelectStatement {
    std::vector<std::string> select;  // decoded field names; empty = every visible field
    std::string filter;               // decoded; empty when absent
    std::string orderby;
    std::optional<std::size_t> top;
};

// Parses the options, with or without '$', in any case, percent-encoded or typed plainly ('&'
// inside a quoted literal stays part of it); an optional leading "items?" or "?" is ignored;
// empty text selects everything. Throws Error{QueryFailed} naming the problem: $skip (SharePoint
// ignores it and would repeat the first page), $skiptoken, $expand (lookups are read as their
// <Field>Id), an unknown option, a bad $top, an option given twice.
SelectStatement parseSelect(std::string_view text);

// A view's CAML query (SP.View.ViewQuery, e.g. `<Where><Eq><FieldRef Name="Status"/><Value
// Type="Text">Open</Value></Eq></Where><OrderBy>…`) as an OData $filter: Eq, Neq, Gt, Geq, Lt,
// Leq, IsNull, IsNotNull, BeginsWith, Contains, And, Or over text, number, boolean and date
// values. Empty when the query has no <Where>; nullopt when it uses something else (membership,
// <Today/>, lookups by id, …), so the caller can say the view's filter was not applied.
std::optional<std::string> camlWhereToFilter(std::string_view viewQuery);

// Percent-decoding and query-value encoding are shared with OData (net/url.h).
using net::encodeQueryValue;
using net::percentDecode;

// A string literal for an OData URL or function parameter: quotes doubled, wrapped in '…'.
std::string quoteLiteral(std::string_view text);

// The names of the fields a $filter or $orderby text refers to (identifiers that are not
// keywords, functions or literals), in order of first appearance.
std::vector<std::string> referencedFields(std::string_view expression);

}  // namespace ferry::sharepoint
