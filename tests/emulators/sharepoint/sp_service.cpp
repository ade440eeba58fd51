// The SharePoint REST surface under {site}/_api: lists, fields, items, writes, $batch, changes.
#include "sp_service.h"

#include <algorithm>
#include <stdexcept>

#include "emulator_text.h"
#include "sp_batch.h"

namespace ferry::emulator::sp {
namespace {

using ojson = nlohmann::ordered_json;

constexpr const char* kSecurityValidation = "-2130575252, Microsoft.SharePoint.SPException";
constexpr const char* kNotFoundCode = "-2147024894, System.IO.FileNotFoundException";
constexpr const char* kListMissingCode = "-1, System.ArgumentException";
constexpr const char* kColumnMissingCode = "-2146232832, Microsoft.SharePoint.SPException";
constexpr const char* kEtagMismatchCode = "-1, Microsoft.SharePoint.Client.ClientServiceException";
constexpr const char* kRequiredMessage = "You must specify a value for this required field.";
constexpr const char* kThresholdMessage =
    "The attempted operation is prohibited because it exceeds the list view threshold.";

// What the Accept header asks for; Xml covers Atom, */* and a missing header.
enum class Negotiated { Verbose, Minimal, NoMetadata, Xml, NotAcceptable };

Negotiated negotiate(const ServiceRequest& request) {
    const std::string accept = toLower(request.header("Accept"));
    const bool v4 = request.header("OData-Version").rfind("4", 0) == 0;
    if (accept.find("odata=verbose") != std::string::npos)
        return Negotiated::Verbose;
    if (accept.find("odata=nometadata") != std::string::npos)
        return v4 ? Negotiated::NotAcceptable : Negotiated::NoMetadata;
    if (accept.find("odata=minimalmetadata") != std::string::npos)
        return Negotiated::Minimal;
    if (accept.find("odata.metadata=none") != std::string::npos)
        return Negotiated::NoMetadata;
    if (accept.find("odata.metadata=") != std::string::npos)
        return Negotiated::Minimal;
    if (accept.find("application/json") != std::string::npos)
        return Negotiated::Minimal;
    return Negotiated::Xml;
}

std::string contentTypeOf(JsonFormat format) {
    switch (format) {
        case JsonFormat::Verbose:
            return "application/json;odata=verbose;charset=utf-8";
        case JsonFormat::Minimal:
            return "application/json;odata=minimalmetadata;streaming=true;charset=utf-8";
        case JsonFormat::NoMetadata:
            break;
    }
    return "application/json;odata=nometadata;streaming=true;charset=utf-8";
}

using common::xmlEscape;

ServiceResponse errorBody(Negotiated format, int status, const std::string& code,
                          const std::string& message) {
    ServiceResponse response;
    response.status = status;
    const ojson inner = {{"code", code}, {"message", {{"lang", "en-US"}, {"value", message}}}};
    if (format == Negotiated::Verbose) {
        response.contentType = contentTypeOf(JsonFormat::Verbose);
        response.body = ojson{{"error", inner}}.dump();
    } else if (format == Negotiated::Minimal || format == Negotiated::NoMetadata) {
        response.contentType = contentTypeOf(
            format == Negotiated::Minimal ? JsonFormat::Minimal : JsonFormat::NoMetadata);
        response.body = ojson{{"odata.error", inner}}.dump();
    } else {
        response.contentType = "application/xml;charset=utf-8";
        response.body =
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><m:error "
            "xmlns:m=\"http://schemas.microsoft.com/ado/2007/08/dataservices/metadata\"><m:code>" +
            xmlEscape(code) + "</m:code><m:message xml:lang=\"en-US\">" + xmlEscape(message) +
            "</m:message></m:error>";
    }
    return response;
}

ServiceResponse jsonResponse(int status, JsonFormat format, const ojson& body) {
    ServiceResponse response;
    response.status = status;
    response.contentType = contentTypeOf(format);
    response.body = body.dump();
    return response;
}

// A JSON request body; an empty body is an empty object where `emptyIsObject`. Malformed JSON
// is a 400 with `message` (SharePoint's wording differs between endpoints).
nlohmann::json parseBody(const std::string& text, const char* message, bool emptyIsObject = false) {
    if (emptyIsObject && text.empty())
        return nlohmann::json::object();
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
        throw SpError(400, kInvalidClientQuery, message);
    }
}

// A collection in the negotiated format: d/results (verbose), or value with the metadata link
// `context` (minimal) or without it (nometadata).
ServiceResponse collectionResponse(JsonFormat format, ojson results, const std::string& siteUrl,
                                   const std::string& context) {
    if (format == JsonFormat::Verbose)
        return jsonResponse(200, format, ojson{{"d", {{"results", std::move(results)}}}});
    ojson body;
    if (format == JsonFormat::Minimal)
        body["odata.metadata"] = siteUrl + "/_api/$metadata#" + context;
    body["value"] = std::move(results);
    return jsonResponse(200, format, body);
}

// Splits a path on '/' outside single-quoted literals.
std::vector<std::string> splitSegments(std::string_view path) {
    std::vector<std::string> segments;
    std::string current;
    bool quoted = false;
    for (const char c : path) {
        if (c == '\'')
            quoted = !quoted;
        if (c == '/' && !quoted) {
            if (!current.empty())
                segments.push_back(std::move(current));
            current.clear();
        } else {
            current.push_back(c);
        }
    }
    if (!current.empty())
        segments.push_back(std::move(current));
    return segments;
}

// Matches "name(args)" case-insensitively; sets args to what is inside the parentheses.
bool isCall(std::string_view segment, std::string_view name, std::string& args) {
    if (segment.size() < name.size() + 2 || !istartsWith(segment, name) ||
        segment[name.size()] != '(' || segment.back() != ')')
        return false;
    args = std::string(segment.substr(name.size() + 1, segment.size() - name.size() - 2));
    return true;
}

// 'text' with doubled quotes -> text; nullopt when not a quoted literal.
std::optional<std::string> unquote(std::string_view literal) {
    while (!literal.empty() && literal.front() == ' ')
        literal.remove_prefix(1);
    while (!literal.empty() && literal.back() == ' ')
        literal.remove_suffix(1);
    if (literal.size() < 2 || literal.front() != '\'' || literal.back() != '\'')
        return std::nullopt;
    std::string out;
    for (std::size_t i = 1; i + 1 < literal.size(); ++i) {
        out.push_back(literal[i]);
        if (literal[i] == '\'' && i + 2 < literal.size() && literal[i + 1] == '\'')
            ++i;
    }
    return out;
}

std::optional<int> parseId(std::string_view text) {
    int value = 0;
    if (text.empty() || text.size() > 9)
        return std::nullopt;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

std::string stripGuid(std::string_view text) {
    std::string out;
    for (const char c : text)
        if (c != '{' && c != '}')
            out.push_back(c);
    return toLower(out);
}

std::string etag(int version) {
    return "\"" + std::to_string(version) + "\"";
}

std::vector<std::string> splitList(std::string_view text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(',', start);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view part = text.substr(start, end - start);
        while (!part.empty() && part.front() == ' ')
            part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ')
            part.remove_suffix(1);
        if (!part.empty())
            out.emplace_back(part);
        start = end + 1;
    }
    return out;
}

// Item properties that are not fields but appear on every item.
bool isItemProperty(std::string_view name) {
    static constexpr std::string_view kProps[] = {
        "Id",   "FileSystemObjectType", "ContentTypeId",
        "GUID", "Attachments",          "OData__UIVersionString"};
    return std::find(std::begin(kProps), std::end(kProps), name) != std::end(kProps);
}

// The typed value of a token text (p_<Field>=...) for the field's type.
FilterValue tokenValue(const ListField& field, const std::string& text) {
    if (text.empty())
        return FilterValue::null();
    switch (field.def.type) {
        case SpFieldType::DateTime: {
            // SharePoint writes "20240101 10:00:00"; accept that and ISO.
            std::string iso = text;
            if (text.size() == 17 && text[8] == ' ')
                iso = text.substr(0, 4) + "-" + text.substr(4, 2) + "-" + text.substr(6, 2) + "T" +
                      text.substr(9) + "Z";
            return FilterValue::ofDateTime(static_cast<double>(parseIso(iso).value_or(0)));
        }
        case SpFieldType::Number:
        case SpFieldType::Currency:
        case SpFieldType::Lookup:
        case SpFieldType::User:
        case SpFieldType::Counter:
            return FilterValue::ofNumber(parseNumber(text).value_or(0));
        case SpFieldType::Boolean:
            return FilterValue::ofBool(text == "1" || iequals(text, "true"));
        default:
            return FilterValue::ofString(text);
    }
}

std::string tokenText(const FilterValue& value) {
    switch (value.kind) {
        case FilterValue::Kind::Null:
            return {};
        case FilterValue::Kind::String:
            return value.text;
        case FilterValue::Kind::DateTime:
            return formatIso(static_cast<std::int64_t>(value.number));
        case FilterValue::Kind::Bool:
            return value.number != 0 ? "1" : "0";
        case FilterValue::Kind::Number:
            break;
    }
    return formatNumber(value.number);
}

std::string fieldTypeName(SpFieldType type) {
    switch (type) {
        case SpFieldType::Text:
            return "SP.FieldText";
        case SpFieldType::Note:
            return "SP.FieldMultiLineText";
        case SpFieldType::Number:
            return "SP.FieldNumber";
        case SpFieldType::Currency:
            return "SP.FieldCurrency";
        case SpFieldType::DateTime:
            return "SP.FieldDateTime";
        case SpFieldType::Choice:
            return "SP.FieldChoice";
        case SpFieldType::MultiChoice:
            return "SP.FieldMultiChoice";
        case SpFieldType::Lookup:
            return "SP.FieldLookup";
        case SpFieldType::User:
            return "SP.FieldUser";
        case SpFieldType::URL:
            return "SP.FieldUrl";
        case SpFieldType::Computed:
            return "SP.FieldComputed";
        default:
            return "SP.Field";
    }
}

constexpr const char* kAccessDeniedCode = "-2147024891, System.UnauthorizedAccessException";
constexpr const char* kDuplicateTitleCode = "-2130575342, Microsoft.SharePoint.SPException";

// The body of a metadata write (SP.List, SP.Field, ...) and the type it declares. As for items,
// "__metadata" needs the verbose Content-Type, and a verbose body needs it; JSON light bodies
// may name a derived type with "odata.type" and otherwise are of `baseType`.
std::pair<nlohmann::json, std::string> metadataBody(const ServiceRequest& request,
                                                    const std::string& baseType) {
    nlohmann::json body = parseBody(request.body, "Invalid JSON. The request body is not JSON.");
    if (!body.is_object())
        throw SpError(400, kInvalidClientQuery,
                      "Invalid JSON. The request body must be a JSON object.");
    const bool verbose =
        toLower(request.header("Content-Type")).find("odata=verbose") != std::string::npos;
    std::string type;
    if (body.contains("__metadata")) {
        if (!verbose)
            throw SpError(400, kInvalidClientQuery,
                          "The property '__metadata' does not exist on type '" + baseType +
                              "'. Make sure to only use property names that are defined by the "
                              "type.");
        const nlohmann::json& metadata = body["__metadata"];
        type = metadata.is_object() ? metadata.value("type", std::string()) : std::string();
        body.erase("__metadata");
    } else if (body.contains("odata.type") && body["odata.type"].is_string()) {
        type = body["odata.type"].get<std::string>();
        body.erase("odata.type");
    } else if (verbose && !body.contains("parameters")) {
        throw SpError(400, kInvalidClientQuery,
                      "An entry without a type name was found, but no expected type was "
                      "specified. To allow entries without type information, the expected type "
                      "must also be specified when the model is specified.");
    }
    if (type.empty())
        type = baseType;
    if (type.rfind(baseType, 0) != 0)
        throw SpError(400, kInvalidClientQuery,
                      "A type named '" + type +
                          "' could not be resolved by the model. When a model is available, each "
                          "type name must resolve to a valid type.");
    return {std::move(body), type};
}

// The strings of a Collection(Edm.String) value: an array, or {"results": [...]} in verbose.
std::vector<std::string> stringCollection(const nlohmann::json& value) {
    const nlohmann::json& array =
        value.is_object() && value.contains("results") ? value["results"] : value;
    if (!array.is_array())
        throw SpError(400, kInvalidClientQuery,
                      "Cannot convert a primitive value to the expected type "
                      "'Collection(Edm.String)'.");
    std::vector<std::string> out;
    for (const auto& v : array) {
        if (!v.is_string())
            throw SpError(400, kInvalidClientQuery,
                          "Cannot convert a primitive value to the expected type 'Edm.String'.");
        out.push_back(v.get<std::string>());
    }
    return out;
}

bool boolProperty(const nlohmann::json& body, const char* name, bool fallback) {
    const auto it = body.find(name);
    if (it == body.end() || it->is_null())
        return fallback;
    if (it->is_boolean())
        return it->get<bool>();
    if (it->is_string())  // clients often send "true"
        return iequals(it->get<std::string>(), "true");
    throw SpError(400, kInvalidClientQuery,
                  std::string("Cannot convert a primitive value to the expected type "
                              "'Edm.Boolean' for the property '") +
                      name + "'.");
}

}  // namespace

