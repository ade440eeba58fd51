// The OData connection string (keys, defaults, validation) and the HTTP stack built from it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ferry/provider.h"
#include "net/service_connection.h"

namespace ferry::odata {

// Sign-in, Timeout and VerifyTls come from net::ServiceSettings.
struct ConnectionSettings : net::ServiceSettings {
    std::string serviceRoot;  // with a trailing '/'
    std::size_t maxPageSize = 5000;
    std::size_t batchSize = 100;  // operations per $batch request
    std::size_t concurrency = 4;  // $batch requests in flight at once
    bool replicationKey = false;
};

// The keys providerInfo() declares, with their help text.
std::vector<ConnectionKey> connectionKeys();

// Reads and checks the keys. Throws Error{InvalidConnectionString} naming the key: no URL, a URL
// that is not http(s), an unknown Authentication, a bad number or boolean, a missing User or
// ClientId for the chosen authentication.
ConnectionSettings parseConnectionSettings(const ConnectionString& connectionString);

// What the token provider needs; `secret` is the password, client secret or bearer token.
net::AuthSettings authSettings(const ConnectionSettings& settings, const std::string& secret);

// One provider's HTTP stack (net::ServiceConnection, calls serialized) with the OData headers
// every request carries.
class Connection final : public net::ServiceConnection {
public:
    Connection(const ConnectionSettings& settings, const std::string& secret);

    const ConnectionSettings& settings() const { return m_settings; }

private:
    ConnectionSettings m_settings;
};

}  // namespace ferry::odata
