// The OData provider: verify, describe from $metadata, streaming reads over next links, writes
// in $batch requests with one outcome per item, change tracking through delta links.
#include "odata_provider.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "odata_batch.h"
#include "odata_connection.h"
#include "odata_metadata.h"
#include "odata_select.h"
#include "odata_values.h"
#include "odata_wire.h"

namespace ferry::odata {

namespace {

// The top-level "@odata.nextLink" of a collection page without parsing the page: services put it
// after the rows (OData JSON format 4.01 §4.5.5 requires it last). Empty when absent.
std::string peekNextLink(const std::string& body) {
    static const std::string kKey = "\"@odata.nextLink\"";
    const auto at = body.rfind(kKey);
    if (at == std::string::npos) {
        return {};
    }
    std::size_t pos = at + kKey.size();
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == ':' || body[pos] == '\n' ||
                                 body[pos] == '\r' || body[pos] == '\t')) {
        ++pos;
    }
    if (pos >= body.size() || body[pos] != '"') {
        return {};
    }
    std::size_t end = pos + 1;
    while (end < body.size() && body[end] != '"') {
        end += body[end] == '\\' ? 2 : 1;
    }
    if (end >= body.size()) {
        return {};
    }
    try {
        return nlohmann::json::parse(body.substr(pos, end - pos + 1)).get<std::string>();
    } catch (const nlohmann::json::exception&) {
        return {};
    }
}

// Fetches a chain of pages on its own thread. With `followLinks`, the moment a page's body has
// arrived the same thread sends the request for the next link peeked from its end: the round
// trips of server-driven paging follow each other without waiting for a thread hand-off, the
// parser or the sink. Without it, fetches one page. At most kWaiting bodies wait for the
// reader; the destructor stops the chain after the request in flight.
class PageChain {
public:
    struct Page {
        std::string url;   // the request's URL
        std::string body;  // the answer's body
        std::string link;  // the next link the chain followed; empty when it stopped there
    };
    using Fetch = std::function<std::string(const std::string& url)>;
    // The absolute URL of a next link found on the page of `url`; throws when it cannot be one.
    using Resolve = std::function<std::string(const std::string& link, const std::string& url)>;

    PageChain(Fetch fetch, Resolve resolve, std::string url, bool followLinks)
        : m_fetch(std::move(fetch)), m_resolve(std::move(resolve)), m_follow(followLinks) {
        m_thread = std::thread([this, first = std::move(url)]() mutable { run(std::move(first)); });
    }
    ~PageChain() {
        {
            const std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_changed.notify_all();
        m_thread.join();
    }
    PageChain(const PageChain&) = delete;
    PageChain& operator=(const PageChain&) = delete;

    // The next page in order (blocks); nullopt after the last. Rethrows the error of a fetch.
    std::optional<Page> next() {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return !m_ready.empty() || m_done; });
        if (!m_ready.empty()) {
            Page page = std::move(m_ready.front());
            m_ready.pop_front();
            m_changed.notify_all();
            return page;
        }
        if (m_error) {
            std::rethrow_exception(m_error);
        }
        return std::nullopt;
    }

private:
    static constexpr std::size_t kWaiting = 2;

    void run(std::string url) {
        try {
            for (;;) {
                Page page{url, m_fetch(url), {}};
                std::string nextUrl;
                if (m_follow) {
                    page.link = peekNextLink(page.body);
                    if (!page.link.empty()) {
                        nextUrl = m_resolve(page.link, url);
                    }
                }
                std::unique_lock lock(m_mutex);
                const bool last = page.link.empty();
                m_ready.push_back(std::move(page));
                m_changed.notify_all();
                if (!last) {
                    m_changed.wait(lock, [this] { return m_stop || m_ready.size() < kWaiting; });
                }
                if (last || m_stop) {
                    m_done = true;
                    m_changed.notify_all();
                    return;
                }
                url = std::move(nextUrl);
            }
        } catch (...) {
            const std::lock_guard lock(m_mutex);
            m_error = std::current_exception();
            m_done = true;
            m_changed.notify_all();
        }
    }

    Fetch m_fetch;
    Resolve m_resolve;
    bool m_follow;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Page> m_ready;
    std::exception_ptr m_error;
    bool m_done = false;
    bool m_stop = false;
    std::thread m_thread;  // last: started once the members above exist
};

constexpr std::string_view kFormattedValue = "OData.Community.Display.V1.FormattedValue";
constexpr std::size_t kKeysPerLookup = 40;  // $filter terms per key-resolution query

enum class ColumnKind { Property, Label, Expanded };

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += separator;
        }
        out += item;
    }
    return out;
}

std::string serviceMessage(int status, const std::string& body) {
    const ServiceError error = parseServiceError(body);
    if (!error.message.empty()) {
        return error.message.size() > 500 ? error.message.substr(0, 500) + "…" : error.message;
    }
    return "HTTP " + std::to_string(status);
}

// A key value as it appears in a URL's parentheses or in a $filter.
std::optional<std::string> uriLiteral(const Value& value, ValueType type) {
    std::string problem;
    const auto json = jsonLiteral(value, type, problem);
    if (!json || value.isNull()) {
        return std::nullopt;
    }
    switch (type) {
        case ValueType::String: {
            std::string out = "'";
            for (const char c :
                 value.type() == ValueType::String ? value.asString() : value.toDisplay()) {
                out += c;
                if (c == '\'') {
                    out += '\'';
                }
            }
            return out + "'";
        }
        case ValueType::Guid:
        case ValueType::DateTime:
        case ValueType::Date:
            return json->substr(1, json->size() - 2);  // unquoted in URLs
        case ValueType::Binary:
            return "binary'" + json->substr(1, json->size() - 2) + "'";
        default:
            return *json;
    }
}

}  // namespace

struct ODataProvider::ColumnPlan {
    std::string name;
    ValueType type = ValueType::String;
    std::string edmType;
    ColumnKind kind = ColumnKind::Property;
    bool key = false;
    bool readOnly = false;
    bool nullable = true;
    bool csdlRequired = false;  // Nullable="false" in $metadata: null is refused before sending
    std::int64_t length = 0;
    int precision = 0;
    int scale = 0;
    std::string bindNavigation;  // lookups: written as "<nav>@odata.bind"
    std::string bindTargetSet;
    bool money = false;  // Dataverse AttributeType Money (Edm.Decimal on the wire)
};

// One item's request (or its local outcome), through the rounds of a write.
struct ODataProvider::WriteJob {
    std::size_t item = 0;
    BatchOperation operation;
    std::optional<WriteOutcome> outcome;  // decided (locally or by the service)
    std::vector<Value> key;               // the outcome key on success
    std::vector<std::string> entityKey;   // URL literals of the entity's own key
    bool replicated = false;              // insert addressed by a ReplicationKey GUID
    bool retriedAsUpdate = false;
    std::string body;  // JSON body (kept for the ReplicationKey update)
};

