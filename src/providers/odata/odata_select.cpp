// Select statement parsing, query strings and link resolution for the OData provider.
#include "odata_select.h"

#include <algorithm>
#include <cctype>

#include "ferry/connection_string.h"
#include "ferry/error.h"

namespace ferry::odata {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
        text.remove_suffix(1);
    }
    return std::string(text);
}

bool startsWithIgnoreCase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && equalsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

Error selectError(std::string message, std::string hint = {}) {
    return Error(ErrorCode::QueryFailed, std::move(message), {}, std::move(hint));
}

// Splits on '&' outside single-quoted literals, so `$filter=name eq 'A&B'` stays whole.
std::vector<std::string> splitOptions(std::string_view query) {
    std::vector<std::string> parts;
    std::string current;
    bool quoted = false;
    for (const char c : query) {
        if (c == '\'') {
            quoted = !quoted;
        }
        if (c == '&' && !quoted) {
            parts.push_back(current);
            current.clear();
            continue;
        }
        current += c;
    }
    parts.push_back(current);
    return parts;
}

// The path of an absolute URL ("/api/data/v9.2/"), or empty.
std::string pathOf(std::string_view url) {
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos) {
        return {};
    }
    const auto slash = url.find('/', scheme + 3);
    return slash == std::string_view::npos ? std::string("/") : std::string(url.substr(slash));
}

std::string originOf(std::string_view url) {
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos) {
        return {};
    }
    const auto slash = url.find('/', scheme + 3);
    return std::string(url.substr(0, slash));
}

}  // namespace

std::vector<std::string> SelectStatement::expandedNames() const {
    std::vector<std::string> names;
    int depth = 0;
    std::string current;
    bool inName = true;
    const auto flush = [&] {
        const std::string name = trim(current);
        if (!name.empty()) {
            names.push_back(name);
        }
        current.clear();
        inName = true;
    };
    for (const char c : expand) {
        if (c == '(') {
            ++depth;
            inName = false;
        } else if (c == ')') {
            --depth;
        } else if (c == ',' && depth == 0) {
            flush();
        } else if (depth == 0 && inName) {
            current += c;
        }
    }
    flush();
    for (auto& name : names) {
        // "primarycontactid/$ref" or a type cast: the navigation is the first segment.
        name = name.substr(0, name.find('/'));
    }
    return names;
}

std::string normalizeServiceRoot(std::string_view url) {
    std::string root = trim(url);
    while (!root.empty() && root.back() == '/') {
        root.pop_back();
    }
    return root + "/";
}

std::string resolveLink(std::string_view serviceRoot, std::string_view link) {
    if (startsWithIgnoreCase(link, "http://") || startsWithIgnoreCase(link, "https://")) {
        return std::string(link);
    }
    if (!link.empty() && link.front() == '/') {
        return originOf(serviceRoot) + std::string(link);
    }
    return normalizeServiceRoot(serviceRoot) + std::string(link);
}

std::string keyFromEntityId(std::string_view id) {
    const auto close = id.rfind(')');
    if (close == std::string_view::npos) {
        return std::string(id);  // Dataverse's $deletedEntity carries the bare GUID
    }
    const auto open = id.rfind('(', close);
    if (open == std::string_view::npos) {
        return {};
    }
    std::string key(id.substr(open + 1, close - open - 1));
    key = percentDecode(key);
    const auto equals = key.find('=');
    if (equals != std::string::npos && key.find('\'') > equals) {
        key = key.substr(equals + 1);
    }
    if (key.size() >= 2 && key.front() == '\'' && key.back() == '\'') {
        key = key.substr(1, key.size() - 2);
        std::string unescaped;
        for (std::size_t i = 0; i < key.size(); ++i) {
            unescaped += key[i];
            if (key[i] == '\'' && i + 1 < key.size() && key[i + 1] == '\'') {
                ++i;
            }
        }
        key = unescaped;
    }
    if (startsWithIgnoreCase(key, "guid'")) {
        key = key.substr(5, key.size() > 6 ? key.size() - 6 : 0);
    }
    return key;
}

