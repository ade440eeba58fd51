// List location from site, list and view URLs; parsing of the select statement's options.
#include "sharepoint_select.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <pugixml.hpp>

#include "ferry/connection_string.h"
#include "ferry/error.h"

namespace ferry::sharepoint {

namespace {

Error invalidUrl(std::string message, std::string hint = {}) {
    return Error(ErrorCode::InvalidConnectionString, std::move(message), {}, std::move(hint));
}

Error badSelect(std::string message) {
    return Error(ErrorCode::QueryFailed, "the select statement " + message, {},
                 "write SharePoint OData options, e.g. $select=Title,Account_x0020_Number&"
                 "$filter=Status eq 'Open'");
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::vector<std::string> splitPath(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t position = 0;
    while (position <= path.size()) {
        const std::size_t slash = std::min(path.find('/', position), path.size());
        if (slash > position) {
            segments.emplace_back(path.substr(position, slash - position));
        }
        position = slash + 1;
    }
    return segments;
}

std::string joinPath(const std::vector<std::string>& segments, std::size_t count) {
    std::string path;
    for (std::size_t i = 0; i < count && i < segments.size(); ++i) {
        path += "/" + segments[i];
    }
    return path;
}

bool endsWithIgnoreCase(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() &&
           equalsIgnoreCase(text.substr(text.size() - suffix.size()), suffix);
}

// Splits options at '&' outside single-quoted literals.
std::vector<std::string_view> splitOptions(std::string_view text) {
    std::vector<std::string_view> parts;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || (text[i] == '&' && !quoted)) {
            if (i > start) {
                parts.push_back(text.substr(start, i - start));
            }
            start = i + 1;
        } else if (text[i] == '\'') {
            quoted = !quoted;
        }
    }
    return parts;
}

std::string trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    return std::string(text);
}

}  // namespace

std::string ListLocation::displayName() const {
    if (!title.empty()) {
        return title;
    }
    const auto segments = splitPath(listPath);
    return segments.empty() ? listPath : segments.back();
}

ListLocation resolveListLocation(std::string_view url, std::string_view listTitle) {
    const auto scheme = url.find("://");
    const std::string schemeName =
        lower(url.substr(0, scheme == std::string_view::npos ? 0 : scheme));
    if (scheme == std::string_view::npos || (schemeName != "https" && schemeName != "http")) {
        throw invalidUrl(
            "URL must start with https:// (or http://), not '" + std::string(url) + "'",
            "use the list's address from the browser, e.g. URL=https://contoso."
            "sharepoint.com/sites/sales/Lists/Accounts/AllItems.aspx");
    }
    const std::size_t pathStart = std::min(url.find('/', scheme + 3), url.size());
    ListLocation location;
    location.origin = std::string(url.substr(0, pathStart));
    std::string_view rest = url.substr(pathStart);
    rest = rest.substr(0, std::min(rest.find_first_of("?#"), rest.size()));
    std::vector<std::string> segments = splitPath(percentDecode(rest));

    // Anything from /_api or /_layouts on belongs to a page or the API, not to the site.
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const std::string segment = lower(segments[i]);
        if (segment == "_api" || segment == "_layouts" || segment == "_vti_bin") {
            segments.resize(i);
            break;
        }
    }
    bool viewPage = false;
    if (!segments.empty() && endsWithIgnoreCase(segments.back(), ".aspx")) {
        location.viewPath = joinPath(segments, segments.size());
        segments.pop_back();
        viewPage = true;
        if (!segments.empty() && equalsIgnoreCase(segments.back(), "Forms")) {
            segments.pop_back();  // a library's views live in <library>/Forms
        }
    }
    if (!listTitle.empty()) {
        location.title = std::string(listTitle);
        // A list URL together with a title: the site is still what comes before /Lists/.
        for (std::size_t i = 0; i < segments.size(); ++i) {
            if (equalsIgnoreCase(segments[i], "Lists")) {
                segments.resize(i);
                break;
            }
        }
        if (viewPage) {
            location.viewPath.clear();  // the title decides which list; the view may not be its
            segments.pop_back();
        }
        location.sitePath = joinPath(segments, segments.size());
        return location;
    }
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (equalsIgnoreCase(segments[i], "Lists") && i + 1 < segments.size()) {
            location.sitePath = joinPath(segments, i);
            location.listPath = joinPath(segments, i + 2);
            return location;
        }
    }
    if (viewPage && !segments.empty()) {
        // A document library at the site's root: <site>/<Library>/Forms/AllItems.aspx.
        location.listPath = joinPath(segments, segments.size());
        location.sitePath = joinPath(segments, segments.size() - 1);
        return location;
    }
    throw invalidUrl("URL names a site but no list: '" + std::string(url) + "'",
                     "use the list's address (…/Lists/<name>/AllItems.aspx) or add "
                     "List=<list title>");
}

