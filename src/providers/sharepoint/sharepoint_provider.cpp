// The SharePoint provider: list lookup, fields → schema, paged item reads, $batch writes with one
// outcome per item, and delta reads through the list's change log.
#include "sharepoint_provider.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "ferry/connection_string.h"
#include "ferry/error.h"
#include "net/multipart.h"
#include "sharepoint_connection.h"
#include "sharepoint_select.h"
#include "sharepoint_values.h"
#include "sharepoint_wire.h"

namespace ferry::sharepoint {

namespace {

using nlohmann::json;

constexpr std::string_view kJsonType = "application/json;odata=nometadata";
constexpr int kWriteRounds = 5;    // a throttled or unanswered part is sent again
constexpr int kFetchLimit = 2000;  // changes per GetChanges call
// Changed items are fetched by ID, `ID eq 1 or ID eq 2 …` per request, as many IDs as keep the
// URL under kMaxLookupUrl characters (about 50 with a short $select). SharePoint documents no
// URL limit for REST; clients see failures past about 2,000 characters (PnPjs maintainers:
// "~2000"; SharepointPlus #142: 404 from 1,545), so stay below both. At most kMaxIdsPerLookup,
// to keep the OR chain SharePoint turns into CAML short.
constexpr std::size_t kMaxLookupUrl = 1400;
constexpr std::size_t kMaxIdsPerLookup = 100;
constexpr std::size_t kMaxBatchBytes = 900 * 1024;  // SharePoint refuses $batch bodies > ~1 MB

using net::ServiceError;  // its code reads like "-2147024860, Microsoft.SharePoint.…Exception"

// The error body in any of SharePoint's JSON shapes ("odata.error" or "error", with the
// message as {"lang","value"} or plain text).
ServiceError serviceError(const std::string& body) {
    if (auto parsed = net::parseJsonServiceError(body)) {
        return *parsed;
    }
    ServiceError error;
    const json other = json::parse(body, nullptr, false);
    if (!other.is_object()) {
        error.message = body.substr(0, 300);
    } else if (other.contains("error_description") && other["error_description"].is_string()) {
        error.message = other["error_description"].get<std::string>();  // a sign-in answer
    }
    return error;
}

std::string serviceMessage(int status, const std::string& body) {
    const ServiceError error = serviceError(body);
    std::string text = error.message.empty() ? "HTTP " + std::to_string(status) : error.message;
    if (!error.code.empty()) {
        text += " [" + error.code + "]";
    }
    return text;
}

std::size_t editDistance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                              std::tolower(static_cast<unsigned char>(b[j - 1]));
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// The closest of `names` to `wanted`, when it is close enough to be a likely typo.
std::string closest(const std::string& wanted, const std::vector<std::string>& names) {
    std::string best;
    std::size_t bestDistance = std::max<std::size_t>(3, wanted.size() / 3) + 1;
    for (const auto& name : names) {
        const std::size_t distance = editDistance(wanted, name);
        if (distance < bestDistance) {
            best = name;
            bestDistance = distance;
        }
    }
    return best;
}

// A $filter literal for a key value; nullopt for types Ferry does not filter on.
std::optional<std::string> filterLiteral(const Value& value) {
    switch (value.type()) {
        case ValueType::String:
            return quoteLiteral(value.asString());  // itemsUrl() encodes the whole filter
        case ValueType::Int:
            return std::to_string(value.asInt());
        case ValueType::Decimal:
            return value.asDecimal().text;
        case ValueType::Guid:
            return quoteLiteral(value.asGuid().text);
        default:
            return std::nullopt;
    }
}

const json& itemsOf(const json& body) {
    static const json empty = json::array();
    if (body.contains("value") && body["value"].is_array()) {
        return body["value"];
    }
    if (body.contains("d") && body["d"].is_object() && body["d"].contains("results")) {
        return body["d"]["results"];
    }
    return empty;
}

void wait(std::chrono::milliseconds delay) {
    std::this_thread::sleep_for(delay);
}

}  // namespace

struct SharePointProvider::ColumnPlan {
    FieldInfo field;
    Column column;
};

// One item's request (or its local outcome), through the rounds of a write.
struct SharePointProvider::WriteJob {
    std::size_t item = 0;
    WriteKind kind = WriteKind::Insert;
    std::int64_t id = 0;  // update/delete: the list item's ID
    std::string body;     // insert/update: JSON
    std::optional<WriteOutcome> outcome;
    std::vector<Value> givenKey;    // the key values the item carries (insert: from its values)
    net::HttpResponse retryAnswer;  // the last throttled answer, for the wait before a retry
};

// --- construction ----------------------------------------------------------------------------

SharePointProvider::SharePointProvider(ProviderSettings settings)
    : m_settings(std::move(settings)) {
    try {
        m_connectionSettings = std::make_unique<ConnectionSettings>(
            parseConnectionSettings(m_settings.connectionString));
    } catch (const Error& error) {
        m_settingsError = std::make_unique<Error>(error);
    }
    try {
        m_select = std::make_unique<SelectStatement>(parseSelect(m_settings.select));
    } catch (const Error& error) {
        m_selectError = std::make_unique<Error>(error);
    }
    m_keyIsId = m_settings.primaryKey.empty() || (m_settings.primaryKey.size() == 1 &&
                                                  equalsIgnoreCase(m_settings.primaryKey[0], "ID"));
}

SharePointProvider::~SharePointProvider() = default;

const SelectStatement& SharePointProvider::select() const {
    if (m_selectError) {
        throw *m_selectError;
    }
    return *m_select;
}

const ConnectionSettings& SharePointProvider::connectionSettings() const {
    if (m_settingsError) {
        throw *m_settingsError;
    }
    return *m_connectionSettings;
}

Connection& SharePointProvider::connection() {
    if (!m_connection) {
        const ConnectionSettings& settings = connectionSettings();
        const bool needsSecret =
            settings.auth == net::AuthMethod::Password || settings.auth == net::AuthMethod::Bearer;
        if (needsSecret && m_settings.password.empty()) {
            throw net::missingSecretError(settings);
        }
        m_connection = std::make_unique<Connection>(settings, m_settings.password);
    }
    return *m_connection;
}

std::string SharePointProvider::redact(std::string text) const {
    return net::redactSecret(std::move(text), m_settings.password);
}

ProviderCapabilities SharePointProvider::capabilities() const {
    ProviderCapabilities capabilities;
    capabilities.supportsTransactions = false;
    if (m_connectionSettings) {
        // One engine batch fills every $batch request in flight.
        capabilities.maxBatchSize =
            m_connectionSettings->batchSize * m_connectionSettings->concurrency;
        capabilities.defaultPageSize = m_connectionSettings->pageSize;
    } else {
        capabilities.maxBatchSize =
            ConnectionSettings{}.batchSize * ConnectionSettings{}.concurrency;
    }
    capabilities.supportsChangeTracking = m_keyIsId && !m_settingsError && !m_selectError;
    capabilities.recordsOrigin = m_connectionSettings && !m_connectionSettings->originField.empty();
    capabilities.canCreateEntity = !m_settingsError;
    if (m_settingsError) {
        capabilities.writable = false;
        capabilities.whyNotWritable = m_settingsError->message();
    } else if (m_selectError) {
        capabilities.writable = false;
        capabilities.whyNotWritable = m_selectError->message();
    }
    return capabilities;
}

Error SharePointProvider::readError(const std::string& what, int status,
                                    const std::string& body) const {
    const ServiceError error = serviceError(body);
    const std::string detail = redact(serviceMessage(status, body));
    if (status == 401 || status == 403) {
        return Error(
            ErrorCode::AuthenticationFailed,
            "SharePoint refused access to " + what + " (HTTP " + std::to_string(status) + ")",
            detail,
            "check that the user or application may read this list; app-only access "
            "needs a certificate, not a client secret");
    }
    if (net::containsIgnoreCase(error.code, "SPQueryThrottledException")) {
        // Name the columns the filter or sort uses that have no index.
        std::vector<std::string> unindexed;
        if (m_select) {
            for (const auto& name : referencedFields(m_select->filter + " " + m_select->orderby)) {
                const auto field =
                    std::find_if(m_fields.begin(), m_fields.end(), [&name](const FieldInfo& f) {
                        return equalsIgnoreCase(f.internalName, name) ||
                               equalsIgnoreCase(jsonName(f), name) ||
                               equalsIgnoreCase(f.entityPropertyName, name);
                    });
                if (field == m_fields.end() || (!field->indexed && field->internalName != "ID")) {
                    unindexed.push_back(name);
                }
            }
        }
        std::string columns;
        for (const auto& name : unindexed) {
            columns += (columns.empty() ? "" : ", ") + name;
        }
        const std::string count =
            m_list ? std::to_string(m_list->itemCount) + " items" : "more than 5,000 items";
        return Error(ErrorCode::QueryFailed,
                     "the list has " + count +
                         " (more than the list view threshold of 5,000) and the filter uses a "
                         "column that is not indexed" +
                         (columns.empty() ? std::string() : ": " + columns),
                     detail,
                     "index column " + (columns.empty() ? std::string("<column>") : columns) +
                         " in the list settings (Indexed columns) or remove it from the filter");
    }
    if (status == 404) {
        return Error(ErrorCode::EntityNotFound, "SharePoint could not find " + what, detail);
    }
    if (status == 429 || status >= 500) {
        return Error(
            ErrorCode::ConnectionFailed,
            "SharePoint could not answer for " + what + " (HTTP " + std::to_string(status) + ")",
            detail, "try again later", true);
    }
    return Error(ErrorCode::QueryFailed,
                 "SharePoint rejected the query for " + what + ": " + detail, detail,
                 "check the select statement's $select, $filter and $orderby");
}

// --- the list --------------------------------------------------------------------------------

Error SharePointProvider::listNotFound(const std::string& detail) {
    const ListLocation& location = connectionSettings().location;
    const std::string name = location.displayName();
    std::string hint = "check the list's URL or title";
    net::HttpRequest request;
    request.url = location.siteUrl() + "/_api/web/lists?$select=Title,Hidden";
    try {
        const net::HttpResponse response = connection().send(std::move(request));
        if (response.ok()) {
            std::vector<std::string> titles;
            const json lists = json::parse(response.body, nullptr, false);
            for (const auto& entry : itemsOf(lists)) {
                if (entry.contains("Title") && entry["Title"].is_string() &&
                    !(entry.contains("Hidden") && entry["Hidden"].is_boolean() &&
                      entry["Hidden"].get<bool>())) {
                    titles.push_back(entry["Title"].get<std::string>());
                }
            }
            const std::string suggestion = closest(name, titles);
            if (!suggestion.empty()) {
                hint = "did you mean the list '" + suggestion + "'?";
            } else if (!titles.empty()) {
                std::string all;
                for (std::size_t i = 0; i < titles.size() && i < 10; ++i) {
                    all += (i == 0 ? "" : ", ") + titles[i];
                }
                hint = "the site has these lists: " + all;
            }
        } else if (response.status == 404) {
            hint = "the site " + location.siteUrl() + " was not found either: check the URL";
        }
    } catch (const Error&) {
        // The suggestion is a courtesy; the not-found error is what matters.
    }
    return Error(ErrorCode::EntityNotFound,
                 "the list '" + name + "' does not exist on " + location.siteUrl(), detail, hint);
}

const ListInfo& SharePointProvider::list() {
    if (m_list) {
        return *m_list;
    }
    const ListLocation& location = connectionSettings().location;
    const std::string properties = "$select=Id,Title,ListItemEntityTypeFullName,ItemCount";
    net::HttpRequest request;
    if (!location.title.empty()) {
        request.url = location.siteUrl() + "/_api/web/lists/GetByTitle(" +
                      encodeQueryValue(quoteLiteral(location.title)) + ")?" + properties;
    } else {
        request.url = location.siteUrl() + "/_api/web/GetList(@listUrl)?@listUrl=" +
                      encodeQueryValue(quoteLiteral(location.listPath)) + "&" + properties;
    }
    const net::HttpResponse response = connection().send(std::move(request));
    if (response.status == 404 || response.status == 400) {
        // A missing list answers 404 (by title) or 400/404 (GetList with a wrong URL).
        throw listNotFound(redact(serviceMessage(response.status, response.body)));
    }
    if (!response.ok()) {
        throw readError("the list '" + location.displayName() + "'", response.status,
                        response.body);
    }
    json body = json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("d")) {
        body = body["d"];
    }
    if (!body.is_object() || !body.contains("Id") || !body["Id"].is_string()) {
        throw Error(
            ErrorCode::QueryFailed,
            "SharePoint's answer for the list '" + location.displayName() + "' has no list id",
            response.body.substr(0, 200));
    }
    auto info = std::make_unique<ListInfo>();
    info->id = body["Id"].get<std::string>();
    std::transform(info->id.begin(), info->id.end(), info->id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    info->title = body.value("Title", location.displayName());
    info->entityTypeFullName = body.value("ListItemEntityTypeFullName", "");
    if (body.contains("ItemCount") && body["ItemCount"].is_number_integer()) {
        info->itemCount = body["ItemCount"].get<std::int64_t>();
    }
    m_list = std::move(info);
    return *m_list;
}

std::string SharePointProvider::listApi() {
    return connectionSettings().location.siteUrl() + "/_api/web/lists(guid'" + list().id + "')";
}

std::vector<FieldInfo> SharePointProvider::fetchFields() {
    net::HttpRequest request;
    // No $select: MaxLength and Choices are properties of the derived field types only.
    request.url = listApi() + "/fields";
    const net::HttpResponse response = connection().send(std::move(request));
    if (!response.ok()) {
        throw readError("the columns of the list '" + list().title + "'", response.status,
                        response.body);
    }
    std::vector<FieldInfo> fields;
    const json body = json::parse(response.body, nullptr, false);
    for (const auto& entry : itemsOf(body)) {
        fields.push_back(fieldFromJson(entry));
        const auto format = entry.find("DisplayFormat");
        fields.back().dateOnly = fields.back().kind == FieldKind::DateTime &&
                                 format != entry.end() && format->is_number_integer() &&
                                 format->get<int>() == 0;
    }
    return fields;
}

void SharePointProvider::loadViewFilter() {
    const ListLocation& location = connectionSettings().location;
    m_viewFilter.clear();
    if (location.viewPath.empty()) {
        return;
    }
    net::HttpRequest request;
    request.url = location.siteUrl() + "/_api/web/GetViewFromUrl(" +
                  encodeQueryValue(quoteLiteral(location.origin + location.viewPath)) +
                  ")?$select=ViewQuery,Title";
    const net::HttpResponse response = connection().send(std::move(request));
    json body = json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("d")) {
        body = body["d"];
    }
    if (!response.ok() || !body.is_object() || !body.contains("ViewQuery") ||
        !body["ViewQuery"].is_string()) {
        spdlog::debug("SharePoint gave no query for the view {} (HTTP {}); reading the whole list",
                      location.viewPath, response.status);
        return;
    }
    const auto filter = camlWhereToFilter(body["ViewQuery"].get<std::string>());
    if (!filter) {
        spdlog::warn(
            "The filter of the view {} cannot be expressed as OData; Ferry reads every "
            "item of the list (add a $filter to the select statement instead)",
            location.viewPath);
        return;
    }
    if (!filter->empty()) {
        spdlog::info("Reading only the items of the view {}: $filter={}", location.viewPath,
                     *filter);
    }
    m_viewFilter = *filter;
}

