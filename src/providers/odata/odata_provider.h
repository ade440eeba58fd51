// The OData provider's registration entry and the provider class (the rest is private to it).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ferry/provider.h"

namespace ferry::odata {

// Name "odata", its connection-string keys and its factory.
ProviderInfo providerInfo();

class Connection;
struct ConnectionSettings;
struct SelectStatement;
struct ServiceModel;
struct PageLayout;
struct ParsedPage;

// One entity set of Dynamics 365 (Dataverse) or of any OData v4 service. Connects lazily; the
// parsed $metadata and Dataverse attribute metadata are fetched once per provider.
class ODataProvider final : public Provider {
public:
    explicit ODataProvider(ProviderSettings settings);
    ~ODataProvider() override;

    // writable=false with whyNotWritable for $expand/$apply selects and read-only entity sets;
    // supportsChangeTracking once describe() found change tracking on the set and the select
    // allows it (no $filter/$orderby/$top/$expand/$apply, the entity's own key).
    ProviderCapabilities capabilities() const override;

private:
    // Throws InvalidConnectionString, ConnectionFailed ("Could not reach …"),
    // AuthenticationFailed, EntityNotFound (with the closest entity set name), QueryFailed (the
    // service's message for the select statement).
    void doVerify() override;
    Schema doDescribe() override;
    void doRead(const ReadRequest& request, const PageSink& sink) override;
    std::vector<WriteOutcome> doWrite(const WriteBatch& batch) override;
    // ReplicationKey: the GUID an insert with this origin gets (see replicationGuid()).
    std::optional<std::vector<Value>> doKeyForOrigin(const std::string& origin) const override;
    bool derivesKeys() const;
    ChangeReadResult doReadChanges(const std::string& deltaToken, const PageSink& sink,
                                   const DeletedKeySink& deleted) override;

    struct ColumnPlan;
    struct WriteJob;
    struct PageRequest {
        std::string url;
        std::string prefer;
    };

    const SelectStatement& select() const;
    const ConnectionSettings& connectionSettings() const;
    Connection& connection();
    const ServiceModel& model();
    std::string readUrl(bool withTop) const;
    std::string preferHeader(std::size_t pageSize, bool trackChanges) const;
    std::string fetchPage(const PageRequest& request);  // the answer's body
    // Streams pages from `first` on; an unbounded read sends each next request from the fetching
    // thread as soon as a page has arrived (one request in flight, pages parsed and sunk
    // meanwhile). Returns the last page's delta link; stops after `limit` rows. false in
    // `completed` when the sink cancelled.
    std::string streamPages(PageRequest first, std::size_t limit, const PageSink& sink,
                            const DeletedKeySink* deleted, bool& completed);
    std::string entityUrl(const std::vector<std::string>& keyLiterals) const;
    std::vector<WriteOutcome> sendJobs(std::vector<WriteJob>& jobs, const WriteBatch& batch);
    void resolveKeys(const WriteBatch& batch, std::vector<WriteJob>& jobs);
    Error readError(const std::string& what, int status, const std::string& body) const;
    std::string redact(std::string text) const;

    ProviderSettings m_settings;
    std::unique_ptr<ConnectionSettings> m_connectionSettings;
    std::unique_ptr<Error> m_settingsError;
    std::unique_ptr<SelectStatement> m_select;
    std::unique_ptr<Error> m_selectError;
    std::unique_ptr<Connection> m_connection;
    std::unique_ptr<ServiceModel> m_model;
    std::unique_ptr<PageLayout> m_layout;
    std::vector<ColumnPlan> m_columns;      // aligned with describe()'s columns
    std::vector<std::string> m_entityKey;   // the entity type's key properties
    std::vector<std::size_t> m_keyColumns;  // schema key columns
    bool m_keyIsEntityKey = false;
    bool m_changeTracking = false;
    bool m_hasLabels = false;
    bool m_described = false;
    bool m_setReadOnly = false;
    bool m_batchUnsupported = false;
};

}  // namespace ferry::odata