std::string ServiceRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (iequals(key, name))
            return value;
    return {};
}

struct SharePointService::Context {
    std::vector<std::string> segments;
    JsonFormat format = JsonFormat::Minimal;
};

SharePointService::SharePointService(const SharePointOptions& options) : m_options(options) {
    std::uint64_t seed = 0xC0A5;
    for (const char c : options.site)
        seed = seed * 131 + static_cast<unsigned char>(c);
    m_webId = randomGuid(seed);
    m_siteId = randomGuid(seed);
    m_random ^= seed;
    m_schemaLocked = options.schemaLocked;
    if (options.accountsList > 0) {
        SpList& list = addList(accountsListDefinition());
        const std::int64_t now = nowSeconds();
        for (int n = 1; n <= options.accountsList; ++n)
            list.seed(accountItem(n), now);
    }
}

ServiceResponse SharePointService::errorFor(const ServiceRequest& request, int status,
                                            const std::string& code,
                                            const std::string& message) const {
    return errorBody(negotiate(request), status, code, message);
}

SpList& SharePointService::addList(const SpListDefinition& definition) {
    if (findList(definition.title) != nullptr)
        throw std::invalid_argument("A list titled '" + definition.title + "' already exists.");
    std::string id = randomGuid(m_random);
    auto list = std::make_unique<SpList>(definition, std::move(id), m_options.site);
    if (findListByUrl(list->rootFolderUrl()) != nullptr)
        throw std::invalid_argument("A list with the URL '" + list->rootFolderUrl() +
                                    "' already exists.");
    m_lists.push_back(std::move(list));
    return *m_lists.back();
}

SpList* SharePointService::findList(std::string_view title) {
    for (auto& list : m_lists)
        if (iequals(list->title(), title))
            return list.get();
    return nullptr;
}

SpList* SharePointService::findListById(std::string_view id) {
    const std::string wanted = stripGuid(id);
    for (auto& list : m_lists)
        if (list->id() == wanted)
            return list.get();
    return nullptr;
}

SpList* SharePointService::findListByUrl(std::string_view url) {
    std::string path(url);
    // Absolute URLs: keep the server-relative part.
    if (const auto scheme = path.find("://"); scheme != std::string::npos) {
        const auto slash = path.find('/', scheme + 3);
        path = slash == std::string::npos ? "/" : path.substr(slash);
    }
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    for (auto& list : m_lists)
        if (iequals(list->rootFolderUrl(), path))
            return list.get();
    return nullptr;
}

void SharePointService::createList(const SpListDefinition& definition) {
    std::unique_lock lock(m_mutex);
    addList(definition);
}

void SharePointService::deleteList(const std::string& title) {
    std::unique_lock lock(m_mutex);
    const auto it = std::find_if(m_lists.begin(), m_lists.end(),
                                 [&](const auto& list) { return iequals(list->title(), title); });
    if (it == m_lists.end())
        throw std::invalid_argument("List '" + title + "' does not exist.");
    m_lists.erase(it);
}

void SharePointService::addItems(const std::string& title,
                                 const std::vector<nlohmann::json>& items) {
    std::unique_lock lock(m_mutex);
    SpList* list = findList(title);
    if (list == nullptr)
        throw std::invalid_argument("List '" + title + "' does not exist.");
    const std::int64_t now = nowSeconds();
    for (const auto& item : items)
        list->seed(item, now);
}

std::vector<nlohmann::json> SharePointService::items(const std::string& title) const {
    std::shared_lock lock(m_mutex);
    for (const auto& list : m_lists) {
        if (!iequals(list->title(), title))
            continue;
        std::vector<nlohmann::json> out;
        out.reserve(list->itemCount());
        for (const auto& [id, item] : list->items())
            out.push_back(list->nativeItem(item));
        return out;
    }
    throw std::invalid_argument("List '" + title + "' does not exist.");
}

std::vector<std::string> SharePointService::listTitles() const {
    std::shared_lock lock(m_mutex);
    std::vector<std::string> titles;
    for (const auto& list : m_lists)
        titles.push_back(list->title());
    return titles;
}

std::string SharePointService::newDigest() {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::lock_guard lock(m_digestMutex);
    std::string digest = "0x";
    for (int i = 0; i < 16; ++i) {
        std::uint64_t v = nextRandom(m_random);
        for (int b = 0; b < 8; ++b, v >>= 8) {
            digest.push_back(kHex[(v >> 4) & 15]);
            digest.push_back(kHex[v & 15]);
        }
    }
    const std::int64_t now = nowSeconds();
    digest += "," + formatRfc1123(now);
    m_digests[digest] = now + m_options.formDigestTimeoutSeconds;
    return digest;
}

void SharePointService::expireDigests() {
    std::lock_guard lock(m_digestMutex);
    m_digests.clear();
}

bool SharePointService::digestValid(const std::string& digest) {
    std::lock_guard lock(m_digestMutex);
    const auto it = m_digests.find(digest);
    return it != m_digests.end() && it->second > nowSeconds();
}

