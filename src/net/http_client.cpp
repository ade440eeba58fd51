// libcurl behind HttpClient: a multi handle whose connection cache keeps connections alive, a
// pool of reusable easy handles, and plain-language transport errors.
#include "net/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <span>

#include "ferry/error.h"
#include "net/url.h"

namespace ferry::net {

namespace {

char lowerAscii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return lowerAscii(x) == lowerAscii(y);
           });
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                             text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return text;
}

// RFC 9110 token characters: anything else in a method is a caller's bug, not a server's.
bool isToken(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
}

// "120 s" for whole seconds, "250 ms" otherwise: what users read in timeout messages.
std::string describeDuration(std::chrono::milliseconds duration) {
    const auto ms = duration.count();
    if (ms % 1000 == 0) {
        return std::to_string(ms / 1000) + " s";
    }
    return std::to_string(ms) + " ms";
}

std::string describeErrno(long osErrno) {
    switch (osErrno) {
        case ECONNREFUSED:
            return "connection refused";
        case EHOSTUNREACH:
            return "host unreachable";
        case ENETUNREACH:
            return "network unreachable";
        case ETIMEDOUT:
            return "timed out";
        case ECONNRESET:
            return "connection reset";
        default:
            return {};
    }
}

void ensureCurlInitialized() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            throw Error(ErrorCode::Internal,
                        "The HTTP library (libcurl) could not be initialized.");
        }
    });
}

// State of one transfer; lives until its response is handed back.
struct Transfer {
    const HttpRequest* request = nullptr;
    std::size_t index = 0;
    CURL* easy = nullptr;
    curl_slist* headerList = nullptr;
    HttpResponse response;
    std::chrono::milliseconds timeout{0};
    char errorBuffer[CURL_ERROR_SIZE] = {};
};

size_t onBody(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    transfer->response.body.append(data, size * count);
    return size * count;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const std::string_view line(data, size * count);
    Headers& headers = transfer->response.headers;
    if (line.rfind("HTTP/", 0) == 0) {
        // A new status line: whatever came before belonged to a 1xx or a redirect.
        headers.clear();
    } else if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
        if (!headers.empty()) {
            headers.back().second += ' ';
            headers.back().second += trim(line);
        }
    } else if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
        headers.emplace_back(std::string(trim(line.substr(0, colon))),
                             std::string(trim(line.substr(colon + 1))));
    }
    return size * count;
}

}  // namespace

std::string findHeader(const Headers& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (equalsIgnoreCase(key, name)) {
            return value;
        }
    }
    return {};
}

struct HttpClient::Impl {
    const HttpClientOptions& options;
    CURLM* multi = nullptr;
    std::vector<CURL*> idle;  // easy handles kept for reuse (their settings, buffers)

    explicit Impl(const HttpClientOptions& opts) : options(opts) {
        ensureCurlInitialized();
        multi = curl_multi_init();
        if (multi == nullptr) {
            throw Error(ErrorCode::Internal, "Could not create an HTTP transfer handle.");
        }
        // The multi handle owns the connection cache, so every transfer (send and sendAll)
        // reuses the same kept-alive connections.
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS,
                          static_cast<long>(std::max(options.maxConcurrency, 1) * 2));
    }

    ~Impl() {
        for (CURL* easy : idle) {
            curl_easy_cleanup(easy);
        }
        curl_multi_cleanup(multi);
    }

    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    CURL* acquire() {
        if (!idle.empty()) {
            CURL* easy = idle.back();
            idle.pop_back();
            curl_easy_reset(easy);
            return easy;
        }
        CURL* easy = curl_easy_init();
        if (easy == nullptr) {
            throw Error(ErrorCode::Internal, "Could not create an HTTP transfer handle.");
        }
        return easy;
    }

    void release(Transfer& transfer) {
        if (transfer.headerList != nullptr) {
            curl_slist_free_all(transfer.headerList);
            transfer.headerList = nullptr;
        }
        if (transfer.easy != nullptr) {
            curl_multi_remove_handle(multi, transfer.easy);
            idle.push_back(transfer.easy);
            transfer.easy = nullptr;
        }
    }

    void configure(Transfer& transfer) {
        const HttpRequest& request = *transfer.request;
        if (request.url.empty()) {
            throw Error(ErrorCode::Internal, "An HTTP request without a URL.");
        }
        if (!isToken(request.method)) {
            throw Error(ErrorCode::Internal, "An HTTP request with an invalid method.",
                        request.method);
        }
        CURL* easy = acquire();
        transfer.easy = easy;
        transfer.timeout = request.timeout.count() > 0 ? request.timeout : options.requestTimeout;

        curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
        curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer);
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
        curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options.connectTimeout.count()));
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(transfer.timeout.count()));
        curl_easy_setopt(easy, CURLOPT_USERAGENT, options.userAgent.c_str());
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options.verifyTls ? 1L : 0L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options.verifyTls ? 2L : 0L);
        if (!options.caBundle.empty()) {
            curl_easy_setopt(easy, CURLOPT_CAINFO, options.caBundle.c_str());
        }
