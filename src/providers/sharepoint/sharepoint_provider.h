// The SharePoint provider's registration entry and the provider class (the rest is private to it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ferry/provider.h"

namespace ferry::net {
struct HttpResponse;
}

namespace ferry::sharepoint {

// Name "sharepoint", its connection-string keys and its factory.
ProviderInfo providerInfo();

class Connection;
struct ConnectionSettings;
struct SelectStatement;
struct FieldInfo;
struct ListInfo;

// The items of one SharePoint Online list, through SharePoint REST (`/_api/web/...`). Connects
// lazily; the list's properties and fields are fetched once per provider. The list is addressed
// by its GUID after the first lookup, so renames during a run do not matter.
class SharePointProvider final : public Provider {
public:
    explicit SharePointProvider(ProviderSettings settings);
    ~SharePointProvider() override;

    // writable=false with whyNotWritable when the connection string or select is invalid;
    // supportsChangeTracking when the key is the list's own ID (deleted items are reported by
    // ID only); maxBatchSize = BatchSize × Concurrency (one engine batch fills every $batch request
    // in flight), defaultPageSize = PageSize; recordsOrigin unless OriginField=none (inserts fill
    // the hidden origin field, created on the first insert; when SharePoint refuses to create it, a
    // warning is logged and items go without origins); canCreateEntity when the connection string
    // is valid.
    ProviderCapabilities capabilities() const override;

private:
    // Throws InvalidConnectionString, ConnectionFailed ("Could not reach …"),
    // AuthenticationFailed, EntityNotFound (with the closest list title), QueryFailed (the
    // select's $filter/$orderby refused, e.g. by the list view threshold).
    void doVerify() override;
    Schema doDescribe() override;
    void doRead(const ReadRequest& request, const PageSink& sink) override;
    std::vector<WriteOutcome> doWrite(const WriteBatch& batch) override;
    ChangeReadResult doReadChanges(const std::string& deltaToken, const PageSink& sink,
                                   const DeletedKeySink& deleted) override;
    // False when the list the URL or List= names does not exist (not EntityNotFound).
    bool doEntityExists() override;
    // Makes a custom list (BaseTemplate 100) titled after the URL's list name or List=, one field
    // per column (named after Column::name, titled Column::displayName), the origin field, and
    // makes the built-in Title optional unless a column is named Title. Throws
    // InvalidArgument when the list exists, when the URL is not <site>/Lists/<name>, or when
    // SharePoint refuses a column; AuthenticationFailed when the user may not create lists.
    CreatedEntity doCreateEntity(const std::vector<Column>& columns) override;

    struct ColumnPlan;
    struct WriteJob;

    const SelectStatement& select() const;
    const ConnectionSettings& connectionSettings() const;
    Connection& connection();
    const ListInfo& list();
    std::string listApi();  // {site}/_api/web/lists(guid'…')
    std::vector<FieldInfo> fetchFields();
    // Makes sure the list has the origin field (creating it when missing); false when origins
    // are off or SharePoint refused to create it (logged once).
    bool ensureOriginField();
    // POST (or MERGE) with a verbose body: derived SharePoint types (SP.FieldChoice, ...) can
    // only be named through "__metadata". Renews an expired form digest once.
    net::HttpResponse sendVerbose(const std::string& url, const std::string& body,
                                  bool merge = false);
    // The list's CurrentChangeToken; with itemCount, also its ItemCount (one request).
    std::string currentChangeToken(std::int64_t* itemCount = nullptr);
    // How many `ID eq <largestId>` clauses an items URL can carry (see kMaxLookupUrl), >= 1.
    std::size_t idsPerLookup(std::int64_t largestId) const;
    // The $filter of the view the URL names (GetViewFromUrl → ViewQuery), when it has one that
    // OData can express; logs a warning when it cannot.
    void loadViewFilter();
    std::string itemsUrl(std::size_t pageSize, const std::string& extraFilter) const;
    // Reads pages from `url` on, following odata.nextLink; stops after `limit` rows. Returns
    // false when the sink cancelled. `seen` (optional) collects the IDs read.
    bool streamPages(std::string url, std::size_t limit, const PageSink& sink,
                     std::vector<std::int64_t>* seen);
    std::vector<Record> parsePage(const std::string& body, std::string& nextLink,
                                  std::vector<std::int64_t>* seen) const;
    void resolveItemIds(std::vector<WriteJob>& jobs);
    void sendJobs(std::vector<WriteJob>& jobs);
    Error readError(const std::string& what, int status, const std::string& body) const;
    Error listNotFound(const std::string& detail);
    std::string redact(std::string text) const;

    ProviderSettings m_settings;
    std::unique_ptr<ConnectionSettings> m_connectionSettings;
    std::unique_ptr<Error> m_settingsError;
    std::unique_ptr<SelectStatement> m_select;
    std::unique_ptr<Error> m_selectError;
    std::unique_ptr<Connection> m_connection;
    std::unique_ptr<ListInfo> m_list;
    std::vector<FieldInfo> m_fields;           // every field of the list
    std::unique_ptr<FieldInfo> m_originField;  // the list's origin field, when it has one
    bool m_originUnavailable = false;          // SharePoint refused to create it
    std::vector<ColumnPlan> m_columns;         // aligned with describe()'s columns
    std::vector<std::size_t> m_keyColumns;     // schema key columns
    std::string m_viewFilter;  // the view's own filter as OData, ANDed with the select's
    bool m_keyIsId = true;
    std::size_t m_idColumn = 0;
    bool m_described = false;
};

}  // namespace ferry::sharepoint
