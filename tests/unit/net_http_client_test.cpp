// HttpClient against local servers: methods, headers, bodies, gzip, keep-alive, concurrency,
// redirects and the transport failures (timeout, refused, dropped).
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

#include "net/http_client.h"
#include "net_test_server.h"

namespace ferry::net {
namespace {

using namespace std::chrono_literals;
using test::RawServer;
using test::TestServer;

std::string gzipCompress(const std::string& data) {
    z_stream stream{};
    // 15 + 16: a gzip wrapper instead of zlib's.
    EXPECT_EQ(deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
              Z_OK);
    std::string out(deflateBound(&stream, data.size()) + 32, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

// Echoes what the server saw: method, body and one request header, as response headers/body.
void echo(const httplib::Request& req, httplib::Response& res) {
    res.set_header("X-Method", req.method);
    res.set_header("X-Seen-Test", req.get_header_value("X-Test"));
    res.set_header("X-Seen-Expect", req.has_header("Expect") ? "yes" : "no");
    res.set_header("X-Seen-Content-Type", req.get_header_value("Content-Type"));
    res.status = 201;
    res.set_content(req.body.empty() ? std::string("<empty>") : req.body,
                    "application/octet-stream");
}

class HttpClientTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto& s = m_server.server();
        s.Get("/echo", echo);
        s.Post("/echo", echo);
        s.Put("/echo", echo);
        s.Patch("/echo", echo);
        s.Delete("/echo", echo);
    }

    TestServer m_server;
};

TEST_F(HttpClientTest, RoundTripsMethodsHeadersAndBodies) {
    m_server.start();
    HttpClient client;
    for (const std::string method : {"GET", "POST", "PATCH", "PUT", "DELETE"}) {
        HttpRequest request;
        request.method = method;
        request.url = m_server.url("/echo");
        request.headers = {{"X-Test", "value for " + method}};
        if (method != "GET" && method != "DELETE") {
            request.headers.emplace_back("Content-Type", "application/json");
            request.body = R"({"method":")" + method + "\"}";
        }
        const HttpResponse response = client.send(request);
        SCOPED_TRACE(method);
        ASSERT_TRUE(response.transportError.empty()) << response.transportError;
        EXPECT_EQ(response.status, 201);
        EXPECT_TRUE(response.ok());
        EXPECT_EQ(response.header("x-method"), method);  // case-insensitive lookup
        EXPECT_EQ(response.header("X-Seen-Test"), "value for " + method);
        EXPECT_EQ(response.body, request.body.empty() ? "<empty>" : request.body);
        if (!request.body.empty()) {
            EXPECT_EQ(response.header("X-Seen-Content-Type"), "application/json");
        }
        EXPECT_EQ(response.effectiveUrl, request.url);
    }
}

TEST_F(HttpClientTest, SendsLargeBodiesWithoutExpectContinue) {
    m_server.start();
    HttpClient client;
    HttpRequest request;
    request.method = "POST";
    request.url = m_server.url("/echo");
    request.body.resize(3 * 1024 * 1024);
    for (std::size_t i = 0; i < request.body.size(); ++i) {
        request.body[i] = static_cast<char>(i * 31 % 251);
    }
    const HttpResponse response = client.send(request);
    ASSERT_EQ(response.status, 201) << response.transportError;
    EXPECT_EQ(response.body.size(), request.body.size());
    EXPECT_TRUE(response.body == request.body);
    EXPECT_EQ(response.header("X-Seen-Expect"), "no");
    // No Content-Type given: libcurl's form default must not be claimed.
    EXPECT_EQ(response.header("X-Seen-Content-Type"), "");
}

TEST_F(HttpClientTest, SendsAnyMethodIncludingMerge) {
    std::string seen;
    RawServer raw([&seen](int fd, int) {
        seen = RawServer::readRequest(fd);
        RawServer::sendAll(fd, "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
    });
    HttpClient client;
    HttpRequest request;
    request.method = "MERGE";
    request.url = raw.url("/entity(1)");
    request.headers = {{"Content-Type", "application/json"}};
    request.body = R"({"name":"x"})";
    const HttpResponse response = client.send(request);
    EXPECT_EQ(response.status, 204) << response.transportError;
    EXPECT_EQ(seen.rfind("MERGE /entity(1) HTTP/1.1\r\n", 0), 0u) << seen;
    EXPECT_NE(seen.find("\r\n\r\n{\"name\":\"x\"}"), std::string::npos) << seen;
}

TEST_F(HttpClientTest, DecodesGzipResponses) {
    std::string text;
    for (int i = 0; i < 2000; ++i) {
        text += "row " + std::to_string(i) + ": the quick brown fox\n";
    }
    const std::string compressed = gzipCompress(text);
    ASSERT_LT(compressed.size(), text.size() / 4);
    std::string acceptEncoding;
    m_server.server().Get("/gzip", [&](const httplib::Request& req, httplib::Response& res) {
        acceptEncoding = req.get_header_value("Accept-Encoding");
        res.set_header("Content-Encoding", "gzip");
        res.set_content(compressed, "application/octet-stream");
    });
    m_server.start();
    HttpClient client;
    const HttpResponse response = client.send({"GET", m_server.url("/gzip"), {}, {}, {}});
    ASSERT_EQ(response.status, 200) << response.transportError;
    EXPECT_NE(acceptEncoding.find("gzip"), std::string::npos) << acceptEncoding;
    EXPECT_EQ(response.body, text);
}

TEST_F(HttpClientTest, ReusesOneConnectionForSequentialRequests) {
    std::mutex mutex;
    std::set<int> ports;
    m_server.server().Get("/port", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mutex);
        ports.insert(req.remote_port);
        res.set_content(std::to_string(req.remote_port), "text/plain");
    });
    m_server.start();
    HttpClient client;
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(client.send({"GET", m_server.url("/port"), {}, {}, {}}).status, 200);
    }
    // sendAll shares the same connection cache.
    ASSERT_EQ(client.sendAll({{"GET", m_server.url("/port"), {}, {}, {}}}).front().status, 200);
    std::lock_guard lock(mutex);
    EXPECT_EQ(ports.size(), 1u);
}