#if LIBCURL_VERSION_NUM >= 0x075500
        curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
        // Redirects keep the method and body (POSTREDIR), and libcurl drops Authorization when
        // the host changes.
        curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(easy, CURLOPT_POSTREDIR, static_cast<long>(CURL_REDIR_POST_ALL));
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &onBody);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
        curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &onHeader);
        curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);

        const std::string& method = request.method;
        const bool hasBody = !request.body.empty() || method == "POST" || method == "PUT" ||
                             method == "PATCH" || method == "MERGE";
        if (method == "HEAD") {
            curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
        } else if (hasBody) {
            // POSTFIELDS sends the body as it is (no copy, any size, binary safe); the method
            // name is then replaced unless it is POST.
            curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(request.body.size()));
            curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
            if (method != "POST") {
                curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
            }
        } else {
            curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
            if (method != "GET") {
                curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
            }
        }

        bool hasContentType = false;
        curl_slist* list = nullptr;
        auto append = [&list](const std::string& line) {
            curl_slist* next = curl_slist_append(list, line.c_str());
            if (next == nullptr) {
                curl_slist_free_all(list);
                throw Error(ErrorCode::Internal, "Out of memory while building an HTTP request.");
            }
            list = next;
        };
        for (const auto& [name, value] : request.headers) {
            hasContentType = hasContentType || equalsIgnoreCase(name, "Content-Type");
            // "Name;" is libcurl's spelling of a header with an empty value.
            append(value.empty() ? name + ";" : name + ": " + value);
        }
        // A 100-continue round trip only costs time with the services we talk to.
        append("Expect:");
        if (hasBody && !hasContentType) {
            // Otherwise libcurl would claim the body is a form.
            append("Content-Type:");
        }
        transfer.headerList = list;
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
    }

    void finish(Transfer& transfer, CURLcode result) {
        HttpResponse& response = transfer.response;
        CURL* easy = transfer.easy;
        char* effective = nullptr;
        if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK &&
            effective != nullptr) {
            response.effectiveUrl = effective;
        }
        if (result == CURLE_OK) {
            long status = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            response.status = static_cast<int>(status);
            return;
        }
        response.status = 0;
        response.headers.clear();
        response.body.clear();
        long osErrno = 0;
        curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &osErrno);
        describeFailure(transfer, result, osErrno);
    }

    void describeFailure(Transfer& transfer, CURLcode result, long osErrno) {
        HttpResponse& response = transfer.response;
        const std::string host = hostOf(transfer.request->url);
        const std::string reason = describeErrno(osErrno);
        auto withReason = [&reason](std::string text) {
            return reason.empty() ? text : text + " (" + reason + ")";
        };
        switch (result) {
            case CURLE_COULDNT_RESOLVE_HOST:
                response.transportError =
                    "could not find the server " + host + " (the name does not resolve)";
                response.transportRetryable = false;
                return;
            case CURLE_COULDNT_RESOLVE_PROXY:
                response.transportError =
                    "could not find the proxy server (the name does not resolve)";
                response.transportRetryable = false;
                return;
            case CURLE_COULDNT_CONNECT:
                response.transportError = withReason("could not connect to " + host);
                // Refused or unreachable: retrying only delays the message the user needs.
                response.transportRetryable = osErrno == ETIMEDOUT;
                return;
            case CURLE_OPERATION_TIMEDOUT: {
                // A local port exists once connected (also on a reused connection).
                long localPort = 0;
                curl_easy_getinfo(transfer.easy, CURLINFO_LOCAL_PORT, &localPort);
                if (localPort == 0) {
                    response.transportError = "could not connect to " + host + " within " +
                                              describeDuration(options.connectTimeout);
                } else {
                    response.transportError =
                        "no answer within " + describeDuration(transfer.timeout);
                }
                response.transportRetryable = true;
                return;
            }
            case CURLE_GOT_NOTHING:
                response.transportError = "the server closed the connection without answering";
                response.transportRetryable = true;
                return;
            case CURLE_PARTIAL_FILE:
                response.transportError =
                    "the server closed the connection before the answer was complete";
                response.transportRetryable = true;
                return;
            case CURLE_SEND_ERROR:
            case CURLE_RECV_ERROR:
                response.transportError = withReason("the connection to " + host + " was lost");
                response.transportRetryable = true;
                return;
            case CURLE_HTTP2:
            case CURLE_HTTP2_STREAM:
                response.transportError = "the connection to " + host + " was interrupted";
                response.transportRetryable = true;
                return;
            case CURLE_PEER_FAILED_VERIFICATION:
                response.transportError = "the TLS certificate of " + host +
                                          " could not be verified (" + transfer.errorBuffer + ")";
                response.transportRetryable = false;
                return;
            case CURLE_SSL_CACERT_BADFILE:
                response.transportError = "the CA bundle could not be read";
                response.transportRetryable = false;
                return;
            case CURLE_SSL_CONNECT_ERROR:
                response.transportError = "the secure (TLS) connection to " + host + " failed";
                response.transportRetryable = false;
                return;
            case CURLE_URL_MALFORMAT:
            case CURLE_UNSUPPORTED_PROTOCOL:
                response.transportError = "the address is not a valid http or https URL";
                response.transportRetryable = false;
                return;
            case CURLE_TOO_MANY_REDIRECTS:
                response.transportError = "too many redirects from " + host;
                response.transportRetryable = false;
                return;
            case CURLE_BAD_CONTENT_ENCODING:
                response.transportError = "the answer from " + host + " could not be decompressed";
                response.transportRetryable = false;
                return;
            default:
                response.transportError = std::string("the request to ") + host +
                                          " failed: " + curl_easy_strerror(result);
                response.transportRetryable = false;
                return;
        }
    }

    std::vector<HttpResponse> run(std::span<const HttpRequest> requests) {
        std::vector<Transfer> transfers(requests.size());
        for (std::size_t i = 0; i < requests.size(); ++i) {
            transfers[i].request = &requests[i];
            transfers[i].index = i;
        }
        const std::size_t limit = static_cast<std::size_t>(std::max(options.maxConcurrency, 1));
        std::size_t next = 0;
        std::size_t active = 0;
        try {
            auto start = [&] {
                while (next < transfers.size() && active < limit) {
                    Transfer& transfer = transfers[next++];
                    configure(transfer);
                    const CURLMcode added = curl_multi_add_handle(multi, transfer.easy);
                    if (added != CURLM_OK) {
                        throw Error(ErrorCode::Internal, "Could not start an HTTP transfer.",
                                    curl_multi_strerror(added));
                    }
                    ++active;
                }
            };
            start();
            while (active > 0) {
                int running = 0;
                const CURLMcode performed = curl_multi_perform(multi, &running);
                if (performed != CURLM_OK) {
                    throw Error(ErrorCode::Internal, "HTTP transfers failed.",
                                curl_multi_strerror(performed));
                }
                int queued = 0;
                while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
                    if (message->msg != CURLMSG_DONE) {
                        continue;
                    }
                    void* user = nullptr;
                    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &user);
                    auto* transfer = static_cast<Transfer*>(user);
                    finish(*transfer, message->data.result);
                    release(*transfer);
                    --active;
                }
                start();
                if (active > 0) {
                    curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
                }
            }
        } catch (...) {
            for (Transfer& transfer : transfers) {
                release(transfer);
            }
            throw;
        }
        std::vector<HttpResponse> responses;
        responses.reserve(transfers.size());
        for (Transfer& transfer : transfers) {
            responses.push_back(std::move(transfer.response));
        }
        return responses;
    }
};

HttpClient::HttpClient(HttpClientOptions options)
    : m_options(std::move(options)), m_impl(std::make_unique<Impl>(m_options)) {}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::send(const HttpRequest& request) {
    return std::move(m_impl->run(std::span<const HttpRequest>(&request, 1)).front());
}

std::vector<HttpResponse> HttpClient::sendAll(const std::vector<HttpRequest>& requests) {
    return m_impl->run(requests);
}

}  // namespace ferry::net
