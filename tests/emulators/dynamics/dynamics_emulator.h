// A local Dynamics 365 (Dataverse) Web API over real HTTP on 127.0.0.1, for tests and benches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "entity_definition.h"

namespace ferry::emulator {

struct DynamicsOptions {
    int accounts = 100;  // generated accounts, deterministic from seed
    int contacts = 0;    // generated contacts, each with parentcustomerid -> an account
    std::uint64_t seed = 1;
    std::string tenant = "00000000-0000-0000-0000-0000000c0a57";  // /<tenant>/oauth2/v2.0/token
    std::string user = "admin@contoso.com";
    std::string password = "Passw0rd!";
    std::string clientId = "ferry-test-client";  // client credentials
    std::string clientSecret = "ferry-test-secret";
    int tokenLifetimeSeconds = 3600;
    bool requireAuth = true;  // false: no Authorization needed (a plain OData service)
    int maxPageSize = 5000;
    int latencyMs = 0;         // added to every data and token request
    int throttleRequests = 0;  // per user per window; 0 = no limit
    int throttleWindowSeconds = 300;
    int throttleConcurrent = 0;  // 0 = no limit (Dataverse's default is 52)
    int retryAfterSeconds = 2;
    // Random faults per data request (never on the token endpoint); drop = the connection closes
    // before a complete response.
    double fault503Rate = 0, fault504Rate = 0, faultDropRate = 0;
    int changeTrackingRetentionSeconds = 7 * 24 * 3600;
};

struct EmulatorStats {
    std::uint64_t requests = 0;  // every HTTP request, control requests included
    std::uint64_t reads = 0;     // data GETs answered 2xx/304 (inside batches too)
    std::uint64_t writes = 0;    // creates, updates and deletes that succeeded
    std::uint64_t batches = 0;
    std::uint64_t throttled = 0;  // 429 answers
    std::uint64_t faults = 0;     // injected 503 / 504 / drops
    std::uint64_t tokensIssued = 0;
};

// The emulator. Not copyable; every public method is thread-safe.
class DynamicsEmulator final {
public:
    // Builds the predefined tables and the generated rows (1,000,000 accounts take seconds).
    explicit DynamicsEmulator(DynamicsOptions options = {});
    ~DynamicsEmulator();  // stops
    DynamicsEmulator(const DynamicsEmulator&) = delete;
    DynamicsEmulator& operator=(const DynamicsEmulator&) = delete;

    // Binds 127.0.0.1:port (0 = a free port) and returns once connections are accepted.
    // Throws std::runtime_error when the port cannot be bound or the server is already running.
    void start(int port = 0);
    // Stops serving; idempotent. Data stays, so start() may be called again.
    void stop();

    int port() const;
    std::string rootUrl() const;        // http://127.0.0.1:PORT
    std::string baseUrl() const;        // http://127.0.0.1:PORT/api/data/v9.2/
    std::string authority() const;      // http://127.0.0.1:PORT/<tenant>
    std::string tokenEndpoint() const;  // authority() + /oauth2/v2.0/token
    EmulatorStats stats() const;

    // Runtime control; also reachable over HTTP under /_emulator/.
    void setFaults(double rate503, double rate504, double rateDrop);
    void setThrottle(int requestsPerWindow, int windowSeconds, int retryAfterSeconds);
    void setConcurrencyLimit(int concurrentRequests);  // 0 = no limit
    void setLatency(int ms);
    void revokeTokens();  // every issued access token is expired: the next request gets 401

    // Creates (or replaces) an entity set with the given columns, empty. Throws
    // std::invalid_argument on a malformed definition.
    void defineEntity(const EntityDefinition& definition);
    // Removes an entity set and its rows; unknown names are ignored.
    void dropEntity(const std::string& entitySet);

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace ferry::emulator