ServiceResponse SharePointService::handle(const ServiceRequest& request) {
    const std::string lowerPath = toLower(request.path);
    if (request.needsDigest && request.method != "GET" && lowerPath != "contextinfo" &&
        !digestValid(request.header("X-RequestDigest")))
        return errorFor(request, 403, kSecurityValidation,
                        "The security validation for this page is invalid and might be "
                        "corrupted. Please use your web browser's Back button to try your "
                        "operation again.");
    if (lowerPath == "$batch") {
        if (request.method != "POST")
            return errorFor(request, 405, kInvalidClientQuery, "$batch needs POST.");
        std::unique_lock lock(m_mutex);
        return batch(request);
    }
    const Negotiated negotiated = negotiate(request);
    if (negotiated == Negotiated::NotAcceptable)
        return errorBody(Negotiated::Xml, 406, kInvalidClientQuery,
                         "The HTTP header ACCEPT is missing or its value is invalid.");
    if (negotiated == Negotiated::Xml)
        return errorBody(Negotiated::Xml, 406, kInvalidClientQuery,
                         "The emulator answers JSON only: send Accept: application/json with "
                         "odata=verbose, odata=minimalmetadata or odata=nometadata.");
    Context context;
    context.segments = splitSegments(request.path);
    context.format = negotiated == Negotiated::Verbose   ? JsonFormat::Verbose
                     : negotiated == Negotiated::Minimal ? JsonFormat::Minimal
                                                         : JsonFormat::NoMetadata;
    try {
        if (request.method == "GET") {
            std::shared_lock lock(m_mutex);
            return dispatch(request, context);
        }
        std::unique_lock lock(m_mutex);
        return dispatch(request, context);
    } catch (const SpError& e) {
        return errorBody(negotiated, e.status, e.code, e.what());
    }
}

ServiceResponse SharePointService::batch(const ServiceRequest& request) {
    const auto boundary = multipartBoundary(request.header("Content-Type"));
    if (!boundary)
        return errorFor(request, 400, kInvalidClientQuery,
                        "The batch request must have a multipart/mixed Content-Type with a "
                        "boundary.");
    if (static_cast<int>(request.body.size()) > m_options.batchMaxBytes)
        return errorFor(request, 400, kInvalidClientQuery,
                        "The batch request body of " + std::to_string(request.body.size()) +
                            " bytes exceeds the limit of " +
                            std::to_string(m_options.batchMaxBytes) + " bytes.");
    std::vector<BatchPart> parts;
    try {
        parts = parseBatch(request.body, *boundary);
    } catch (const BatchFormatError& e) {
        return errorFor(request, 400, kInvalidClientQuery, e.what());
    }
    if (static_cast<int>(parts.size()) > m_options.batchMaxOperations)
        return errorFor(request, 400, kInvalidClientQuery,
                        "The batch request contains " + std::to_string(parts.size()) +
                            " operations; at most " + std::to_string(m_options.batchMaxOperations) +
                            " are allowed.");
    ++m_batches;
    const std::string apiPrefix = request.siteUrl + "/_api/";
    std::vector<BatchResult> results;
    for (const BatchPart& part : parts) {
        ServiceRequest inner;
        inner.headers = part.headers;
        inner.siteUrl = request.siteUrl;
        inner.user = request.user;
        inner.body = part.body;
        inner.method = part.method;
        const std::string override = inner.header("X-HTTP-Method");
        if (inner.method == "POST" && !override.empty())
            inner.method = override;
        if (inner.header("Accept").empty())
            inner.headers.emplace_back("Accept", "application/json;odata=minimalmetadata");
        ServiceResponse response;
        const int faultEvery = m_partFaultEvery;
        // An injected fault; then same-site absolute URLs only (case-sensitive), as SharePoint
        // requires.
        if (faultEvery > 0 && ++m_parts % static_cast<std::uint64_t>(faultEvery) == 0) {
            response = errorFor(inner, 503, "-1, Microsoft.SharePoint.SPException",
                                "The server is busy. Retry later.");
            response.headers.emplace_back("Retry-After", "1");
        } else if (part.url.rfind(apiPrefix, 0) != 0) {
            response = errorFor(inner, 400, kInvalidClientQuery,
                                "The URL '" + part.url +
                                    "' of a batch operation must be an absolute URL below '" +
                                    apiPrefix + "'.");
        } else {
            const std::string target = part.url.substr(apiPrefix.size());
            const auto mark = target.find('?');
            auto path = percentDecode(target.substr(0, mark), false);
            auto query = parseQuery(
                mark == std::string::npos ? std::string_view() : target.substr(mark + 1), false);
            if (!path || !query) {
                response = errorFor(inner, 400, kInvalidClientQuery, "The URL is not valid.");
            } else {
                inner.path = *path;
                inner.query = *query;
                const Negotiated negotiated = negotiate(inner);
                Context context;
                context.segments = splitSegments(inner.path);
                context.format = negotiated == Negotiated::Verbose      ? JsonFormat::Verbose
                                 : negotiated == Negotiated::NoMetadata ? JsonFormat::NoMetadata
                                                                        : JsonFormat::Minimal;
                try {
                    if (toLower(inner.path) == "$batch")
                        throw SpError(400, kInvalidClientQuery, "A batch cannot hold a batch.");
                    response = dispatch(inner, context);
                } catch (const SpError& e) {
                    response = errorFor(inner, e.status, e.code, e.what());
                }
            }
        }
        BatchResult result;
        result.status = response.status;
        result.headers = response.headers;
        if (!response.contentType.empty())
            result.headers.emplace_back("CONTENT-TYPE", response.contentType);
        result.body = std::move(response.body);
        results.push_back(std::move(result));
    }
    ServiceResponse response;
    response.body = writeBatchResponse(results, response.contentType, m_random);
    return response;
}

ServiceResponse SharePointService::dispatch(const ServiceRequest& request, Context& context) {
    std::vector<std::string>& s = context.segments;
    const auto invalid = [&]() -> ServiceResponse {
        throw SpError(400, kInvalidClientQuery,
                      "The expression \"" + request.path + "\" is not valid.");
    };
    if (s.empty())
        return invalid();
    if (iequals(s[0], "contextinfo")) {
        if (request.method != "POST")
            throw SpError(405, kInvalidClientQuery, "contextinfo needs POST.");
        return contextInfo(request, context.format);
    }
    std::size_t i = 0;
    if (iequals(s[0], "web")) {
        if (s.size() == 1) {
            ojson web;
            if (context.format == JsonFormat::Verbose)
                web["__metadata"] = {{"id", request.siteUrl + "/_api/Web"},
                                     {"uri", request.siteUrl + "/_api/Web"},
                                     {"type", "SP.Web"}};
            else if (context.format == JsonFormat::Minimal)
                web["odata.metadata"] =
                    request.siteUrl + "/_api/$metadata#SP.ApiData.Webs/@Element";
            web["Id"] = m_webId;
            web["Title"] = "Sales";
            web["ServerRelativeUrl"] = m_options.site;
            web["Url"] = request.siteUrl;
            ++m_reads;
            return jsonResponse(200, context.format,
                                context.format == JsonFormat::Verbose ? ojson{{"d", web}} : web);
        }
        i = 1;
        std::string args;
        if (isCall(s[1], "GetList", args) || isCall(s[1], "GetListUsingPath", args)) {
            std::string literal = args;
            if (const auto eq = literal.find('='); eq != std::string::npos)
                literal = literal.substr(eq + 1);  // DecodedUrl=@a
            if (!literal.empty() && literal.front() == '@')
                literal = findValue(request.query, literal).value_or("");
            const auto url = unquote(literal);
            if (!url)
                throw SpError(400, kInvalidClientQuery,
                              "GetList needs a quoted server-relative list URL.");
            SpList* list = findListByUrl(*url);
            if (list == nullptr)
                throw SpError(404, kNotFoundCode, "File Not Found.");
            return listRequest(request, context, *list, 2);
        }
    }
    if (i >= s.size())
        return invalid();
    std::string args;
    if (isCall(s[i], "lists", args)) {
        std::string id = args;
        if (istartsWith(id, "guid"))
            id = id.substr(4);
        const auto unquoted = unquote(id);
        SpList* list = unquoted ? findListById(*unquoted) : nullptr;
        if (list == nullptr)
            throw SpError(404, "-2130575322, Microsoft.SharePoint.SPException",
                          "List does not exist.\n\nThe page you selected contains a list that "
                          "does not exist. It may have been deleted by another user.");
        return listRequest(request, context, *list, i + 1);
    }
    if (!iequals(s[i], "lists"))
        return invalid();
    if (i + 1 == s.size()) {
        if (request.method == "POST")
            return createListOverRest(request, context.format);
        if (request.method != "GET")
            return invalid();
        ojson results = ojson::array();
        for (const auto& list : m_lists)
            results.push_back(listJson(*list, context.format, request.siteUrl));
        ++m_reads;
        return collectionResponse(context.format, std::move(results), request.siteUrl,
                                  "SP.ApiData.Lists");
    }
    if (isCall(s[i + 1], "GetByTitle", args)) {
        const auto title = unquote(args);
        if (!title)
            throw SpError(400, kInvalidClientQuery, "GetByTitle needs a quoted title.");
        SpList* list = findList(*title);
        if (list == nullptr)
            throw SpError(
                404, kListMissingCode,
                "List '" + *title + "' does not exist at site with URL '" + request.siteUrl + "'.");
        return listRequest(request, context, *list, i + 2);
    }
    if (isCall(s[i + 1], "GetById", args)) {
        const auto id = unquote(args);
        SpList* list = id ? findListById(*id) : nullptr;
        if (list == nullptr)
            throw SpError(404, "-2130575322, Microsoft.SharePoint.SPException",
                          "List does not exist.");
        return listRequest(request, context, *list, i + 2);
    }
    return invalid();
}