// --- construction ----------------------------------------------------------------------------

ODataProvider::ODataProvider(ProviderSettings settings) : m_settings(std::move(settings)) {
    try {
        m_connectionSettings = std::make_unique<ConnectionSettings>(
            parseConnectionSettings(m_settings.connectionString));
    } catch (const Error& error) {
        m_settingsError = std::make_unique<Error>(error);
    }
    try {
        m_select = std::make_unique<SelectStatement>(parseSelect(
            m_settings.select, m_connectionSettings ? m_connectionSettings->serviceRoot : ""));
    } catch (const Error& error) {
        m_selectError = std::make_unique<Error>(error);
    }
}

ODataProvider::~ODataProvider() = default;

const SelectStatement& ODataProvider::select() const {
    if (m_selectError) {
        throw *m_selectError;
    }
    return *m_select;
}

const ConnectionSettings& ODataProvider::connectionSettings() const {
    if (m_settingsError) {
        throw *m_settingsError;
    }
    return *m_connectionSettings;
}

Connection& ODataProvider::connection() {
    if (!m_connection) {
        const ConnectionSettings& settings = connectionSettings();
        if (settings.auth != net::AuthMethod::None && m_settings.password.empty()) {
            throw net::missingSecretError(settings);
        }
        m_connection = std::make_unique<Connection>(settings, m_settings.password);
    }
    return *m_connection;
}

std::string ODataProvider::redact(std::string text) const {
    return net::redactSecret(std::move(text), m_settings.password);
}

ProviderCapabilities ODataProvider::capabilities() const {
    ProviderCapabilities capabilities;
    capabilities.supportsTransactions = false;
    if (m_connectionSettings) {
        capabilities.maxBatchSize =
            m_connectionSettings->batchSize * m_connectionSettings->concurrency;
        capabilities.defaultPageSize = m_connectionSettings->maxPageSize;
    }
    capabilities.supportsChangeTracking = m_described && m_changeTracking;
    capabilities.derivesKeysFromOrigin = derivesKeys();
    if (m_settingsError) {
        capabilities.writable = false;
        capabilities.whyNotWritable = m_settingsError->message();
    } else if (m_selectError) {
        capabilities.writable = false;
        capabilities.whyNotWritable = m_selectError->message();
    } else if (!m_select->expand.empty()) {
        capabilities.writable = false;
        capabilities.whyNotWritable =
            "the select statement expands related records ($expand); remove $expand to write";
    } else if (!m_select->apply.empty()) {
        capabilities.writable = false;
        capabilities.whyNotWritable =
            "the select statement aggregates ($apply); its rows are not records of '" +
            m_select->entitySet + "'";
    } else if (m_setReadOnly) {
        capabilities.writable = false;
        capabilities.whyNotWritable =
            "the service does not allow inserts, updates or deletes in '" + m_select->entitySet +
            "'";
    }
    return capabilities;
}

bool ODataProvider::derivesKeys() const {
    return m_described && !m_settingsError && !m_selectError && m_connectionSettings &&
           m_connectionSettings->replicationKey && m_keyIsEntityKey && m_keyColumns.size() == 1 &&
           m_columns[m_keyColumns[0]].type == ValueType::Guid;
}

std::optional<std::vector<Value>> ODataProvider::doKeyForOrigin(const std::string& origin) const {
    if (!derivesKeys()) {
        return std::nullopt;
    }
    return std::vector<Value>{
        Value(replicationGuid(m_connectionSettings->serviceRoot, m_select->entitySet, origin))};
}

Error ODataProvider::readError(const std::string& what, int status, const std::string& body) const {
    const std::string detail = redact(serviceMessage(status, body));
    if (status == 401 || status == 403) {
        return Error(
            ErrorCode::AuthenticationFailed,
            "the service refused access to " + what + " (HTTP " + std::to_string(status) + ")",
            detail, "check that the user or application may read this entity set");
    }
    if (status == 429 || status >= 500) {
        return Error(
            ErrorCode::ConnectionFailed,
            "the service could not answer for " + what + " (HTTP " + std::to_string(status) + ")",
            detail, "try again later", true);
    }
    return Error(ErrorCode::QueryFailed,
                 "the service rejected the query for " + what + ": " + detail, detail,
                 "check the select statement's $select, $filter, $orderby and $expand");
}

// --- metadata --------------------------------------------------------------------------------

const ServiceModel& ODataProvider::model() {
    if (m_model) {
        return *m_model;
    }
    const std::string root = connectionSettings().serviceRoot;
    // Dataverse marks read-only columns and change tracking only with ?annotations=true; other
    // services get the plain document (some reject unknown options).
    const bool dataverseLike = root.find("/api/data/") != std::string::npos;
    net::HttpResponse response;
    for (const bool annotations : {dataverseLike, false}) {
        net::HttpRequest request;
        request.url = root + "$metadata" + (annotations ? "?annotations=true" : "");
        request.headers = {{"Accept", "application/xml"}};
        response = connection().send(request);
        if (response.ok() || !annotations) {
            break;
        }
    }
    if (!response.ok()) {
        if (response.status == 404) {
            throw Error(ErrorCode::ConnectionFailed,
                        "the URL is not the root of an OData service: " + root +
                            "$metadata was not found (HTTP 404)",
                        {}, "for Dynamics 365 use https://<org>.crm.dynamics.com/api/data/v9.2/");
        }
        throw readError("the service's $metadata", response.status, response.body);
    }
    m_model = std::make_unique<ServiceModel>(parseCsdl(response.body));
    return *m_model;
}

