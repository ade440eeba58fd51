// The SharePoint provider's registration entry and the provider class (the rest is private to it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ferry/provider.h"

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
    // ID only); maxBatchSize = BatchSize, defaultPageSize = PageSize.
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

    struct ColumnPlan;
    struct WriteJob;

    const SelectStatement& select() const;
    const ConnectionSettings& connectionSettings() const;
    Connection& connection();
    const ListInfo& list();
    std::string listApi();  // {site}/_api/web/lists(guid'…')
    std::vector<FieldInfo> fetchFields();
    std::string currentChangeToken();
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
    std::vector<FieldInfo> m_fields;        // every field of the list
    std::vector<ColumnPlan> m_columns;      // aligned with describe()'s columns
    std::vector<std::size_t> m_keyColumns;  // schema key columns
    std::string m_viewFilter;  // the view's own filter as OData, ANDed with the select's
    bool m_keyIsId = true;
    std::size_t m_idColumn = 0;
    bool m_described = false;
};

}  // namespace ferry::sharepoint
