// The Dataverse Web API semantics behind the HTTP layer: queries, writes, $batch, change
// tracking and metadata over the emulator's tables, one request in, one response out.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dynamics_emulator.h"
#include "entity_table.h"

namespace ferry::emulator {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ServiceRequest {
    std::string method;  // upper case
    std::string path;    // percent-decoded, relative to the base: "", "$metadata", "accounts(…)"
    HeaderList query;    // percent-decoded name / value pairs in request order
    HeaderList headers;
    std::string body;
    std::string baseUrl;  // "http://<Host>/api/data/v9.2/": every returned URL starts with it

    // Value of a header (case-insensitive name); several occurrences are joined with ", ".
    std::string header(std::string_view name) const;
};

struct ServiceResponse {
    int status = 200;
    HeaderList headers;
    std::string body;
    std::string contentType;  // empty: no body
};

// Splits "path?query" into the percent-decoded path and query pairs ('+' in the query is a
// space). Returns false on a malformed escape.
bool splitTarget(std::string_view target, std::string& path, HeaderList& query);

// A Dataverse error answer: {"error":{"code":…,"message":…}}.
ServiceResponse errorResponse(int status, std::string_view code, std::string_view message);

// Thread-safe: reads share a lock, writes and batches hold it exclusively.
class DynamicsService final {
public:
    // Creates the predefined tables and fills them from options (accounts, contacts, seed).
    explicit DynamicsService(const DynamicsOptions& options);
    ~DynamicsService();

    ServiceResponse handle(const ServiceRequest& request);

    void defineEntity(const EntityDefinition& definition);  // throws std::invalid_argument
    void dropEntity(const std::string& entitySet);

    std::uint64_t reads() const { return m_reads; }
    std::uint64_t writes() const { return m_writes; }
    std::uint64_t batches() const { return m_batches; }

    struct Query;
    struct Prefer;
    struct Changes;

private:
    ServiceResponse dispatch(const ServiceRequest& request);  // lock held
    ServiceResponse handleBatch(const ServiceRequest& request);
    ServiceResponse handleCollection(const ServiceRequest& request, EntityTable& table,
                                     std::string_view rest);
    ServiceResponse handleRow(const ServiceRequest& request, EntityTable& table, const Guid& id,
                              std::string_view rest);
    ServiceResponse readCollection(const ServiceRequest& request, const EntityTable& table);
    ServiceResponse readDelta(const ServiceRequest& request, const EntityTable& table,
                              const Query& query, const Prefer& prefer);
    ServiceResponse readRow(const ServiceRequest& request, const EntityTable& table,
                            std::uint32_t slot);
    ServiceResponse writeRow(const ServiceRequest& request, EntityTable& table, const Guid& id,
                             bool create);
    ServiceResponse deleteRow(const ServiceRequest& request, EntityTable& table, const Guid& id);
    ServiceResponse handleProperty(const ServiceRequest& request, EntityTable& table,
                                   std::uint32_t slot, std::string_view property);

    // Metadata (dynamics_metadata.cpp).
    ServiceResponse serviceDocument(const ServiceRequest& request) const;
    ServiceResponse csdl(const ServiceRequest& request) const;
    ServiceResponse entityDefinitions(const ServiceRequest& request, std::string_view rest) const;

    // Validates a write payload into cell changes; returns an error response on failure.
    std::optional<ServiceResponse> parsePayload(const EntityTable& table, const std::string& body,
                                                bool create, Changes& changes) const;
    void applyChanges(EntityTable& table, std::uint32_t slot, const Changes& changes, bool create);
    void appendRow(std::string& out, const EntityTable& table, std::uint32_t slot,
                   const Query& query, const Prefer& prefer) const;
    std::string contextUrl(const ServiceRequest& request, const EntityTable& table,
                           const Query& query, std::string_view suffix) const;

    EntityTable* tableBySet(std::string_view entitySet) const;
    void rememberUndo(EntityTable& table, const Guid& id);

    DynamicsOptions m_options;
    mutable std::shared_mutex m_mutex;
    std::map<std::string, std::unique_ptr<EntityTable>, std::less<>> m_tables;  // by entity set
    std::uint64_t m_version = 1000;  // global row version counter, bumped by every write
    std::uint64_t m_random = 0;      // state of the generator of new primary keys

    // Undo log of the changeset being executed (null outside changesets).
    struct UndoEntry {
        EntityTable* table;
        Guid id;
        std::optional<EntityTable::Snapshot> before;
        std::size_t deletionCount;
    };
    std::vector<UndoEntry>* m_undo = nullptr;

    std::atomic<std::uint64_t> m_reads{0}, m_writes{0}, m_batches{0};
};

}  // namespace ferry::emulator