Schema ODataProvider::doDescribe() {
    const SelectStatement& statement = select();
    const ServiceModel& service = model();
    const std::string root = connectionSettings().serviceRoot;
    const EdmEntitySet* set = service.findSet(statement.entitySet);
    if (set == nullptr) {
        std::vector<std::string> names;
        for (const auto& candidate : service.entitySets) {
            names.push_back(candidate.name);
        }
        const std::string suggestion = closestName(statement.entitySet, names);
        throw Error(ErrorCode::EntityNotFound,
                    "The service has no entity set '" + statement.entitySet + "'." +
                        (suggestion.empty() ? "" : " Did you mean '" + suggestion + "'?"),
                    {},
                    suggestion.empty() ? "check the entity set name (plural, e.g. accounts)"
                                       : std::string());
    }
    const EdmEntityType* type = service.findType(set->entityType);
    if (type == nullptr) {
        throw Error(ErrorCode::QueryFailed,
                    "the service's $metadata does not describe the type "
                    "of '" +
                        set->name + "' (" + set->entityType + ")");
    }
    std::vector<EdmProperty> properties = service.propertiesOf(*type);
    const std::vector<EdmNavigation> navigations = service.navigationsOf(*type);
    m_entityKey = service.keyOf(*type);

    // Dataverse: which columns are valid for create/update, derived, or choices with labels.
    std::map<std::string, AttributeInfo> attributes;
    std::optional<bool> trackingEnabled;
    if (service.dataverse) {
        const std::string definition =
            root + "EntityDefinitions(LogicalName='" + encodeQueryValue(type->name) + "')";
        net::HttpRequest request;
        request.url = definition +
                      "?$select=LogicalName,EntitySetName,PrimaryIdAttribute,ChangeTrackingEnabled";
        const net::HttpResponse entity = connection().send(request);
        if (entity.ok()) {
            trackingEnabled = parseEntityDefinition(entity.body).changeTrackingEnabled;
        }
        request.url = definition +
                      "/Attributes?$select=LogicalName,AttributeType,IsValidForCreate,"
                      "IsValidForUpdate,IsValidForRead,AttributeOf,RequiredLevel";
        const net::HttpResponse list = connection().send(request);
        if (list.ok()) {
            for (auto& attribute : parseAttributes(list.body)) {
                attributes[attribute.logicalName] = std::move(attribute);
            }
        } else {
            spdlog::debug("odata: attribute metadata of {} unavailable (HTTP {})", type->name,
                          list.status);
        }
    }
    const auto attributeFor = [&](const std::string& property) -> const AttributeInfo* {
        auto found = attributes.find(property);
        if (found == attributes.end() && property.size() > 7 && property.front() == '_' &&
            property.compare(property.size() - 6, 6, "_value") == 0) {
            found = attributes.find(property.substr(1, property.size() - 7));
        }
        return found == attributes.end() ? nullptr : &found->second;
    };

    // Which properties, in which order: the $select list (plus the key), else all of them.
    std::vector<std::string> wanted = statement.select;
    const std::vector<std::string> keyNames =
        m_settings.primaryKey.empty() ? m_entityKey : m_settings.primaryKey;
    const auto findProperty = [&](const std::string& name) -> const EdmProperty* {
        for (const auto& property : properties) {
            if (property.name == name) {
                return &property;
            }
        }
        for (const auto& property : properties) {
            if (equalsIgnoreCase(property.name, name)) {
                return &property;
            }
        }
        return nullptr;
    };
    std::vector<std::string> allNames;
    for (const auto& property : properties) {
        allNames.push_back(property.name);
    }
    if (!wanted.empty()) {
        for (auto& name : wanted) {
            const EdmProperty* property = findProperty(name);
            if (property == nullptr) {
                const std::string suggestion = closestName(name, allNames);
                throw Error(ErrorCode::QueryFailed,
                            "the entity set '" + set->name + "' has no column '" + name + "'" +
                                (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)"),
                            {}, "check the names in $select");
            }
            name = property->name;
        }
        std::vector<std::string> missingKeys;
        for (const auto& key : keyNames) {
            if (std::none_of(wanted.begin(), wanted.end(), [&](const std::string& name) {
                    return equalsIgnoreCase(name, key);
                })) {
                missingKeys.push_back(key);
            }
        }
        wanted.insert(wanted.begin(), missingKeys.begin(), missingKeys.end());
    } else {
        for (const auto& property : properties) {
            const AttributeInfo* attribute = attributeFor(property.name);
            if (attribute != nullptr &&
                (!attribute->attributeOf.empty() || !attribute->validForRead)) {
                continue;  // derived (a lookup's name) or not readable: not data to map
            }
            wanted.push_back(property.name);
        }
    }

    m_columns.clear();
    m_hasLabels = false;
    for (const auto& name : wanted) {
        const EdmProperty* property = findProperty(name);
        if (property == nullptr) {
            throw Error(
                ErrorCode::QueryFailed,
                "the primary key column '" + name + "' is not a column of '" + set->name + "'", {},
                "columns: " + join(allNames, ", "));
        }
        ColumnPlan column;
        column.name = property->name;
        column.edmType = property->type;
        const auto valueType = valueTypeOfEdm(property->type);
        const bool structured = !valueType && property->type.rfind("Edm.", 0) != 0 &&
                                property->type.find("Collection(") == std::string::npos;
        column.type = valueType.value_or(ValueType::String);
        column.nullable = property->nullable;
        column.csdlRequired = !property->nullable;
        column.length = column.type == ValueType::String ? property->maxLength : 0;
        column.precision = property->precision;
        column.scale = property->scale;
        column.readOnly = property->computed || (!valueType && !structured);
        const AttributeInfo* attribute = attributeFor(property->name);
        for (const auto& navigation : navigations) {
            if (!navigation.collection && navigation.property == property->name) {
                column.bindNavigation = navigation.name;
                column.bindTargetSet = service.setOfType(navigation.targetType);
                break;  // polymorphic lookups: the first target (see docs/providers/odata.md)
            }
        }
        const bool bind = !column.bindNavigation.empty() && !column.bindTargetSet.empty() &&
                          (service.dataverse || property->computed);
        if (bind) {
            column.readOnly = false;
        } else {
            column.bindNavigation.clear();
        }
        if (attribute != nullptr) {
            column.money = equalsIgnoreCase(attribute->attributeType, "Money");
            column.readOnly = !attribute->validForCreate && !attribute->validForUpdate;
            // Shown as "not nullable"; only the CSDL's Nullable=false is checked before sending,
            // since Dataverse enforces ApplicationRequired in forms, not always in the API.
            if (attribute->requiredLevel == "ApplicationRequired" ||
                attribute->requiredLevel == "SystemRequired") {
                column.nullable = false;
            }
        }
        m_columns.push_back(column);
        if (attribute != nullptr &&
            (attribute->attributeType == "Picklist" || attribute->attributeType == "State" ||
             attribute->attributeType == "Status")) {
            ColumnPlan label;
            label.name = property->name + "_label";
            label.kind = ColumnKind::Label;
            label.type = ValueType::String;
            label.readOnly = true;
            label.edmType = "Edm.String";
            m_columns.push_back(label);
            m_hasLabels = true;
        }
    }
    for (const auto& name : statement.expandedNames()) {
        const auto navigation =
            std::find_if(navigations.begin(), navigations.end(),
                         [&](const EdmNavigation& candidate) { return candidate.name == name; });
        if (navigation == navigations.end()) {
            throw Error(ErrorCode::QueryFailed, "the entity set '" + set->name +
                                                    "' has no navigation property '" + name +
                                                    "' to $expand");
        }
        ColumnPlan column;
        column.name = name;
        column.kind = ColumnKind::Expanded;
        column.readOnly = true;
        column.edmType = navigation->targetType;
        m_columns.push_back(column);
    }

    m_keyColumns.clear();
    for (const auto& key : keyNames) {
        for (std::size_t i = 0; i < m_columns.size(); ++i) {
            if (m_columns[i].kind == ColumnKind::Property &&
                equalsIgnoreCase(m_columns[i].name, key)) {
                m_columns[i].key = true;
                m_keyColumns.push_back(i);
            }
        }
    }
    m_keyIsEntityKey =
        m_settings.primaryKey.empty() ||
        (m_settings.primaryKey.size() == m_entityKey.size() &&
         std::equal(m_settings.primaryKey.begin(), m_settings.primaryKey.end(), m_entityKey.begin(),
                    [](const auto& a, const auto& b) { return equalsIgnoreCase(a, b); }));

    m_layout = std::make_unique<PageLayout>();
    m_layout->columnCount = m_columns.size();
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
        const ColumnPlan& column = m_columns[i];
        FieldTarget target{i, column.type, column.name, column.kind == ColumnKind::Expanded};
        if (column.kind == ColumnKind::Label) {
            const std::string property = column.name.substr(0, column.name.size() - 6);
            m_layout->fields[property + "@" + std::string(kFormattedValue)] = target;
        } else {
            m_layout->fields[column.name] = target;
        }
    }

    const bool tracked = set->changeTracking.value_or(trackingEnabled.value_or(false)) ||
                         trackingEnabled.value_or(false);
    m_changeTracking = tracked && statement.filter.empty() && statement.orderby.empty() &&
                       !statement.top && statement.expand.empty() && statement.apply.empty() &&
                       m_keyIsEntityKey && m_keyColumns.size() == 1;
    m_setReadOnly = set->insertable == std::optional<bool>(false) &&
                    set->updatable == std::optional<bool>(false) &&
                    set->deletable == std::optional<bool>(false);
    m_described = true;

    Schema schema;
    for (const auto& plan : m_columns) {
        Column column;
        column.name = plan.name;
        column.displayName = plan.name;
        column.type = plan.type;
        column.key = plan.key;
        column.readOnly = plan.readOnly;
        column.nullable = plan.nullable;
        column.length = plan.length;
        column.precision = plan.precision;
        column.scale = plan.scale;
        // "Money" tells a target that creates columns to make a currency column.
        column.nativeType = plan.kind == ColumnKind::Label ? std::string("formatted label")
                            : plan.money                   ? std::string("Money")
                            : plan.bindNavigation.empty()
                                ? plan.edmType
                                : plan.edmType + " (lookup to " + plan.bindTargetSet + ")";
        schema.columns.push_back(std::move(column));
    }
    return schema;
}