// --- describe --------------------------------------------------------------------------------

Schema SharePointProvider::doDescribe() {
    const SelectStatement& statement = select();
    m_fields = fetchFields();
    loadViewFilter();
    m_columns.clear();
    m_originField.reset();
    const std::string& originName = connectionSettings().originField;
    for (const auto& field : m_fields) {
        if (!originName.empty() && equalsIgnoreCase(field.internalName, originName)) {
            m_originField = std::make_unique<FieldInfo>(field);
        }
    }
    const auto addField = [this](const FieldInfo& field) {
        if (m_originField && field.internalName == m_originField->internalName) {
            return;  // Ferry's bookkeeping: read into Record::origin, never a column
        }
        for (const auto& plan : m_columns) {
            if (plan.field.internalName == field.internalName) {
                return;
            }
        }
        Column column = columnFor(field);
        column.choices = field.choices;
        if (field.kind == FieldKind::DateTime && field.dateOnly) {
            column.type = ValueType::Date;
        }
        m_columns.push_back({field, std::move(column)});
    };
    const auto idField = std::find_if(m_fields.begin(), m_fields.end(), [](const FieldInfo& field) {
        return field.internalName == "ID";
    });
    FieldInfo id;
    if (idField != m_fields.end()) {
        id = *idField;
    } else {
        id.internalName = id.entityPropertyName = id.title = "ID";
        id.typeAsString = "Counter";
    }
    id.kind = FieldKind::Counter;
    id.hidden = false;
    addField(id);
    if (statement.select.empty()) {
        for (const auto& field : m_fields) {
            if (isMappable(field)) {
                addField(field);
            }
        }
    } else {
        for (const auto& name : statement.select) {
            const auto match = [&name](const FieldInfo& field) {
                return equalsIgnoreCase(field.internalName, name) ||
                       equalsIgnoreCase(field.entityPropertyName, name) ||
                       equalsIgnoreCase(jsonName(field), name) ||
                       field.internalName == encodeInternalName(name);
            };
            auto field = std::find_if(m_fields.begin(), m_fields.end(), match);
            if (field == m_fields.end()) {
                // Display names too, as a convenience ("Account Number").
                field = std::find_if(m_fields.begin(), m_fields.end(), [&name](const FieldInfo& f) {
                    return equalsIgnoreCase(f.title, name);
                });
            }
            if (field == m_fields.end()) {
                std::vector<std::string> names;
                for (const auto& f : m_fields) {
                    if (isMappable(f)) {
                        names.push_back(f.internalName);
                    }
                }
                const std::string suggestion = closest(encodeInternalName(name), names);
                throw Error(ErrorCode::QueryFailed,
                            "the list '" + list().title + "' has no column '" + name + "'", {},
                            suggestion.empty()
                                ? "use the columns' internal names (spaces are _x0020_)"
                                : "did you mean '" + suggestion + "'?");
            }
            if (!isMappable(*field) && !field->hidden) {
                throw Error(ErrorCode::QueryFailed, "the column '" + name + "' (" +
                                                        field->typeAsString +
                                                        ") cannot be read by Ferry");
            }
            FieldInfo chosen = *field;
            chosen.hidden = false;  // selected on purpose
            addField(chosen);
        }
    }
    Schema schema;
    for (const auto& plan : m_columns) {
        schema.columns.push_back(plan.column);
    }
    m_idColumn = 0;
    m_keyColumns.clear();
    if (m_keyIsId) {
        schema.columns[0].key = true;
        m_keyColumns.push_back(0);
    } else {
        for (const auto& name : m_settings.primaryKey) {
            const auto index = schema.indexOf(name);
            if (!index) {
                throw Error(ErrorCode::QueryFailed,
                            "the primary key column '" + name + "' is not a column of the list", {},
                            "name a column of the select statement as the primary key");
            }
            schema.columns[*index].key = true;
            m_keyColumns.push_back(*index);
        }
    }
    m_described = true;
    return schema;
}