ServiceResponse SharePointService::contextInfo(const ServiceRequest& request, JsonFormat format) {
    ojson info;
    if (format == JsonFormat::Verbose)
        info["__metadata"] = {{"type", "SP.ContextWebInformation"}};
    else if (format == JsonFormat::Minimal)
        info["odata.metadata"] = request.siteUrl + "/_api/$metadata#SP.ContextWebInformation";
    info["FormDigestTimeoutSeconds"] = m_options.formDigestTimeoutSeconds;
    info["FormDigestValue"] = newDigest();
    info["LibraryVersion"] = "16.0.24000.12000";
    info["SiteFullUrl"] = request.siteUrl;
    const ojson versions = {"14.0.0.0", "15.0.0.0"};
    if (format == JsonFormat::Verbose)
        info["SupportedSchemaVersions"] = {{"__metadata", {{"type", "Collection(Edm.String)"}}},
                                           {"results", versions}};
    else
        info["SupportedSchemaVersions"] = versions;
    info["WebFullUrl"] = request.siteUrl;
    if (format == JsonFormat::Verbose)
        return jsonResponse(200, format, ojson{{"d", {{"GetContextWebInformation", info}}}});
    return jsonResponse(200, format, info);
}

nlohmann::ordered_json SharePointService::listJson(const SpList& list, JsonFormat format,
                                                   const std::string& siteUrl) const {
    ojson out;
    const std::string uri = siteUrl + "/_api/Web/Lists(guid'" + list.id() + "')";
    if (format == JsonFormat::Verbose)
        out["__metadata"] = {{"id", uri}, {"uri", uri}, {"etag", "\"1\""}, {"type", "SP.List"}};
    else if (format == JsonFormat::Minimal) {
        out["odata.type"] = "SP.List";
        out["odata.id"] = uri;
        out["odata.etag"] = "\"1\"";
        out["odata.editLink"] = "Web/Lists(guid'" + list.id() + "')";
    }
    out["AllowContentTypes"] = true;
    out["BaseTemplate"] = 100;
    out["BaseType"] = 0;
    out["Created"] = formatIso(list.created());
    ojson token = ojson::object();
    if (format == JsonFormat::Verbose)
        token["__metadata"] = {{"type", "SP.ChangeToken"}};
    token["StringValue"] = list.currentChangeToken();
    out["CurrentChangeToken"] = std::move(token);
    out["DefaultViewUrl"] = list.rootFolderUrl() + "/AllItems.aspx";
    out["Description"] = "";
    out["EnableVersioning"] = true;
    out["EntityTypeName"] = list.entityTypeName();
    out["Hidden"] = false;
    out["Id"] = list.id();
    out["ItemCount"] = list.itemCount();
    out["LastItemDeletedDate"] = formatIso(list.lastItemDeleted());
    out["LastItemModifiedDate"] = formatIso(list.lastItemModified());
    out["ListItemEntityTypeFullName"] = list.itemEntityTypeFullName();
    out["ParentWebUrl"] = m_options.site;
    out["Title"] = list.title();
    return out;
}

void SharePointService::checkSchemaAccess() const {
    if (m_schemaLocked)
        throw SpError(403, kAccessDeniedCode,
                      "Access denied. You do not have permission to perform this action or access "
                      "this resource.");
}

ServiceResponse SharePointService::createListOverRest(const ServiceRequest& request,
                                                      JsonFormat format) {
    checkSchemaAccess();
    auto [body, type] = metadataBody(request, "SP.List");
    if (body.contains("parameters"))  // lists/add with SP.ListCreationInformation
        body = body["parameters"];
    SpListDefinition definition;
    definition.title = body.value("Title", std::string());
    if (definition.title.empty())
        throw SpError(400, kArgumentException, "The list needs a Title.");
    if (body.contains("BaseTemplate") && body["BaseTemplate"] != 100)
        throw SpError(400, kArgumentException,
                      "The emulator makes custom lists (BaseTemplate 100) only.");
    if (findList(definition.title) != nullptr)
        throw SpError(500, kDuplicateTitleCode,
                      "A list, survey, discussion board, or document library with the specified "
                      "title already exists in this Web site.  Please choose another title.");
    try {
        SpList& list = addList(definition);
        ++m_writes;
        const ojson json = listJson(list, format, request.siteUrl);
        return jsonResponse(201, format, format == JsonFormat::Verbose ? ojson{{"d", json}} : json);
    } catch (const std::invalid_argument& e) {
        throw SpError(400, kArgumentException, e.what());
    }
}

ServiceResponse SharePointService::listRequest(const ServiceRequest& request, Context& context,
                                               SpList& list, std::size_t next) {
    const std::vector<std::string>& s = context.segments;
    const JsonFormat format = context.format;
    if (next == s.size()) {
        if (request.method == "DELETE") {
            const std::string title = list.title();
            m_lists.erase(std::find_if(m_lists.begin(), m_lists.end(),
                                       [&](const auto& l) { return l.get() == &list; }));
            ++m_writes;
            return jsonResponse(200, format, ojson::object());
        }
        if (request.method != "GET")
            throw SpError(400, kInvalidClientQuery, "Only GET and DELETE apply to a list.");
        ojson json = listJson(list, format, request.siteUrl);
        if (const auto select = findValue(request.query, "$select")) {
            const auto names = splitList(*select);
            ojson selected;
            for (const auto& [key, value] : json.items())
                if (key.rfind("__", 0) == 0 || key.rfind("odata.", 0) == 0 ||
                    std::find(names.begin(), names.end(), key) != names.end())
                    selected[key] = value;
            json = std::move(selected);
        }
        ++m_reads;
        if (format == JsonFormat::Verbose)
            return jsonResponse(200, format, ojson{{"d", json}});
        if (format == JsonFormat::Minimal) {
            ojson body = {
                {"odata.metadata", request.siteUrl + "/_api/$metadata#SP.ApiData.Lists/@Element"}};
            for (auto& [key, value] : json.items())
                body[key] = value;
            return jsonResponse(200, format, body);
        }
        return jsonResponse(200, format, json);
    }
    const std::string& segment = s[next];
    std::string args;
    if (iequals(segment, "items") && next + 1 == s.size()) {
        if (request.method == "GET")
            return itemsQuery(request, format, list);
        if (request.method == "POST")
            return createItem(request, format, list);
        throw SpError(400, kInvalidClientQuery, "Only GET and POST apply to items.");
    }
    if (isCall(segment, "items", args) || isCall(segment, "GetItemById", args)) {
        const auto id = parseId(args);
        if (!id)
            throw SpError(400, kInvalidClientQuery, "The item id '" + args + "' is not valid.");
        return itemRequest(request, format, list, *id, s, next + 1);
    }
    if (iequals(segment, "fields") || istartsWith(segment, "fields("))
        return fieldsRequest(request, format, list, s, next);
    if (iequals(segment, "GetChanges")) {
        if (request.method != "POST")
            throw SpError(405, kInvalidClientQuery, "GetChanges needs POST.");
        return getChanges(request, format, list);
    }
    if (iequals(segment, "AddValidateUpdateItemUsingPath") && request.method == "POST")
        return validateUpdate(request, format, list, 0);
    if (iequals(segment, "RootFolder") && request.method == "GET") {
        ojson folder = {{"Name", list.urlName()}, {"ServerRelativeUrl", list.rootFolderUrl()}};
        ++m_reads;
        return jsonResponse(200, format,
                            format == JsonFormat::Verbose ? ojson{{"d", folder}} : folder);
    }
    throw SpError(400, kInvalidClientQuery,
                  "The expression \"" + request.path + "\" is not valid.");
}

nlohmann::ordered_json SharePointService::itemJson(const SpList& list, const SpItem& item,
                                                   JsonFormat format, const std::string& siteUrl,
                                                   const std::vector<std::string>* select) const {
    ojson out;
    const std::string edit =
        "Web/Lists(guid'" + list.id() + "')/Items(" + std::to_string(item.id) + ")";
    if (format == JsonFormat::Verbose) {
        out["__metadata"] = {{"id", list.itemGuid(item.id)},
                             {"uri", siteUrl + "/_api/" + edit},
                             {"etag", etag(item.version)},
                             {"type", list.itemEntityTypeFullName()}};
    } else if (format == JsonFormat::Minimal) {
        out["odata.type"] = list.itemEntityTypeFullName();
        out["odata.id"] = list.itemGuid(item.id);
        out["odata.etag"] = etag(item.version);
        out["odata.editLink"] = edit;
    }
    const auto property = [&](std::string_view name) {
        if (name == "Id")
            out["Id"] = item.id;
        else if (name == "FileSystemObjectType")
            out["FileSystemObjectType"] = 0;
        else if (name == "ContentTypeId")
            out["ContentTypeId"] = "0x0100" + list.id().substr(0, 8);
        else if (name == "GUID")
            out["GUID"] = list.itemGuid(item.id);
        else if (name == "Attachments")
            out["Attachments"] = false;
        else if (name == "OData__UIVersionString")
            out["OData__UIVersionString"] = std::to_string(item.version) + ".0";
    };
    const bool all =
        select == nullptr || std::find(select->begin(), select->end(), "*") != select->end();
    if (all) {
        property("FileSystemObjectType");
        property("Id");
        property("ContentTypeId");
        for (const ListField& f : list.fields())
            if (f.builtin == Builtin::None)
                list.writeValue(out, item, f, format);
        for (const ListField& f : list.fields())
            if (f.builtin != Builtin::None)
                list.writeValue(out, item, f, format);
        property("OData__UIVersionString");
        property("Attachments");
        property("GUID");
        if (select == nullptr)
            return out;
    }
    for (const std::string& name : *select) {
        if (name == "*")
            continue;
        if (isItemProperty(name)) {
            property(name);
            continue;
        }
        if (const ListField* f = list.findField(name))
            list.writeValue(out, item, *f, format);
    }
    return out;
}