// --- reading ---------------------------------------------------------------------------------

std::string ODataProvider::readUrl(bool withTop) const {
    const SelectStatement& statement = select();
    std::vector<std::string> columns;
    if (!statement.select.empty()) {
        for (const auto& column : m_columns) {
            if (column.kind == ColumnKind::Property) {
                columns.push_back(column.name);
            }
        }
    }
    const std::string query = queryString(statement, columns, withTop);
    return connectionSettings().serviceRoot + encodeQueryValue(statement.entitySet) +
           (query.empty() ? "" : "?" + query);
}

std::string ODataProvider::preferHeader(std::size_t pageSize, bool trackChanges) const {
    std::vector<std::string> preferences;
    if (trackChanges) {
        preferences.emplace_back("odata.track-changes");
    }
    if (pageSize > 0) {
        preferences.push_back("odata.maxpagesize=" + std::to_string(pageSize));
    }
    if (m_hasLabels) {
        preferences.push_back("odata.include-annotations=\"" + std::string(kFormattedValue) + "\"");
    }
    return join(preferences, ",");
}

std::string ODataProvider::fetchPage(const PageRequest& page) {
    net::HttpRequest request;
    request.url = page.url;
    request.headers = {{"If-None-Match", "null"}};
    if (!page.prefer.empty()) {
        request.headers.emplace_back("Prefer", page.prefer);
    }
    net::HttpResponse response = connection().send(request);
    if (!response.ok()) {
        throw readError("'" + select().entitySet + "'", response.status, response.body);
    }
    return std::move(response.body);
}

std::string ODataProvider::streamPages(PageRequest first, std::size_t limit, const PageSink& sink,
                                       const DeletedKeySink* deleted, bool& completed) {
    completed = true;
    const std::string root = connectionSettings().serviceRoot;
    const ColumnPlan* keyColumn = m_keyColumns.size() == 1 ? &m_columns[m_keyColumns[0]] : nullptr;
    const std::string entitySet = select().entitySet;
    const std::string prefer = first.prefer;
    const PageChain::Resolve resolve = [root, entitySet](const std::string& link,
                                                         const std::string& url) {
        std::string next = resolveLink(root, link);
        if (next == url) {
            throw Error(
                ErrorCode::QueryFailed,
                "the service sent the same next link twice while reading '" + entitySet + "'");
        }
        return next;
    };
    // A bounded read may not need another page: it fetches one at a time (still one request in
    // flight while the sink works).
    const bool follow = limit == std::numeric_limits<std::size_t>::max();
    const auto startChain = [&](std::string url) {
        return std::make_unique<PageChain>(
            [this, prefer](const std::string& page) {
                return fetchPage({page, prefer});
            },
            resolve, std::move(url), follow);
    };
    std::unique_ptr<PageChain> chain = startChain(first.url);
    std::size_t total = 0;
    std::string deltaLink;
    while (chain) {
        std::optional<PageChain::Page> fetched = chain->next();
        if (!fetched) {
            break;
        }
        ParsedPage page = parsePage(fetched->body, *m_layout);
        if (!page.collection) {
            throw Error(ErrorCode::QueryFailed, "the service's answer for '" + entitySet +
                                                    "' is not a collection of records");
        }
        deltaLink = page.deltaLink.empty() ? deltaLink : page.deltaLink;
        const std::size_t wanted = limit - total;
        const bool more = !page.nextLink.empty() && page.rows.size() < wanted;
        if (page.nextLink != fetched->link) {
            // Not followed (a bounded read), or misread (a service that nests next links
            // oddly): drop the chain's guess and follow the parsed link.
            chain.reset();
            if (more) {
                chain = startChain(resolve(page.nextLink, fetched->url));
            }
        } else if (!more) {
            chain.reset();
        }
        if (page.rows.size() > wanted) {
            page.rows.resize(wanted);
        }
        total += page.rows.size();
        if (!page.rows.empty() && !sink(page.rows)) {
            completed = false;
            return {};
        }
        if (deleted != nullptr && !page.deletedIds.empty() && keyColumn != nullptr) {
            std::vector<std::vector<Value>> keys;
            for (const auto& id : page.deletedIds) {
                auto key = valueFromJsonText(keyFromEntityId(id), keyColumn->type);
                if (key) {
                    keys.push_back({std::move(*key)});
                } else {
                    spdlog::warn("odata: ignoring a deleted entry with id '{}'", id);
                }
            }
            if (!keys.empty() && !(*deleted)(keys)) {
                completed = false;
                return {};
            }
        }
        if (total >= limit) {
            break;
        }
    }
    return deltaLink;
}