// --- reading ---------------------------------------------------------------------------------

std::string SharePointProvider::itemsUrl(std::size_t pageSize,
                                         const std::string& extraFilter) const {
    const SelectStatement& statement = *m_select;
    std::string url = connectionSettings().location.siteUrl() + "/_api/web/lists(guid'" +
                      m_list->id + "')/items?$select=";
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
        url += (i == 0 ? "" : ",") + encodeQueryValue(m_columns[i].column.name);
    }
    if (m_originField) {
        url += "," + encodeQueryValue(jsonName(*m_originField));
    }
    std::string filter = statement.filter;
    if (!m_viewFilter.empty()) {
        filter = filter.empty() ? m_viewFilter : "(" + filter + ") and (" + m_viewFilter + ")";
    }
    if (!extraFilter.empty()) {
        filter = filter.empty() ? extraFilter : "(" + filter + ") and (" + extraFilter + ")";
    }
    if (!filter.empty()) {
        url += "&$filter=" + encodeQueryValue(filter);
    }
    // Ordered by ID (indexed on every list), so paging past the list view threshold works and
    // the service's skip tokens are keyset positions.
    url += "&$orderby=" + encodeQueryValue(statement.orderby.empty() ? "ID" : statement.orderby);
    url += "&$top=" + std::to_string(pageSize);
    return url;
}

std::vector<Record> SharePointProvider::parsePage(const std::string& body, std::string& nextLink,
                                                  std::vector<std::int64_t>* seen) const {
    const json page = json::parse(body, nullptr, false);
    if (page.is_discarded() || !page.is_object()) {
        throw Error(ErrorCode::QueryFailed, "SharePoint's answer for the list items is not JSON",
                    body.substr(0, 200));
    }
    nextLink.clear();
    if (page.contains("odata.nextLink") && page["odata.nextLink"].is_string()) {
        nextLink = page["odata.nextLink"].get<std::string>();
    } else if (page.contains("d") && page["d"].contains("__next")) {
        nextLink = page["d"]["__next"].get<std::string>();
    }
    std::vector<Record> rows;
    const json& items = itemsOf(page);
    rows.reserve(items.size());
    for (const auto& item : items) {
        Record record;
        record.values.reserve(m_columns.size());
        for (const auto& plan : m_columns) {
            auto it = item.find(plan.column.name);
            if (it == item.end() && plan.column.name == "ID") {
                it = item.find("Id");
            }
            if (it == item.end()) {
                record.values.emplace_back();
                continue;
            }
            const bool date = plan.column.type == ValueType::Date;
            auto value =
                valueFromJson(*it, plan.field, date ? ValueType::DateTime : plan.column.type);
            if (date && value && !value->isNull()) {
                // A date-only field holds the site's local midnight in UTC: the nearest day.
                constexpr std::int64_t kDay = 86'400'000'000;
                const std::int64_t micros = value->asDateTime().micros + kDay / 2;
                value = Value(Date{static_cast<std::int32_t>(
                    micros >= 0 ? micros / kDay : -((-micros + kDay - 1) / kDay))});
            }
            if (!value) {
                throw Error(ErrorCode::QueryFailed, "the value of column '" + plan.column.name +
                                                        "' is not a " + toString(plan.column.type) +
                                                        ": " + it->dump().substr(0, 80));
            }
            record.values.push_back(std::move(*value));
        }
        if (m_originField) {
            const auto origin = item.find(jsonName(*m_originField));
            if (origin != item.end() && origin->is_string()) {
                record.origin = origin->get<std::string>();
            }
        }
        if (seen != nullptr && !record.values.empty() && !record.values[0].isNull()) {
            seen->push_back(record.values[0].asInt());
        }
        rows.push_back(std::move(record));
    }
    return rows;
}

bool SharePointProvider::streamPages(std::string url, std::size_t limit, const PageSink& sink,
                                     std::vector<std::int64_t>* seen) {
    std::size_t delivered = 0;
    while (!url.empty() && delivered < limit) {
        net::HttpRequest request;
        request.url = url;
        const net::HttpResponse response = connection().send(std::move(request));
        if (!response.ok()) {
            throw readError("the items of the list '" + m_list->title + "'", response.status,
                            response.body);
        }
        std::string next;
        std::vector<Record> rows = parsePage(response.body, next, seen);
        if (rows.size() > limit - delivered) {
            rows.resize(limit - delivered);
        }
        delivered += rows.size();
        if (!rows.empty() && !sink(rows)) {
            return false;
        }
        if (!next.empty() && next.find("://") == std::string::npos) {
            // A relative link is relative to the site's origin.
            next = connectionSettings().location.origin + (next.front() == '/' ? "" : "/") + next;
        }
        url = next;
    }
    return true;
}

void SharePointProvider::doRead(const ReadRequest& request, const PageSink& sink) {
    describe();
    const std::size_t pageSize = std::min<std::size_t>(
        request.pageSize > 0 ? request.pageSize : connectionSettings().pageSize, 5000);
    std::size_t limit = request.maxRows.value_or(SIZE_MAX);
    if (select().top) {
        limit = std::min(limit, *select().top);
    }
    streamPages(itemsUrl(std::min(pageSize, std::max<std::size_t>(limit, 1)), {}), limit, sink,
                nullptr);
}

// --- verify ----------------------------------------------------------------------------------

void SharePointProvider::doVerify() {
    connectionSettings();
    select();
    list();
    describe();
    // One item through the select's filter and sort: the list view threshold and unknown
    // columns show here, not halfway through a run.
    net::HttpRequest request;
    request.url = itemsUrl(1, {});
    const net::HttpResponse response = connection().send(std::move(request));
    if (!response.ok()) {
        throw readError("the items of the list '" + m_list->title + "'", response.status,
                        response.body);
    }
}

// --- writing ---------------------------------------------------------------------------------

