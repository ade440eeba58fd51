// A local SharePoint Online REST service (lists and list items) over real HTTP on 127.0.0.1.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ferry::emulator {

enum class SpFieldType {
    Text,
    Note,
    Number,
    Currency,
    DateTime,
    Boolean,
    Choice,
    MultiChoice,
    Lookup,
    User,
    URL,
    Counter /*ID*/,
    Computed
};

struct SpField {
    std::string internalName;  // e.g. "Account_x0020_Number" (spaces encoded as _x0020_)
    std::string title;         // display name, e.g. "Account Number"; empty = internalName
    SpFieldType type = SpFieldType::Text;
    bool required = false, readOnly = false, hidden = false, indexed = false;
    int maxLength = 255;               // Text
    std::vector<std::string> choices;  // Choice / MultiChoice
    bool fillInChoice = false;         // Choice / MultiChoice: values outside `choices` allowed
    bool enforceUniqueValues = false;  // needs `indexed`; a duplicate value fails the write
    bool dateOnly = false;             // DateTime: DisplayFormat 0 (the time is dropped)
    std::string lookupList;            // Lookup: title of the target list
    std::string staticName;            // the StaticName property; empty = internalName
};

// A custom list (BaseTemplate 100). The built-in fields ID, Title, Modified, Created, Author and
// Editor always exist; a field named "Title" in `fields` replaces the built-in Title's settings
// (display name, required, indexed, maxLength). The built-in Title is required, as in SharePoint.
struct SpListDefinition {
    std::string title;
    std::string urlName;  // "Accounts" -> /sites/sales/Lists/Accounts; empty = the title
    std::vector<SpField> fields;
};

struct SharePointOptions {
    std::string site = "/sites/sales";
    std::string tenantId = "00000000-0000-0000-0000-00000000c0a5";
    std::string user = "admin@contoso.com", password = "Passw0rd!";
    // App-only: client_credentials with a client_assertion (certificate) gives a usable token; a
    // client secret gets a token that every /_api call refuses with 401 (certificate-only rule).
    std::string clientId = "ferry-test-client";
    int tokenLifetimeSeconds = 3600;
    bool requireAuth = true;  // false: no Bearer needed, but POSTs need X-RequestDigest
    int listViewThreshold = 5000;
    int latencyMs = 0;
    int throttleRequests = 0, throttleWindowSeconds = 60, retryAfterSeconds = 2;
    double fault503Rate = 0, faultDropRate = 0;
    bool strictIfMatch = false;  // protocols.md E.2: a write without IF-MATCH gets 412
    int accountsList = 0;        // >0: create a predefined "Accounts" list with this many items
    bool blocked = false;        // every data request answers 503 (a blocked tenant)
    int batchMaxOperations = 100;
    int batchMaxBytes = 1048576;
    int formDigestTimeoutSeconds = 1800;
    // true: creating lists and creating or changing fields answers 403 Access denied (a user
    // who may edit items but not the list's design).
    bool schemaLocked = false;
};

struct SharePointStats {
    std::uint64_t requests = 0, reads = 0, writes = 0, batches = 0, throttled = 0, faults = 0,
                  tokensIssued = 0;
    // The most /_api requests served at the same time (latency included): how many a client
    // had in flight at once.
    std::uint64_t maxConcurrentRequests = 0;
};

// The emulator. Not copyable; every public method is thread-safe.
class SharePointEmulator final {
public:
    explicit SharePointEmulator(SharePointOptions options = {});
    ~SharePointEmulator();  // stops
    SharePointEmulator(const SharePointEmulator&) = delete;
    SharePointEmulator& operator=(const SharePointEmulator&) = delete;

    // Binds 127.0.0.1:port (0 = a free port) and returns once connections are accepted.
    // Throws std::runtime_error when the port cannot be bound or the server already runs.
    void start(int port = 0);
    void stop();  // idempotent; data stays, so start() may be called again

    int port() const;
    std::string rootUrl() const;        // http://127.0.0.1:PORT
    std::string siteUrl() const;        // http://127.0.0.1:PORT/sites/sales
    std::string authority() const;      // http://127.0.0.1:PORT/<tenantId>
    std::string tokenEndpoint() const;  // authority() + "/oauth2/v2.0/token"
    SharePointStats stats() const;

    // Runtime control; also reachable over HTTP under /_emulator/.
    void setFaults(double rate503, double rateDrop);
    void setThrottle(int requestsPerWindow, int windowSeconds, int retryAfterSeconds);
    void setLatency(int ms);
    // Every `every`-th operation inside a $batch request answers 503 with Retry-After: 1, while
    // the batch itself and its other operations succeed (0: none, the default).
    void setBatchPartFaults(int every);
    void setBlocked(bool blocked);
    void revokeTokens();  // every issued access token expires: the next request gets 401
    // Every form digest handed out expires: the next write carrying one (without a Bearer token)
    // gets 403 -2130575252 "The security validation for this page is invalid…".
    void expireFormDigests();
    void setSchemaLocked(bool locked);  // see SharePointOptions::schemaLocked

    // Creates an empty list. Throws std::invalid_argument when a list with that title (any
    // case) or URL exists, or the definition is malformed.
    void createList(const SpListDefinition& list);
    // Removes a list with its items; throws std::invalid_argument when it does not exist.
    void deleteList(const std::string& title);
    // Bulk seed by internal names (Lookup/User as "<Name>Id" or the name), bypassing HTTP and
    // the change log. Throws std::invalid_argument on an unknown list or a value of the wrong
    // type.
    void addItems(const std::string& title, const std::vector<nlohmann::json>& items);
    // Native read for checks: one object per item in ID order with internal names (Lookup/User
    // as "<Name>Id"), ID, Created, Modified (UTC "Z"), AuthorId, EditorId and the etag version.
    std::vector<nlohmann::json> items(const std::string& title) const;

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace ferry::emulator