void ODataProvider::doRead(const ReadRequest& request, const PageSink& sink) {
    describe();
    const SelectStatement& statement = select();
    std::size_t pageSize =
        request.pageSize > 0 ? request.pageSize : connectionSettings().maxPageSize;
    std::size_t limit = request.maxRows.value_or(std::numeric_limits<std::size_t>::max());
    if (statement.top) {
        limit = std::min(limit, *statement.top);
        pageSize = 0;  // Dataverse ignores $top when a page size is asked for
    } else if (request.maxRows) {
        pageSize = std::min(pageSize, std::max<std::size_t>(*request.maxRows, 1));
    }
    if (limit == 0) {
        return;
    }
    bool completed = true;
    streamPages({readUrl(true), preferHeader(pageSize, false)}, limit, sink, nullptr, completed);
}

ChangeReadResult ODataProvider::doReadChanges(const std::string& deltaToken, const PageSink& sink,
                                              const DeletedKeySink& deleted) {
    describe();
    const std::size_t pageSize = connectionSettings().maxPageSize;
    const std::size_t all = std::numeric_limits<std::size_t>::max();
    ChangeReadResult result;
    bool completed = true;
    if (!deltaToken.empty()) {
        try {
            result.deltaToken = streamPages({deltaToken, preferHeader(pageSize, true)}, all, sink,
                                            &deleted, completed);
            result.delta = true;
            return result;
        } catch (const Error& error) {
            if (error.code() != ErrorCode::QueryFailed) {
                throw;
            }
            // An expired or unknown token (Dataverse keeps them 7 days by default).
            spdlog::info("odata: the delta link of '{}' was refused ({}); reading everything",
                         select().entitySet, error.detail());
        }
    }
    result.delta = false;
    result.deltaToken =
        streamPages({readUrl(false), preferHeader(pageSize, true)}, all, sink, &deleted, completed);
    return result;
}

// --- verify ----------------------------------------------------------------------------------

void ODataProvider::doVerify() {
    const ConnectionSettings& settings = connectionSettings();
    const SelectStatement& statement = select();
    net::HttpRequest request;
    request.url = settings.serviceRoot;
    const net::HttpResponse response = connection().send(request);
    if (!response.ok()) {
        if (response.status == 401 || response.status == 403) {
            throw readError("the service", response.status, response.body);
        }
        throw Error(ErrorCode::ConnectionFailed,
                    "Could not reach an OData service at " + settings.serviceRoot + " (HTTP " +
                        std::to_string(response.status) + ")",
                    redact(serviceMessage(response.status, response.body)),
                    "check the URL: for Dynamics 365 it ends in /api/data/v9.2/");
    }
    const std::vector<std::string> names = parseServiceDocument(response.body);
    if (!names.empty() &&
        std::find(names.begin(), names.end(), statement.entitySet) == names.end()) {
        const std::string suggestion = closestName(statement.entitySet, names);
        throw Error(ErrorCode::EntityNotFound,
                    "The service has no entity set '" + statement.entitySet + "'." +
                        (suggestion.empty() ? "" : " Did you mean '" + suggestion + "'?"));
    }
    describe();
    net::HttpRequest probe;
    SelectStatement once = statement;
    once.top = 1;
    std::vector<std::string> columns;
    if (!statement.select.empty()) {
        for (const auto& column : m_columns) {
            if (column.kind == ColumnKind::Property) {
                columns.push_back(column.name);
            }
        }
    }
    probe.url = settings.serviceRoot + encodeQueryValue(statement.entitySet) + "?" +
                queryString(once, columns, true);
    probe.headers = {{"If-None-Match", "null"}};
    const net::HttpResponse answer = connection().send(probe);
    if (!answer.ok()) {
        throw readError("'" + statement.entitySet + "'", answer.status, answer.body);
    }
    if (settings.replicationKey && !(m_keyIsEntityKey && m_keyColumns.size() == 1 &&
                                     m_columns[m_keyColumns[0]].type == ValueType::Guid)) {
        throw Error(ErrorCode::InvalidConnectionString,
                    "ReplicationKey=true needs an entity whose own key is one GUID column", {},
                    "remove ReplicationKey, or the explicit primary key");
    }
}

// --- writing ---------------------------------------------------------------------------------

std::string ODataProvider::entityUrl(const std::vector<std::string>& keyLiterals) const {
    std::string key;
    if (keyLiterals.size() == 1) {
        key = keyLiterals[0];
    } else {
        for (std::size_t i = 0; i < keyLiterals.size() && i < m_entityKey.size(); ++i) {
            key += (i > 0 ? "," : "") + m_entityKey[i] + "=" + keyLiterals[i];
        }
    }
    return connectionSettings().serviceRoot + encodeQueryValue(select().entitySet) + "(" +
           encodeQueryValue(key) + ")";
}