ServiceResponse SharePointService::itemsQuery(const ServiceRequest& request, JsonFormat format,
                                              const SpList& list) {
    const auto throttled = [] { throw SpError(500, kThrottledCode, kThresholdMessage); };
    int top = 100;
    if (const auto text = findValue(request.query, "$top")) {
        const auto n = parseId(*text);
        if (!n)
            throw SpError(400, kInvalidClientQuery, "The $top value '" + *text + "' is not valid.");
        top = *n;
    }
    if (top > 5000)
        throttled();
    // Column checks: every name in $select, $filter and $orderby must exist.
    const auto missingColumn = [](const std::string& name) {
        throw SpError(400, kColumnMissingCode,
                      "Column '" + name +
                          "' does not exist. It may have been deleted by another "
                          "user.");
    };
    std::optional<std::vector<std::string>> select;
    if (const auto text = findValue(request.query, "$select")) {
        select = splitList(*text);
        for (const std::string& name : *select)
            if (name != "*" && !isItemProperty(name) && list.findField(name) == nullptr)
                missingColumn(name);
    }
    std::optional<FilterExpression> filter;
    if (const auto text = findValue(request.query, "$filter"); text && !text->empty()) {
        try {
            filter = FilterExpression::parse(*text);
        } catch (const FilterError& e) {
            throw SpError(400, kInvalidClientQuery, e.what());
        }
        for (const std::string& name : filter->fields())
            if (list.findField(name) == nullptr)
                missingColumn(name);
    }
    struct Order {
        const ListField* field;
        bool descending;
    };
    std::vector<Order> order;
    if (const auto text = findValue(request.query, "$orderby")) {
        for (const std::string& part : splitList(*text)) {
            const auto space = part.find(' ');
            const std::string name = part.substr(0, space);
            const std::string direction =
                space == std::string::npos ? "asc" : toLower(part.substr(space + 1));
            const ListField* f = list.findField(name);
            if (f == nullptr)
                missingColumn(name);
            if (direction != "asc" && direction != "desc")
                throw SpError(400, kInvalidClientQuery, "The $orderby '" + part + "' is invalid.");
            order.push_back({f, direction == "desc"});
        }
    }
    const FieldResolver resolve;
    const SpItem* current = nullptr;
    const FieldResolver resolver = [&](const std::string& name) {
        return list.value(*current, *list.findField(name));
    };
    const auto matches = [&](const SpItem& item) {
        current = &item;
        return !filter || filter->matches(resolver);
    };

    // The items the filter can match, in ID order: every item, or only those an `ID eq 1 or ID eq
    // 2 …` filter names, looked up instead of testing every item against it (a client fetching
    // changed items by ID would otherwise cost a scan of the whole list per request).
    std::vector<const SpItem*> pool;
    const auto isIdField = [&list](const std::string& name) {
        const ListField* f = list.findField(name);
        return f != nullptr && f->builtin == Builtin::Id;
    };
    if (const auto ids = filter ? filter->idCandidates(isIdField) : std::nullopt) {
        pool.reserve(ids->size());
        for (const int id : *ids)
            if (const SpItem* item = list.item(id))
                pool.push_back(item);
    } else {
        pool.reserve(list.itemCount());
        for (const auto& [id, item] : list.items())
            pool.push_back(&item);
    }

    // The list view threshold: on a big list only indexed columns may be filtered or sorted,
    // and an indexed filter must narrow the result below the threshold.
    if (static_cast<int>(list.itemCount()) > m_options.listViewThreshold) {
        bool onlyId = true;
        if (filter)
            for (const std::string& name : filter->fields()) {
                const ListField* f = list.findField(name);
                if (!f->def.indexed)
                    throttled();
                onlyId = onlyId && f->builtin == Builtin::Id;
            }
        for (const Order& o : order)
            if (!o.field->def.indexed)
                throttled();
        if (filter && !onlyId) {
            int count = 0;
            for (const SpItem* item : pool)
                if (matches(*item) && ++count > m_options.listViewThreshold)
                    throttled();
        }
    }

    // $skiptoken: Paged=TRUE&p_ID=n[&p_<Field>=value]; $skip is ignored like SharePoint does.
    std::optional<int> afterId;
    NameValues tokenValues;
    if (const auto token = findValue(request.query, "$skiptoken")) {
        const auto pairs = parseQuery(*token, false);
        if (pairs) {
            tokenValues = *pairs;
            if (const auto p = findValue(tokenValues, "p_ID"))
                afterId = parseId(*p);
        }
    }

    std::vector<const SpItem*> page;
    bool more = false;
    const bool byIdOnly =
        order.empty() || (order.size() == 1 && order[0].field->builtin == Builtin::Id);
    if (byIdOnly) {
        const bool descending = !order.empty() && order[0].descending;
        // Adds a matching item to the page; false once the page is full (more follow).
        const auto take = [&](const SpItem* item) {
            if (!matches(*item))
                return true;
            if (static_cast<int>(page.size()) == top) {
                more = true;
                return false;
            }
            page.push_back(item);
            return true;
        };
        if (!descending) {
            auto it =
                afterId ? std::upper_bound(pool.begin(), pool.end(), *afterId,
                                           [](int id, const SpItem* item) { return id < item->id; })
                        : pool.begin();
            while (it != pool.end() && take(*it))
                ++it;
        } else {
            auto it =
                afterId ? std::lower_bound(pool.begin(), pool.end(), *afterId,
                                           [](const SpItem* item, int id) { return item->id < id; })
                        : pool.end();
            while (it != pool.begin() && take(*(it - 1)))
                --it;
        }
    } else {
        struct Row {
            std::vector<FilterValue> keys;
            const SpItem* item;
        };
        std::vector<Row> rows;
        for (const SpItem* item : pool) {
            if (!matches(*item))
                continue;
            Row row{{}, item};
            for (const Order& o : order)
                row.keys.push_back(list.value(*item, *o.field));
            rows.push_back(std::move(row));
        }
        const auto compareRow = [&](const std::vector<FilterValue>& keys, int id, const Row& row) {
            for (std::size_t k = 0; k < order.size(); ++k) {
                int c = compareValues(keys[k], row.keys[k]);
                if (order[k].descending)
                    c = -c;
                if (c != 0)
                    return c;
            }
            return id < row.item->id ? -1 : (id > row.item->id ? 1 : 0);
        };
        std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
            return compareRow(a.keys, a.item->id, b) < 0;
        });
        std::size_t start = 0;
        if (afterId) {
            // Keyset: resume after the token's position; fields missing from the token compare
            // as equal, so a token without p_<Field> degrades to an ID comparison.
            std::vector<bool> known(order.size(), false);
            std::vector<FilterValue> tokenKeys(order.size());
            for (std::size_t k = 0; k < order.size(); ++k)
                if (const auto v =
                        findValue(tokenValues, "p_" + order[k].field->def.internalName)) {
                    tokenKeys[k] = tokenValue(*order[k].field, *v);
                    known[k] = true;
                }
            while (start < rows.size()) {
                int c = 0;
                for (std::size_t k = 0; k < order.size() && c == 0; ++k) {
                    if (!known[k])
                        continue;
                    c = compareValues(tokenKeys[k], rows[start].keys[k]);
                    if (order[k].descending)
                        c = -c;
                }
                if (c == 0)
                    c = *afterId < rows[start].item->id ? -1 : (*afterId > rows[start].item->id);
                if (c < 0)
                    break;
                ++start;
            }
        }
        for (std::size_t r = start; r < rows.size(); ++r) {
            if (static_cast<int>(page.size()) == top) {
                more = true;
                break;
            }
            page.push_back(rows[r].item);
        }
    }

    ojson results = ojson::array();
    for (const SpItem* item : page)
        results.push_back(
            itemJson(list, *item, format, request.siteUrl, select ? &*select : nullptr));
    std::string nextLink;
    if (more && !page.empty()) {
        std::string token = "Paged=TRUE&p_ID=" + std::to_string(page.back()->id);
        for (const Order& o : order)
            if (o.field->builtin != Builtin::Id)
                token += "&p_" + o.field->def.internalName + "=" +
                         percentEncode(tokenText(list.value(*page.back(), *o.field)));
        nextLink = request.siteUrl + "/_api/Web/Lists(guid'" + list.id() +
                   "')/Items?%24skiptoken=" + percentEncode(token);
        for (const auto& [name, value] : request.query)
            if (name != "$skiptoken")
                nextLink += "&" + percentEncode(name) + "=" + percentEncode(value);
    }
    ++m_reads;
    if (format == JsonFormat::Verbose) {
        ojson d = {{"results", std::move(results)}};
        if (!nextLink.empty())
            d["__next"] = nextLink;
        return jsonResponse(200, format, ojson{{"d", std::move(d)}});
    }
    ojson body;
    if (format == JsonFormat::Minimal)
        body["odata.metadata"] =
            request.siteUrl + "/_api/$metadata#SP.ListData." + list.entityTypeName() + "Items";
    body["value"] = std::move(results);
    if (!nextLink.empty())
        body["odata.nextLink"] = nextLink;
    return jsonResponse(200, format, body);
}