void SharePointProvider::resolveItemIds(std::vector<WriteJob>& jobs) {
    // A key other than ID: find each item's ID with a filter on the key column(s).
    std::vector<WriteJob*> open;
    for (auto& job : jobs) {
        if (!job.outcome && job.kind != WriteKind::Insert) {
            open.push_back(&job);
        }
    }
    std::vector<std::string> keyNames;
    for (const std::size_t index : m_keyColumns) {
        keyNames.push_back(m_columns[index].column.name);
    }
    for (std::size_t first = 0; first < open.size(); first += 20) {
        const std::size_t last = std::min(open.size(), first + 20);
        std::string filter;
        std::map<std::string, std::vector<WriteJob*>> byKey;
        for (std::size_t i = first; i < last; ++i) {
            WriteJob& job = *open[i];
            std::string clause;
            bool usable = job.givenKey.size() == keyNames.size();
            for (std::size_t k = 0; usable && k < keyNames.size(); ++k) {
                const auto literal = filterLiteral(job.givenKey[k]);
                usable = literal.has_value();
                if (usable) {
                    clause += (k == 0 ? "" : " and ") + keyNames[k] + " eq " + *literal;
                }
            }
            if (!usable) {
                job.outcome = net::writeFailure(ErrorCode::ItemFailed,
                                                "the item's key cannot be looked up in SharePoint");
                continue;
            }
            std::string canonical;
            for (const auto& value : job.givenKey) {
                canonical += value.canonical() + "\x1f";
            }
            byKey[canonical].push_back(&job);
            filter += (filter.empty() ? "" : " or ") + ("(" + clause + ")");
        }
        if (filter.empty()) {
            continue;
        }
        std::vector<Record> found;
        streamPages(
            itemsUrl(100, filter), SIZE_MAX,
            [&found](std::vector<Record>& page) {
                for (auto& record : page) {
                    found.push_back(std::move(record));
                }
                return true;
            },
            nullptr);
        for (const auto& record : found) {
            std::string canonical;
            for (const std::size_t index : m_keyColumns) {
                canonical += record.values[index].canonical() + "\x1f";
            }
            for (WriteJob* job : byKey[canonical]) {
                job->id = record.values[m_idColumn].asInt();
            }
        }
    }
    for (WriteJob* job : open) {
        if (!job->outcome && job->id == 0) {
            job->outcome =
                job->kind == WriteKind::Delete
                    ? net::writeSuccess(job->givenKey)
                    : net::writeFailure(ErrorCode::ItemFailed,
                                        "the item no longer exists in the list (it was deleted)");
        }
    }
}

void SharePointProvider::sendJobs(std::vector<WriteJob>& jobs) {
    const ConnectionSettings& settings = connectionSettings();
    const std::string itemsBase = listApi() + "/items";
    const std::string batchUrl = settings.location.siteUrl() + "/_api/$batch";
    const std::string listTitle = m_list->title;
    const auto interpret = [&](WriteJob& job, int status, const std::string& body) {
        if (status >= 200 && status < 300) {
            if (job.kind == WriteKind::Insert) {
                const json created = json::parse(body, nullptr, false);
                const json* item = &created;
                if (created.is_object() && created.contains("d")) {
                    item = &created["d"];
                }
                std::vector<Value> key;
                if (m_keyIsId) {
                    const auto id = item->is_object() && item->contains("ID") ? item->find("ID")
                                                                              : item->find("Id");
                    if (!item->is_object() || id == item->end() || !id->is_number_integer()) {
                        job.outcome =
                            net::writeFailure(ErrorCode::ItemFailed,
                                              "SharePoint created the item but did not say its ID");
                        return;
                    }
                    key.emplace_back(id->get<std::int64_t>());
                } else {
                    key = job.givenKey;
                }
                job.outcome = net::writeSuccess(std::move(key));
            } else {
                job.outcome =
                    net::writeSuccess(m_keyIsId ? std::vector<Value>{Value(job.id)} : job.givenKey);
            }
            return;
        }
        const ServiceError error = serviceError(body);
        const std::string message =
            redact(error.message.empty() ? "HTTP " + std::to_string(status) : error.message);
        if (status == 404) {
            job.outcome =
                job.kind == WriteKind::Delete
                    ? net::writeSuccess(m_keyIsId ? std::vector<Value>{Value(job.id)}
                                                  : job.givenKey)
                    : net::writeFailure(ErrorCode::ItemFailed,
                                        "item " + std::to_string(job.id) +
                                            " no longer exists in the list '" + listTitle + "'");
            return;
        }
        if (status == 429 || status == 503 || status == 502 || status == 504 || status == 0) {
            return;  // sent again in the next round
        }
        if (status == 412) {
            job.outcome =
                net::writeFailure(ErrorCode::ItemFailed,
                                  "item " + std::to_string(job.id) +
                                      " was changed by someone else at the same time: " + message);
            return;
        }
        const bool validation = net::containsIgnoreCase(error.code, "Validation") ||
                                net::containsIgnoreCase(message, "required") ||
                                net::containsIgnoreCase(message, "unique") ||
                                net::containsIgnoreCase(message, "duplicate");
        const bool tooLong = net::containsIgnoreCase(message, "too long") ||
                             net::containsIgnoreCase(message, "exceeds the maximum length") ||
                             net::containsIgnoreCase(message, "maximum length");
        job.outcome = net::writeFailure(tooLong      ? ErrorCode::ValueTooLong
                                        : validation ? ErrorCode::ConstraintViolation
                                                     : ErrorCode::ItemFailed,
                                        "SharePoint refused the item: " + message);
    };
    for (int round = 0; round < kWriteRounds; ++round) {
        std::vector<WriteJob*> open;
        for (auto& job : jobs) {
            if (!job.outcome) {
                open.push_back(&job);
            }
        }
        if (open.empty()) {
            break;
        }
        if (round > 0) {
            // Parts throttled inside a batch: wait as the service asked before sending again.
            std::chrono::milliseconds delay{0};
            for (const WriteJob* job : open) {
                delay = std::max(delay, connection().pacer().delayFor(job->retryAnswer, round));
            }
            wait(delay);
        }
        // $batch requests of at most BatchSize operations, with bodies under SharePoint's ~1 MB
        // batch limit.
        std::vector<std::pair<std::size_t, std::size_t>> groups;  // [first, last) of `open`
        for (std::size_t first = 0, last = 0; first < open.size(); first = last) {
            std::size_t bytes = 0;
            last = first;
            while (last < open.size() && last - first < settings.batchSize &&
                   (last == first || bytes + open[last]->body.size() < kMaxBatchBytes)) {
                bytes += open[last]->body.size() + 512;  // the part's headers
                ++last;
            }
            groups.emplace_back(first, last);
        }
        // Up to Concurrency requests in flight at once; their answers are read in order.
        for (std::size_t g0 = 0; g0 < groups.size(); g0 += settings.concurrency) {
            const std::size_t g1 = std::min(groups.size(), g0 + settings.concurrency);
            std::vector<net::HttpRequest> requests;
            for (std::size_t g = g0; g < g1; ++g) {
                std::vector<net::BatchPart> parts;
                for (std::size_t i = groups[g].first; i < groups[g].second; ++i) {
                    const WriteJob& job = *open[i];
                    net::BatchPart part;
                    part.headers = {{"Accept", std::string(kJsonType)}};
                    if (job.kind == WriteKind::Insert) {
                        part.method = "POST";
                        part.url = itemsBase;
                    } else {
                        // Inside a batch, X-HTTP-Method becomes the part's verb.
                        part.method = job.kind == WriteKind::Update ? "MERGE" : "DELETE";
                        part.url = itemsBase + "(" + std::to_string(job.id) + ")";
                        part.headers.emplace_back("IF-MATCH", "*");
                    }
                    if (job.kind != WriteKind::Delete) {
                        part.headers.emplace_back("Content-Type", std::string(kJsonType));
                        part.body = job.body;
                    }
                    parts.push_back(std::move(part));
                }
                const std::string id = std::to_string(round) + "_" + std::to_string(g);
                const std::string boundary = "batch_ferry_" + id;
                net::BatchWriteOptions options;
                options.changesetBoundary = "changeset_ferry_" + id;
                options.defaultContentType = std::string(kJsonType);
                net::HttpRequest request;
                request.method = "POST";
                request.url = batchUrl;
                request.headers = {{"Content-Type", net::batchContentType(boundary)},
                                   {"X-RequestDigest", connection().formDigest()}};
                request.body = net::writeBatchBody(parts, boundary, options);
                requests.push_back(std::move(request));
            }
            std::vector<net::HttpResponse> responses = connection().sendAll(requests);
            // An expired digest: renew it once and send those requests again.
            const auto expired = [](const net::HttpResponse& response) {
                return response.status == 403 &&
                       net::containsIgnoreCase(response.body, "-2130575252");
            };
            std::vector<std::size_t> refused;
            for (std::size_t r = 0; r < responses.size(); ++r) {
                if (expired(responses[r])) {
                    refused.push_back(r);
                }
            }
            if (!refused.empty()) {
                const std::string digest = connection().formDigest(true);
                std::vector<net::HttpRequest> again;
                for (const std::size_t r : refused) {
                    for (auto& [name, value] : requests[r].headers) {
                        if (name == "X-RequestDigest") {
                            value = digest;
                        }
                    }
                    again.push_back(requests[r]);
                }
                std::vector<net::HttpResponse> answers = connection().sendAll(std::move(again));
                for (std::size_t k = 0; k < refused.size(); ++k) {
                    responses[refused[k]] = std::move(answers[k]);
                }
            }
            for (std::size_t g = g0; g < g1; ++g) {
                const net::HttpResponse& response = responses[g - g0];
                const auto [first, last] = groups[g];
                const std::string type = response.header("Content-Type");
                if (type.find("multipart/") == std::string::npos) {
                    if (response.status == 401 || response.status == 403) {
                        throw readError("the list '" + listTitle + "'", response.status,
                                        response.body);
                    }
                    throw Error(ErrorCode::ConnectionFailed,
                                "SharePoint did not accept the changes to the list '" + listTitle +
                                    "' (HTTP " + std::to_string(response.status) + ")",
                                redact(serviceMessage(response.status, response.body)),
                                "try again later",
                                response.status == 429 || response.status >= 500);
                }
                const auto results = net::readBatchResponse(type, response.body);
                for (std::size_t r = 0; r < results.size() && first + r < last; ++r) {
                    WriteJob& job = *open[first + r];
                    interpret(job, results[r].status, results[r].body);
                    if (!job.outcome) {
                        job.retryAnswer.status = results[r].status;
                        job.retryAnswer.headers = results[r].headers;
                    }
                }
            }
        }
    }
    for (auto& job : jobs) {
        if (!job.outcome) {
            job.outcome =
                net::writeFailure(ErrorCode::ItemFailed,
                                  "SharePoint did not confirm the change after several attempts "
                                  "(the service was busy)");
        }
    }
}