// Finds the entity keys of records addressed by an explicit (non-entity) primary key, with
// $filter queries of a few dozen keys each.
void ODataProvider::resolveKeys(const WriteBatch& batch, std::vector<WriteJob>& jobs) {
    std::vector<WriteJob*> pending;
    for (auto& job : jobs) {
        if (!job.outcome && !job.key.empty()) {
            pending.push_back(&job);
        }
    }
    std::map<std::string, std::vector<std::vector<std::string>>> found;  // canonical key → ids
    const auto canonicalKey = [](const std::vector<Value>& key) {
        std::string text;
        for (const auto& value : key) {
            text += value.canonical() + "\x1f";
        }
        return text;
    };
    PageLayout layout;
    std::vector<ValueType> entityTypes;
    for (const auto& name : m_entityKey) {
        const EdmEntitySet* set = model().findSet(select().entitySet);
        const EdmEntityType* type = model().findType(set->entityType);
        ValueType valueType = ValueType::String;
        for (const auto& property : model().propertiesOf(*type)) {
            if (property.name == name) {
                valueType = valueTypeOfEdm(property.type).value_or(ValueType::String);
            }
        }
        entityTypes.push_back(valueType);
    }
    layout.columnCount = m_entityKey.size() + m_keyColumns.size();
    std::vector<std::string> selectNames;
    for (std::size_t i = 0; i < m_entityKey.size(); ++i) {
        layout.fields[m_entityKey[i]] = FieldTarget{i, entityTypes[i], m_entityKey[i], false};
        selectNames.push_back(m_entityKey[i]);
    }
    for (std::size_t k = 0; k < m_keyColumns.size(); ++k) {
        const ColumnPlan& column = m_columns[m_keyColumns[k]];
        layout.fields[column.name] =
            FieldTarget{m_entityKey.size() + k, column.type, column.name, false};
        selectNames.push_back(column.name);
    }
    for (std::size_t begin = 0; begin < pending.size(); begin += kKeysPerLookup) {
        const std::size_t end = std::min(pending.size(), begin + kKeysPerLookup);
        std::vector<std::string> terms;
        for (std::size_t i = begin; i < end; ++i) {
            std::vector<std::string> parts;
            for (std::size_t k = 0; k < m_keyColumns.size(); ++k) {
                const ColumnPlan& column = m_columns[m_keyColumns[k]];
                const auto literal = uriLiteral(pending[i]->key[k], column.type);
                parts.push_back(column.name + (literal ? " eq " + *literal : " eq null"));
            }
            terms.push_back("(" + join(parts, " and ") + ")");
        }
        SelectStatement query;
        query.filter = join(terms, " or ");
        std::string url = connectionSettings().serviceRoot + encodeQueryValue(select().entitySet) +
                          "?" + queryString(query, selectNames, false);
        for (int guard = 0; !url.empty() && guard < 1000; ++guard) {
            net::HttpRequest request;
            request.url = url;
            request.headers = {{"If-None-Match", "null"}};
            const net::HttpResponse response = connection().send(request);
            if (!response.ok()) {
                throw readError("the keys of '" + select().entitySet + "'", response.status,
                                response.body);
            }
            ParsedPage page = parsePage(response.body, layout);
            for (auto& row : page.rows) {
                std::vector<Value> key(
                    row.values.begin() + static_cast<std::ptrdiff_t>(m_entityKey.size()),
                    row.values.end());
                std::vector<std::string> ids;
                for (std::size_t i = 0; i < m_entityKey.size(); ++i) {
                    ids.push_back(uriLiteral(row.values[i], entityTypes[i]).value_or("null"));
                }
                found[canonicalKey(key)].push_back(std::move(ids));
            }
            url = page.nextLink.empty()
                      ? std::string()
                      : resolveLink(connectionSettings().serviceRoot, page.nextLink);
        }
    }
    for (WriteJob* job : pending) {
        const auto hit = found.find(canonicalKey(job->key));
        const std::size_t count = hit == found.end() ? 0 : hit->second.size();
        const WriteKind kind = batch.items[job->item].kind;
        if (kind == WriteKind::Insert) {
            if (count > 0) {
                job->outcome = net::writeFailure(
                    ErrorCode::ConstraintViolation,
                    "a record with the same key already exists in '" + select().entitySet + "'");
            }
            continue;
        }
        if (count == 0) {
            job->outcome =
                kind == WriteKind::Delete
                    ? net::writeSuccess(job->key)  // already gone: the goal is reached
                    : net::writeFailure(ErrorCode::ItemFailed, "the record no longer exists in '" +
                                                                   select().entitySet +
                                                                   "' (deleted since it was read)");
        } else if (count > 1) {
            job->outcome =
                net::writeFailure(ErrorCode::ConstraintViolation,
                                  std::to_string(count) + " records of '" + select().entitySet +
                                      "' have this key; Ferry cannot tell which one to change");
        } else {
            job->entityKey = hit->second.front();
        }
    }
}