namespace {

// The item body of a write, checked against the Content-Type like SharePoint's OData reader.
nlohmann::json writeBody(const ServiceRequest& request, const SpList& list) {
    nlohmann::json body = parseBody(
        request.body, "Invalid JSON. A token was not recognized in the JSON content.", true);
    if (!body.is_object())
        throw SpError(400, kInvalidClientQuery,
                      "Invalid JSON. The request body must be a JSON object.");
    const bool verbose =
        toLower(request.header("Content-Type")).find("odata=verbose") != std::string::npos;
    if (body.contains("__metadata")) {
        if (!verbose)
            throw SpError(400, kInvalidClientQuery,
                          "The property '__metadata' does not exist on type '" +
                              list.itemEntityTypeFullName() +
                              "'. Make sure to only use property names that are defined by the "
                              "type.");
        const nlohmann::json& metadata = body["__metadata"];
        const std::string type =
            metadata.is_object() ? metadata.value("type", std::string()) : std::string();
        if (type != list.itemEntityTypeFullName())
            throw SpError(400, kInvalidClientQuery,
                          "A type named '" + type +
                              "' could not be resolved by the model. When a model is available, "
                              "each type name must resolve to a valid type.");
        body.erase("__metadata");
    } else if (verbose && request.method == "POST") {
        throw SpError(400, kInvalidClientQuery,
                      "An entry without a type name was found, but no expected type was "
                      "specified. To allow entries without type information, the expected type "
                      "must also be specified when the model is specified.");
    }
    // Strip nested verbose type annotations (SP.FieldUrlValue, Collection(Edm.String)).
    for (auto& [key, value] : body.items())
        if (value.is_object())
            value.erase("__metadata");
    return body;
}

// One item in the negotiated format: verbose {"d": item}, minimal with its metadata URL, or bare.
ServiceResponse itemResponse(int status, JsonFormat format, const SpList& list, ojson json,
                             const std::string& siteUrl) {
    if (format == JsonFormat::Verbose)
        return jsonResponse(status, format, ojson{{"d", std::move(json)}});
    if (format == JsonFormat::Minimal) {
        ojson out = {{"odata.metadata", siteUrl + "/_api/$metadata#SP.ListData." +
                                            list.entityTypeName() + "Items/@Element"}};
        for (auto& [key, value] : json.items())
            out[key] = value;
        return jsonResponse(status, format, out);
    }
    return jsonResponse(status, format, json);
}

}  // namespace

ServiceResponse SharePointService::createItem(const ServiceRequest& request, JsonFormat format,
                                              SpList& list) {
    const nlohmann::json body = writeBody(request, list);
    const SpItem& item = list.create(body, request.user, nowSeconds());
    ++m_writes;
    ServiceResponse response = itemResponse(
        201, format, list, itemJson(list, item, format, request.siteUrl, nullptr), request.siteUrl);
    response.headers.emplace_back("ETag", etag(item.version));
    response.headers.emplace_back("Location", request.siteUrl + "/_api/Web/Lists(guid'" +
                                                  list.id() + "')/Items(" +
                                                  std::to_string(item.id) + ")");
    return response;
}

ServiceResponse SharePointService::itemRequest(const ServiceRequest& request, JsonFormat format,
                                               SpList& list, int id,
                                               const std::vector<std::string>& rest,
                                               std::size_t next) {
    const SpItem* item = list.item(id);
    if (item == nullptr)
        throw SpError(404, kArgumentException,
                      "Item does not exist. It may have been deleted by another user.");
    if (next < rest.size()) {
        if (iequals(rest[next], "recycle()") && request.method == "POST") {
            const std::string guid = list.itemGuid(id);
            list.remove(id, nowSeconds());
            ++m_writes;
            if (format == JsonFormat::Verbose)
                return jsonResponse(200, format, ojson{{"d", {{"Recycle", guid}}}});
            return jsonResponse(200, format, ojson{{"value", guid}});
        }
        if (iequals(rest[next], "ValidateUpdateListItem") && request.method == "POST")
            return validateUpdate(request, format, list, id);
        throw SpError(400, kInvalidClientQuery,
                      "The expression \"" + request.path + "\" is not valid.");
    }
    if (request.method == "GET") {
        std::optional<std::vector<std::string>> select;
        if (const auto text = findValue(request.query, "$select"))
            select = splitList(*text);
        ++m_reads;
        ServiceResponse response = itemResponse(
            200, format, list,
            itemJson(list, *item, format, request.siteUrl, select ? &*select : nullptr),
            request.siteUrl);
        response.headers.emplace_back("ETag", etag(item->version));
        return response;
    }
    const bool update =
        request.method == "MERGE" || request.method == "PATCH" || request.method == "PUT";
    if (!update && request.method != "DELETE")
        throw SpError(400, kInvalidClientQuery,
                      "Use X-HTTP-Method MERGE, PUT or DELETE to change an item.");
    // IF-MATCH: '*' forces; an etag must equal the current one; none overwrites unless strict.
    std::string ifMatch = request.header("IF-MATCH");
    const std::string current = etag(item->version);
    if (ifMatch != "*") {
        std::string wanted = ifMatch;
        if (wanted.rfind("W/", 0) == 0)
            wanted = wanted.substr(2);
        if (!wanted.empty() && wanted.front() != '"')
            wanted = "\"" + wanted + "\"";
        if ((ifMatch.empty() && m_options.strictIfMatch) || (!ifMatch.empty() && wanted != current))
            throw SpError(412, kEtagMismatchCode,
                          "The request ETag value '" + ifMatch +
                              "' does not match the object's ETag value '" + current + "'.");
    }
    ServiceResponse response;
    if (update) {
        const nlohmann::json body = writeBody(request, list);
        const SpItem& updated =
            list.update(id, body, request.method == "PUT", request.user, nowSeconds());
        response.status = 204;
        response.headers.emplace_back("ETag", etag(updated.version));
    } else {
        list.remove(id, nowSeconds());
        response.status = 200;
    }
    ++m_writes;
    return response;
}

nlohmann::ordered_json SharePointService::fieldJson(const SpList& list, const ListField& field,
                                                    JsonFormat format,
                                                    const std::string& siteUrl) const {
    ojson out;
    const std::string uri =
        siteUrl + "/_api/Web/Lists(guid'" + list.id() + "')/Fields(guid'" + field.id + "')";
    if (format == JsonFormat::Verbose)
        out["__metadata"] = {{"id", uri}, {"uri", uri}, {"type", fieldTypeName(field.def.type)}};
    else if (format == JsonFormat::Minimal) {
        out["odata.type"] = fieldTypeName(field.def.type);
        out["odata.id"] = uri;
        out["odata.editLink"] = "Web/Lists(guid'" + list.id() + "')/Fields(guid'" + field.id + "')";
    }
    const SpField& d = field.def;
    out["CanBeDeleted"] = !field.fromBaseType;
    out["DefaultValue"] = nullptr;
    out["Description"] = "";
    out["EnforceUniqueValues"] = d.enforceUniqueValues;
    std::string entity = field.entityName;
    if (field.builtin == Builtin::Id || field.builtin == Builtin::Created ||
        field.builtin == Builtin::Modified || field.builtin == Builtin::Author ||
        field.builtin == Builtin::Editor)
        entity = d.internalName;
    out["EntityPropertyName"] = entity;
    out["FieldTypeKind"] = fieldTypeKind(d.type);
    out["FromBaseType"] = field.fromBaseType;
    out["Group"] = field.fromBaseType ? "_Hidden" : "Custom Columns";
    out["Hidden"] = d.hidden;
    out["Id"] = field.id;
    out["Indexed"] = d.indexed;
    out["InternalName"] = d.internalName;
    out["ReadOnlyField"] = d.readOnly;
    out["Required"] = d.required;
    out["Sealed"] = field.builtin != Builtin::None;
    out["StaticName"] = d.staticName.empty() ? d.internalName : d.staticName;
    out["Title"] = d.title;
    out["TypeAsString"] = typeAsString(d.type);
    if (d.type == SpFieldType::Text)
        out["MaxLength"] = d.maxLength;
    if (d.type == SpFieldType::Choice || d.type == SpFieldType::MultiChoice) {
        const ojson choices = d.choices;
        if (format == JsonFormat::Verbose)
            out["Choices"] = {{"__metadata", {{"type", "Collection(Edm.String)"}}},
                              {"results", choices}};
        else
            out["Choices"] = choices;
        out["FillInChoice"] = d.fillInChoice;
    }
    if (d.type == SpFieldType::DateTime)
        out["DisplayFormat"] = d.dateOnly ? 0 : 1;  // SP.DateTimeFieldFormatType
    if (d.type == SpFieldType::Note) {
        out["NumberOfLines"] = 6;
        out["RichText"] = false;
    }
    if (d.type == SpFieldType::Lookup || d.type == SpFieldType::User) {
        std::string target = d.type == SpFieldType::User ? "UserInfo" : d.lookupList;
        for (const auto& other : m_lists)
            if (d.type == SpFieldType::Lookup && iequals(other->title(), d.lookupList))
                target = "{" + other->id() + "}";
        out["LookupField"] = "Title";
        out["LookupList"] = target;
    }
    return out;
}