std::vector<WriteOutcome> SharePointProvider::doWrite(const WriteBatch& batch) {
    const ProviderCapabilities capabilities = this->capabilities();
    if (!capabilities.writable) {
        throw Error(ErrorCode::NotUpdatable,
                    "the list cannot be written: " + capabilities.whyNotWritable);
    }
    describe();
    // Before `targets` points into m_fields: creating the origin field adds to it.
    const bool inserts =
        std::any_of(batch.items.begin(), batch.items.end(),
                    [](const WriteItem& item) { return item.kind == WriteKind::Insert; });
    const std::optional<FieldInfo> origin =
        inserts && ensureOriginField() ? std::optional<FieldInfo>(*m_originField) : std::nullopt;
    std::size_t longOrigins = 0;
    // Every written column must be a field of the list (not only of the select statement).
    std::vector<const FieldInfo*> targets;
    for (const auto& name : batch.columns) {
        const FieldInfo* target = nullptr;
        for (const auto& plan : m_columns) {
            if (plan.column.name == name) {
                target = &plan.field;
            }
        }
        if (target == nullptr) {
            for (const auto& field : m_fields) {
                if (equalsIgnoreCase(jsonName(field), name) ||
                    equalsIgnoreCase(field.internalName, name) ||
                    field.internalName == encodeInternalName(name)) {
                    target = &field;
                    break;
                }
            }
        }
        if (target == nullptr) {
            throw Error(ErrorCode::QueryFailed,
                        "the list '" + list().title + "' has no column '" + name + "'");
        }
        targets.push_back(target);
    }
    // Required fields that no written column fills: every insert would be refused.
    std::string missingRequired;
    for (const auto& field : m_fields) {
        if (!field.required || field.readOnly || field.hidden || !isMappable(field)) {
            continue;
        }
        const bool mapped = std::any_of(
            targets.begin(), targets.end(),
            [&field](const FieldInfo* t) { return t->internalName == field.internalName; });
        if (!mapped) {
            missingRequired += (missingRequired.empty() ? "" : ", ") +
                               ("'" + field.title + "' (" + jsonName(field) + ")");
        }
    }

    std::vector<WriteJob> jobs(batch.items.size());
    for (std::size_t i = 0; i < batch.items.size(); ++i) {
        const WriteItem& item = batch.items[i];
        WriteJob& job = jobs[i];
        job.item = i;
        job.kind = item.kind;
        if (item.kind == WriteKind::Insert) {
            for (const std::size_t index : m_keyColumns) {
                const std::string& keyName = m_columns[index].column.name;
                const auto at = std::find(batch.columns.begin(), batch.columns.end(), keyName);
                job.givenKey.push_back(
                    at != batch.columns.end() &&
                            static_cast<std::size_t>(at - batch.columns.begin()) <
                                item.values.size()
                        ? item.values[static_cast<std::size_t>(at - batch.columns.begin())]
                        : Value());
            }
            if (!missingRequired.empty()) {
                job.outcome = net::writeFailure(
                    ErrorCode::ConstraintViolation,
                    "the list requires the column " + missingRequired +
                        ", which the mapping does not fill: map a source column to it");
                continue;
            }
        } else {
            job.givenKey = item.key;
            if (m_keyIsId) {
                if (item.key.size() != 1 || item.key[0].isNull()) {
                    job.outcome = net::writeFailure(ErrorCode::ItemFailed, "the item has no ID");
                    continue;
                }
                std::string problem;
                FieldInfo idField;
                idField.kind = FieldKind::Integer;
                const auto id = jsonFor(item.key[0], idField, problem);
                if (!id || !id->is_number_integer()) {
                    job.outcome = net::writeFailure(
                        ErrorCode::ItemFailed,
                        "the item's ID '" + item.key[0].toDisplay() + "' is not a whole number");
                    continue;
                }
                job.id = id->get<std::int64_t>();
            }
        }
        if (item.kind == WriteKind::Delete) {
            continue;
        }
        if (item.values.size() != batch.columns.size()) {
            throw Error(ErrorCode::Internal, "a write item's values do not match its columns");
        }
        json body = json::object();
        for (std::size_t c = 0; c < targets.size() && !job.outcome; ++c) {
            const FieldInfo& field = *targets[c];
            const Value& value = item.values[c];
            if (field.readOnly || field.kind == FieldKind::Counter ||
                field.kind == FieldKind::Calculated) {
                continue;  // ID, Created, Modified, ...: SharePoint sets them
            }
            if (!item.changed.empty() && !item.changed[c]) {
                continue;  // MERGE leaves it as it is (e.g. a link's description)
            }
            if (value.isNull() && field.required) {
                job.outcome =
                    net::writeFailure(ErrorCode::ConstraintViolation,
                                      "the column '" + field.title + "' (" + jsonName(field) +
                                          ") is required and the value is empty");
                break;
            }
            if (field.kind == FieldKind::Text && !value.isNull()) {
                const std::int64_t limit = field.maxLength > 0 ? field.maxLength : 255;
                const auto length = static_cast<std::int64_t>(codePointCount(value.toDisplay()));
                if (length > limit) {
                    job.outcome = net::writeFailure(ErrorCode::ValueTooLong,
                                                    "the value for column '" + jsonName(field) +
                                                        "' has " + std::to_string(length) +
                                                        " characters; the column holds at most " +
                                                        std::to_string(limit));
                    break;
                }
            }
            std::string problem;
            // Binary into text: base64, which is what createEntity promises for such columns.
            auto literal = value.type() == ValueType::Binary &&
                                   (field.kind == FieldKind::Note || field.kind == FieldKind::Text)
                               ? std::optional<json>(net::base64Encode(std::string(
                                     value.asBinary().bytes.begin(), value.asBinary().bytes.end())))
                               : jsonFor(value, field, problem);
            if (!literal) {
                job.outcome = net::writeFailure(ErrorCode::ItemFailed,
                                                "column '" + jsonName(field) + "': " + problem);
                break;
            }
            body[jsonName(field)] = std::move(*literal);
        }
        if (origin && item.kind == WriteKind::Insert && !item.origin.empty()) {
            const std::int64_t limit = origin->maxLength > 0 ? origin->maxLength : 255;
            if (static_cast<std::int64_t>(codePointCount(item.origin)) <= limit) {
                body[jsonName(*origin)] = item.origin;
            } else {
                ++longOrigins;  // the item is still inserted, only without its origin
            }
        }
        job.body = body.dump();
    }
    if (longOrigins > 0) {
        spdlog::warn(
            "{} inserted item(s) have an origin longer than the column '{}' holds; they "
            "are inserted without it",
            longOrigins, origin->internalName);
    }
    if (!m_keyIsId) {
        resolveItemIds(jobs);
    }
    sendJobs(jobs);
    std::vector<WriteOutcome> outcomes;
    outcomes.reserve(jobs.size());
    for (auto& job : jobs) {
        outcomes.push_back(std::move(*job.outcome));
    }
    return outcomes;
}