std::vector<WriteOutcome> ODataProvider::doWrite(const WriteBatch& batch) {
    describe();
    const ProviderCapabilities caps = capabilities();
    if (!caps.writable) {
        throw Error(ErrorCode::NotUpdatable,
                    "'" + select().entitySet + "' cannot be written: " + caps.whyNotWritable);
    }
    const ConnectionSettings& settings = connectionSettings();
    const std::string& set = select().entitySet;
    // Batch columns → plan columns; read-only ones (labels, computed) are never sent.
    std::vector<std::optional<std::size_t>> columnIndex;
    std::vector<std::optional<std::size_t>> keyInBatch(m_keyColumns.size());
    for (std::size_t c = 0; c < batch.columns.size(); ++c) {
        std::optional<std::size_t> index;
        for (std::size_t i = 0; i < m_columns.size(); ++i) {
            if (m_columns[i].name == batch.columns[c]) {
                index = i;
            }
        }
        if (!index) {
            throw Error(ErrorCode::QueryFailed,
                        "the column '" + batch.columns[c] + "' is not a column of '" + set + "'");
        }
        for (std::size_t k = 0; k < m_keyColumns.size(); ++k) {
            if (m_keyColumns[k] == *index) {
                keyInBatch[k] = c;
            }
        }
        columnIndex.push_back(index);
    }
    const bool singleGuidKey = m_keyIsEntityKey && m_keyColumns.size() == 1 &&
                               m_columns[m_keyColumns[0]].type == ValueType::Guid;
    std::vector<std::string> keySelect;
    for (const auto& key : m_entityKey) {
        keySelect.push_back(key);
    }
    if (!m_keyIsEntityKey) {
        for (const std::size_t k : m_keyColumns) {
            keySelect.push_back(m_columns[k].name);
        }
    }

    std::vector<WriteJob> jobs(batch.items.size());
    bool needsResolution = false;
    for (std::size_t i = 0; i < batch.items.size(); ++i) {
        const WriteItem& item = batch.items[i];
        WriteJob& job = jobs[i];
        job.item = i;
        if (item.kind != WriteKind::Delete) {
            std::string body = "{";
            bool first = true;
            for (std::size_t c = 0; c < batch.columns.size() && !job.outcome; ++c) {
                const ColumnPlan& column = m_columns[*columnIndex[c]];
                const Value& value = item.values[c];
                if (column.readOnly || column.kind != ColumnKind::Property ||
                    (item.kind == WriteKind::Update && column.key)) {
                    continue;
                }
                // PATCH only what changed: the service's audit history and plug-ins then see
                // the real change, not every mapped column.
                if (item.kind == WriteKind::Update && !item.changed.empty() && !item.changed[c]) {
                    continue;
                }
                if (value.isNull() && column.csdlRequired && !column.key) {
                    job.outcome =
                        net::writeFailure(ErrorCode::ConstraintViolation,
                                          "the required column '" + column.name + "' is empty");
                    break;
                }
                if (column.length > 0 && value.type() == ValueType::String &&
                    static_cast<std::int64_t>(codePointCount(value.asString())) > column.length) {
                    job.outcome = net::writeFailure(
                        ErrorCode::ValueTooLong, "value too long for column '" + column.name +
                                                     "' (at most " + std::to_string(column.length) +
                                                     " characters)");
                    break;
                }
                body += first ? "" : ",";
                first = false;
                if (!column.bindNavigation.empty()) {
                    appendJsonString(body, column.bindNavigation + "@odata.bind");
                    body += ':';
                    if (value.isNull()) {
                        body += "null";
                        continue;
                    }
                    const auto guid = value.type() == ValueType::Guid
                                          ? std::optional<Guid>(value.asGuid())
                                          : parseGuid(value.toDisplay());
                    if (!guid) {
                        job.outcome = net::writeFailure(
                            ErrorCode::ItemFailed, "'" + value.toDisplay() + "' in column '" +
                                                       column.name + "' is not a record id (GUID)");
                        break;
                    }
                    appendJsonString(body, "/" + column.bindTargetSet + "(" + guid->text + ")");
                    continue;
                }
                std::string problem;
                const auto literal = jsonLiteral(value, column.type, problem);
                if (!literal) {
                    job.outcome = net::writeFailure(ErrorCode::ItemFailed,
                                                    problem + " (column '" + column.name + "')");
                    break;
                }
                appendJsonString(body, column.name);
                body += ':';
                body += *literal;
            }
            body += "}";
            job.body = body;
        }
        if (job.outcome) {
            continue;
        }
        BatchOperation& operation = job.operation;
        if (item.kind == WriteKind::Insert) {
            for (std::size_t k = 0; k < m_keyColumns.size(); ++k) {
                if (keyInBatch[k]) {
                    job.key.push_back(item.values[*keyInBatch[k]]);
                }
            }
            if (job.key.size() != m_keyColumns.size()) {
                job.key.clear();
            }
            if (!m_keyIsEntityKey) {
                needsResolution = needsResolution || !job.key.empty();
            }
            const bool keyGiven = !job.key.empty() && !job.key[0].isNull();
            if (settings.replicationKey && singleGuidKey && !keyGiven && !item.origin.empty()) {
                const Guid guid = replicationGuid(settings.serviceRoot, set, item.origin);
                job.key = {Value(guid)};
                job.replicated = true;
                operation.method = "PATCH";
                operation.url = entityUrl({guid.text});
                operation.headers = {{"If-None-Match", "*"}};
            } else {
                if (!keyGiven) {
                    job.key.clear();
                }
                operation.method = "POST";
                operation.url = connectionSettings().serviceRoot + encodeQueryValue(set) +
                                "?$select=" + encodeQueryValue(join(keySelect, ","));
                operation.headers = {{"Prefer", "return=representation"}};
            }
            operation.headers.emplace_back("Content-Type", "application/json");
            operation.body = job.body;
            continue;
        }
        if (item.key.size() != m_keyColumns.size() || m_keyColumns.empty()) {
            job.outcome = net::writeFailure(
                ErrorCode::ItemFailed, "the item has " + std::to_string(item.key.size()) +
                                           " key values for " +
                                           std::to_string(m_keyColumns.size()) + " key columns");
            continue;
        }
        job.key = item.key;
        if (m_keyIsEntityKey) {
            for (std::size_t k = 0; k < m_keyColumns.size(); ++k) {
                const auto literal = uriLiteral(item.key[k], m_columns[m_keyColumns[k]].type);
                if (!literal) {
                    job.outcome = net::writeFailure(
                        ErrorCode::ItemFailed,
                        "'" + item.key[k].toDisplay() + "' is not a valid key for '" + set + "'");
                    break;
                }
                job.entityKey.push_back(*literal);
            }
        } else {
            needsResolution = true;
        }
        if (item.kind == WriteKind::Update && job.body == "{}") {
            job.outcome = net::writeSuccess(item.key);  // nothing writable changed
        }
    }
    if (needsResolution) {
        resolveKeys(batch, jobs);
    }
    for (auto& job : jobs) {
        const WriteItem& item = batch.items[job.item];
        if (job.outcome || item.kind == WriteKind::Insert) {
            continue;
        }
        job.operation.method = item.kind == WriteKind::Update ? "PATCH" : "DELETE";
        job.operation.url = entityUrl(job.entityKey);
        job.operation.headers = {{"If-Match", "*"}};
        if (item.kind == WriteKind::Update) {
            job.operation.headers.emplace_back("Content-Type", "application/json");
            job.operation.body = job.body;
        }
    }
    return sendJobs(jobs, batch);
}