std::string quoteLiteral(std::string_view text) {
    std::string out = "'";
    for (const char c : text) {
        out += c;
        if (c == '\'') {
            out += '\'';
        }
    }
    out += '\'';
    return out;
}

SelectStatement parseSelect(std::string_view text) {
    SelectStatement statement;
    std::string body = trim(text);
    std::string_view view = body;
    if (view.size() >= 6 && equalsIgnoreCase(view.substr(0, 6), "items?")) {
        view.remove_prefix(6);
    } else if (equalsIgnoreCase(view, "items")) {
        view = {};
    }
    if (!view.empty() && view.front() == '?') {
        view.remove_prefix(1);
    }
    std::vector<std::string> seen;
    for (const std::string_view option : splitOptions(view)) {
        const auto equals = option.find('=');
        std::string name = lower(trim(percentDecode(option.substr(0, equals))));
        if (!name.empty() && name.front() == '$') {
            name.erase(0, 1);
        }
        const std::string value = equals == std::string_view::npos
                                      ? std::string()
                                      : trim(percentDecode(option.substr(equals + 1)));
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
            throw badSelect("gives $" + name + " twice");
        }
        seen.push_back(name);
        if (name == "select") {
            std::size_t position = 0;
            while (position <= value.size()) {
                const std::size_t comma = std::min(value.find(',', position), value.size());
                std::string field =
                    trim(std::string_view(value).substr(position, comma - position));
                if (field == "*") {
                    statement.select.clear();
                } else if (!field.empty()) {
                    statement.select.push_back(std::move(field));
                }
                position = comma + 1;
            }
        } else if (name == "filter") {
            statement.filter = value;
        } else if (name == "orderby") {
            statement.orderby = value;
        } else if (name == "top") {
            std::size_t top = 0;
            const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), top);
            if (value.empty() || ec != std::errc() || ptr != value.data() + value.size()) {
                throw badSelect("has $top='" + value + "', which is not a whole number");
            }
            statement.top = top;
        } else if (name == "skip") {
            throw badSelect(
                "uses $skip, which SharePoint ignores for list items (every page would be the "
                "first); remove it: Ferry pages with the list's own next links");
        } else if (name == "skiptoken") {
            throw badSelect("uses $skiptoken; remove it: Ferry pages with the list's next links");
        } else if (name == "expand") {
            throw badSelect(
                "uses $expand; lookup and person columns are read as their <Field>Id numbers, "
                "remove $expand");
        } else {
            throw badSelect("uses '" + std::string(trim(option.substr(0, equals))) +
                            "', which Ferry does not support for SharePoint lists ($select, "
                            "$filter, $orderby and $top are)");
        }
    }
    return statement;
}