// --- change tracking -------------------------------------------------------------------------

std::string SharePointProvider::currentChangeToken(std::int64_t* itemCount) {
    net::HttpRequest request;
    request.url = listApi() + "?$select=CurrentChangeToken" + (itemCount ? ",ItemCount" : "");
    const net::HttpResponse response = connection().send(std::move(request));
    if (!response.ok()) {
        throw readError("the change token of the list '" + m_list->title + "'", response.status,
                        response.body);
    }
    json body = json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("d")) {
        body = body["d"];
    }
    if (!body.is_object() || !body.contains("CurrentChangeToken") ||
        !body["CurrentChangeToken"].contains("StringValue")) {
        throw Error(ErrorCode::QueryFailed,
                    "SharePoint gave no change token for the list '" + m_list->title + "'");
    }
    if (itemCount != nullptr) {
        const auto count = body.find("ItemCount");
        *itemCount = count != body.end() && count->is_number_integer() ? count->get<std::int64_t>()
                                                                       : m_list->itemCount;
    }
    return body["CurrentChangeToken"]["StringValue"].get<std::string>();
}

std::size_t SharePointProvider::idsPerLookup(std::int64_t largestId) const {
    const std::string id = std::to_string(std::max<std::int64_t>(largestId, 1));
    const std::size_t base = itemsUrl(kMaxIdsPerLookup, "ID eq " + id).size();
    const std::size_t clause = encodeQueryValue(" or ID eq " + id).size();
    const std::size_t more = base < kMaxLookupUrl ? (kMaxLookupUrl - base) / clause : 0;
    return std::min(kMaxIdsPerLookup, 1 + more);
}

ChangeReadResult SharePointProvider::doReadChanges(const std::string& deltaToken,
                                                   const PageSink& sink,
                                                   const DeletedKeySink& deleted) {
    describe();
    ChangeReadResult result;
    const auto fullRead = [&](std::string token) {
        // The token is taken before reading: a change made while reading shows again next
        // time (harmless), none is lost.
        result.deltaToken = std::move(token);
        result.delta = false;
        doRead(ReadRequest{}, sink);
        return result;
    };
    if (deltaToken.empty() || !m_keyIsId) {
        return fullRead(currentChangeToken());
    }
    const std::size_t pageSize = std::min<std::size_t>(connectionSettings().pageSize, 5000);
    // Collect the change log from the token on; the last change per item decides.
    std::map<std::int64_t, ChangeType> changes;
    std::string token = deltaToken;
    std::optional<std::int64_t> itemCount;  // asked for once the changes need several lookups
    std::string freshToken;                 // taken with itemCount
    while (true) {
        json query = {{"Item", true},
                      {"Add", true},
                      {"Update", true},
                      {"DeleteObject", true},
                      {"Restore", true},
                      {"FetchLimit", kFetchLimit},
                      {"ChangeTokenStart", {{"StringValue", token}}}};
        net::HttpRequest request;
        request.method = "POST";
        request.url = listApi() + "/GetChanges";
        request.headers = {{"Content-Type", std::string(kJsonType)},
                           {"X-RequestDigest", connection().formDigest()}};
        request.body = json{{"query", query}}.dump();
        const net::HttpResponse response = connection().send(std::move(request));
        if (response.status == 401 || response.status == 429 || response.status == 503) {
            throw readError("the change log of the list '" + m_list->title + "'", response.status,
                            response.body);
        }
        if (!response.ok()) {
            // An expired or unknown token: the change log cannot say what changed.
            spdlog::warn(
                "SharePoint refused the change token for the list '{}' ({}); reading "
                "the whole list",
                m_list->title, redact(serviceMessage(response.status, response.body)));
            return fullRead(currentChangeToken());
        }
        const json body = json::parse(response.body, nullptr, false);
        const json& entries = itemsOf(body);
        for (const auto& entry : entries) {
            if (!entry.is_object()) {
                continue;
            }
            const auto type = static_cast<ChangeType>(entry.value("ChangeType", 0));
            const std::int64_t id = entry.value("ItemId", std::int64_t{0});
            if (id > 0 && (type == ChangeType::Add || type == ChangeType::Update ||
                           type == ChangeType::DeleteObject || type == ChangeType::Restore)) {
                changes[id] = type;
            }
            if (entry.contains("ChangeToken") && entry["ChangeToken"].contains("StringValue")) {
                token = entry["ChangeToken"]["StringValue"].get<std::string>();
            }
        }
        // When the change log names a large share of the list (after a first sync it names
        // every item), reading the whole list is cheaper than looking the items up: 12,000
        // changed items are 240 lookups of 50 IDs, a full read 3 pages of 5,000. A full read
        // (delta = false: the engine takes items not read as deleted) is chosen when it needs no
        // more requests than the lookups and returns at most four times the items they would
        // (more than a quarter of ItemCount changed). Changes that fit one lookup never
        // switch (a full read is one request at least). Decided as the change log comes in, so
        // a huge log is not read to its end; the token comes from before the full read.
        const auto upserts = static_cast<std::size_t>(std::count_if(
            changes.begin(), changes.end(),
            [](const auto& change) { return change.second != ChangeType::DeleteObject; }));
        const std::size_t perLookup =
            changes.empty() ? kMaxIdsPerLookup : idsPerLookup(changes.rbegin()->first);
        if (upserts > perLookup) {
            if (!itemCount) {
                itemCount.emplace(0);
                freshToken = currentChangeToken(&*itemCount);
            }
            const auto items = static_cast<std::size_t>(std::max<std::int64_t>(*itemCount, 0));
            const std::size_t lookups = (upserts + perLookup - 1) / perLookup;
            const std::size_t pages = std::max<std::size_t>(1, (items + pageSize - 1) / pageSize);
            if (upserts * 4 > items && lookups >= pages) {
                spdlog::info(
                    "{} of the {} items of the list '{}' changed; reading the whole list "
                    "instead of looking them up",
                    upserts, items, m_list->title);
                return fullRead(freshToken);
            }
        }
        if (entries.size() < static_cast<std::size_t>(kFetchLimit)) {
            break;
        }
    }
    result.delta = true;
    result.deltaToken = token;

    std::vector<std::int64_t> upserts;
    std::vector<std::int64_t> removed;
    for (const auto& [id, type] : changes) {
        (type == ChangeType::DeleteObject ? removed : upserts).push_back(id);
    }
    // Changed items, fetched by ID through the select's own filter: one that no longer matches
    // it has left the entity, like a deleted one.
    const std::size_t perLookup = upserts.empty() ? 1 : idsPerLookup(upserts.back());
    for (std::size_t first = 0; first < upserts.size(); first += perLookup) {
        const std::size_t last = std::min(upserts.size(), first + perLookup);
        std::string filter;
        for (std::size_t i = first; i < last; ++i) {
            filter += (i == first ? "" : " or ") + ("ID eq " + std::to_string(upserts[i]));
        }
        std::vector<std::int64_t> seen;
        if (!streamPages(itemsUrl(perLookup, filter), SIZE_MAX, sink, &seen)) {
            return result;
        }
        std::sort(seen.begin(), seen.end());
        for (std::size_t i = first; i < last; ++i) {
            if (!std::binary_search(seen.begin(), seen.end(), upserts[i])) {
                removed.push_back(upserts[i]);
            }
        }
    }
    if (!removed.empty()) {
        std::vector<std::vector<Value>> keys;
        keys.reserve(removed.size());
        for (const std::int64_t id : removed) {
            keys.push_back({Value(id)});
        }
        deleted(keys);
    }
    return result;
}

