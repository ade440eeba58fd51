// The OData connection string (keys, defaults, validation) and the HTTP stack built from it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/provider.h"
#include "net/token_provider.h"

namespace ferry::odata {

struct ConnectionSettings {
    std::string serviceRoot;  // with a trailing '/'
    net::AuthMethod auth = net::AuthMethod::None;
    std::string authName;  // as given (for messages), or the default's name
    std::string user;
    std::string clientId;
    std::string tenantId;
    std::string authority;
    std::string tokenEndpoint;
    std::string scope;
    std::size_t maxPageSize = 5000;
    std::size_t batchSize = 100;  // operations per $batch request
    std::size_t concurrency = 4;  // $batch requests in flight at once
    bool replicationKey = false;
    std::chrono::seconds timeout{120};
    bool verifyTls = true;
};

// The keys providerInfo() declares, with their help text.
std::vector<ConnectionKey> connectionKeys();

// Reads and checks the keys. Throws Error{InvalidConnectionString} naming the key: no URL, a URL
// that is not http(s), an unknown Authentication, a bad number or boolean, a missing User or
// ClientId for the chosen authentication.
ConnectionSettings parseConnectionSettings(const ConnectionString& connectionString);

// What the token provider needs; `secret` is the password, client secret or bearer token.
net::AuthSettings authSettings(const ConnectionSettings& settings, const std::string& secret);

// One provider's HTTP stack: client, pacer, token provider and API session with the OData
// headers every request carries. Calls are serialized (the libcurl client is not thread-safe),
// so a background page fetch and a write never use the client at the same time.
class Connection {
public:
    Connection(const ConnectionSettings& settings, const std::string& secret);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // As net::ApiSession::send / sendAll: throws Error{AuthenticationFailed} or
    // Error{ConnectionFailed}; HTTP statuses come back in the response.
    net::HttpResponse send(net::HttpRequest request);
    std::vector<net::HttpResponse> sendAll(std::vector<net::HttpRequest> requests);

    net::PacerStats stats() const { return m_pacer.stats(); }
    const ConnectionSettings& settings() const { return m_settings; }

private:
    ConnectionSettings m_settings;
    mutable std::mutex m_mutex;
    net::HttpClient m_client;
    net::Pacer m_pacer;
    net::TokenProvider m_tokens;
    net::ApiSession m_session;
};

}  // namespace ferry::odata