ServiceResponse SharePointService::fieldsRequest(const ServiceRequest& request, JsonFormat format,
                                                 SpList& list,
                                                 const std::vector<std::string>& segments,
                                                 std::size_t next) {
    std::string args;
    const ListField* single = nullptr;
    const std::string& first = segments[next];
    std::size_t after = next + 1;
    if (isCall(first, "fields", args)) {
        std::string id = args;
        if (istartsWith(id, "guid"))
            id = id.substr(4);
        const auto unquoted = unquote(id);
        for (const ListField& f : list.fields())
            if (unquoted && f.id == stripGuid(*unquoted))
                single = &f;
        if (single == nullptr)
            throw SpError(404, kArgumentException, "Invalid field name or id.");
    } else if (after < segments.size() &&
               (isCall(segments[after], "getbyinternalnameortitle", args) ||
                isCall(segments[after], "getbytitle", args) ||
                isCall(segments[after], "getbyinternalname", args))) {
        const auto name = unquote(args);
        single = name ? list.findField(*name, true) : nullptr;
        if (single == nullptr)
            throw SpError(404, kArgumentException,
                          "Column '" + (name ? *name : args) +
                              "' does not exist. It may have been deleted by another user.");
        ++after;
    } else if (after < segments.size() && iequals(segments[after], "addfield") &&
               request.method == "POST") {
        ++after;
    }
    if (after != segments.size())
        throw SpError(400, kInvalidClientQuery,
                      "The expression \"" + request.path + "\" is not valid.");

    if (single != nullptr) {
        if (request.method == "MERGE" || request.method == "PATCH")
            return updateField(request, const_cast<ListField&>(*single));
        ++m_reads;
        const ojson json = fieldJson(list, *single, format, request.siteUrl);
        return jsonResponse(200, format, format == JsonFormat::Verbose ? ojson{{"d", json}} : json);
    }
    if (request.method == "POST")
        return createField(request, format, list);
    ojson results = ojson::array();
    std::optional<FilterExpression> filter;
    if (const auto text = findValue(request.query, "$filter"); text && !text->empty()) {
        try {
            filter = FilterExpression::parse(*text);
        } catch (const FilterError& e) {
            throw SpError(400, kInvalidClientQuery, e.what());
        }
    }
    for (const ListField& f : list.fields()) {
        ojson json = fieldJson(list, f, format, request.siteUrl);
        if (filter) {
            const FieldResolver resolve = [&](const std::string& name) {
                if (!json.contains(name))
                    return FilterValue::null();
                const ojson& v = json[name];
                if (v.is_boolean())
                    return FilterValue::ofBool(v.get<bool>());
                if (v.is_number())
                    return FilterValue::ofNumber(v.get<double>());
                if (v.is_string())
                    return FilterValue::ofString(v.get<std::string>());
                return FilterValue::null();
            };
            if (!filter->matches(resolve))
                continue;
        }
        if (const auto select = findValue(request.query, "$select")) {
            const auto names = splitList(*select);
            ojson selected;
            for (const auto& [key, value] : json.items())
                if (key.rfind("__", 0) == 0 || key.rfind("odata.", 0) == 0 ||
                    std::find(names.begin(), names.end(), key) != names.end())
                    selected[key] = value;
            json = std::move(selected);
        }
        results.push_back(std::move(json));
    }
    ++m_reads;
    return collectionResponse(format, std::move(results), request.siteUrl, "SP.ApiData.Fields");
}

// POST .../fields: SP.Field or a derived type (verbose "__metadata", or "odata.type"), or the
// "parameters" of AddField. As in SharePoint, the internal name comes from the Title given at
// creation (encoded, cut to 32 characters, a digit appended while it is taken); InternalName
// and StaticName in the body do not change it. Clients that want an internal name other than
// the display name create the field with that name as its Title, then MERGE the Title.
ServiceResponse SharePointService::createField(const ServiceRequest& request, JsonFormat format,
                                               SpList& list) {
    checkSchemaAccess();
    auto [body, type] = metadataBody(request, "SP.Field");
    const bool creationInformation = body.contains("parameters");
    if (creationInformation)
        body = body["parameters"];
    SpField field;
    field.title = body.value("Title", std::string());
    if (field.title.empty())
        throw SpError(400, kArgumentException, "The field needs a Title.");
    const auto kind = body.contains("FieldTypeKind")  ? parseFieldType(body["FieldTypeKind"])
                      : body.contains("TypeAsString") ? parseFieldType(body["TypeAsString"])
                                                      : std::optional<SpFieldType>();
    if (!kind)
        throw SpError(400, kArgumentException, "The field type is missing or not supported.");
    field.type = *kind;
    // Properties of derived types are refused on a base SP.Field, as SharePoint's OData reader
    // does (AddField's SP.FieldCreationInformation carries Choices itself).
    const auto needs = [&](const char* property, std::initializer_list<const char*> types) {
        if (creationInformation || !body.contains(property))
            return;
        for (const char* allowed : types)
            if (type == allowed)
                return;
        throw SpError(400, kInvalidClientQuery,
                      std::string("The property '") + property + "' does not exist on type '" +
                          type +
                          "'. Make sure to only use property names that are defined by the type.");
    };
    needs("Choices", {"SP.FieldChoice", "SP.FieldMultiChoice"});
    needs("FillInChoice", {"SP.FieldChoice", "SP.FieldMultiChoice"});
    needs("MaxLength", {"SP.FieldText"});
    needs("DisplayFormat", {"SP.FieldDateTime", "SP.FieldNumber", "SP.FieldCurrency"});
    needs("NumberOfLines", {"SP.FieldMultiLineText"});
    needs("RichText", {"SP.FieldMultiLineText"});
    field.required = boolProperty(body, "Required", false);
    field.indexed = boolProperty(body, "Indexed", false);
    field.hidden = boolProperty(body, "Hidden", false);
    field.enforceUniqueValues = boolProperty(body, "EnforceUniqueValues", false);
    field.fillInChoice = boolProperty(body, "FillInChoice", false);
    field.staticName = body.value("StaticName", std::string());
    if (body.contains("MaxLength")) {
        const nlohmann::json& length = body["MaxLength"];
        if (!length.is_number_integer() || length.get<int>() < 1 || length.get<int>() > 255)
            throw SpError(400, kArgumentException,
                          "The maximum length of a single line of text is 1 to 255 characters.");
        field.maxLength = length.get<int>();
    }
    if (body.contains("DisplayFormat") && field.type == SpFieldType::DateTime)
        field.dateOnly = body["DisplayFormat"] == 0;
    if (body.contains("Choices"))
        field.choices = stringCollection(body["Choices"]);
    if ((field.type == SpFieldType::Choice || field.type == SpFieldType::MultiChoice) &&
        field.choices.empty() && !field.fillInChoice)
        throw SpError(400, kArgumentException,
                      "A choice column needs at least one choice (or FillInChoice).");
    if (field.enforceUniqueValues && !field.indexed)
        throw SpError(400, kArgumentException,
                      "You must index this column before you can enforce unique values.");
    if (field.enforceUniqueValues &&
        (field.type == SpFieldType::Note || field.type == SpFieldType::MultiChoice))
        throw SpError(400, kArgumentException,
                      "This column type does not support enforcing unique values.");
    if (body.contains("LookupList")) {
        const std::string target = body["LookupList"].get<std::string>();
        SpList* other = findListById(target);
        field.lookupList = other != nullptr ? other->title() : target;
    }
    const std::string base = encodeInternalName(field.title);
    field.internalName = base;
    for (int n = 0; list.findField(field.internalName) != nullptr; ++n)
        field.internalName = base + std::to_string(n);
    const ListField& added = list.addField(field);
    ++m_writes;
    const ojson json = fieldJson(list, added, format, request.siteUrl);
    return jsonResponse(201, format, format == JsonFormat::Verbose ? ojson{{"d", json}} : json);
}

// MERGE of a field: the flags a client may change after creation.
ServiceResponse SharePointService::updateField(const ServiceRequest& request, ListField& field) {
    checkSchemaAccess();
    const auto [body, type] = metadataBody(request, "SP.Field");
    SpField changed = field.def;
    changed.indexed = boolProperty(body, "Indexed", changed.indexed);
    changed.required = boolProperty(body, "Required", changed.required);
    changed.hidden = boolProperty(body, "Hidden", changed.hidden);
    changed.enforceUniqueValues =
        boolProperty(body, "EnforceUniqueValues", changed.enforceUniqueValues);
    changed.title = body.value("Title", changed.title);
    if (changed.title.empty())
        throw SpError(400, kArgumentException, "The field needs a Title.");
    if (changed.enforceUniqueValues && !changed.indexed)
        throw SpError(400, kArgumentException,
                      "You must index this column before you can enforce unique values.");
    field.def = std::move(changed);
    ++m_writes;
    return ServiceResponse{204, {}, {}, {}};
}