// --- the origin field and creating the list --------------------------------------------------

namespace {

constexpr std::string_view kVerboseType = "application/json;odata=verbose";

// The object of a verbose ({"d": {...}}) or light answer.
json entityOf(const std::string& body) {
    json parsed = json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("d") && parsed["d"].is_object()) {
        return parsed["d"];
    }
    return parsed.is_object() ? parsed : json::object();
}

std::string lowerAscii(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// What one source column becomes: the SP.Field body (without Title) and how it reads.
struct FieldPlan {
    json body;
    std::string description;  // "Text(100)", "Choice (Open, Closed)", ...
    std::vector<std::string> notes;
};

FieldPlan planField(const Column& column, bool onlyKey) {
    FieldPlan plan;
    const std::string native = lowerAscii(column.nativeType);
    const bool money = native.find("money") != std::string::npos;
    const bool label = native == "formatted label";
    const std::string who = "'" + column.name + "'";
    const auto text = [&plan](std::int64_t length) {
        plan.body = {{"__metadata", {{"type", "SP.FieldText"}}},
                     {"FieldTypeKind", static_cast<int>(FieldKind::Text)},
                     {"MaxLength", length}};
        plan.description = "Text(" + std::to_string(length) + ")";
    };
    const auto note = [&plan]() {
        // Plain text: a rich-text Note would hand back HTML instead of the value written.
        plan.body = {{"__metadata", {{"type", "SP.FieldMultiLineText"}}},
                     {"FieldTypeKind", static_cast<int>(FieldKind::Note)},
                     {"NumberOfLines", 6},
                     {"RichText", false}};
        plan.description = "Note";
    };
    const auto number = [&plan](FieldKind kind) {
        const bool currency = kind == FieldKind::Currency;
        plan.body = {{"__metadata", {{"type", currency ? "SP.FieldCurrency" : "SP.FieldNumber"}}},
                     {"FieldTypeKind", static_cast<int>(kind)}};
        plan.description = currency ? "Currency" : "Number";
    };
    if (!column.key && (label || !column.choices.empty())) {
        json choices = {{"__metadata", {{"type", "Collection(Edm.String)"}}},
                        {"results", column.choices}};
        plan.body = {{"__metadata", {{"type", "SP.FieldChoice"}}},
                     {"FieldTypeKind", static_cast<int>(FieldKind::Choice)},
                     {"Choices", std::move(choices)},
                     {"FillInChoice", column.choices.empty()}};
        std::string list;
        for (std::size_t i = 0; i < column.choices.size() && i < 5; ++i) {
            list += (i == 0 ? "" : ", ") + column.choices[i];
        }
        if (column.choices.size() > 5) {
            list += ", … (" + std::to_string(column.choices.size()) + " choices)";
        }
        plan.description = "Choice (" + (list.empty() ? std::string("any value") : list) + ")";
        return plan;
    }
    switch (column.type) {
        case ValueType::String:
            if (column.length >= 1 && column.length <= 255) {
                text(column.length);
            } else if (column.key) {
                text(255);
                plan.notes.push_back(who +
                                     " is a key column, so it became an indexed Text(255) "
                                     "column: longer values cannot be stored");
            } else {
                note();
            }
            break;
        case ValueType::Int:
        case ValueType::Decimal:
        case ValueType::Double:
            number(money ? FieldKind::Currency : FieldKind::Number);
            if (column.type == ValueType::Int || column.precision > 15) {
                plan.notes.push_back(who + ": SharePoint numbers keep about 15 significant digits");
            }
            break;
        case ValueType::Bool:
            plan.body = {{"__metadata", {{"type", "SP.Field"}}},
                         {"FieldTypeKind", static_cast<int>(FieldKind::Boolean)}};
            plan.description = "Yes/No (Boolean)";
            break;
        case ValueType::DateTime:
        case ValueType::Date: {
            const bool dateOnly = column.type == ValueType::Date;
            // SP.DateTimeFieldFormatType: 0 DateOnly, 1 DateTime.
            plan.body = {{"__metadata", {{"type", "SP.FieldDateTime"}}},
                         {"FieldTypeKind", static_cast<int>(FieldKind::DateTime)},
                         {"DisplayFormat", dateOnly ? 0 : 1}};
            plan.description = dateOnly ? "DateTime (date only)" : "DateTime";
            break;
        }
        case ValueType::Guid:
            text(36);
            break;
        case ValueType::Binary:
            note();
            if (column.key) {
                plan.notes.push_back(who + " is a key column, but a Note column cannot be indexed");
            }
            plan.notes.push_back(who + " holds binary data: it is stored as base64 text");
            break;
        default:
            text(255);
            plan.notes.push_back(who + " (" +
                                 (column.nativeType.empty() ? std::string(toString(column.type))
                                                            : column.nativeType) +
                                 ") has no SharePoint counterpart: it became a Text column");
            break;
    }
    const bool indexable = plan.description.rfind("Note", 0) != 0;
    if (column.key && indexable) {
        plan.body["Indexed"] = true;
        plan.description += ", indexed";
        if (onlyKey) {
            plan.body["EnforceUniqueValues"] = true;
            plan.description += ", unique";
        }
    }
    plan.body["Required"] = false;
    return plan;
}

}  // namespace

net::HttpResponse SharePointProvider::sendVerbose(const std::string& url, const std::string& body,
                                                  bool merge) {
    net::HttpResponse response;
    for (int digestTry = 0; digestTry < 2; ++digestTry) {
        net::HttpRequest request;
        request.method = "POST";
        request.url = url;
        request.headers = {{"Accept", std::string(kVerboseType)},
                           {"Content-Type", std::string(kVerboseType)},
                           {"X-RequestDigest", connection().formDigest(digestTry > 0)}};
        if (merge) {
            request.headers.emplace_back("X-HTTP-Method", "MERGE");
            request.headers.emplace_back("IF-MATCH", "*");
        }
        request.body = body;
        response = connection().send(std::move(request));
        if (!(response.status == 403 && net::containsIgnoreCase(response.body, "-2130575252"))) {
            break;
        }
    }
    return response;
}

bool SharePointProvider::ensureOriginField() {
    const std::string& name = connectionSettings().originField;
    if (name.empty() || m_originUnavailable) {
        return false;
    }
    if (m_originField) {
        return true;
    }
    // Hidden (not in forms and views), indexed (found quickly on big lists), never required.
    // SharePoint takes the internal name from the Title given at creation.
    const json body = {{"__metadata", {{"type", "SP.FieldText"}}},
                       {"Title", name},
                       {"FieldTypeKind", static_cast<int>(FieldKind::Text)},
                       {"MaxLength", 255},
                       {"Hidden", true},
                       {"Indexed", true},
                       {"Required", false}};
    const net::HttpResponse response = sendVerbose(listApi() + "/fields", body.dump());
    if (response.ok()) {
        FieldInfo field = fieldFromJson(entityOf(response.body));
        if (!field.internalName.empty()) {
            spdlog::info(
                "Added the hidden column '{}' to the list '{}': it keeps where each "
                "item Ferry inserts came from",
                field.internalName, list().title);
            m_fields.push_back(field);
            m_originField = std::make_unique<FieldInfo>(std::move(field));
            return true;
        }
    } else if (response.status == 400 || response.status == 409) {
        // Made meanwhile (another run): use it.
        for (const auto& field : fetchFields()) {
            if (equalsIgnoreCase(field.internalName, name)) {
                m_fields.push_back(field);
                m_originField = std::make_unique<FieldInfo>(field);
                return true;
            }
        }
    }
    spdlog::warn(
        "SharePoint did not let Ferry add the hidden column '{}' to the list '{}' ({}). "
        "Items are inserted without their origin, so if a run is interrupted after "
        "inserting, the next run may insert some of them again. Ask the list's owner "
        "to allow it, or set OriginField=none.",
        name, list().title, redact(serviceMessage(response.status, response.body)));
    m_originUnavailable = true;
    return false;
}

bool SharePointProvider::doEntityExists() {
    try {
        list();
        return true;
    } catch (const Error& error) {
        if (error.code() == ErrorCode::EntityNotFound) {
            return false;
        }
        throw;
    }
}

