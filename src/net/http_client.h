// One HTTP client over libcurl for every HTTP provider: connection reuse, gzip, timeouts,
// proxy from the environment, TLS verification on by default, concurrent requests (multi).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup of a header value; empty when absent.
std::string findHeader(const Headers& headers, std::string_view name);

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    Headers headers;
    std::string body;
    std::chrono::milliseconds timeout{0};  // 0 = HttpClientOptions::requestTimeout
};

struct HttpResponse {
    int status = 0;    // 0 when the request never got an HTTP answer (see transportError)
    Headers headers;   // in the order received, names as the server spelled them
    std::string body;  // decoded (gzip/deflate undone)
    std::string effectiveUrl;

    // Set when the transport failed (DNS, refused, reset, timeout, TLS); status is then 0.
    std::string transportError;
    bool transportRetryable = false;  // dropped/reset connection or timeout: worth retrying

    std::string header(std::string_view name) const { return findHeader(headers, name); }
    bool ok() const { return transportError.empty() && status >= 200 && status < 300; }
};

struct HttpClientOptions {
    std::chrono::milliseconds connectTimeout{15000};
    std::chrono::milliseconds requestTimeout{120000};  // Microsoft's samples use 2 minutes
    bool verifyTls = true;  // never turned off silently; a connection-string key may
    std::string caBundle;   // optional CA file
    std::string userAgent = "Ferry/0.1";
    int maxConcurrency = 8;  // parallel transfers in sendAll()
};

// Thread-compatible: one client per thread, or guard it. Connections are kept alive between
// calls. Proxies come from the usual environment variables (libcurl's own handling).
class HttpClient {
public:
    explicit HttpClient(HttpClientOptions options = {});
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends one request. Never throws for HTTP status codes or transport failures: those are
    // in the response (status, transportError). Throws Error{Internal} only on misuse.
    HttpResponse send(const HttpRequest& request);

    // Sends the requests concurrently (up to maxConcurrency at once) through the multi
    // interface; responses come back in request order.
    std::vector<HttpResponse> sendAll(const std::vector<HttpRequest>& requests);

    const HttpClientOptions& options() const { return m_options; }

private:
    struct Impl;
    HttpClientOptions m_options;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace ferry::net