TEST_F(HttpClientTest, FinalResponseHeadersOnlyAfterRedirect) {
    m_server.server().Get("/old", [](const httplib::Request&, httplib::Response& res) {
        res.set_header("X-Hop", "redirect");
        res.set_redirect("/final");
    });
    m_server.server().Get("/final", [](const httplib::Request&, httplib::Response& res) {
        res.set_header("X-Final", "yes");
        res.set_content("done", "text/plain");
    });
    m_server.start();
    HttpClient client;
    const HttpResponse response = client.send({"GET", m_server.url("/old"), {}, {}, {}});
    ASSERT_EQ(response.status, 200) << response.transportError;
    EXPECT_EQ(response.body, "done");
    EXPECT_EQ(response.header("X-Final"), "yes");
    EXPECT_EQ(response.header("X-Hop"), "");
    EXPECT_EQ(response.effectiveUrl, m_server.url("/final"));
}

TEST_F(HttpClientTest, SendAllRunsRequestsConcurrentlyAndKeepsOrder) {
    std::mutex mutex;
    std::condition_variable inside;
    int count = 0;
    m_server.server().Get(
        R"(/slow/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
            std::unique_lock lock(mutex);
            ++count;
            inside.notify_all();
            // Only answers once all four are being served at the same time; a sequential client
            // gets a 500 after the timeout instead of a hang.
            const bool together = inside.wait_for(lock, 5s, [&] { return count >= 4; });
            res.status = together ? 200 : 500;
            res.set_content(req.matches[1].str(), "text/plain");
        });
    m_server.start();
    HttpClientOptions options;
    options.maxConcurrency = 4;
    HttpClient client(options);
    std::vector<HttpRequest> requests;
    for (int i = 0; i < 4; ++i) {
        requests.push_back({"GET", m_server.url("/slow/" + std::to_string(i)), {}, {}, {}});
    }
    const auto responses = client.sendAll(requests);
    ASSERT_EQ(responses.size(), 4u);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(responses[i].status, 200) << responses[i].transportError;
        EXPECT_EQ(responses[i].body, std::to_string(i));
    }
}

