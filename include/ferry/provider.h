// The contract every data provider implements, its capabilities and its connection-string keys.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/connection_string.h"
#include "ferry/error.h"
#include "ferry/schema.h"

namespace ferry {

// What a provider is given to open one data entity.
struct ProviderSettings {
    std::string title;
    ConnectionString connectionString;
    std::string select;                   // select statement: SQL, or an OData entity-set query
    std::vector<std::string> primaryKey;  // explicit key columns; empty = the entity's own key
    std::string password;                 // secret from the credential store / env / stdin
};

struct ProviderCapabilities {
    bool supportsTransactions = false;    // a batch is applied atomically, then item by item
    bool supportsChangeTracking = false;  // delta reads (fallback: full read every run)
    bool supportsKeyedRead = false;       // readKeys() (fallback: the engine reads in full)
    // Inserts keep WriteItem::origin with the record and reads return it in Record::origin, so a
    // rerun after a crash matches records whose insert was never committed to the state store.
    bool recordsOrigin = false;
    // Inserts get a key derived from WriteItem::origin (OData ReplicationKey): keyForOrigin()
    // tells it, so a record made by a crashed run is matched to its source without a stored
    // origin.
    bool derivesKeysFromOrigin = false;
    bool canCreateEntity = false;     // entityExists() and createEntity()
    std::size_t maxBatchSize = 1000;  // the engine never sends larger batches
    std::size_t defaultPageSize = 5000;
    bool writable = true;        // false: the select statement cannot be written through
    std::string whyNotWritable;  // plain-language reason, e.g. "the select joins 2 tables"
};

struct ReadRequest {
    std::size_t pageSize = 0;            // 0 = the provider's default
    std::optional<std::size_t> maxRows;  // preview: stop after this many rows
};

// Receives pages of records whose values align with describe()'s columns. Return false to
// stop reading (cancellation); read() then returns without error.
using PageSink = std::function<bool(std::vector<Record>& page)>;

// Receives keys (values of the key columns, in schema key order) of records deleted since a
// delta token. Return false to stop reading.
using DeletedKeySink = std::function<bool(std::vector<std::vector<Value>>& keys)>;

struct ChangeReadResult {
    // true: the pages held only records new or changed since the given token, and deletions
    // went to the DeletedKeySink; records not mentioned are unchanged. false: a full read (no
    // token given, or the token expired or was refused): records not read were deleted.
    bool delta = false;
    std::string deltaToken;  // resume point for the next readChanges(); empty when none given
};

enum class WriteKind { Insert, Update, Delete };

struct WriteItem {
    WriteKind kind = WriteKind::Insert;
    std::vector<Value> key;     // update/delete: values of the key columns, in schema key order
    std::vector<Value> values;  // insert/update: aligned with WriteBatch::columns
    // Insert: a stable identity of the source record ("<connection>/<side>/<key>"), the same on
    // every run, so a provider can derive the new record's key from it (OData ReplicationKey)
    // and a rerun after a crash finds the record instead of creating it twice. May be empty.
    std::string origin;
    // Update: per column of WriteBatch::columns, whether its value differs from what the record
    // holds now; empty = all. A provider that can update single columns sends only these, so
    // what Ferry does not see of a value (a link's description) and the target's audit trail
    // of unchanged columns stay untouched. `values` still holds every column.
    std::vector<bool> changed;
};

struct WriteBatch {
    std::vector<std::string> columns;  // columns written by inserts and updates
    std::vector<WriteItem> items;
};

struct WriteOutcome {
    bool ok = false;
    std::vector<Value> key;  // insert: the stored key (generated where the entity generates it)
    ErrorCode errorCode = ErrorCode::ItemFailed;
    std::string error;  // plain-language reason for this item alone
};

// What Provider::createEntity() made.
struct CreatedEntity {
    std::string name;                  // the entity as the user sees it, e.g. "list 'Accounts'"
    std::vector<std::string> columns;  // one line per column made: "Revenue: Currency"
    std::vector<std::string> notes;    // what the user should know: types approximated, ...
};

// A connection-string key a provider understands (validation, help text, GUI completion).
struct ConnectionKey {
    std::string name;
    std::string help;
    bool required = false;
    bool secret = false;               // never shown or logged; belongs in the credential store
    std::vector<std::string> choices;  // allowed values (case-insensitive); empty = free text
    std::vector<std::string> aliases;  // other accepted spellings (e.g. "Data Source")
};

// A provider is one open data entity. Public entry points are non-virtual so shared policy
// (logging, cancellation checks, argument checks) lives here once; providers override do*().
class Provider {
public:
    virtual ~Provider() = default;
    Provider(const Provider&) = delete;
    Provider& operator=(const Provider&) = delete;

    // Checks the connection string, credentials and the select statement. Throws Error with a
    // plain-language diagnosis: InvalidConnectionString, AuthenticationFailed, ConnectionFailed,
    // EntityNotFound, QueryFailed, NotUpdatable.
    void verify();

