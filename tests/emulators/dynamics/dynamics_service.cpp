// The Dataverse Web API semantics behind the HTTP layer: queries, writes, $batch, change
// tracking over the emulator's tables (metadata answers live in dynamics_metadata.cpp).
#include "dynamics_service.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "batch_multipart.h"
#include "odata_filter.h"
#include "sample_data.h"

namespace ferry::emulator {
namespace {

constexpr int kServiceMaxPageSize = 5000;
constexpr std::int64_t kCountLimit = 5000;
constexpr const char* kJsonType = "application/json; odata.metadata=minimal";
constexpr const char* kCodeGeneric = "0x80060888";
constexpr const char* kCodeValidation = "0x80044331";
constexpr const char* kCodeNotFound = "0x80040217";
constexpr const char* kCodeDuplicate = "0x80040237";

std::int64_t nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return compareIgnoreCase(a, b) == 0;
}

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

// The text of each non-integer number directly inside a JSON body's top-level object, as the
// client wrote it: Decimal and Money values keep every digit, which the parsed double does not.
class TopLevelNumberTexts final : public nlohmann::json_sax<nlohmann::json> {
public:
    static std::map<std::string, std::string> of(const std::string& body) {
        TopLevelNumberTexts handler;
        nlohmann::json::sax_parse(body, &handler);
        return std::move(handler.m_texts);
    }

    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t& raw) override {
        if (m_depth == 1)
            m_texts[m_key] = raw;
        return true;
    }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override {
        ++m_depth;
        return true;
    }
    bool key(string_t& name) override {
        if (m_depth == 1)
            m_key = name;
        return true;
    }
    bool end_object() override {
        --m_depth;
        return true;
    }
    bool start_array(std::size_t) override {
        ++m_depth;
        return true;
    }
    bool end_array() override {
        --m_depth;
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        return false;
    }

private:
    std::map<std::string, std::string> m_texts;
    std::string m_key;
    int m_depth = 0;
};

// Splits on `separator` outside double quotes and parentheses.
std::vector<std::string> splitTopLevel(std::string_view text, char separator) {
    std::vector<std::string> parts;
    int depth = 0;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && c == '(')
            ++depth;
        else if (!quoted && c == ')')
            --depth;
        else if (!quoted && depth == 0 && c == separator) {
            parts.push_back(trim(text.substr(start, i - start)));
            start = i + 1;
        }
    }
    parts.push_back(trim(text.substr(start)));
    return parts;
}

bool globMatch(std::string_view pattern, std::string_view name) {
    const auto star = pattern.find('*');
    if (star == std::string_view::npos)
        return pattern == name;
    const auto prefix = pattern.substr(0, star);
    if (name.substr(0, prefix.size()) != prefix)
        return false;
    const auto rest = pattern.substr(star + 1);
    for (std::size_t i = prefix.size(); i <= name.size(); ++i)
        if (globMatch(rest, name.substr(i)))
            return true;
    return false;
}

std::string etagOf(std::uint64_t version) {
    return "W/\"" + std::to_string(version) + "\"";
}

bool etagMatches(std::string_view header, std::uint64_t version) {
    const std::string value = trim(header);
    return value == "*" || value == etagOf(version) ||
           value == "\"" + std::to_string(version) + "\"";
}

ServiceResponse jsonResponse(int status, std::string body) {
    ServiceResponse r;
    r.status = status;
    r.body = std::move(body);
    r.contentType = kJsonType;
    return r;
}

ServiceResponse noContent(int status = 204) {
    ServiceResponse r;
    r.status = status;
    return r;
}

ServiceResponse notExist(const EntityTable& table, const Guid& id) {
    return errorResponse(
        404, kCodeNotFound,
        table.definition().logicalName + " With Id = " + id.str() + " Does Not Exist");
}

std::string qualifiedType(const EntityTable& table) {
    return "Microsoft.Dynamics.CRM." + table.definition().logicalName;
}

std::string undeclaredProperty(std::string_view name) {
    return "An undeclared property '" + std::string(name) +
           "' which only has property annotations in the payload but no property value was "
           "found in the payload. In OData, only declared navigation properties and declared "
           "named streams can be represented as properties without values.";
}

// "MM/DD/YYYY HH:MM:SS", the timestamp half of a delta token.
std::string deltaTimestamp(std::int64_t seconds) {
    const std::string iso = formatDateTime(seconds);  // YYYY-MM-DDTHH:MM:SSZ
    return iso.substr(5, 2) + "/" + iso.substr(8, 2) + "/" + iso.substr(0, 4) + " " +
           iso.substr(11, 8);
}

std::optional<std::int64_t> parseDeltaTimestamp(std::string_view text) {
    if (text.size() != 19 || text[2] != '/' || text[5] != '/' || text[10] != ' ')
        return std::nullopt;
    const std::string iso = std::string(text.substr(6, 4)) + "-" + std::string(text.substr(0, 2)) +
                            "-" + std::string(text.substr(3, 2)) + "T" +
                            std::string(text.substr(11, 8)) + "Z";
    return parseDateTime(iso);
}

std::optional<std::uint64_t> parseUnsigned(std::string_view text) {
    std::uint64_t value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || result.ec != std::errc() || result.ptr != text.data() + text.size())
        return std::nullopt;
    return value;
}

