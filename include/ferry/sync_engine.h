// The sync engine: reads both sides, compares with the state store, plans, applies in batches.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "ferry/document.h"
#include "ferry/provider.h"
#include "ferry/report.h"
#include "ferry/state_store.h"

namespace ferry {

struct RunOptions {
    bool dryRun = false;  // plan and report, write nothing
    bool force = false;   // override the delete guard
    // Ignore change tracking: read both sides in full (e.g. after restoring a backup).
    bool fullRead = false;
    std::string leftPassword;
    std::string rightPassword;
    // Called from the running thread at most every ~200 ms, and once at the end.
    std::function<void(const Progress&)> onProgress;
    // Checked between pages and batches; when set the run stops with status `cancelled`.
    const std::atomic<bool>* cancel = nullptr;
    // Directory for the run's temporary index (default: next to the state store).
    std::filesystem::path scratchDirectory;
};

// Builds the provider settings of an entity (parsing its connection string) and creates the
// provider. Throws Error{InvalidConnectionString} naming every problem the registry finds
// (unknown or missing keys), Error{UnknownProvider}, or the provider's own Error.
std::unique_ptr<Provider> openEntity(const ProviderRegistry& registry, const EntityConfig& entity,
                                     const std::string& password);

class SyncEngine {
public:
    SyncEngine(const ProviderRegistry& registry, StateStore& store);

    // Runs one synchronization of `document`. Never throws for per-item problems (they are in
    // the report); throws Error for a document that fails validation. Connection and
    // verification failures end as status `aborted` with the message, nothing written.
    RunReport run(const ConnectionDocument& document, const RunOptions& options);

private:
    const ProviderRegistry& m_registry;
    StateStore& m_store;
};

// Resolves the column pairs of a mapping against both schemas: explicit pairs first, then (when
// autoMap) columns whose normalized names match (case and punctuation ignored:
// "AccountNumber" = "accountnumber" = "Account_Number"), then columns whose display names match
// the other side's name or display name (SharePoint's "Account_x0020_Number" is shown as
// "Account Number"). Throws Error{InvalidDocument} for an
// explicit pair naming a column that does not exist.
struct ResolvedPair {
    std::size_t leftIndex = 0;
    std::size_t rightIndex = 0;
    std::string leftName;
    std::string rightName;
    bool writableLeft = true;  // false when read-only on the left
    bool writableRight = true;
};
std::vector<ResolvedPair> resolveMapping(const MappingConfig& mapping, const Schema& left,
                                         const Schema& right);
std::string normalizeColumnName(std::string_view name);

// The columns a new entity on the side opposite `sourceSide` needs so that `mapping` carries every
// column of `source` into it (`ferry create-target`): each explicit pair's source column under
// the pair's name on the new side, then, with autoMap, every other source column not excluded,
// under its own name. Column properties (type, length, key, choices, ...) are the source's.
// Throws Error{InvalidDocument} for an explicit pair naming a column the source lacks.
std::vector<Column> columnsForNewEntity(const MappingConfig& mapping, const Schema& source,
                                        Side sourceSide);

}  // namespace ferry