    // The entity's columns; key columns are those of ProviderSettings::primaryKey when given,
    // otherwise the entity's own primary key. Cached after the first call.
    const Schema& describe();

    // Streams every record of the select statement page by page (never the whole entity at
    // once). Throws Error on connection or query failure.
    void read(const ReadRequest& request, const PageSink& sink);

    // Applies a batch; returns exactly one outcome per item, in order. A failing item never
    // fails the batch: its outcome carries the error. Throws Error only when the whole batch
    // could not be attempted (connection lost, entity not updatable).
    std::vector<WriteOutcome> write(const WriteBatch& batch);

    // Change tracking; only when capabilities().supportsChangeTracking (otherwise throws
    // Error{Internal}). With an empty token: a full read that also starts tracking. With a
    // token: what changed since it, or a full read (result.delta == false) when the source no
    // longer knows the token. Cancellation works as in read().
    ChangeReadResult readChanges(const std::string& deltaToken, const PageSink& sink,
                                 const DeletedKeySink& deleted);

    // Reads the records with the given keys (values of the key columns, in schema key order);
    // keys that match no record are skipped. Only when capabilities().supportsKeyedRead
    // (otherwise throws Error{Internal}). Cancellation works as in read().
    void readKeys(const std::vector<std::vector<Value>>& keys, const PageSink& sink);

    // Whether the entity the connection string and select statement name exists. Only when
    // capabilities().canCreateEntity (otherwise throws Error{Internal}). Throws the errors of
    // verify() other than EntityNotFound.
    bool entityExists();

    // Creates the entity the connection string and select statement name, with one column per
    // entry of `columns` (named as given; types mapped to the nearest native type; `key` columns
    // become indexed, unique where the system allows, but not the entity's own key when it makes
    // its own). Only when capabilities().canCreateEntity. Throws Error{InvalidArgument} when the
    // entity already exists or a column cannot be made, and the errors of verify().
    CreatedEntity createEntity(const std::vector<Column>& columns);

    // The key an insert with this origin gets, when capabilities().derivesKeysFromOrigin (in
    // schema key order); nullopt otherwise. Pure and thread-safe: the engine calls it while the
    // provider reads on another thread.
    std::optional<std::vector<Value>> keyForOrigin(const std::string& origin) const;

    virtual ProviderCapabilities capabilities() const = 0;

protected:
    Provider() = default;

private:
    virtual void doVerify() = 0;
    virtual Schema doDescribe() = 0;
    virtual void doRead(const ReadRequest& request, const PageSink& sink) = 0;
    virtual std::vector<WriteOutcome> doWrite(const WriteBatch& batch) = 0;
    virtual ChangeReadResult doReadChanges(const std::string& deltaToken, const PageSink& sink,
                                           const DeletedKeySink& deleted);
    virtual void doReadKeys(const std::vector<std::vector<Value>>& keys, const PageSink& sink);
    virtual std::optional<std::vector<Value>> doKeyForOrigin(const std::string& origin) const;
    virtual bool doEntityExists();
    virtual CreatedEntity doCreateEntity(const std::vector<Column>& columns);

    std::optional<Schema> m_schema;
};

using ProviderFactory = std::function<std::unique_ptr<Provider>(const ProviderSettings&)>;

struct ProviderInfo {
    std::string name;         // "odbc", "odata", "sharepoint"
    std::string displayName;  // "SQL databases (ODBC)"
    std::string description;  // one paragraph of help
    std::vector<ConnectionKey> keys;
    bool allowUnknownKeys = false;  // ODBC passes driver-specific keys through
    ProviderFactory factory;
};

class ProviderRegistry {
public:
    // Throws Error{Internal} when a provider of that name is already registered.
    void add(ProviderInfo info);
    const ProviderInfo* find(std::string_view name) const;  // case-insensitive
    std::vector<const ProviderInfo*> all() const;

    // Checks the keys of a connection string against the provider's declared keys: unknown keys
    // (unless allowed), missing required keys, values outside `choices`. Returns one message per
    // problem, each naming the key; empty when valid.
    std::vector<std::string> validate(std::string_view providerName,
                                      const ConnectionString& connectionString) const;

    // Whether the connection string holds a value for a secret key: Password/Pwd, or a key the
    // provider declares secret (with its aliases). Secrets belong in the credential store.
    bool carriesSecret(std::string_view providerName,
                       const ConnectionString& connectionString) const;

    // Creates a provider; throws Error{UnknownProvider} or the factory's Error.
    std::unique_ptr<Provider> create(std::string_view providerName,
                                     const ProviderSettings& settings) const;

private:
    std::vector<ProviderInfo> m_providers;
};

// Registers odbc (and later odata, sharepoint). Defined in ferry::providers.
void registerBuiltinProviders(ProviderRegistry& registry);

}  // namespace ferry
