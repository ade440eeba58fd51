// The SharePoint REST surface under {site}/_api: lists, fields, items, writes, $batch, changes.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "sharepoint_emulator.h"
#include "sp_list.h"
#include "sp_text.h"

namespace ferry::emulator::sp {

// One request below {site}/_api/, already authenticated by the HTTP layer.
struct ServiceRequest {
    std::string method;  // the effective verb: GET POST MERGE PATCH PUT DELETE
    std::string path;    // decoded, below "_api/" (e.g. "web/lists/GetByTitle('A')/items")
    NameValues query;    // decoded query options, in order
    NameValues headers;  // request headers as sent
    std::string body;
    std::string siteUrl;       // absolute, e.g. http://127.0.0.1:PORT/sites/sales
    int user = 1;              // site user id of the caller
    bool needsDigest = false;  // no Bearer token: writes need a valid X-RequestDigest

    std::string header(std::string_view name) const;
};

struct ServiceResponse {
    int status = 200;
    NameValues headers;
    std::string contentType;
    std::string body;
};

// Thread-safe; all data lives here.
class SharePointService final {
public:
    explicit SharePointService(const SharePointOptions& options);

    ServiceResponse handle(const ServiceRequest& request);
    // An error body in the format the request's Accept header asks for (XML when none fits).
    ServiceResponse errorFor(const ServiceRequest& request, int status, const std::string& code,
                             const std::string& message) const;

    void createList(const SpListDefinition& definition);
    void deleteList(const std::string& title);
    void addItems(const std::string& title, const std::vector<nlohmann::json>& items);
    std::vector<nlohmann::json> items(const std::string& title) const;
    // The definitions of the lists, for the /_emulator/lists control endpoint.
    std::vector<std::string> listTitles() const;

    std::uint64_t reads() const { return m_reads; }
    std::uint64_t writes() const { return m_writes; }
    std::uint64_t batches() const { return m_batches; }
    void setSchemaLocked(bool locked) { m_schemaLocked = locked; }
    void expireDigests();  // every digest handed out so far is no longer valid
    // Every `every`-th operation inside a $batch answers 503 with Retry-After: 1 (0: none).
    void setBatchPartFaults(int every) { m_partFaultEvery = every; }

private:
    struct Context;

    ServiceResponse dispatch(const ServiceRequest& request, Context& context);
    ServiceResponse batch(const ServiceRequest& request);
    ServiceResponse contextInfo(const ServiceRequest& request, JsonFormat format);
    ServiceResponse listRequest(const ServiceRequest& request, Context& context, SpList& list,
                                std::size_t next);
    ServiceResponse itemsQuery(const ServiceRequest& request, JsonFormat format,
                               const SpList& list);
    ServiceResponse createItem(const ServiceRequest& request, JsonFormat format, SpList& list);
    ServiceResponse itemRequest(const ServiceRequest& request, JsonFormat format, SpList& list,
                                int id, const std::vector<std::string>& rest, std::size_t next);
    ServiceResponse getChanges(const ServiceRequest& request, JsonFormat format,
                               const SpList& list);
    ServiceResponse fieldsRequest(const ServiceRequest& request, JsonFormat format, SpList& list,
                                  const std::vector<std::string>& segments, std::size_t next);
    ServiceResponse validateUpdate(const ServiceRequest& request, JsonFormat format, SpList& list,
                                   int id);
    ServiceResponse createListOverRest(const ServiceRequest& request, JsonFormat format);
    ServiceResponse createField(const ServiceRequest& request, JsonFormat format, SpList& list);
    ServiceResponse updateField(const ServiceRequest& request, ListField& field);
    void checkSchemaAccess() const;

    SpList* findList(std::string_view title);
    SpList* findListById(std::string_view id);
    SpList* findListByUrl(std::string_view url);
    SpList& addList(const SpListDefinition& definition);

    nlohmann::ordered_json listJson(const SpList& list, JsonFormat format,
                                    const std::string& siteUrl) const;
    nlohmann::ordered_json fieldJson(const SpList& list, const ListField& field, JsonFormat format,
                                     const std::string& siteUrl) const;
    nlohmann::ordered_json itemJson(const SpList& list, const SpItem& item, JsonFormat format,
                                    const std::string& siteUrl,
                                    const std::vector<std::string>* select) const;

    std::string newDigest();
    bool digestValid(const std::string& digest);

    SharePointOptions m_options;
    std::string m_webId, m_siteId;
    mutable std::shared_mutex m_mutex;  // lists and their items
    std::vector<std::unique_ptr<SpList>> m_lists;
    std::uint64_t m_random = 0x5EED5EED;
    std::mutex m_digestMutex;
    std::map<std::string, std::int64_t> m_digests;  // digest -> expiry (Unix seconds)
    std::atomic<std::uint64_t> m_reads{0}, m_writes{0}, m_batches{0};
    std::atomic<bool> m_schemaLocked{false};
    std::atomic<int> m_partFaultEvery{0};
    std::atomic<std::uint64_t> m_parts{0};  // operations seen inside $batch requests
};

// Builds the predefined "Accounts" list definition (Text, Number, Currency, Choice, DateTime,
// Boolean, URL and MultiChoice columns; Account Number indexed).
SpListDefinition accountsListDefinition();
// The generated values of account number `n` (1-based), by internal name.
nlohmann::json accountItem(int n);

}  // namespace ferry::emulator::sp
