// The SharePoint connection string (keys, defaults, validation) and the HTTP stack built from it.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/provider.h"
#include "net/service_connection.h"
#include "sharepoint_select.h"

namespace ferry::sharepoint {

// Sign-in, Timeout and VerifyTls come from net::ServiceSettings.
struct ConnectionSettings : net::ServiceSettings {
    ListLocation location;
    std::string certificateFile;  // PEM with the certificate and its private key (app-only)
    std::size_t pageSize = 5000;  // $top per page; SharePoint's maximum
    std::size_t batchSize = 100;  // operations per $batch; SharePoint's practical limit
    std::size_t concurrency = 4;  // $batch requests in flight at once
    // Internal name of the hidden field that keeps each inserted item's origin; empty when
    // OriginField=none.
    std::string originField = "FerryOrigin";
};

// The keys providerInfo() declares, with their help text.
std::vector<ConnectionKey> connectionKeys();

// Reads and checks the keys. Throws Error{InvalidConnectionString} naming the key: no URL, a URL
// that names no list (and no List), an unknown Authentication, a bad number, a missing User or
// ClientId/CertificateFile for the chosen authentication, an OriginField that is not a plain
// internal name.
ConnectionSettings parseConnectionSettings(const ConnectionString& connectionString);

// What the token provider needs; `secret` is the password, bearer token or certificate password.
net::AuthSettings authSettings(const ConnectionSettings& settings, const std::string& secret);

// One provider's HTTP stack (net::ServiceConnection, calls serialized) whose requests carry
// `Accept: application/json;odata=nometadata` (and no OData-Version header: with it, SharePoint
// answers nometadata with 406).
class Connection final : public net::ServiceConnection {
public:
    Connection(const ConnectionSettings& settings, const std::string& secret);

    // The form digest for write POSTs (X-RequestDigest), from /_api/contextinfo, cached until
    // shortly before FormDigestTimeoutSeconds runs out. `renew` drops the cached one first
    // (after a 403 security-validation answer). Throws like send(), or Error{ConnectionFailed}
    // when the site gives no digest.
    std::string formDigest(bool renew = false);

    const ConnectionSettings& settings() const { return m_settings; }

private:
    ConnectionSettings m_settings;
    std::mutex m_digestMutex;  // held while the digest is fetched, so it is fetched once
    std::string m_digest;
    std::chrono::steady_clock::time_point m_digestExpires{};
};

}  // namespace ferry::sharepoint