SelectStatement parseSelect(std::string_view text, std::string_view serviceRoot) {
    std::string rest = trim(text);
    if (rest.empty()) {
        throw selectError("the select statement is empty",
                          "name an entity set, e.g. accounts?$select=name,accountnumber");
    }
    const std::string root = normalizeServiceRoot(serviceRoot);
    if (startsWithIgnoreCase(rest, "http://") || startsWithIgnoreCase(rest, "https://")) {
        if (!startsWithIgnoreCase(rest, root) &&
            !startsWithIgnoreCase(rest + "/", root)) {  // the root itself without its '/'
            throw selectError("the select statement's URL is not under the service root " + root,
                              "use an entity set name such as accounts?$select=name, or a URL "
                              "that starts with the connection string's URL");
        }
        rest = rest.size() >= root.size() ? rest.substr(root.size()) : std::string();
    } else {
        const std::string rootPath = pathOf(root);
        if (rootPath.size() > 1 && startsWithIgnoreCase(rest, rootPath)) {
            rest = rest.substr(rootPath.size());
        }
        while (!rest.empty() && rest.front() == '/') {
            rest.erase(0, 1);
        }
    }
    SelectStatement statement;
    const auto question = rest.find('?');
    std::string path = percentDecode(trim(rest.substr(0, question)));
    while (!path.empty() && path.back() == '/') {
        path.pop_back();
    }
    if (path.empty()) {
        throw selectError("the select statement names no entity set",
                          "start it with the entity set, e.g. accounts?$select=name");
    }
    if (path.find('(') != std::string::npos || path.find('/') != std::string::npos) {
        throw selectError("the select statement must name a whole entity set, not '" + path + "'",
                          "use the entity set and a $filter, e.g. accounts?$filter=accountid eq "
                          "<guid>");
    }
    statement.entitySet = path;
    if (question == std::string::npos) {
        return statement;
    }
    std::vector<std::string> seen;
    for (const std::string& part : splitOptions(std::string_view(rest).substr(question + 1))) {
        if (trim(part).empty()) {
            continue;
        }
        const auto equals = part.find('=');
        std::string name = trim(percentDecode(part.substr(0, equals)));
        const std::string value = equals == std::string::npos
                                      ? std::string()
                                      : trim(percentDecode(part.substr(equals + 1)));
        std::string option = lower(name);
        if (!option.empty() && option.front() != '$' && option.front() != '@') {
            static const std::vector<std::string> kSystem = {
                "select", "filter", "orderby", "top",    "skip",      "expand",
                "apply",  "count",  "search",  "format", "skiptoken", "deltatoken"};
            if (std::find(kSystem.begin(), kSystem.end(), option) != kSystem.end()) {
                option = "$" + option;
            }
        }
        if (option.front() == '$') {
            if (std::find(seen.begin(), seen.end(), option) != seen.end()) {
                throw selectError("the select statement gives " + option + " twice");
            }
            seen.push_back(option);
        }
        if (option == "$skip") {
            throw selectError(
                "$skip is not supported in the select statement",
                "Ferry reads every page by following the service's next links (Dataverse has no "
                "$skip at all); remove $skip, and use $filter or $top to limit the rows");
        }
        if (option == "$skiptoken" || option == "$deltatoken") {
            throw selectError(option +
                                  " belongs to the service's own links, not the select "
                                  "statement",
                              "remove it; Ferry follows next and delta links itself");
        }
        if (option == "$format") {
            throw selectError("$format is not supported: Ferry always reads JSON",
                              "remove $format from the select statement");
        }
        if (option == "$select") {
            std::string column;
            for (const char c : value + ",") {
                if (c == ',') {
                    const std::string trimmed = trim(column);
                    if (!trimmed.empty() &&
                        std::find(statement.select.begin(), statement.select.end(), trimmed) ==
                            statement.select.end()) {
                        statement.select.push_back(trimmed);
                    }
                    column.clear();
                } else {
                    column += c;
                }
            }
            if (statement.select.size() == 1 && statement.select.front() == "*") {
                statement.select.clear();
            }
        } else if (option == "$filter") {
            statement.filter = value;
        } else if (option == "$orderby") {
            statement.orderby = value;
        } else if (option == "$expand") {
            statement.expand = value;
        } else if (option == "$apply") {
            statement.apply = value;
        } else if (option == "$top") {
            std::size_t top = 0;
            bool valid = !value.empty() && value.size() <= 12;
            for (const char c : value) {
                valid = valid && c >= '0' && c <= '9';
                top = top * 10 + static_cast<std::size_t>(c - '0');
            }
            if (!valid) {
                throw selectError("$top must be a whole number, not '" + value + "'");
            }
            statement.top = top;
        } else {
            statement.extra.emplace_back(option.front() == '$' ? option : name, value);
        }
    }
    return statement;
}

std::string queryString(const SelectStatement& statement, const std::vector<std::string>& columns,
                        bool withTop) {
    std::string query;
    const auto add = [&query](std::string_view name, std::string_view value) {
        query += query.empty() ? "" : "&";
        query += encodeQueryValue(name);
        query += '=';
        query += encodeQueryValue(value);
    };
    if (!columns.empty()) {
        std::string list;
        for (const auto& column : columns) {
            list += list.empty() ? "" : ",";
            list += column;
        }
        add("$select", list);
    }
    if (!statement.filter.empty()) {
        add("$filter", statement.filter);
    }
    if (!statement.orderby.empty()) {
        add("$orderby", statement.orderby);
    }
    if (!statement.expand.empty()) {
        add("$expand", statement.expand);
    }
    if (!statement.apply.empty()) {
        add("$apply", statement.apply);
    }
    if (withTop && statement.top) {
        add("$top", std::to_string(*statement.top));
    }
    for (const auto& [name, value] : statement.extra) {
        add(name, value);
    }
    return query;
}

}  // namespace ferry::odata
