// The SharePoint connection string (keys, defaults, validation) and the HTTP stack built from it.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/provider.h"
#include "net/token_provider.h"
#include "sharepoint_select.h"

namespace ferry::sharepoint {

struct ConnectionSettings {
    ListLocation location;
    net::AuthMethod auth = net::AuthMethod::None;
    std::string authName;  // as given (for messages)
    std::string user;
    std::string clientId;
    std::string tenantId;
    std::string authority;
    std::string tokenEndpoint;
    std::string certificateFile;  // PEM with the certificate and its private key (app-only)
    std::string scope;
    std::size_t pageSize = 5000;  // $top per page; SharePoint's maximum
    std::size_t batchSize = 100;  // operations per $batch; SharePoint's practical limit
    std::chrono::seconds timeout{120};
    bool verifyTls = true;
};

// The keys providerInfo() declares, with their help text.
std::vector<ConnectionKey> connectionKeys();

// Reads and checks the keys. Throws Error{InvalidConnectionString} naming the key: no URL, a URL
// that names no list (and no List), an unknown Authentication, a bad number, a missing User or
// ClientId/CertificateFile for the chosen authentication.
ConnectionSettings parseConnectionSettings(const ConnectionString& connectionString);

// What the token provider needs; `secret` is the password, bearer token or certificate password.
net::AuthSettings authSettings(const ConnectionSettings& settings, const std::string& secret);

// One provider's HTTP stack: client, pacer, token provider and an API session whose requests
// carry `Accept: application/json;odata=nometadata` (and no OData-Version header: with it,
// SharePoint answers nometadata with 406). Calls are serialized: the libcurl client is not
// thread-safe.
class Connection {
public:
    Connection(const ConnectionSettings& settings, const std::string& secret);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // As net::ApiSession::send / sendAll: throws Error{AuthenticationFailed} or
    // Error{ConnectionFailed}; HTTP statuses come back in the response.
    net::HttpResponse send(net::HttpRequest request);
    std::vector<net::HttpResponse> sendAll(std::vector<net::HttpRequest> requests);

    // The form digest for write POSTs (X-RequestDigest), from /_api/contextinfo, cached until
    // shortly before FormDigestTimeoutSeconds runs out. `renew` drops the cached one first
    // (after a 403 security-validation answer). Throws like send(), or Error{ConnectionFailed}
    // when the site gives no digest.
    std::string formDigest(bool renew = false);

    net::PacerStats stats() const { return m_pacer.stats(); }
    net::Pacer& pacer() { return m_pacer; }
    const ConnectionSettings& settings() const { return m_settings; }

private:
    ConnectionSettings m_settings;
    std::mutex m_mutex;
    net::HttpClient m_client;
    net::Pacer m_pacer;
    net::TokenProvider m_tokens;
    net::ApiSession m_session;
    std::string m_digest;
    std::chrono::steady_clock::time_point m_digestExpires{};
};

}  // namespace ferry::sharepoint