CreatedEntity SharePointProvider::doCreateEntity(const std::vector<Column>& columns) {
    const ListLocation& location = connectionSettings().location;
    std::string title = location.title;
    if (title.empty()) {
        // A URL-named list: SharePoint puts a new custom list at <site>/Lists/<title>, so the
        // title is the URL's list name and nothing else fits.
        const std::string prefix = location.sitePath + "/Lists/";
        const std::string name =
            location.listPath.size() > prefix.size() &&
                    equalsIgnoreCase(location.listPath.substr(0, prefix.size()), prefix)
                ? location.listPath.substr(prefix.size())
                : std::string();
        if (name.empty() || name.find('/') != std::string::npos) {
            throw Error(ErrorCode::InvalidArgument,
                        "Ferry can only create a list whose address is <site>/Lists/<name>, not " +
                            location.listPath,
                        {},
                        "use a URL like " + location.siteUrl() +
                            "/Lists/<name>/AllItems.aspx, or the site's URL with "
                            "List=<title>");
        }
        title = name;
    }
    if (doEntityExists()) {
        throw Error(ErrorCode::InvalidArgument, "the list '" + title + "' already exists", {},
                    "sync into the existing list, or choose another name");
    }
    const auto refused = [this](const std::string& what, const net::HttpResponse& response) {
        const std::string detail = redact(serviceMessage(response.status, response.body));
        if (response.status == 401 || response.status == 403) {
            return Error(ErrorCode::AuthenticationFailed,
                         "SharePoint did not allow " + what + " (HTTP " +
                             std::to_string(response.status) + ")",
                         detail,
                         "the user or application needs permission to manage lists on the site "
                         "(Edit or Full Control)");
        }
        if (response.status == 429 || response.status >= 500) {
            return Error(ErrorCode::ConnectionFailed,
                         "SharePoint could not answer for " + what + " (HTTP " +
                             std::to_string(response.status) + ")",
                         detail, "try again later", true);
        }
        return Error(ErrorCode::InvalidArgument, "SharePoint refused " + what + ": " + detail,
                     detail);
    };

    // The list. SP.List needs the verbose format to name its type.
    const json listBody = {{"__metadata", {{"type", "SP.List"}}},
                           {"AllowContentTypes", true},
                           {"BaseTemplate", 100},
                           {"ContentTypesEnabled", false},
                           {"Description", "Created by Ferry"},
                           {"Title", title}};
    const net::HttpResponse made =
        sendVerbose(location.siteUrl() + "/_api/web/lists", listBody.dump());
    if (!made.ok()) {
        if (net::containsIgnoreCase(made.body, "already exists")) {
            throw Error(ErrorCode::InvalidArgument, "the list '" + title + "' already exists",
                        redact(serviceMessage(made.status, made.body)),
                        "sync into the existing list, or choose another name");
        }
        throw refused("creating the list '" + title + "'", made);
    }
    m_list.reset();
    m_fields.clear();
    m_originField.reset();
    list();  // the new list, found the way every later call finds it

    CreatedEntity created;
    created.name = "list '" + title + "'";
    const std::string fieldsUrl = listApi() + "/fields";
    const std::size_t keyCount = static_cast<std::size_t>(
        std::count_if(columns.begin(), columns.end(), [](const Column& c) { return c.key; }));
    bool titleMapped = false;
    for (const Column& column : columns) {
        const std::string displayName =
            column.displayName.empty() ? column.name : column.displayName;
        if (equalsIgnoreCase(column.name, "Title")) {
            // The list's own Title column (Text(255), required) takes this one.
            titleMapped = true;
            if (column.nullable) {
                const net::HttpResponse merged = sendVerbose(
                    fieldsUrl + "/getbyinternalnameortitle('Title')",
                    json{{"__metadata", {{"type", "SP.Field"}}}, {"Required", false}}.dump(), true);
                if (!merged.ok()) {
                    throw refused("changing the column 'Title'", merged);
                }
            }
            created.columns.push_back(column.name + " → Text(255) (the list's own Title column" +
                                      std::string(column.nullable ? "" : ", required") + ")");
            if (column.length > 255 || (column.type == ValueType::String && column.length == 0)) {
                created.notes.push_back("'" + column.name +
                                        "' went into the list's Title column, which holds at "
                                        "most 255 characters");
            }
            continue;
        }
        FieldPlan plan = planField(column, keyCount == 1);
        // SharePoint takes the internal name from the Title given at creation (encoding what a
        // name cannot hold as _xHHHH_, cutting it to 32 characters); InternalName and
        // StaticName in the body do not change it. So the field is made with the column's name
        // as its title, and then retitled with the display name.
        plan.body["Title"] = column.name;
        const net::HttpResponse response = sendVerbose(fieldsUrl, plan.body.dump());
        if (!response.ok()) {
            Error error = refused("creating the column '" + column.name + "'", response);
            if (error.code() == ErrorCode::InvalidArgument) {
                error = Error(ErrorCode::InvalidArgument,
                              "the column '" + column.name + "' could not be made (" +
                                  plan.description + "): " + error.detail(),
                              error.detail(),
                              "the list '" + title +
                                  "' was made with the columns before it; delete the list "
                                  "before trying again");
            }
            throw error;
        }
        const json madeField = entityOf(response.body);
        const FieldInfo field = fieldFromJson(madeField);
        if (displayName != column.name) {
            const std::string id = madeField.value("Id", std::string());
            const std::string fieldUrl =
                id.empty() ? fieldsUrl + "/getbyinternalnameortitle(" +
                                 encodeQueryValue(quoteLiteral(field.internalName)) + ")"
                           : fieldsUrl + "(guid'" + id + "')";
            const net::HttpResponse retitled = sendVerbose(
                fieldUrl,
                json{{"__metadata", {{"type", "SP.Field"}}}, {"Title", displayName}}.dump(), true);
            if (!retitled.ok()) {
                created.notes.push_back("the column '" + column.name +
                                        "' keeps that name as its title: SharePoint refused '" +
                                        displayName + "'");
            }
        }
        std::string line = column.name + " → " + plan.description;
        if (!field.internalName.empty() && field.internalName != column.name) {
            line += " (internal name " + field.internalName + ")";
        }
        if (!field.internalName.empty() && field.internalName != encodeInternalName(column.name)) {
            created.notes.push_back("SharePoint named the column '" + column.name + "' " +
                                    field.internalName +
                                    " (the name is taken or longer than 32 characters); map "
                                    "to that name");
        }
        created.columns.push_back(std::move(line));
        for (auto& note : plan.notes) {
            created.notes.push_back(std::move(note));
        }
    }
    if (!titleMapped) {
        const net::HttpResponse merged = sendVerbose(
            fieldsUrl + "/getbyinternalnameortitle('Title')",
            json{{"__metadata", {{"type", "SP.Field"}}}, {"Required", false}}.dump(), true);
        if (!merged.ok()) {
            throw refused("changing the column 'Title'", merged);
        }
        created.notes.push_back(
            "no source column is named Title, so the list's own Title column was made optional "
            "(items can be created without it)");
    }
    if (ensureOriginField()) {
        created.columns.push_back(m_originField->internalName +
                                  " → Text(255), hidden, indexed (where each item came from)");
    }
    m_fields.clear();  // describe() reads the new fields
    spdlog::info("Created the SharePoint list '{}' with {} column(s)", title,
                 created.columns.size());
    return created;
}

// --- registration ----------------------------------------------------------------------------

ProviderInfo providerInfo() {
    ProviderInfo info;
    info.name = "sharepoint";
    info.displayName = "SharePoint Online lists";
    info.description =
        "Reads and writes the items of one SharePoint Online list through SharePoint REST. The "
        "connection string names the list by its address "
        "(URL=https://contoso.sharepoint.com/sites/sales/Lists/Accounts/AllItems.aspx;"
        "Authentication=Microsoft_Modern;User=admin@contoso.com;) or the site and its title "
        "(List=Accounts); the password comes from the credential store. The select statement is "
        "OData options for the items, e.g. $select=Title,Account_x0020_Number&$filter=Status eq "
        "'Open' (empty: every visible column). Columns are named by their internal names; "
        "lookups and persons by <Name>Id. Ferry pages by ID past the 5,000-item list view "
        "threshold, writes in $batch requests with one outcome per item, and reads only changes "
        "through the list's change log.";
    info.keys = connectionKeys();
    info.factory = [](const ProviderSettings& settings) -> std::unique_ptr<Provider> {
        return std::make_unique<SharePointProvider>(settings);
    };
    return info;
}

}  // namespace ferry::sharepoint