TEST_F(HttpClientTest, SendAllNeverExceedsMaxConcurrency) {
    std::mutex mutex;
    int current = 0;
    int peak = 0;
    m_server.server().Get(R"(/n/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
        {
            std::lock_guard lock(mutex);
            peak = std::max(peak, ++current);
        }
        res.set_content(req.matches[1].str(), "text/plain");
        std::lock_guard lock(mutex);
        --current;
    });
    m_server.start();
    HttpClientOptions options;
    options.maxConcurrency = 2;
    HttpClient client(options);
    std::vector<HttpRequest> requests;
    for (int i = 0; i < 9; ++i) {
        requests.push_back({"GET", m_server.url("/n/" + std::to_string(i)), {}, {}, {}});
    }
    const auto responses = client.sendAll(requests);
    ASSERT_EQ(responses.size(), 9u);
    for (int i = 0; i < 9; ++i) {
        EXPECT_EQ(responses[i].body, std::to_string(i));
    }
    std::lock_guard lock(mutex);
    EXPECT_LE(peak, 2);
}

TEST_F(HttpClientTest, TimeoutIsARetryableTransportError) {
    std::mutex mutex;
    std::condition_variable released;
    bool release = false;
    m_server.server().Get("/hang", [&](const httplib::Request&, httplib::Response& res) {
        std::unique_lock lock(mutex);
        released.wait_for(lock, 10s, [&] { return release; });
        res.set_content("late", "text/plain");
    });
    m_server.server().Get("/quick", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("quick", "text/plain");
    });
    m_server.start();
    HttpClient client;
    // The slow request then runs on a reused connection: still "no answer", not "connect".
    ASSERT_EQ(client.send({"GET", m_server.url("/quick"), {}, {}, {}}).status, 200);
    HttpRequest request{"GET", m_server.url("/hang"), {}, {}, 300ms};
    const HttpResponse response = client.send(request);
    {
        std::lock_guard lock(mutex);
        release = true;
    }
    released.notify_all();
    EXPECT_EQ(response.status, 0);
    EXPECT_FALSE(response.ok());
    EXPECT_EQ(response.transportError, "no answer within 300 ms");
    EXPECT_TRUE(response.transportRetryable);
}

TEST(HttpClientFailures, ConnectionRefusedIsPlainAndNotRetryable) {
    const int port = test::closedPort();
    HttpClient client;
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/x";
    const HttpResponse response = client.send({"GET", url, {}, {}, {}});
    EXPECT_EQ(response.status, 0);
    EXPECT_EQ(response.transportError,
              "could not connect to 127.0.0.1:" + std::to_string(port) + " (connection refused)");
    EXPECT_FALSE(response.transportRetryable);
}

TEST(HttpClientFailures, DroppedConnectionIsRetryable) {
    RawServer raw([](int fd, int) { RawServer::readRequest(fd); });  // reads, then closes
    HttpClient client;
    const HttpResponse response = client.send({"GET", raw.url("/x"), {}, {}, {}});
    EXPECT_EQ(response.status, 0);
    EXPECT_EQ(response.transportError, "the server closed the connection without answering");
    EXPECT_TRUE(response.transportRetryable);
}

TEST(HttpClientFailures, TruncatedAnswerIsRetryable) {
    RawServer raw([](int fd, int) {
        RawServer::readRequest(fd);
        RawServer::sendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
    });
    HttpClient client;
    const HttpResponse response = client.send({"GET", raw.url("/x"), {}, {}, {}});
    EXPECT_EQ(response.status, 0);
    EXPECT_TRUE(response.headers.empty());
    EXPECT_EQ(response.transportError,
              "the server closed the connection before the answer was complete");
    EXPECT_TRUE(response.transportRetryable);
}

TEST(HttpClientFailures, UnknownHostIsNotRetryable) {
    HttpClient client;
    // .invalid never resolves (RFC 2606).
    const HttpResponse response = client.send({"GET", "http://ferry-test.invalid/x", {}, {}, {}});
    EXPECT_EQ(response.status, 0);
    EXPECT_NE(response.transportError.find("ferry-test.invalid"), std::string::npos)
        << response.transportError;
    EXPECT_FALSE(response.transportRetryable);
}

TEST(HttpClientFailures, MisuseThrows) {
    HttpClient client;
    EXPECT_THROW(client.send({"GET", "", {}, {}, {}}), std::exception);
    EXPECT_THROW(client.send({"GE T", "http://127.0.0.1:1/", {}, {}, {}}), std::exception);
}

TEST(FindHeader, IsCaseInsensitive) {
    const Headers headers = {{"Content-Type", "a"}, {"retry-after", "3"}};
    EXPECT_EQ(findHeader(headers, "content-type"), "a");
    EXPECT_EQ(findHeader(headers, "Retry-After"), "3");
    EXPECT_EQ(findHeader(headers, "X-Missing"), "");
}

}  // namespace
}  // namespace ferry::net