// Attribute value `name="..."` inside an XML-ish cookie.
std::optional<std::string> cookieAttribute(std::string_view xml, std::string_view name) {
    const std::string key = " " + std::string(name) + "=\"";
    const auto start = xml.find(key);
    if (start == std::string_view::npos)
        return std::nullopt;
    const auto valueStart = start + key.size();
    const auto end = xml.find('"', valueStart);
    if (end == std::string_view::npos)
        return std::nullopt;
    return std::string(xml.substr(valueStart, end - valueStart));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Request plumbing

std::string ServiceRequest::header(std::string_view name) const {
    std::string value;
    for (const auto& [key, v] : headers) {
        if (!equalsIgnoreCase(key, name))
            continue;
        if (!value.empty())
            value += ", ";
        value += v;
    }
    return value;
}

bool splitTarget(std::string_view target, std::string& path, HeaderList& query) {
    const auto mark = target.find('?');
    auto decodedPath = percentDecode(target.substr(0, mark), false);
    if (!decodedPath)
        return false;
    path = std::move(*decodedPath);
    query.clear();
    if (mark == std::string_view::npos)
        return true;
    std::string_view rest = target.substr(mark + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto part = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (part.empty())
            continue;
        const auto eq = part.find('=');
        auto name = percentDecode(part.substr(0, eq), true);
        auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                  : percentDecode(part.substr(eq + 1), true);
        if (!name || !value)
            return false;
        query.emplace_back(std::move(*name), std::move(*value));
    }
    return true;
}

ServiceResponse errorResponse(int status, std::string_view code, std::string_view message) {
    std::string body = "{\"error\":{\"code\":";
    appendJsonString(body, code);
    body += ",\"message\":";
    appendJsonString(body, message);
    body += "}}";
    return jsonResponse(status, std::move(body));
}

// ---------------------------------------------------------------------------------------------
// Prefer header and query options

struct DynamicsService::Prefer {
    std::optional<int> maxPageSize;
    bool returnRepresentation = false;
    bool trackChanges = false;
    bool continueOnError = false;
    std::string annotations;  // as requested, without quotes
    bool formatted = false, lookupLogicalName = false, navigationProperty = false;

    bool anyAnnotation() const { return formatted || lookupLogicalName || navigationProperty; }
};

namespace {

DynamicsService::Prefer parsePrefer(const std::string& header) {
    DynamicsService::Prefer p;
    for (const auto& item : splitTopLevel(header, ',')) {
        const auto eq = item.find('=');
        const std::string name = trim(item.substr(0, eq));
        std::string value = eq == std::string::npos ? std::string() : trim(item.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        if (name == "odata.maxpagesize" || name == "maxpagesize") {
            const auto n = parseUnsigned(value);
            if (n && *n > 0)
                p.maxPageSize = static_cast<int>(std::min<std::uint64_t>(*n, 1u << 30));
        } else if (name == "return" && value == "representation") {
            p.returnRepresentation = true;
        } else if (name == "odata.track-changes" || name == "track-changes") {
            p.trackChanges = true;
        } else if (name == "odata.continue-on-error" || name == "continue-on-error") {
            p.continueOnError = true;
        } else if (name == "odata.include-annotations" && !value.empty()) {
            p.annotations = value;
            for (const auto& pattern : splitTopLevel(value, ',')) {
                if (pattern.empty() || pattern[0] == '-')
                    continue;
                p.formatted =
                    p.formatted || globMatch(pattern, "OData.Community.Display.V1.FormattedValue");
                p.lookupLogicalName =
                    p.lookupLogicalName ||
                    globMatch(pattern, "Microsoft.Dynamics.CRM.lookuplogicalname");
                p.navigationProperty =
                    p.navigationProperty ||
                    globMatch(pattern, "Microsoft.Dynamics.CRM.associatednavigationproperty");
            }
        }
    }
    return p;
}

}  // namespace

struct DynamicsService::Query {
    struct Order {
        int property;
        bool descending;
    };
    struct Expand {
        int column;                 // lookup column of the outer table
        const EntityTable* target;  // may be null when the target set is gone
        std::vector<int> select;    // properties of the target; empty = all
        std::vector<std::string> selectNames;
    };
    bool hasSelect = false;
    std::vector<int> select;
    std::vector<std::string> selectNames;
    std::optional<Filter> filter;
    std::vector<Order> orderBy;  // ends with the primary key
    std::optional<int> top;
    bool count = false;
    std::optional<std::string> skiptoken, deltatoken;
    std::vector<std::string> present;  // option names given
    std::vector<Expand> expand;

    bool has(std::string_view name) const {
        return std::find(present.begin(), present.end(), name) != present.end();
    }
};

struct DynamicsService::Changes {
    std::optional<Guid> id;
    std::vector<std::pair<int, Cell>> cells;
};

namespace {

using Query = DynamicsService::Query;

// Parses a $select list against `table`; on error returns the message.
std::optional<std::string> parseSelect(const EntityTable& table, std::string_view text,
                                       std::vector<int>& select, std::vector<std::string>& names) {
    for (const auto& name : splitTopLevel(text, ',')) {
        const int index = table.propertyIndex(name);
        if (index == EntityTable::kMissing)
            return Filter::unknownPropertyMessage(name, qualifiedType(table));
        if (std::find(select.begin(), select.end(), index) == select.end()) {
            select.push_back(index);
            names.push_back(name);
        }
    }
    return std::nullopt;
}

// Three-way comparison of one sortable property of a row against a key cell.
int compareToKey(const EntityTable& table, std::uint32_t slot, int property, const Cell& key) {
    if (property == EntityTable::kPrimaryKey) {
        const auto& id = table.id(slot);
        return id < key.g ? -1 : (key.g < id ? 1 : 0);
    }
    if (property == EntityTable::kCurrency)
        return 0;
    const bool null = table.isNull(slot, property);
    if (null || key.null)
        return null == key.null ? 0 : (null ? -1 : 1);  // nulls sort first
    switch (storageOf(table.column(property).type)) {
        case Storage::Text:
            return compareIgnoreCase(table.textValue(slot, property), key.s);
        case Storage::Int: {
            const auto v = table.intValue(slot, property);
            return v < key.i ? -1 : (v > key.i ? 1 : 0);
        }
        case Storage::Real: {
            const auto v = table.realValue(slot, property);
            return v < key.d ? -1 : (v > key.d ? 1 : 0);
        }
        case Storage::Id: {
            const auto& v = table.idValue(slot, property);
            return v < key.g ? -1 : (key.g < v ? 1 : 0);
        }
    }
    return 0;
}

int compareSlots(const EntityTable& table, std::uint32_t a, std::uint32_t b, int property) {
    if (property == EntityTable::kPrimaryKey) {
        const auto &x = table.id(a), &y = table.id(b);
        return x < y ? -1 : (y < x ? 1 : 0);
    }
    if (property == EntityTable::kCurrency)
        return 0;
    const bool nullA = table.isNull(a, property), nullB = table.isNull(b, property);
    if (nullA || nullB)
        return nullA == nullB ? 0 : (nullA ? -1 : 1);
    switch (storageOf(table.column(property).type)) {
        case Storage::Text:
            return compareIgnoreCase(table.textValue(a, property), table.textValue(b, property));
        case Storage::Int: {
            const auto x = table.intValue(a, property), y = table.intValue(b, property);
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        case Storage::Real: {
            const auto x = table.realValue(a, property), y = table.realValue(b, property);
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        case Storage::Id: {
            const auto &x = table.idValue(a, property), &y = table.idValue(b, property);
            return x < y ? -1 : (y < x ? 1 : 0);
        }
    }
    return 0;
}

int compareOrder(const EntityTable& table, const std::vector<Query::Order>& order, std::uint32_t a,
                 std::uint32_t b) {
    for (const auto& o : order) {
        const int c = compareSlots(table, a, b, o.property);
        if (c != 0)
            return o.descending ? -c : c;
    }
    return 0;
}

int compareOrderToKeys(const EntityTable& table, const std::vector<Query::Order>& order,
                       std::uint32_t slot, const std::vector<Cell>& keys) {
    for (std::size_t i = 0; i < order.size(); ++i) {
        const int c = compareToKey(table, slot, order[i].property, keys[i]);
        if (c != 0)
            return order[i].descending ? -c : c;
    }
    return 0;
}

// The paging cookie inside $skiptoken, shaped like Dataverse's:
// <cookie pagenumber="2" pagingcookie="%3ccookie%20page%3d%221%22%3e...%3c%2fcookie%3e"
//  istracking="False" />, the inner cookie holding the last row's sort values.
struct PagingCookie {
    int page = 1;
    std::vector<Cell> keys;
    std::uint64_t trackingVersion = 0;  // full read under change tracking: version at page 1
    std::uint64_t deltaUpTo = 0;        // delta paging: newest version included
    int deltaPhase = 0;                 // 0 = changed rows, 1 = deletions
    std::uint64_t deltaLast = 0;        // last version returned
};

std::string keyText(const EntityTable& table, std::uint32_t slot, int property) {
    std::string text;
    if (property == EntityTable::kPrimaryKey) {
        text = "{" + table.id(slot).str() + "}";
        std::transform(text.begin(), text.end(), text.begin(), ::toupper);
        return text;
    }
    switch (storageOf(table.column(property).type)) {
        case Storage::Text:
            return std::string(table.textValue(slot, property));
        case Storage::Int:
            return std::to_string(table.intValue(slot, property));
        case Storage::Real:
            appendDouble(text, table.realValue(slot, property));
            return text;
        case Storage::Id:
            return table.idValue(slot, property).str();
    }
    return text;
}

std::string makeSkiptoken(const EntityTable& table, const Query& query, std::uint32_t first,
                          std::uint32_t last, int page, std::uint64_t trackingVersion) {
    std::string inner = "<cookie page=\"" + std::to_string(page) + "\">";
    for (const auto& o : query.orderBy) {
        const std::string name = table.propertyName(o.property);
        if (o.property != EntityTable::kPrimaryKey && o.property != EntityTable::kCurrency &&
            table.isNull(last, o.property)) {
            inner += "<" + name + " null=\"1\" />";
            continue;
        }
        inner += "<" + name + " last=\"" + percentEncode(keyText(table, last, o.property)) + "\"";
        if (o.property == EntityTable::kPrimaryKey)
            inner += " first=\"" + percentEncode(keyText(table, first, o.property)) + "\"";
        inner += " />";
    }
    inner += "</cookie>";
    std::string token = "<cookie pagenumber=\"" + std::to_string(page + 1) + "\" pagingcookie=\"" +
                        percentEncode(inner) + "\" istracking=\"" +
                        (trackingVersion ? "True" : "False") + "\"";
    if (trackingVersion)
        token += " trackingversion=\"" + std::to_string(trackingVersion) + "\"";
    return token + " />";
}

// Reads the keys of a $skiptoken made by makeSkiptoken for the same query; nullopt if invalid.
std::optional<PagingCookie> parseSkiptoken(const EntityTable& table, const Query& query,
                                           std::string_view token) {
    PagingCookie cookie;
    const auto pageText = cookieAttribute(token, "pagenumber");
    const auto inner = cookieAttribute(token, "pagingcookie");
    if (!pageText || !inner)
        return std::nullopt;
    cookie.page = static_cast<int>(parseUnsigned(*pageText).value_or(2));
    if (const auto v = cookieAttribute(token, "trackingversion"))
        cookie.trackingVersion = parseUnsigned(*v).value_or(0);
    const auto xml = percentDecode(*inner, false);
    if (!xml)
        return std::nullopt;
    std::size_t pos = 0;
    for (const auto& o : query.orderBy) {
        const std::string name = table.propertyName(o.property);
        const auto start = xml->find("<" + name + " ", pos);
        if (start == std::string::npos)
            return std::nullopt;
        const auto end = xml->find("/>", start);
        if (end == std::string::npos)
            return std::nullopt;
        const std::string element = xml->substr(start, end - start);
        pos = end;
        Cell key;
        if (cookieAttribute(element, "null")) {
            cookie.keys.push_back(key);
            continue;
        }
        const auto last = cookieAttribute(element, "last");
        const auto text = last ? percentDecode(*last, false) : std::nullopt;
        if (!text)
            return std::nullopt;
        key.null = false;
        const auto storage =
            o.property == EntityTable::kPrimaryKey
                ? Storage::Id
                : (o.property == EntityTable::kCurrency ? Storage::Id
                                                        : storageOf(table.column(o.property).type));
        switch (storage) {
            case Storage::Text:
                key.s = *text;
                break;
            case Storage::Int: {
                char* endp = nullptr;
                key.i = std::strtoll(text->c_str(), &endp, 10);
                break;
            }
            case Storage::Real:
                key.d = std::strtod(text->c_str(), nullptr);
                break;
            case Storage::Id: {
                const auto g = Guid::parse(*text);
                if (!g)
                    return std::nullopt;
                key.g = *g;
                break;
            }
        }
        cookie.keys.push_back(std::move(key));
    }
    return cookie;
}

// Query string of `request` without the named options, re-encoded, "" or "a=b&c=d".
std::string queryWithout(const ServiceRequest& request,
                         std::initializer_list<std::string_view> drop) {
    std::string out;
    for (const auto& [name, value] : request.query) {
        if (std::find(drop.begin(), drop.end(), name) != drop.end())
            continue;
        if (!out.empty())
            out.push_back('&');
        // Option names ($select) stay readable; values are fully encoded.
        if (!name.empty() && name[0] == '$')
            out += "$" + percentEncode(std::string_view(name).substr(1));
        else
            out += percentEncode(name);
        out += "=" + percentEncode(value);
    }
    return out;
}

std::string linkWith(const ServiceRequest& request, std::string_view option, std::string_view value,
                     std::initializer_list<std::string_view> drop) {
    // The path keeps its parentheses and quotes readable: only characters that would break the
    // URL are encoded.
    std::string link = request.baseUrl;
    for (const char c : request.path) {
        if (c == ' ' || c == '?' || c == '#' || c == '%' || c == '&')
            link += percentEncode(std::string_view(&c, 1));
        else
            link.push_back(c);
    }
    const std::string rest = queryWithout(request, drop);
    link +=
        "?" + rest + (rest.empty() ? "" : "&") + std::string(option) + "=" + percentEncode(value);
    return link;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Construction and dispatch

DynamicsService::DynamicsService(const DynamicsOptions& options)
    : m_options(options), m_random(options.seed ^ 0x6e6577726f777321ULL) {
    for (auto& definition : builtinDefinitions()) {
        const std::string set = definition.entitySet;
        m_tables.emplace(set, std::make_unique<EntityTable>(std::move(definition)));
    }
    fillSampleData(*m_tables.at("accounts"), *m_tables.at("contacts"), *m_tables.at("new_regions"),
                   options, m_version);
}

DynamicsService::~DynamicsService() = default;

void DynamicsService::defineEntity(const EntityDefinition& definition) {
    auto normalized = normalizeDefinition(definition);
    std::unique_lock lock(m_mutex);
    const std::string set = normalized.entitySet;
    for (const auto& [name, table] : m_tables)
        if (name != set && table->definition().logicalName == normalized.logicalName)
            throw std::invalid_argument("The logical name '" + normalized.logicalName +
                                        "' is used by the entity set '" + name + "'.");
    m_tables[set] = std::make_unique<EntityTable>(std::move(normalized));
}

void DynamicsService::dropEntity(const std::string& entitySet) {
    std::unique_lock lock(m_mutex);
    m_tables.erase(entitySet);
}

EntityTable* DynamicsService::tableBySet(std::string_view entitySet) const {
    const auto it = m_tables.find(entitySet);
    return it == m_tables.end() ? nullptr : it->second.get();
}

ServiceResponse DynamicsService::handle(const ServiceRequest& request) {
    if (request.path == "$batch") {
        if (request.method != "POST")
            return errorResponse(
                405, kCodeGeneric,
                "The requested resource does not support http method '" + request.method + "'.");
        std::unique_lock lock(m_mutex);
        ++m_batches;
        return handleBatch(request);
    }
    if (request.method == "GET") {
        std::shared_lock lock(m_mutex);
        return dispatch(request);
    }
    std::unique_lock lock(m_mutex);
    return dispatch(request);
}

ServiceResponse DynamicsService::dispatch(const ServiceRequest& request) {
    ServiceResponse response;
    try {
        const std::string_view path = request.path;
        if (path.empty() || path == "$metadata") {
            if (request.method != "GET")
                return errorResponse(405, kCodeGeneric,
                                     "The requested resource does not support http method '" +
                                         request.method + "'.");
            response = path.empty() ? serviceDocument(request) : csdl(request);
        } else if (path.substr(0, 17) == "EntityDefinitions") {
            if (request.method != "GET")
                return errorResponse(405, kCodeGeneric,
                                     "The requested resource does not support http method '" +
                                         request.method + "'.");
            response = entityDefinitions(request, path.substr(17));
        } else {
            const auto end = path.find_first_of("(/");
            const std::string_view segment = path.substr(0, end);
            EntityTable* table = tableBySet(segment);
            if (!table)
                return errorResponse(
                    404, kCodeGeneric,
                    "Resource not found for the segment '" + std::string(segment) + "'.");
            std::string_view rest = end == std::string_view::npos ? "" : path.substr(end);
            if (!rest.empty() && rest[0] == '(') {
                const auto close = rest.find(')');
                if (close == std::string_view::npos)
                    return errorResponse(400, kCodeGeneric, "Bad Request - Error in query syntax.");
                std::string_view key = rest.substr(1, close - 1);
                const std::string prefix = table->definition().primaryKey + "=";
                if (key.substr(0, prefix.size()) == prefix)
                    key = key.substr(prefix.size());
                const auto id = Guid::parse(key);
                if (!id)
                    return errorResponse(
                        400, kCodeGeneric,
                        "The key in the request URI is not valid for resource '" +
                            qualifiedType(*table) +
                            "'. Ensure that the names and number of key properties match the "
                            "declared or alternate key properties for the resource '" +
                            qualifiedType(*table) + "'.");
                response = handleRow(request, *table, *id, rest.substr(close + 1));
            } else {
                response = handleCollection(request, *table, rest);
            }
        }
    } catch (const FilterError& e) {
        return errorResponse(400, kCodeGeneric, e.what());
    } catch (const std::exception& e) {
        return errorResponse(500, kCodeGeneric,
                             std::string("Internal emulator error: ") + e.what());
    }
    if (request.method == "GET" && response.status < 400)
        ++m_reads;
    return response;
}

ServiceResponse DynamicsService::handleCollection(const ServiceRequest& request, EntityTable& table,
                                                  std::string_view rest) {
    if (rest.empty()) {
        if (request.method == "GET")
            return readCollection(request, table);
        if (request.method == "POST") {
            // Validated here first only to learn a client-chosen key; writeRow applies it.
            Changes changes;
            if (auto error = parsePayload(table, request.body, true, changes))
                return *error;
            const Guid id = changes.id ? *changes.id : Guid::fromRandom(m_random);
            return writeRow(request, table, id, true);
        }
        return errorResponse(
            405, kCodeGeneric,
            "The requested resource does not support http method '" + request.method + "'.");
    }
    if (rest == "/$count" && request.method == "GET") {
        Query query;
        std::int64_t count = 0;
        for (const auto& [name, value] : request.query) {
            if (name == "$filter") {
                query.filter = Filter::parse(value);
                query.filter->setEntityType(qualifiedType(table));
                for (const auto& p : query.filter->properties())
                    if (table.propertyIndex(p) == EntityTable::kMissing)
                        return errorResponse(
                            400, kCodeGeneric,
                            Filter::unknownPropertyMessage(p, qualifiedType(table)));
            }
        }
        std::uint32_t current = 0;
        const PropertyLookup lookup = [&](std::string_view name) -> std::optional<nlohmann::json> {
            const int index = table.propertyIndex(name);
            if (index == EntityTable::kMissing)
                return std::nullopt;
            return table.jsonValue(current, index);
        };
        for (const auto& [id, slot] : table.index()) {
            current = slot;
            if (!query.filter || query.filter->matches(lookup))
                ++count;
        }
        ServiceResponse r;
        r.body = std::to_string(std::min(count, kCountLimit));
        r.contentType = "text/plain";
        return r;
    }
    return errorResponse(
        404, kCodeGeneric,
        "Resource not found for the segment '" + std::string(rest.substr(1)) + "'.");
}

// ---------------------------------------------------------------------------------------------
// Reads

std::string DynamicsService::contextUrl(const ServiceRequest& request, const EntityTable& table,
                                        const Query& query, std::string_view suffix) const {
    std::string url = request.baseUrl + "$metadata#" + table.definition().entitySet;
    std::vector<std::string> parts = query.selectNames;
    for (const auto& e : query.expand) {
        std::string part = table.column(e.column).navigationProperty + "(";
        for (std::size_t i = 0; i < e.selectNames.size(); ++i)
            part += (i ? "," : "") + e.selectNames[i];
        parts.push_back(part + ")");
    }
    if (!parts.empty()) {
        url += "(";
        for (std::size_t i = 0; i < parts.size(); ++i)
            url += (i ? "," : "") + parts[i];
        url += ")";
    }
    return url + std::string(suffix);
}

namespace {

void appendAnnotation(std::string& out, std::string_view property, std::string_view term,
                      std::string_view value) {
    out.push_back('"');
    out += property;
    out.push_back('@');
    out += term;
    out += "\":";
    appendJsonString(out, value);
    out.push_back(',');
}

std::optional<std::string> formattedValue(const EntityTable& table, std::uint32_t slot,
                                          int column) {
    const auto& c = table.column(column);
    if (storageOf(c.type) != Storage::Int)
        return std::nullopt;
    const auto v = table.intValue(slot, column);
    switch (c.type) {
        case ColumnType::Picklist:
        case ColumnType::State:
            for (const auto& o : c.options)
                if (o.value == v)
                    return o.label;
            return std::to_string(v);
        case ColumnType::Boolean:
            return v ? "Yes" : "No";
        case ColumnType::Money:
            return formatMoney(v);
        case ColumnType::DateTime:
            return formatUserDateTime(v);
        case ColumnType::DateOnly:
            return formatUserDate(v);
        case ColumnType::Integer:
        case ColumnType::BigInt:
            return formatGrouped(v);
        case ColumnType::Decimal: {
            std::string text;
            appendScaled(text, v, c.scale);
            return text;
        }
        default:
            return std::nullopt;
    }
}

}  // namespace

void DynamicsService::appendRow(std::string& out, const EntityTable& table, std::uint32_t slot,
                                const Query& query, const Prefer& prefer) const {
    out += "{\"@odata.etag\":\"W/\\\"";
    appendInt(out, static_cast<std::int64_t>(table.version(slot)));
    out += "\\\"\"";
    auto appendProperty = [&](int property) {
        out.push_back(',');
        if (property == EntityTable::kPrimaryKey) {
            appendJsonString(out, table.definition().primaryKey);
            out += ":\"";
            table.id(slot).appendTo(out);
            out.push_back('"');
            return;
        }
        if (property == EntityTable::kCurrency) {
            const char* name = "_transactioncurrencyid_value";
            if (prefer.formatted)
                appendAnnotation(out, name, "OData.Community.Display.V1.FormattedValue",
                                 "US Dollar");
            if (prefer.navigationProperty)
                appendAnnotation(out, name, "Microsoft.Dynamics.CRM.associatednavigationproperty",
                                 "transactioncurrencyid");
            if (prefer.lookupLogicalName)
                appendAnnotation(out, name, "Microsoft.Dynamics.CRM.lookuplogicalname",
                                 "transactioncurrency");
            out += "\"_transactioncurrencyid_value\":\"";
            baseCurrencyId().appendTo(out);
            out.push_back('"');
            return;
        }
        const auto& c = table.column(property);
        const bool isLookup = c.type == ColumnType::Lookup;
        // Built only for lookups: a page writes every plain name thousands of times.
        const std::string lookupName = isLookup ? "_" + c.name + "_value" : std::string();
        const std::string& name = isLookup ? lookupName : c.name;
        if (prefer.anyAnnotation() && !table.isNull(slot, property)) {
            if (isLookup) {
                const EntityTable* target = tableBySet(c.target);
                if (prefer.formatted && target && !target->definition().primaryName.empty()) {
                    const auto targetSlot = target->find(table.idValue(slot, property));
                    const int nameColumn = target->columnIndex(target->definition().primaryName);
                    if (targetSlot && nameColumn >= 0 && !target->isNull(*targetSlot, nameColumn))
                        appendAnnotation(out, name, "OData.Community.Display.V1.FormattedValue",
                                         target->textValue(*targetSlot, nameColumn));
                }
                if (prefer.navigationProperty)
                    appendAnnotation(out, name,
                                     "Microsoft.Dynamics.CRM.associatednavigationproperty",
                                     c.navigationProperty);
                if (prefer.lookupLogicalName && target)
                    appendAnnotation(out, name, "Microsoft.Dynamics.CRM.lookuplogicalname",
                                     target->definition().logicalName);
            } else if (prefer.formatted) {
                if (const auto text = formattedValue(table, slot, property))
                    appendAnnotation(out, name, "OData.Community.Display.V1.FormattedValue", *text);
            }
        }
        out.push_back('"');
        out += name;
        out += "\":";
        table.appendValue(out, slot, property);
    };
    bool pkWritten = false, currencyWritten = false, hasMoney = false;
    if (query.hasSelect) {
        for (int p : query.select) {
            appendProperty(p);
            pkWritten = pkWritten || p == EntityTable::kPrimaryKey;
            currencyWritten = currencyWritten || p == EntityTable::kCurrency;
            hasMoney = hasMoney || (p >= 0 && table.column(p).type == ColumnType::Money);
        }
    } else {
        for (int p = 0; p < table.columnCount(); ++p)
            appendProperty(p);
        hasMoney = table.hasMoney();
    }
    if (!pkWritten)
        appendProperty(EntityTable::kPrimaryKey);
    if (hasMoney && !currencyWritten)
        appendProperty(EntityTable::kCurrency);
    for (const auto& e : query.expand) {
        out += ",\"" + table.column(e.column).navigationProperty + "\":";
        const auto targetSlot = e.target && !table.isNull(slot, e.column)
                                    ? e.target->find(table.idValue(slot, e.column))
                                    : std::nullopt;
        if (!targetSlot) {
            out += "null";
            continue;
        }
        Query inner;
        inner.hasSelect = !e.select.empty();
        inner.select = e.select;
        appendRow(out, *e.target, *targetSlot, inner, prefer);
    }
    out.push_back('}');
}

namespace {

// Validates and reads the query options; returns an error response on failure.
std::optional<ServiceResponse> parseQuery(
    const ServiceRequest& request, const EntityTable& table,
    const std::function<const EntityTable*(std::string_view)>& tableBySet, Query& query) {
    static const std::set<std::string, std::less<>> kSupported = {
        "$select", "$filter", "$orderby", "$top", "$count", "$expand", "$skiptoken", "$deltatoken"};
    for (const auto& [name, value] : request.query) {
        if (name.empty() || name[0] != '$')
            continue;  // parameter aliases and custom parameters are not options
        if (!kSupported.count(name))
            return errorResponse(400, kCodeGeneric,
                                 "The query parameter " + name + " is not supported");
        if (query.has(name))
            return errorResponse(400, kCodeGeneric,
                                 "Query option '" + name +
                                     "' was specified more than once, but it must be specified "
                                     "at most once.");
        query.present.push_back(name);
        if (name == "$select") {
            query.hasSelect = true;
            if (auto e = parseSelect(table, value, query.select, query.selectNames))
                return errorResponse(400, kCodeGeneric, *e);
        } else if (name == "$filter") {
            query.filter = Filter::parse(value);
            query.filter->setEntityType(qualifiedType(table));
            for (const auto& p : query.filter->properties())
                if (table.propertyIndex(p) == EntityTable::kMissing)
                    return errorResponse(400, kCodeGeneric,
                                         Filter::unknownPropertyMessage(p, qualifiedType(table)));
        } else if (name == "$orderby") {
            for (const auto& item : splitTopLevel(value, ',')) {
                const auto space = item.find(' ');
                const std::string property = item.substr(0, space);
                const std::string direction =
                    space == std::string::npos ? "asc" : trim(item.substr(space + 1));
                const int index = table.propertyIndex(property);
                if (index == EntityTable::kMissing)
                    return errorResponse(
                        400, kCodeGeneric,
                        Filter::unknownPropertyMessage(property, qualifiedType(table)));
                if (direction != "asc" && direction != "desc")
                    return errorResponse(400, kCodeGeneric,
                                         "Syntax error at position " + std::to_string(space + 1) +
                                             " in '" + value + "'.");
                query.orderBy.push_back({index, direction == "desc"});
            }
        } else if (name == "$top") {
            const auto n = parseUnsigned(value);
            if (!n)
                return errorResponse(400, kCodeGeneric,
                                     "Invalid value '" + value +
                                         "' for $top query option found. The $top query option "
                                         "requires a non-negative integer value.");
            query.top = static_cast<int>(std::min<std::uint64_t>(*n, kServiceMaxPageSize));
        } else if (name == "$count") {
            if (value != "true" && value != "false")
                return errorResponse(400, kCodeGeneric,
                                     "'" + value + "' is not a valid count option.");
            query.count = value == "true";
        } else if (name == "$skiptoken") {
            query.skiptoken = value;
        } else if (name == "$deltatoken") {
            query.deltatoken = value;
        } else if (name == "$expand") {
            for (const auto& item : splitTopLevel(value, ',')) {
                const auto paren = item.find('(');
                const std::string navigation = item.substr(0, paren);
                const int column = table.navigationIndex(navigation);
                if (column == EntityTable::kMissing)
                    return errorResponse(400, kCodeGeneric,
                                         "Could not find a property named '" + navigation +
                                             "' on type '" + qualifiedType(table) + "'.");
                Query::Expand e{column, tableBySet(table.column(column).target), {}, {}};
                if (paren != std::string::npos) {
                    std::string options = item.substr(paren + 1);
                    if (options.empty() || options.back() != ')')
                        return errorResponse(400, kCodeGeneric,
                                             "Syntax error in '$expand': missing ')'.");
                    options.pop_back();
                    for (const auto& option : splitTopLevel(options, ';')) {
                        if (option.substr(0, 8) != "$select=" || !e.target)
                            return errorResponse(400, kCodeGeneric,
                                                 "The emulator supports only $select inside "
                                                 "$expand, not '" +
                                                     option + "'.");
                        if (auto err =
                                parseSelect(*e.target, option.substr(8), e.select, e.selectNames))
                            return errorResponse(400, kCodeGeneric, *err);
                    }
                }
                query.expand.push_back(std::move(e));
            }
        }
    }
    const bool pkOrdered = std::any_of(query.orderBy.begin(), query.orderBy.end(), [](auto& o) {
        return o.property == EntityTable::kPrimaryKey;
    });
    if (!pkOrdered)
        query.orderBy.push_back({EntityTable::kPrimaryKey, false});
    return std::nullopt;
}

std::string preferenceApplied(const DynamicsService::Prefer& prefer, int pageSize, bool tracking) {
    std::vector<std::string> applied;
    if (prefer.maxPageSize)
        applied.push_back("odata.maxpagesize=" + std::to_string(pageSize));
    if (!prefer.annotations.empty())
        applied.push_back("odata.include-annotations=\"" + prefer.annotations + "\"");
    if (tracking)
        applied.push_back("odata.track-changes");
    std::string out;
    for (const auto& a : applied)
        out += (out.empty() ? "" : ",") + a;
    return out;
}

}  // namespace

ServiceResponse DynamicsService::readCollection(const ServiceRequest& request,
                                                const EntityTable& table) {
    const Prefer prefer = parsePrefer(request.header("Prefer"));
    Query query;
    if (auto error = parseQuery(
            request, table, [this](std::string_view set) { return tableBySet(set); }, query))
        return *error;
    const bool tracking = prefer.trackChanges || query.deltatoken;
    if (tracking) {
        if (!table.definition().changeTracking)
            return errorResponse(
                400, kCodeGeneric,
                "Change tracking is not enabled for the entity '" + table.definition().logicalName +
                    "'. Enable change tracking on the table (ChangeTrackingEnabled) "
                    "before requesting changes.");
        for (const char* option : {"$filter", "$orderby", "$expand", "$top"})
            if (query.has(option))
                return errorResponse(400, kCodeGeneric,
                                     std::string("The \"") + option +
                                         "\" query parameter isn't supported when Change "
                                         "Tracking is enabled.");
    }
    if (query.deltatoken)
        return readDelta(request, table, query, prefer);

    const int cap = std::max(1, std::min(m_options.maxPageSize, kServiceMaxPageSize));
    int pageSize = prefer.maxPageSize ? std::min(*prefer.maxPageSize, cap) : cap;
    // $top alone limits the rows and gives no nextLink; with maxpagesize it is ignored.
    const bool topOnly = query.top && !prefer.maxPageSize;
    if (topOnly)
        pageSize = std::min(*query.top, cap);

    std::optional<PagingCookie> cookie;
    if (query.skiptoken) {
        cookie = parseSkiptoken(table, query, *query.skiptoken);
        if (!cookie)
            return errorResponse(400, kCodeGeneric,
                                 "The $skiptoken value is not valid for this query.");
    }
    const std::uint64_t trackingVersion =
        prefer.trackChanges
            ? (cookie && cookie->trackingVersion ? cookie->trackingVersion : m_version)
            : 0;

    std::uint32_t current = 0;
    const PropertyLookup lookup = [&](std::string_view name) -> std::optional<nlohmann::json> {
        const int index = table.propertyIndex(name);
        if (index == EntityTable::kMissing)
            return std::nullopt;
        return table.jsonValue(current, index);
    };
    auto matches = [&](std::uint32_t slot) {
        current = slot;
        return !query.filter || query.filter->matches(lookup);
    };

    std::vector<std::uint32_t> rows;
    const auto limit = static_cast<std::size_t>(pageSize);
    const auto& index = table.index();
    const bool byKey = query.orderBy.size() == 1;  // the primary key alone
    if (byKey && !query.orderBy[0].descending) {
        auto it = cookie ? index.upper_bound(cookie->keys[0].g) : index.begin();
        for (; it != index.end() && rows.size() <= limit; ++it)
            if (matches(it->second))
                rows.push_back(it->second);
    } else if (byKey) {
        auto it = cookie ? std::make_reverse_iterator(index.lower_bound(cookie->keys[0].g))
                         : index.rbegin();
        for (; it != index.rend() && rows.size() <= limit; ++it)
            if (matches(it->second))
                rows.push_back(it->second);
    } else {
        for (const auto& [id, slot] : index)
            if (matches(slot) &&
                (!cookie || compareOrderToKeys(table, query.orderBy, slot, cookie->keys) > 0))
                rows.push_back(slot);
        const auto less = [&](std::uint32_t a, std::uint32_t b) {
            return compareOrder(table, query.orderBy, a, b) < 0;
        };
        const std::size_t keep = std::min(rows.size(), limit + 1);
        std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(keep),
                          rows.end(), less);
        rows.resize(keep);
    }
    const bool more = rows.size() > limit;
    if (more)
        rows.resize(limit);

    std::int64_t total = 0;
    if (query.count)
        for (const auto& [id, slot] : index)
            if (matches(slot))
                ++total;

    std::string body;
    body.reserve(4096);
    body += "{\"@odata.context\":";
    appendJsonString(body, contextUrl(request, table, query, ""));
    if (query.count) {
        body += ",\"@odata.count\":";
        appendInt(body, std::min(total, kCountLimit));
        if (total > kCountLimit)
            body += ",\"@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded\":true";
    }
    body += ",\"value\":[";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (i)
            body.push_back(',');
        const std::size_t before = body.size();
        appendRow(body, table, rows[i], query, prefer);
        if (i == 0)  // size the page from its first row: one allocation instead of doubling
            body.reserve(body.size() + (body.size() - before + 64) * (rows.size() - 1) + 4096);
    }
    body.push_back(']');
    if (more && !topOnly) {
        const std::string token = makeSkiptoken(table, query, rows.front(), rows.back(),
                                                cookie ? cookie->page : 1, trackingVersion);
        body += ",\"@odata.nextLink\":";
        appendJsonString(body, linkWith(request, "$skiptoken", token, {"$skiptoken"}));
    } else if (prefer.trackChanges) {
        const std::string token =
            std::to_string(trackingVersion) + "!" + deltaTimestamp(nowSeconds());
        body += ",\"@odata.deltaLink\":";
        appendJsonString(body, linkWith(request, "$deltatoken", token, {"$skiptoken"}));
    }
    body.push_back('}');
    ServiceResponse response = jsonResponse(200, std::move(body));
    const std::string applied = preferenceApplied(prefer, pageSize, prefer.trackChanges);
    if (!applied.empty())
        response.headers.emplace_back("Preference-Applied", applied);
    return response;
}

ServiceResponse DynamicsService::readDelta(const ServiceRequest& request, const EntityTable& table,
                                           const Query& query, const Prefer& prefer) {
    const std::string& token = *query.deltatoken;
    const auto bang = token.find('!');
    const auto from = parseUnsigned(std::string_view(token).substr(0, bang));
    const auto issued = bang == std::string::npos
                            ? std::nullopt
                            : parseDeltaTimestamp(std::string_view(token).substr(bang + 1));
    if (!from || !issued || *from > m_version)
        return errorResponse(400, kCodeGeneric, "The delta token '" + token + "' is not valid.");
    if (nowSeconds() - *issued > m_options.changeTrackingRetentionSeconds)
        return errorResponse(400, "0x80044352",
                             "The change tracking token has expired: changes are kept for " +
                                 std::to_string(m_options.changeTrackingRetentionSeconds) +
                                 " seconds. Read all rows again with Prefer: "
                                 "odata.track-changes to get a new token.");

    const int cap = std::max(1, std::min(m_options.maxPageSize, kServiceMaxPageSize));
    const auto limit =
        static_cast<std::size_t>(prefer.maxPageSize ? std::min(*prefer.maxPageSize, cap) : cap);
    PagingCookie cookie;
    cookie.deltaUpTo = m_version;
    if (query.skiptoken) {
        const auto upTo = cookieAttribute(*query.skiptoken, "deltaupto");
        const auto phase = cookieAttribute(*query.skiptoken, "deltaphase");
        const auto last = cookieAttribute(*query.skiptoken, "deltalast");
        const auto page = cookieAttribute(*query.skiptoken, "pagenumber");
        if (!upTo || !phase || !last || !parseUnsigned(*upTo) || !parseUnsigned(*last))
            return errorResponse(400, kCodeGeneric,
                                 "The $skiptoken value is not valid for this query.");
        cookie.deltaUpTo = *parseUnsigned(*upTo);
        cookie.deltaPhase = *phase == "1" ? 1 : 0;
        cookie.deltaLast = *parseUnsigned(*last);
        cookie.page = page ? static_cast<int>(parseUnsigned(*page).value_or(2)) : 2;
    }

    // Changed and new rows by version, then deletions by version.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> changed;
    if (cookie.deltaPhase == 0) {
        const std::uint64_t after = std::max(*from, cookie.deltaLast);
        for (const auto& [id, slot] : table.index()) {
            const auto v = table.version(slot);
            if (v > after && v <= cookie.deltaUpTo)
                changed.emplace_back(v, slot);
        }
        std::sort(changed.begin(), changed.end());
    }
    std::vector<std::pair<std::uint64_t, Guid>> deleted;
    const std::uint64_t deletedAfter =
        cookie.deltaPhase == 1 ? std::max(*from, cookie.deltaLast) : *from;
    for (const auto& [id, version] : table.deletions()) {
        if (version <= deletedAfter || version > cookie.deltaUpTo)
            continue;
        // A row deleted and created again with the same key is not reported as deleted.
        const auto slot = table.find(id);
        if (slot && table.version(*slot) > version)
            continue;
        deleted.emplace_back(version, id);
    }

    std::string body = "{\"@odata.context\":";
    appendJsonString(body, contextUrl(request, table, query, "/$delta"));
    body += ",\"value\":[";
    std::size_t written = 0;
    std::string lastPhase = "0";
    std::uint64_t lastVersion = cookie.deltaLast;
    for (const auto& [version, slot] : changed) {
        if (written == limit)
            break;
        if (written++)
            body.push_back(',');
        appendRow(body, table, slot, query, prefer);
        lastVersion = version;
    }
    const bool moreRows = written < changed.size();
    std::size_t deletedWritten = 0;
    if (!moreRows) {
        const std::string deletedContext =
            request.baseUrl + "$metadata#" + table.definition().entitySet + "/$deletedEntity";
        for (const auto& [version, id] : deleted) {
            if (written == limit)
                break;
            if (written++)
                body.push_back(',');
            body += "{\"@odata.context\":";
            appendJsonString(body, deletedContext);
            body += ",\"id\":\"";
            id.appendTo(body);
            body += "\",\"reason\":\"deleted\"}";
            lastVersion = version;
            lastPhase = "1";
            ++deletedWritten;
        }
    }
    body.push_back(']');
    const bool more = moreRows || deletedWritten < deleted.size();
    if (more) {
        const std::string skiptoken =
            "<cookie pagenumber=\"" + std::to_string(cookie.page + 1) +
            "\" istracking=\"True\" deltaupto=\"" + std::to_string(cookie.deltaUpTo) +
            "\" deltaphase=\"" + (moreRows ? "0" : lastPhase) + "\" deltalast=\"" +
            std::to_string(moreRows || lastPhase == "1" ? lastVersion : *from) + "\" />";
        body += ",\"@odata.nextLink\":";
        appendJsonString(body, linkWith(request, "$skiptoken", skiptoken, {"$skiptoken"}));
    } else {
        const std::string next =
            std::to_string(cookie.deltaUpTo) + "!" + deltaTimestamp(nowSeconds());
        body += ",\"@odata.deltaLink\":";
        appendJsonString(body,
                         linkWith(request, "$deltatoken", next, {"$skiptoken", "$deltatoken"}));
    }
    body.push_back('}');
    ServiceResponse response = jsonResponse(200, std::move(body));
    response.headers.emplace_back("Preference-Applied",
                                  preferenceApplied(prefer, static_cast<int>(limit), true));
    return response;
}

ServiceResponse DynamicsService::readRow(const ServiceRequest& request, const EntityTable& table,
                                         std::uint32_t slot) {
    const Prefer prefer = parsePrefer(request.header("Prefer"));
    Query query;
    if (auto error = parseQuery(
            request, table, [this](std::string_view set) { return tableBySet(set); }, query))
        return *error;
    for (const char* option : {"$filter", "$orderby", "$top", "$skiptoken", "$deltatoken"})
        if (query.has(option))
            return errorResponse(
                400, kCodeGeneric,
                std::string("The query option ") + option + " is not allowed on a single record.");
    const std::string etag = etagOf(table.version(slot));
    const std::string ifNoneMatch = trim(request.header("If-None-Match"));
    if (!ifNoneMatch.empty() && ifNoneMatch != "null" && query.expand.empty() &&
        prefer.annotations.empty() && etagMatches(ifNoneMatch, table.version(slot)) &&
        ifNoneMatch != "*") {
        ServiceResponse r = noContent(304);
        r.headers.emplace_back("ETag", etag);
        return r;
    }
    std::string body;
    appendRow(body, table, slot, query, prefer);
    const std::string context = contextUrl(request, table, query, "/$entity");
    std::string withContext = "{\"@odata.context\":";
    appendJsonString(withContext, context);
    withContext += ",";
    withContext += body.substr(1);
    ServiceResponse response = jsonResponse(200, std::move(withContext));
    response.headers.emplace_back("ETag", etag);
    const std::string applied = preferenceApplied(prefer, 0, false);
    if (!applied.empty() && !prefer.annotations.empty())
        response.headers.emplace_back("Preference-Applied", applied);
    return response;
}

// ---------------------------------------------------------------------------------------------
// Writes

std::optional<ServiceResponse> DynamicsService::parsePayload(const EntityTable& table,
                                                             const std::string& body, bool create,
                                                             Changes& changes) const {
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(body.empty() ? std::string("{}") : body);
    } catch (const nlohmann::json::exception& e) {
        return errorResponse(400, kCodeGeneric,
                             std::string("The request body is not valid JSON: ") + e.what());
    }
    if (!json.is_object())
        return errorResponse(400, kCodeGeneric,
                             "The request body must be a JSON object describing one record.");
    const auto& definition = table.definition();
    std::set<int> seen;
    std::optional<std::map<std::string, std::string>> numberTexts;  // read when first needed
    for (const auto& [key, value] : json.items()) {
        if (key.empty() || key[0] == '@')
            continue;  // instance annotations such as @odata.type
        const auto at = key.find('@');
        if (at != std::string::npos) {
            const std::string property = key.substr(0, at);
            const std::string term = key.substr(at + 1);
            if (term != "odata.bind") {
                if (table.propertyIndex(property) != EntityTable::kMissing ||
                    table.columnIndex(property) != EntityTable::kMissing)
                    continue;  // an annotation on a declared property
                return errorResponse(400, kCodeGeneric, undeclaredProperty(property));
            }
            const int column = table.navigationIndex(property);
            if (column == EntityTable::kMissing)
                return errorResponse(400, kCodeGeneric, undeclaredProperty(property));
            const auto& c = table.column(column);
            Cell cell;
            if (!value.is_null()) {
                if (!value.is_string())
                    return errorResponse(400, kCodeGeneric,
                                         "The value of '" + key + "' must be an entity URL.");
                std::string_view url = value.get_ref<const std::string&>();
                // Absolute, /api/data/v9.x/ rooted or relative: keep what follows the base.
                const auto api = url.find("/api/data/");
                if (api != std::string_view::npos) {
                    const auto slash = url.find('/', api + 10);
                    url = slash == std::string_view::npos ? "" : url.substr(slash + 1);
                }
                while (!url.empty() && url.front() == '/')
                    url.remove_prefix(1);
                const auto paren = url.find('(');
                const auto set = url.substr(0, paren);
                const auto id = paren == std::string_view::npos || url.back() != ')'
                                    ? std::nullopt
                                    : Guid::parse(url.substr(paren + 1, url.size() - paren - 2));
                const EntityTable* target = tableBySet(set);
                if (!id || !target)
                    return errorResponse(400, kCodeGeneric,
                                         "The value '" + value.get<std::string>() + "' of '" + key +
                                             "' is not a valid entity reference URL.");
                if (set != c.target)
                    return errorResponse(400, kCodeGeneric,
                                         "The navigation property '" + property + "' refers to '" +
                                             c.target + "', not to '" + std::string(set) + "'.");
                if (!target->find(*id))
                    return notExist(*target, *id);
                cell.null = false;
                cell.g = *id;
            }
            changes.cells.emplace_back(column, cell);
            seen.insert(column);
            continue;
        }
        if (key == definition.primaryKey) {
            const auto id =
                value.is_string() ? Guid::parse(value.get<std::string>()) : std::nullopt;
            if (!id)
                return errorResponse(
                    400, kCodeGeneric,
                    "Cannot convert the literal '" +
                        (value.is_string() ? value.get<std::string>() : value.dump()) +
                        "' to the expected type 'Edm.Guid'.");
            changes.id = *id;
            continue;
        }
        const int column = table.columnIndex(key);
        if (column == EntityTable::kMissing) {
            if (table.propertyIndex(key) != EntityTable::kMissing)  // _x_value, currency
                return errorResponse(400, kCodeGeneric,
                                     "CRM do not support direct update of Entity Reference "
                                     "properties, Use Navigation properties instead.");
            return errorResponse(400, kCodeGeneric,
                                 "The property '" + key + "' does not exist on type '" +
                                     qualifiedType(table) +
                                     "'. Make sure to only use property names that are defined "
                                     "by the type or mark the type as open type.");
        }
        const auto& c = table.column(column);
        if (c.type == ColumnType::Lookup) {
            if (c.navigationProperty != key)
                return errorResponse(400, kCodeGeneric,
                                     "The property '" + key + "' does not exist on type '" +
                                         qualifiedType(table) +
                                         "'. Make sure to only use property names that are "
                                         "defined by the type or mark the type as open type.");
            return errorResponse(
                400, kCodeGeneric,
                "A node of type '" +
                    std::string(value.is_object() ? "StartObject" : "PrimitiveValue") +
                    "' was read from the JSON reader when trying to read the "
                    "navigation property '" +
                    key + "'; the emulator accepts lookups only as '" + key +
                    "@odata.bind' (deep insert is not supported).");
        }
        if (c.readOnly)
            continue;  // as Dataverse: writes to server-maintained columns are ignored
        std::string numberText;
        if (value.is_number_float() &&
            (c.type == ColumnType::Decimal || c.type == ColumnType::Money)) {
            if (!numberTexts)
                numberTexts = TopLevelNumberTexts::of(body);
            if (const auto text = numberTexts->find(key); text != numberTexts->end())
                numberText = text->second;
        }
        std::string error;
        auto cell = table.parseValue(column, value, error, numberText);
        if (!cell)
            return errorResponse(400, kCodeValidation, error);
        changes.cells.emplace_back(column, std::move(*cell));
        seen.insert(column);
    }
    if (create) {
        for (int column = 0; column < table.columnCount(); ++column) {
            const auto& c = table.column(column);
            if (!c.defaultValue || seen.count(column))
                continue;
            std::string error;
            if (auto cell = table.parseValue(column, *c.defaultValue, error)) {
                changes.cells.emplace_back(column, std::move(*cell));
                seen.insert(column);
            }
        }
    }
    for (int column = 0; column < table.columnCount(); ++column) {
        const auto& c = table.column(column);
        if (!c.required)
            continue;
        const auto it = std::find_if(changes.cells.begin(), changes.cells.end(),
                                     [&](const auto& change) { return change.first == column; });
        const bool missing = it == changes.cells.end() ? create : it->second.null;
        if (missing)
            return errorResponse(400, kCodeValidation,
                                 "A value for the required column '" + c.name + "' of '" +
                                     definition.logicalName + "' is missing: '" + c.name +
                                     "' cannot be empty.");
    }
    return std::nullopt;
}

void DynamicsService::rememberUndo(EntityTable& table, const Guid& id) {
    if (!m_undo)
        return;
    UndoEntry entry{&table, id, std::nullopt, table.deletions().size()};
    if (const auto slot = table.find(id))
        entry.before = table.snapshot(*slot);
    m_undo->push_back(std::move(entry));
}

void DynamicsService::applyChanges(EntityTable& table, std::uint32_t slot, const Changes& changes,
                                   bool create) {
    for (const auto& [column, cell] : changes.cells)
        table.setCell(slot, column, cell);
    Cell now;
    now.null = false;
    now.i = nowSeconds();
    if (create)
        if (const int c = table.columnIndex("createdon"); c >= 0)
            table.setCell(slot, c, now);
    if (const int c = table.columnIndex("modifiedon"); c >= 0)
        table.setCell(slot, c, now);
    // contact.fullname is computed from the name parts, as Dataverse does.
    const int fullname = table.columnIndex("fullname");
    const int first = table.columnIndex("firstname"), last = table.columnIndex("lastname");
    if (fullname >= 0 && first >= 0 && last >= 0 && table.column(fullname).readOnly) {
        std::string text;
        for (int part : {first, last}) {
            if (table.isNull(slot, part) || table.textValue(slot, part).empty())
                continue;
            if (!text.empty())
                text.push_back(' ');
            text += table.textValue(slot, part);
        }
        Cell cell;
        cell.null = text.empty();
        cell.s = std::move(text);
        table.setCell(slot, fullname, cell);
    }
    table.setVersion(slot, ++m_version);
    ++m_writes;
}

ServiceResponse DynamicsService::writeRow(const ServiceRequest& request, EntityTable& table,
                                          const Guid& id, bool create) {
    const Prefer prefer = parsePrefer(request.header("Prefer"));
    Changes changes;
    auto slot = table.find(id);
    if (create && slot)
        return errorResponse(412, kCodeDuplicate,
                             "A record with matching key values already exists.");
    if (!create) {
        const std::string ifMatch = trim(request.header("If-Match"));
        const std::string ifNoneMatch = trim(request.header("If-None-Match"));
        if (!ifMatch.empty()) {
            if (!slot)
                return notExist(table, id);
            if (!etagMatches(ifMatch, table.version(*slot)))
                return errorResponse(412, "0x80060882",
                                     "The version of the existing record doesn't match the "
                                     "RowVersion property provided.");
        }
        if (ifNoneMatch == "*" && slot)
            return errorResponse(412, kCodeDuplicate,
                                 "A record with matching key values already exists.");
    }
    const bool creating = !slot;
    if (auto error = parsePayload(table, request.body, creating, changes))
        return *error;
    if (!create && changes.id && *changes.id != id)
        return errorResponse(400, kCodeGeneric,
                             "The primary key in the payload does not match the key in the URL.");
    rememberUndo(table, id);
    if (creating)
        slot = table.insert(id);
    applyChanges(table, *slot, changes, creating);

    const std::string entityId =
        request.baseUrl + table.definition().entitySet + "(" + id.str() + ")";
    if (!prefer.returnRepresentation) {
        ServiceResponse r = noContent();
        r.headers.emplace_back("OData-EntityId", entityId);
        return r;
    }
    Query query;
    if (auto error = parseQuery(
            request, table, [this](std::string_view set) { return tableBySet(set); }, query))
        return *error;
    query.expand.clear();  // $expand is ignored on writes
    std::string row;
    appendRow(row, table, *slot, query, prefer);
    std::string body = "{\"@odata.context\":";
    appendJsonString(body, contextUrl(request, table, query, "/$entity"));
    body += "," + row.substr(1);
    ServiceResponse r = jsonResponse(creating ? 201 : 200, std::move(body));
    r.headers.emplace_back("ETag", etagOf(table.version(*slot)));
    r.headers.emplace_back("Preference-Applied", "return=representation");
    return r;
}

ServiceResponse DynamicsService::deleteRow(const ServiceRequest& request, EntityTable& table,
                                           const Guid& id) {
    const auto slot = table.find(id);
    if (!slot)
        return notExist(table, id);
    const std::string ifMatch = trim(request.header("If-Match"));
    if (!ifMatch.empty() && !etagMatches(ifMatch, table.version(*slot)))
        return errorResponse(412, "0x80060882",
                             "The version of the existing record doesn't match the RowVersion "
                             "property provided.");
    rememberUndo(table, id);
    table.erase(*slot);
    table.deletions().emplace_back(id, ++m_version);
    ++m_writes;
    return noContent();
}

ServiceResponse DynamicsService::handleRow(const ServiceRequest& request, EntityTable& table,
                                           const Guid& id, std::string_view rest) {
    if (rest.empty()) {
        if (request.method == "GET") {
            const auto slot = table.find(id);
            if (!slot)
                return notExist(table, id);
            return readRow(request, table, *slot);
        }
        if (request.method == "PATCH")
            return writeRow(request, table, id, false);
        if (request.method == "DELETE")
            return deleteRow(request, table, id);
        return errorResponse(
            405, kCodeGeneric,
            "The requested resource does not support http method '" + request.method + "'.");
    }
    const auto slot = table.find(id);
    if (!slot)
        return notExist(table, id);
    return handleProperty(request, table, *slot, rest.substr(rest[0] == '/' ? 1 : 0));
}

ServiceResponse DynamicsService::handleProperty(const ServiceRequest& request, EntityTable& table,
                                                std::uint32_t slot, std::string_view property) {
    const Guid id = table.id(slot);
    // DELETE /accounts(id)/parentaccountid/$ref clears a lookup.
    if (property.size() > 5 && property.substr(property.size() - 5) == "/$ref") {
        const std::string navigation(property.substr(0, property.size() - 5));
        if (request.method != "DELETE" || table.navigationIndex(navigation) < 0)
            return errorResponse(400, kCodeGeneric,
                                 "Only DELETE of a single-valued navigation property's $ref is "
                                 "supported.");
        ServiceRequest inner = request;
        inner.method = "PATCH";
        inner.body = "{\"" + navigation + "@odata.bind\":null}";
        inner.headers.emplace_back("If-Match", "*");
        const auto r = writeRow(inner, table, id, false);
        return r.status < 300 ? noContent() : r;
    }
    const int index = table.propertyIndex(property);
    if (index == EntityTable::kMissing)
        return errorResponse(404, kCodeGeneric,
                             "Resource not found for the segment '" + std::string(property) + "'.");
    if (request.method == "GET") {
        if (index >= 0 && table.isNull(slot, index))
            return noContent();
        std::string body = "{\"@odata.context\":";
        appendJsonString(body, request.baseUrl + "$metadata#" + table.definition().entitySet + "(" +
                                   id.str() + ")/" + std::string(property));
        body += ",\"value\":";
        if (index >= 0)
            table.appendValue(body, slot, index);
        else
            body += "\"" + (index == EntityTable::kPrimaryKey ? id : baseCurrencyId()).str() + "\"";
        body += "}";
        return jsonResponse(200, std::move(body));
    }
    if ((request.method != "PUT" && request.method != "DELETE") || index < 0 ||
        table.column(index).type == ColumnType::Lookup)
        return errorResponse(
            405, kCodeGeneric,
            "The requested resource does not support http method '" + request.method + "'.");
    std::string value = "null";
    if (request.method == "PUT") {
        try {
            const auto json = nlohmann::json::parse(request.body);
            if (!json.is_object() || !json.contains("value"))
                throw std::invalid_argument("no value");
            value = json["value"].dump();
            // A decimal goes on with its own digits, not those of the parsed double.
            const auto texts = TopLevelNumberTexts::of(request.body);
            if (const auto text = texts.find("value"); text != texts.end())
                value = text->second;
        } catch (const std::exception&) {
            return errorResponse(400, kCodeGeneric,
                                 "The request body must be {\"value\": <new value>}.");
        }
    }
    std::string payload;
    appendJsonString(payload, property);
    ServiceRequest inner = request;
    inner.method = "PATCH";
    inner.body = "{" + payload + ":" + value + "}";
    inner.headers.emplace_back("If-Match", "*");
    const auto r = writeRow(inner, table, id, false);
    return r.status < 300 ? noContent() : r;
}

// ---------------------------------------------------------------------------------------------
// $batch

ServiceResponse DynamicsService::handleBatch(const ServiceRequest& request) {
    const auto boundary = boundaryFromContentType(request.header("Content-Type"));
    if (!boundary)
        return errorResponse(400, kCodeGeneric,
                             "The batch request must have a \"Content-Type\" header of "
                             "\"multipart/mixed\" with a boundary.");
    BatchRequest batch;
    try {
        batch = parseBatch(request.body, *boundary);
    } catch (const BatchError& e) {
        return errorResponse(400, kCodeGeneric, e.what());
    }
    if (batch.operations.size() > static_cast<std::size_t>(kMaxBatchOperations))
        return errorResponse(400, kCodeGeneric,
                             "The current change set contains too many operations. A maximum "
                             "number of '1000' operations are allowed in a change set.");
    const Prefer prefer = parsePrefer(request.header("Prefer"));
    std::map<std::string, std::string> idToUrl;
    std::vector<BatchOperationResult> results;

    auto toResult = [](const BatchOperation& op, const ServiceResponse& r) {
        BatchOperationResult result;
        result.changeset = op.changeset;
        result.contentId = op.contentId;
        result.status = r.status;
        result.reason = reasonPhrase(r.status);
        result.headers = r.headers;
        if (!r.contentType.empty())
            result.headers.emplace_back("Content-Type", r.contentType);
        result.body = r.body;
        return result;
    };
    auto run = [&](const BatchOperation& op) {
        ServiceRequest inner;
        inner.method = op.method;
        inner.headers = op.headers;
        inner.baseUrl = request.baseUrl;
        std::string url;
        try {
            url = resolveContentIdReference(op.url, idToUrl);
            inner.body = op.body;
            if (!op.body.empty()) {
                try {
                    inner.body = resolveContentIdReference(op.body, idToUrl);
                } catch (const BatchError&) {
                    throw;
                } catch (const std::exception&) {
                    inner.body = op.body;  // not JSON: the operation itself will complain
                }
            }
        } catch (const BatchError& e) {
            return errorResponse(400, kCodeGeneric, e.what());
        }
        // Absolute, rooted (/api/data/v9.2/...) or relative to the service root.
        std::string_view target = url;
        if (const auto scheme = target.find("://"); scheme != std::string_view::npos) {
            const auto slash = target.find('/', scheme + 3);
            target = slash == std::string_view::npos ? "/" : target.substr(slash);
        }
        if (!target.empty() && target.front() == '/') {
            if (target.substr(0, 10) != "/api/data/")
                return errorResponse(
                    404, kCodeGeneric,
                    "Resource not found for the segment '" + std::string(target) + "'.");
            const auto slash = target.find('/', 10);
            target = slash == std::string_view::npos ? "" : target.substr(slash + 1);
        }
        if (!splitTarget(target, inner.path, inner.query))
            return errorResponse(400, kCodeGeneric, "The request URL is not valid.");
        if (inner.path == "$batch")
            return errorResponse(400, kCodeGeneric, "Batch requests cannot be nested.");
        return dispatch(inner);
    };

    bool failed = false;
    std::size_t i = 0;
    while (i < batch.operations.size() && !failed) {
        const auto& op = batch.operations[i];
        if (op.changeset < 0) {
            const auto r = run(op);
            results.push_back(toResult(op, r));
            failed = r.status >= 400 && !prefer.continueOnError;
            ++i;
            continue;
        }
        std::vector<UndoEntry> undo;
        m_undo = &undo;
        std::vector<BatchOperationResult> changeset;
        std::optional<BatchOperationResult> failure;
        std::size_t j = i;
        for (; j < batch.operations.size() && batch.operations[j].changeset == op.changeset; ++j) {
            const auto& part = batch.operations[j];
            if (failure)
                continue;
            ServiceResponse r = part.method == "GET"
                                    ? errorResponse(400, kCodeGeneric,
                                                    "GET requests are not allowed inside a "
                                                    "change set.")
                                    : run(part);
            if (r.status >= 400) {
                failure = toResult(part, r);
                failure->changeset = -1;
                continue;
            }
            for (const auto& [name, value] : r.headers)
                if (name == "OData-EntityId" && !part.contentId.empty())
                    idToUrl[part.contentId] = value;
            changeset.push_back(toResult(part, r));
        }
        m_undo = nullptr;
        if (failure) {
            // The changeset is one transaction: undo its writes, newest first.
            for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
                EntityTable& table = *it->table;
                if (it->before) {
                    table.restore(*it->before);
                } else if (const auto slot = table.find(it->id)) {
                    table.erase(*slot);
                }
                table.deletions().resize(it->deletionCount);
            }
            results.push_back(std::move(*failure));
            failed = !prefer.continueOnError;
        } else {
            for (auto& r : changeset)
                results.push_back(std::move(r));
        }
        i = j;
    }
    ServiceResponse response;
    if (failed) {
        // Without continue-on-error the answer is 400 and holds only the failed part.
        response.status = 400;
        results = {results.back()};
    }
    response.body = writeBatchResponse(results, response.contentType);
    if (prefer.continueOnError)
        response.headers.emplace_back("Preference-Applied", "odata.continue-on-error");
    return response;
}

}  // namespace ferry::emulator