namespace {

std::optional<std::string> camlLiteral(const pugi::xml_node& value) {
    const std::string type = value.attribute("Type").as_string();
    const std::string text = value.text().as_string();
    if (value.first_child().type() == pugi::node_element) {
        return std::nullopt;  // <Today/>, <UserID/>: relative values OData cannot express
    }
    if (type == "Number" || type == "Currency" || type == "Counter" || type == "Integer") {
        return text;
    }
    if (type == "Boolean") {
        return text == "1" || equalsIgnoreCase(text, "true") ? "1" : "0";
    }
    if (type == "DateTime") {
        return "datetime'" + text + "'";
    }
    if (type == "Text" || type == "Note" || type == "Choice" || type.empty()) {
        return quoteLiteral(text);
    }
    return std::nullopt;
}

std::optional<std::string> camlCondition(const pugi::xml_node& node) {
    const std::string name = node.name();
    if (name == "And" || name == "Or") {
        std::vector<std::string> parts;
        for (const auto& child : node.children()) {
            if (child.type() != pugi::node_element) {
                continue;
            }
            auto part = camlCondition(child);
            if (!part) {
                return std::nullopt;
            }
            parts.push_back(*part);
        }
        if (parts.size() != 2) {
            return std::nullopt;
        }
        return "(" + parts[0] + (name == "And" ? " and " : " or ") + parts[1] + ")";
    }
    const pugi::xml_node field = node.child("FieldRef");
    const std::string column = field.attribute("Name").as_string();
    if (column.empty() || field.attribute("LookupId")) {
        return std::nullopt;
    }
    if (name == "IsNull" || name == "IsNotNull") {
        return column + (name == "IsNull" ? " eq null" : " ne null");
    }
    const auto literal = camlLiteral(node.child("Value"));
    if (!literal) {
        return std::nullopt;
    }
    static const std::pair<const char*, const char*> kOperators[] = {
        {"Eq", "eq"}, {"Neq", "ne"}, {"Gt", "gt"}, {"Geq", "ge"}, {"Lt", "lt"}, {"Leq", "le"}};
    for (const auto& [caml, odata] : kOperators) {
        if (name == caml) {
            return column + " " + odata + " " + *literal;
        }
    }
    if (name == "BeginsWith") {
        return "startswith(" + column + "," + *literal + ")";
    }
    if (name == "Contains") {
        return "substringof(" + *literal + "," + column + ")";
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> camlWhereToFilter(std::string_view viewQuery) {
    pugi::xml_document document;
    const std::string wrapped = "<Query>" + std::string(viewQuery) + "</Query>";
    if (!document.load_string(wrapped.c_str())) {
        return std::nullopt;
    }
    const pugi::xml_node where = document.child("Query").child("Where");
    if (!where) {
        return std::string();
    }
    for (const auto& child : where.children()) {
        if (child.type() == pugi::node_element) {
            return camlCondition(child);
        }
    }
    return std::string();
}

std::vector<std::string> referencedFields(std::string_view expression) {
    static const std::vector<std::string> keywords = {
        "eq",   "ne",   "lt",     "le",     "gt",         "ge",          "and",     "or",
        "not",  "asc",  "desc",   "true",   "false",      "null",        "day",     "month",
        "year", "hour", "minute", "second", "startswith", "substringof", "datetime"};
    std::vector<std::string> names;
    std::size_t i = 0;
    while (i < expression.size()) {
        const char c = expression[i];
        if (c == '\'') {
            const auto end = expression.find('\'', i + 1);
            i = end == std::string_view::npos ? expression.size() : end + 1;
            continue;
        }
        if (std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_') {
            std::size_t end = i;
            while (end < expression.size() &&
                   (std::isalnum(static_cast<unsigned char>(expression[end])) != 0 ||
                    expression[end] == '_' || expression[end] == '/')) {
                ++end;
            }
            std::string name(expression.substr(i, end - i));
            name = name.substr(0, name.find('/'));  // Lookup/Title names the field Lookup
            const bool keyword =
                std::find(keywords.begin(), keywords.end(), lower(name)) != keywords.end();
            if (!keyword && std::find(names.begin(), names.end(), name) == names.end()) {
                names.push_back(name);
            }
            i = end;
            continue;
        }
        ++i;
    }
    return names;
}

}  // namespace ferry::sharepoint