ServiceResponse SharePointService::getChanges(const ServiceRequest& request, JsonFormat format,
                                              const SpList& list) {
    const nlohmann::json body = parseBody(request.body, "Invalid JSON.", true);
    const nlohmann::json query = body.value("query", nlohmann::json::object());
    const auto flag = [&](const char* name) {
        return query.contains(name) && query[name].is_boolean() && query[name].get<bool>();
    };
    const auto tokenNumber = [&](const char* name) -> std::optional<std::int64_t> {
        if (!query.contains(name) || !query[name].is_object())
            return std::nullopt;
        const std::string text = query[name].value("StringValue", std::string());
        // 1;3;<listId>;<ticks>;<change number>
        std::vector<std::string> parts;
        std::size_t start = 0;
        while (true) {
            const auto semicolon = text.find(';', start);
            parts.push_back(text.substr(start, semicolon - start));
            if (semicolon == std::string::npos)
                break;
            start = semicolon + 1;
        }
        if (parts.size() != 5 || parts[0] != "1" || parts[1] != "3" ||
            stripGuid(parts[2]) != list.id())
            throw SpError(400, kArgumentException,
                          "The change token '" + text + "' is not valid for this list.");
        try {
            return std::stoll(parts[4]);
        } catch (const std::exception&) {
            throw SpError(400, kArgumentException, "The change token '" + text + "' is invalid.");
        }
    };
    const std::int64_t start = tokenNumber("ChangeTokenStart").value_or(0);
    const std::optional<std::int64_t> end = tokenNumber("ChangeTokenEnd");
    const int limit = query.value("FetchLimit", 1000) > 0 ? query.value("FetchLimit", 1000) : 1000;
    const bool items = flag("Item");
    const bool wantAdd = flag("Add"), wantUpdate = flag("Update"),
               wantDelete = flag("DeleteObject");
    ojson results = ojson::array();
    for (const SpChange& change : list.changes()) {
        if (change.number <= start || (end && change.number > *end))
            continue;
        if (static_cast<int>(results.size()) >= limit)
            break;
        if (!items || (change.type == 1 && !wantAdd) || (change.type == 2 && !wantUpdate) ||
            (change.type == 3 && !wantDelete))
            continue;
        ojson out;
        const std::string uri =
            request.siteUrl + "/_api/SP.ChangeItem" + std::to_string(change.number);
        if (format == JsonFormat::Verbose)
            out["__metadata"] = {{"id", uri}, {"uri", uri}, {"type", "SP.ChangeItem"}};
        else if (format == JsonFormat::Minimal) {
            out["odata.type"] = "SP.ChangeItem";
            out["odata.id"] = uri;
            out["odata.editLink"] = "SP.ChangeItem" + std::to_string(change.number);
        }
        ojson token = ojson::object();
        if (format == JsonFormat::Verbose)
            token["__metadata"] = {{"type", "SP.ChangeToken"}};
        token["StringValue"] = list.changeToken(change.number, change.time);
        out["ChangeToken"] = std::move(token);
        out["ChangeType"] = change.type;
        out["SiteId"] = m_siteId;
        out["Time"] = formatIso(change.time);
        out["Editor"] = "";
        out["ItemId"] = change.itemId;
        out["ListId"] = list.id();
        out["UniqueId"] = list.itemGuid(change.itemId);
        out["WebId"] = m_webId;
        results.push_back(std::move(out));
    }
    ++m_reads;
    return collectionResponse(format, std::move(results), request.siteUrl, "Collection(SP.Change)");
}

ServiceResponse SharePointService::validateUpdate(const ServiceRequest& request, JsonFormat format,
                                                  SpList& list, int id) {
    const nlohmann::json body = parseBody(request.body, "Invalid JSON.");
    const nlohmann::json formValues = body.value("formValues", nlohmann::json::array());
    if (!formValues.is_array())
        throw SpError(400, kInvalidClientQuery, "formValues must be an array.");
    // Each value is UI text; convert it per field and report failures per field.
    ojson results = ojson::array();
    nlohmann::json changes = nlohmann::json::object();
    bool failed = false;
    const auto entry = [&](const std::string& name, const std::string& value,
                           const std::string& error) {
        ojson e;
        if (format == JsonFormat::Verbose)
            e["__metadata"] = {{"type", "SP.ListItemFormUpdateValue"}};
        e["ErrorCode"] = error.empty() ? 0 : -2146232832;
        e["ErrorMessage"] = error.empty() ? ojson(nullptr) : ojson(error);
        e["FieldName"] = name;
        e["FieldValue"] = value;
        e["HasException"] = !error.empty();
        e["ItemId"] = id;
        results.push_back(std::move(e));
        failed = failed || !error.empty();
    };
    for (const auto& fv : formValues) {
        const std::string name = fv.value("FieldName", std::string());
        const std::string text = fv.contains("FieldValue") && fv["FieldValue"].is_string()
                                     ? fv["FieldValue"].get<std::string>()
                                     : std::string();
        const ListField* field = list.findField(name);
        if (field == nullptr || field->slot < 0) {
            entry(name, text, "Column '" + name + "' does not exist or is read-only.");
            continue;
        }
        nlohmann::json value = text;
        switch (field->def.type) {
            case SpFieldType::Boolean:
                value = text == "1" || iequals(text, "yes") || iequals(text, "true");
                break;
            case SpFieldType::Lookup:
            case SpFieldType::User:
                value = text.substr(0, text.find(";#"));
                break;
            case SpFieldType::MultiChoice: {
                nlohmann::json array = nlohmann::json::array();
                std::size_t pos = 0;
                while (pos <= text.size()) {
                    auto end = text.find(";#", pos);
                    if (end == std::string::npos)
                        end = text.size();
                    if (end > pos)
                        array.push_back(text.substr(pos, end - pos));
                    pos = end + 2;
                }
                value = std::move(array);
                break;
            }
            case SpFieldType::URL: {
                const auto comma = text.find(", ");
                value = {
                    {"Url", text.substr(0, comma)},
                    {"Description", comma == std::string::npos ? text : text.substr(comma + 2)}};
                break;
            }
            default:
                break;
        }
        if (text.empty())
            value = nullptr;
        if (field->def.required && value.is_null()) {
            entry(name, text, kRequiredMessage);
            continue;
        }
        changes[field->entityName] = value;
        entry(name, text, "");
    }
    // Forms check Required (item writes through /items do not): a new item needs every
    // required field among the form values (one given empty was reported above).
    if (id == 0)
        for (const ListField& f : list.fields())
            if (f.slot >= 0 && f.def.required && !f.def.readOnly &&
                std::none_of(formValues.begin(), formValues.end(), [&](const auto& fv) {
                    return list.findField(fv.value("FieldName", std::string())) == &f;
                }))
                entry(f.def.internalName, "", kRequiredMessage);
    if (!failed) {
        try {
            if (id == 0) {
                const SpItem& created = list.create(changes, request.user, nowSeconds());
                id = created.id;
                for (auto& r : results)
                    r["ItemId"] = id;
                entry("Id", std::to_string(id), "");
            } else {
                list.update(id, changes, false, request.user, nowSeconds());
            }
            ++m_writes;
        } catch (const SpError& e) {
            // A rule the per-field pass did not see (e.g. a duplicate in a unique field).
            std::string name;
            for (const ListField& f : list.fields())
                if (std::string(e.what()).find("(" + f.def.internalName + ")") != std::string::npos)
                    name = f.def.internalName;
            entry(name, "", e.what());
        }
    }
    const char* property = id == 0 || request.path.find("AddValidate") != std::string::npos
                               ? "AddValidateUpdateItemUsingPath"
                               : "ValidateUpdateListItem";
    if (format == JsonFormat::Verbose)
        return jsonResponse(
            200, format,
            ojson{{"d",
                   {{property,
                     {{"__metadata", {{"type", "Collection(SP.ListItemFormUpdateValue)"}}},
                      {"results", results}}}}}});
    return jsonResponse(200, format, ojson{{"value", results}});
}

namespace {

SpField makeField(const char* internalName, const char* title, SpFieldType type) {
    SpField field;
    field.internalName = internalName;
    field.title = title;
    field.type = type;
    return field;
}

}  // namespace

SpListDefinition accountsListDefinition() {
    SpListDefinition list;
    list.title = "Accounts";
    list.urlName = "Accounts";
    SpField title;
    title.internalName = "Title";
    title.title = "Account Name";
    title.required = true;
    title.maxLength = 160;
    SpField number = makeField("Account_x0020_Number", "Account Number", SpFieldType::Text);
    number.indexed = true;
    number.maxLength = 20;
    SpField revenue = makeField("Annual_x0020_Revenue", "Annual Revenue", SpFieldType::Currency);
    SpField employees = makeField("Employees", "Employees", SpFieldType::Number);
    SpField industry = makeField("Industry", "Industry", SpFieldType::Choice);
    industry.choices = {"Accounting", "Consulting", "Manufacturing", "Retail", "Services"};
    SpField city = makeField("City", "City", SpFieldType::Text);
    SpField phone = makeField("Telephone", "Telephone", SpFieldType::Text);
    phone.maxLength = 50;
    SpField website = makeField("Website", "Website", SpFieldType::URL);
    SpField active = makeField("Active", "Active", SpFieldType::Boolean);
    SpField since = makeField("Customer_x0020_Since", "Customer Since", SpFieldType::DateTime);
    SpField regions = makeField("Regions", "Regions", SpFieldType::MultiChoice);
    regions.choices = {"North", "South", "East", "West"};
    SpField notes = makeField("Notes", "Notes", SpFieldType::Note);
    list.fields = {title, number,  revenue, employees, industry, city,
                   phone, website, active,  since,     regions,  notes};
    return list;
}

nlohmann::json accountItem(int n) {
    static constexpr const char* kIndustries[] = {"Accounting", "Consulting", "Manufacturing",
                                                  "Retail", "Services"};
    static constexpr const char* kCities[] = {"Seattle", "Redmond", "London", "Paris", "Berlin"};
    static constexpr const char* kRegions[] = {"North", "South", "East", "West"};
    const std::string number = std::to_string(n);
    nlohmann::json item;
    item["Title"] = "Account " + number;
    item["Account_x0020_Number"] =
        "ACC-" + std::string(6 - std::min<std::size_t>(6, number.size()), '0') + number;
    item["Annual_x0020_Revenue"] = 10000.0 + (n % 1000) * 125.5;
    item["Employees"] = (n * 7) % 5000;
    item["Industry"] = kIndustries[n % 5];
    item["City"] = kCities[n % 5];
    item["Telephone"] = "+1-555-" + std::to_string(1000 + n % 9000);
    item["Website"] = {{"Url", "https://account" + number + ".example.com"},
                       {"Description", "Account " + number}};
    item["Active"] = n % 3 != 0;
    item["Customer_x0020_Since"] =
        formatIso(1577836800 + static_cast<std::int64_t>(n % 1500) * 86400);
    item["Regions"] = nlohmann::json::array({kRegions[n % 4], kRegions[(n + 1) % 4]});
    item["Notes"] = nullptr;
    return item;
}

}  // namespace ferry::emulator::sp