std::vector<WriteOutcome> ODataProvider::sendJobs(std::vector<WriteJob>& jobs,
                                                  const WriteBatch& batch) {
    const ConnectionSettings& settings = connectionSettings();
    const std::string& set = select().entitySet;
    // What one response means for one job; false when the job must be sent again.
    const auto interpret = [&](WriteJob& job, int status, const HeaderList& headers,
                               const std::string& body) -> bool {
        const WriteKind kind = batch.items[job.item].kind;
        const std::string message = redact(serviceMessage(status, body));
        if (status >= 200 && status < 300) {
            if (kind == WriteKind::Insert && job.key.empty()) {
                std::string location;
                for (const auto& [name, value] : headers) {
                    if (equalsIgnoreCase(name, "OData-EntityId") ||
                        (location.empty() && equalsIgnoreCase(name, "Location"))) {
                        location = value;
                    }
                }
                const nlohmann::json entity =
                    nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
                std::vector<Value> key;
                for (const std::size_t k : m_keyColumns) {
                    const ColumnPlan& column = m_columns[k];
                    std::optional<Value> value;
                    if (entity.is_object() && entity.contains(column.name)) {
                        const auto& field = entity[column.name];
                        value = field.is_string()
                                    ? valueFromJsonText(field.get<std::string>(), column.type)
                                : field.is_number() ? valueFromJsonNumber(field.dump(), column.type)
                                                    : std::nullopt;
                    } else if (!location.empty() && m_keyColumns.size() == 1) {
                        value = valueFromJsonText(keyFromEntityId(location), column.type);
                    }
                    key.push_back(value.value_or(Value()));
                }
                job.key = std::move(key);
            }
            job.outcome = net::writeSuccess(job.key);
            return true;
        }
        if (status == 412 && job.replicated && !job.retriedAsUpdate) {
            // Created by an earlier, interrupted run: update it instead of duplicating it.
            job.retriedAsUpdate = true;
            job.operation.headers = {{"If-Match", "*"}, {"Content-Type", "application/json"}};
            return false;
        }
        if (status == 429 || status == 503 || status == 504) {
            return false;  // sent again on its own, through the pacer
        }
        if (status == 404) {
            job.outcome = kind == WriteKind::Delete
                              ? net::writeSuccess(job.key)
                              : net::writeFailure(ErrorCode::ItemFailed,
                                                  "the record no longer exists in '" + set +
                                                      "' (deleted since it was read)");
            return true;
        }
        if (status == 412 || status == 409 || net::containsIgnoreCase(message, "duplicate") ||
            net::containsIgnoreCase(message, "already exists")) {
            job.outcome = net::writeFailure(
                ErrorCode::ConstraintViolation,
                "a record with the same key or unique value already exists (" + message + ")");
            return true;
        }
        if (net::containsIgnoreCase(message, "maxlength") ||
            net::containsIgnoreCase(message, "too long") ||
            net::containsIgnoreCase(message, "exceeds the maximum length") ||
            net::containsIgnoreCase(message, "length of")) {
            std::string column;
            for (const auto& name : batch.columns) {
                if (net::containsIgnoreCase(message, "'" + name + "'") ||
                    net::containsIgnoreCase(message, "\"" + name + "\"")) {
                    column = name;
                }
            }
            job.outcome = net::writeFailure(
                ErrorCode::ValueTooLong,
                column.empty() ? "a value is too long for its column (" + message + ")"
                               : "value too long for column '" + column + "' (" + message + ")");
            return true;
        }
        if (net::containsIgnoreCase(message, "required") ||
            net::containsIgnoreCase(message, "cannot be null")) {
            job.outcome = net::writeFailure(ErrorCode::ConstraintViolation,
                                            "a required column is empty (" + message + ")");
            return true;
        }
        job.outcome =
            net::writeFailure(ErrorCode::ItemFailed, "the service rejected the record: " + message);
        return true;
    };

    const auto toRequest = [](const BatchOperation& operation) {
        net::HttpRequest request;
        request.method = operation.method;
        request.url = operation.url;
        request.headers = operation.headers;
        request.body = operation.body;
        return request;
    };

    // Rounds: the first in $batch requests (several in parallel), then what must be sent again
    // (ReplicationKey updates, throttled parts, parts a server dropped) one by one, in parallel.
    for (int round = 0; round < 4; ++round) {
        std::vector<WriteJob*> open;
        for (auto& job : jobs) {
            if (!job.outcome) {
                open.push_back(&job);
            }
        }
        if (open.empty()) {
            break;
        }
        if (round == 0 && !m_batchUnsupported && open.size() > 1) {
            std::vector<std::vector<WriteJob*>> groups;
            for (std::size_t begin = 0; begin < open.size(); begin += settings.batchSize) {
                groups.emplace_back(open.begin() + static_cast<std::ptrdiff_t>(begin),
                                    open.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                       open.size(), begin + settings.batchSize)));
            }
            for (std::size_t first = 0; first < groups.size(); first += settings.concurrency) {
                const std::size_t last = std::min(groups.size(), first + settings.concurrency);
                std::vector<net::HttpRequest> requests;
                for (std::size_t g = first; g < last; ++g) {
                    std::vector<BatchOperation> operations;
                    for (WriteJob* job : groups[g]) {
                        operations.push_back(job->operation);
                    }
                    const std::string boundary = "batch_ferry_" + std::to_string(g);
                    net::HttpRequest request;
                    request.method = "POST";
                    request.url = settings.serviceRoot + "$batch";
                    request.headers = {{"Content-Type", batchContentType(boundary)},
                                       {"Prefer", "odata.continue-on-error"}};
                    request.body = writeBatch(operations, boundary);
                    requests.push_back(std::move(request));
                }
                const auto responses = connection().sendAll(std::move(requests));
                for (std::size_t g = first; g < last; ++g) {
                    const net::HttpResponse& response = responses[g - first];
                    auto& group = groups[g];
                    if (response.status == 404 || response.status == 405 ||
                        response.status == 501) {
                        m_batchUnsupported = true;  // this group and later ones go one by one
                        continue;
                    }
                    std::vector<BatchResult> results;
                    const std::string type = response.header("Content-Type");
                    if (type.find("multipart/") != std::string::npos) {
                        results = readBatchResponse(type, response.body);
                    } else if (response.status == 429 || response.status >= 500) {
                        throw Error(ErrorCode::ConnectionFailed,
                                    "the service did not accept the changes to '" + set +
                                        "' (HTTP " + std::to_string(response.status) + ")",
                                    redact(serviceMessage(response.status, response.body)),
                                    "try again later", true);
                    }
                    std::vector<bool> answered(group.size(), false);  // Content-ID → part
                    for (std::size_t r = 0; r < results.size(); ++r) {
                        std::size_t index = r;
                        if (!results[r].contentId.empty()) {
                            index = static_cast<std::size_t>(
                                std::max(0, std::atoi(results[r].contentId.c_str()) - 1));
                        }
                        if (index >= group.size() || answered[index]) {
                            continue;
                        }
                        answered[index] = true;
                        // A job left without outcome is sent again on its own next round.
                        interpret(*group[index], results[r].status, results[r].headers,
                                  results[r].body);
                    }
                }
            }
            continue;  // parts without an answer, or to send again, go one by one next round
        }
        std::vector<net::HttpRequest> requests;
        for (WriteJob* job : open) {
            requests.push_back(toRequest(job->operation));
        }
        for (std::size_t first = 0; first < requests.size(); first += settings.batchSize) {
            const std::size_t last = std::min(requests.size(), first + settings.batchSize);
            std::vector<net::HttpRequest> slice(
                requests.begin() + static_cast<std::ptrdiff_t>(first),
                requests.begin() + static_cast<std::ptrdiff_t>(last));
            const auto responses = connection().sendAll(std::move(slice));
            for (std::size_t r = 0; r < responses.size(); ++r) {
                const net::HttpResponse& response = responses[r];
                interpret(*open[first + r], response.status, response.headers, response.body);
            }
        }
    }
    std::vector<WriteOutcome> outcomes;
    outcomes.reserve(jobs.size());
    for (auto& job : jobs) {
        outcomes.push_back(job.outcome.value_or(net::writeFailure(
            ErrorCode::ItemFailed,
            "the service did not confirm the change to '" + set + "' after several attempts")));
    }
    return outcomes;
}

// --- registration ----------------------------------------------------------------------------

ProviderInfo providerInfo() {
    ProviderInfo info;
    info.name = "odata";
    info.displayName = "Dynamics 365 / OData v4";
    info.description =
        "Reads and writes one entity set of Dynamics 365 (Dataverse) through its Web API, or of "
        "any OData v4 service. The connection string names the service root "
        "(URL=https://contoso.crm4.dynamics.com/api/data/v9.2/;Authentication="
        "microsoft_modern_crm;User=admin@contoso.com;); the password, client secret or access "
        "token comes from the credential store. The select statement is an entity set with "
        "query options, e.g. accounts?$select=name,accountnumber&$filter=statecode eq 0&$top=5. "
        "Ferry pages with the service's next links, writes in $batch requests, and reads only "
        "changes through delta links where the entity set tracks changes.";
    info.keys = connectionKeys();
    info.factory = [](const ProviderSettings& settings) -> std::unique_ptr<Provider> {
        return std::make_unique<ODataProvider>(settings);
    };
    return info;
}

}  // namespace ferry::odata
