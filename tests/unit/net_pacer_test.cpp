// Pacer: which answers are retried, how long it waits (Retry-After, backoff, jitter, cap),
// attempts, cancellation, and retrying only the failed part of a concurrent batch.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "net/pacer.h"
#include "net_test_server.h"

namespace ferry::net {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using test::RawServer;
using test::TestServer;

// Answers each request to a path with the next scripted status (the last one repeats) and
// counts the hits per path.
class ScriptedServer {
public:
    struct Step {
        int status = 200;
        Headers headers;
    };

    void script(const std::string& path, std::vector<Step> steps) {
        std::lock_guard lock(m_mutex);
        m_scripts[path] = std::move(steps);
    }

    int hits(const std::string& path) {
        std::lock_guard lock(m_mutex);
        return m_hits[path];
    }

    void start() {
        m_server.server().Get(
            R"(/s/.*)", [this](const httplib::Request& req, httplib::Response& res) {
                std::lock_guard lock(m_mutex);
                const int hit = m_hits[req.path]++;
                const auto& steps = m_scripts[req.path];
                const Step& step = steps.at(std::min<std::size_t>(hit, steps.size() - 1));
                res.status = step.status;
                for (const auto& [name, value] : step.headers) {
                    res.set_header(name, value);
                }
                res.set_content("attempt " + std::to_string(hit + 1), "text/plain");
            });
        m_server.start();
    }

    std::string url(const std::string& path) const { return m_server.url(path); }

private:
    TestServer m_server;
    std::mutex m_mutex;
    std::map<std::string, std::vector<Step>> m_scripts;
    std::map<std::string, int> m_hits;
};

class PacerTest : public ::testing::Test {
protected:
    void SetUp() override { m_server.start(); }

    Sleeper recorder() {
        return [this](milliseconds delay) { m_delays.push_back(delay); };
    }
    HttpRequest get(const std::string& path) { return {"GET", m_server.url(path), {}, {}, {}}; }

    ScriptedServer m_server;
    HttpClient m_client;
    std::vector<milliseconds> m_delays;
};

TEST_F(PacerTest, RetryAfterSecondsIsHonoured) {
    m_server.script("/s/a", {{429, {{"Retry-After", "3"}}}, {200, {}}});
    Pacer pacer(m_client, {}, recorder());
    const HttpResponse response = pacer.send(get("/s/a"));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "attempt 2");
    EXPECT_EQ(m_delays, std::vector<milliseconds>{3000ms});
    const PacerStats stats = pacer.stats();
    EXPECT_EQ(stats.requests, 2u);
    EXPECT_EQ(stats.retries, 1u);
    EXPECT_EQ(stats.throttled, 1u);
    EXPECT_EQ(stats.transportFailures, 0u);
}

TEST_F(PacerTest, RetryAfterHttpDateIsHonoured) {
    const std::time_t inTenSeconds = std::time(nullptr) + 10;
    std::tm utc{};
    gmtime_r(&inTenSeconds, &utc);
    char date[64];
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    m_server.script("/s/date", {{503, {{"Retry-After", date}}}, {200, {}}});
    Pacer pacer(m_client, {}, recorder());
    EXPECT_EQ(pacer.send(get("/s/date")).status, 200);
    ASSERT_EQ(m_delays.size(), 1u);
    // Whole seconds on the wire, and the clock moved on a little since.
    EXPECT_GE(m_delays[0], 8000ms);
    EXPECT_LE(m_delays[0], 10000ms);
}

TEST_F(PacerTest, RetryAfterIsSecondsNeverMillisecondsAndCapped) {
    RetryPolicy policy;
    policy.maxDelay = 20s;
    Pacer pacer(m_client, policy, recorder());
    HttpResponse answer;
    answer.status = 429;
    answer.headers = {{"retry-after", "3000"}};  // 3000 s, far beyond the cap
    EXPECT_EQ(pacer.delayFor(answer, 1), 20000ms);
    answer.headers = {{"Retry-After", "99999999999999999999999"}};
    EXPECT_EQ(pacer.delayFor(answer, 1), 20000ms);
    answer.headers = {{"Retry-After", " 7 "}};
    EXPECT_EQ(pacer.delayFor(answer, 1), 7000ms);
    answer.headers = {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}};  // in the past
    EXPECT_EQ(pacer.delayFor(answer, 1), 0ms);
}

TEST_F(PacerTest, BackoffIsExponentialWithinJitterAndCapped) {
    RetryPolicy policy;
    policy.baseDelay = 1000ms;
    policy.maxDelay = 10000ms;
    policy.jitter = 0.2;
    Pacer pacer(m_client, policy, recorder());
    HttpResponse answer;
    answer.status = 503;
    answer.headers = {{"Retry-After", "soon"}};  // unreadable: falls back to backoff
    bool sawSpread = false;
    for (int attempt = 1; attempt <= 3; ++attempt) {
        const double expected = 1000.0 * (1 << (attempt - 1));
        std::set<long long> seen;
        for (int i = 0; i < 50; ++i) {
            const auto delay = pacer.delayFor(answer, attempt).count();
            EXPECT_GE(delay, static_cast<long long>(expected * 0.8) - 1) << attempt;
            EXPECT_LE(delay, static_cast<long long>(expected * 1.2) + 1) << attempt;
            seen.insert(delay);
        }
        sawSpread = sawSpread || seen.size() > 1;
    }
    EXPECT_TRUE(sawSpread) << "jitter never varied the delay";
    for (int i = 0; i < 50; ++i) {
        const auto delay = pacer.delayFor(answer, 12);
        EXPECT_LE(delay, 10000ms);
        EXPECT_GE(delay, 8000ms);
    }
}

TEST_F(PacerTest, RetriesGatewayErrorsWithBackoff) {
    m_server.script("/s/gw", {{503, {}}, {504, {}}, {502, {}}, {408, {}}, {200, {}}});
    RetryPolicy policy;
    policy.baseDelay = 100ms;
    policy.jitter = 0;
    Pacer pacer(m_client, policy, recorder());
    const HttpResponse response = pacer.send(get("/s/gw"));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "attempt 5");
    EXPECT_EQ(m_delays, (std::vector<milliseconds>{100ms, 200ms, 400ms, 800ms}));
    EXPECT_EQ(pacer.stats().retries, 4u);
    EXPECT_EQ(pacer.stats().throttled, 0u);
}

TEST_F(PacerTest, RetriesDroppedConnections) {
    RawServer raw([](int fd, int index) {
        RawServer::readRequest(fd);
        if (index > 0) {
            RawServer::sendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }
    });
    Pacer pacer(m_client, {}, recorder());
    const HttpResponse response = pacer.send({"GET", raw.url("/x"), {}, {}, {}});
    EXPECT_EQ(response.status, 200) << response.transportError;
    EXPECT_EQ(response.body, "ok");
    EXPECT_EQ(m_delays.size(), 1u);
    EXPECT_EQ(pacer.stats().transportFailures, 1u);
    EXPECT_EQ(raw.connections(), 2);
}

TEST_F(PacerTest, ClientErrorsAreNotRetried) {
    m_server.script("/s/400", {{400, {}}, {200, {}}});
    m_server.script("/s/404", {{404, {{"Retry-After", "1"}}}, {200, {}}});
    Pacer pacer(m_client, {}, recorder());
    EXPECT_EQ(pacer.send(get("/s/400")).status, 400);
    EXPECT_EQ(pacer.send(get("/s/404")).status, 404);
    EXPECT_TRUE(m_delays.empty());
    EXPECT_EQ(m_server.hits("/s/400"), 1);
    EXPECT_EQ(m_server.hits("/s/404"), 1);
    EXPECT_EQ(pacer.stats().requests, 2u);
}

TEST_F(PacerTest, RefusedConnectionIsNotRetried) {
    Pacer pacer(m_client, {}, recorder());
    const std::string url = "http://127.0.0.1:" + std::to_string(test::closedPort()) + "/";
    const HttpResponse response = pacer.send({"GET", url, {}, {}, {}});
    EXPECT_EQ(response.status, 0);
    EXPECT_FALSE(response.transportError.empty());
    EXPECT_TRUE(m_delays.empty());
    EXPECT_EQ(pacer.stats().transportFailures, 1u);
}

TEST_F(PacerTest, MaxAttemptsReturnsTheLastAnswer) {
    m_server.script("/s/busy", {{503, {{"Retry-After", "1"}}}});
    RetryPolicy policy;
    policy.maxAttempts = 3;
    Pacer pacer(m_client, policy, recorder());
    const HttpResponse response = pacer.send(get("/s/busy"));
    EXPECT_EQ(response.status, 503);
    EXPECT_EQ(response.body, "attempt 3");
    EXPECT_EQ(m_server.hits("/s/busy"), 3);
    EXPECT_EQ(m_delays.size(), 2u);
}

TEST_F(PacerTest, CancelStopsRetrying) {
    m_server.script("/s/cancel", {{429, {{"Retry-After", "5"}}}, {200, {}}});
    std::atomic<bool> cancel{false};
    // The user presses Cancel while the pacer waits.
    Pacer pacer(m_client, {}, [&](milliseconds delay) {
        m_delays.push_back(delay);
        cancel = true;
    });
    const HttpResponse response = pacer.send(get("/s/cancel"), &cancel);
    EXPECT_EQ(response.status, 429);
    EXPECT_EQ(m_server.hits("/s/cancel"), 1);

    // Already cancelled: no wait at all.
    m_delays.clear();
    EXPECT_EQ(pacer.send(get("/s/cancel"), &cancel).status, 200);  // second hit answers 200
    m_server.script("/s/c2", {{503, {}}, {200, {}}});
    EXPECT_EQ(pacer.send(get("/s/c2"), &cancel).status, 503);
    EXPECT_TRUE(m_delays.empty());
}

TEST_F(PacerTest, DefaultSleeperWakesUpOnCancel) {
    m_server.script("/s/long", {{429, {{"Retry-After", "30"}}}, {200, {}}});
    std::atomic<bool> cancel{false};
    Pacer pacer(m_client);  // real sleeping
    std::thread canceller([&] {
        // Cancel as soon as the throttled answer has been counted, i.e. while waiting.
        while (pacer.stats().retries == 0) {
            std::this_thread::yield();
        }
        cancel = true;
    });
    const auto started = std::chrono::steady_clock::now();
    const HttpResponse response = pacer.send(get("/s/long"), &cancel);
    canceller.join();
    EXPECT_EQ(response.status, 429);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

TEST_F(PacerTest, SendAllRetriesOnlyTheFailedSubset) {
    m_server.script("/s/ok", {{200, {}}});
    m_server.script("/s/throttled", {{429, {{"Retry-After", "2"}}}, {200, {}}});
    m_server.script("/s/unavailable", {{503, {}}, {200, {}}});
    m_server.script("/s/missing", {{404, {}}});
    RetryPolicy policy;
    policy.baseDelay = 100ms;
    Pacer pacer(m_client, policy, recorder());
    const auto responses = pacer.sendAll(
        {get("/s/ok"), get("/s/throttled"), get("/s/unavailable"), get("/s/missing")});
    ASSERT_EQ(responses.size(), 4u);
    EXPECT_EQ(responses[0].status, 200);
    EXPECT_EQ(responses[0].body, "attempt 1");
    EXPECT_EQ(responses[1].status, 200);
    EXPECT_EQ(responses[1].body, "attempt 2");
    EXPECT_EQ(responses[2].status, 200);
    EXPECT_EQ(responses[2].body, "attempt 2");
    EXPECT_EQ(responses[3].status, 404);
    EXPECT_EQ(m_server.hits("/s/ok"), 1);
    EXPECT_EQ(m_server.hits("/s/throttled"), 2);
    EXPECT_EQ(m_server.hits("/s/unavailable"), 2);
    EXPECT_EQ(m_server.hits("/s/missing"), 1);
    // One wait for both, as long as the longest request.
    EXPECT_EQ(m_delays, std::vector<milliseconds>{2000ms});
    const PacerStats stats = pacer.stats();
    EXPECT_EQ(stats.requests, 6u);
    EXPECT_EQ(stats.retries, 2u);
    EXPECT_EQ(stats.throttled, 1u);
}

TEST_F(PacerTest, SendAllGivesUpAfterMaxAttempts) {
    m_server.script("/s/ok2", {{200, {}}});
    m_server.script("/s/down", {{503, {}}});
    RetryPolicy policy;
    policy.maxAttempts = 4;
    policy.baseDelay = 10ms;
    Pacer pacer(m_client, policy, recorder());
    const auto responses = pacer.sendAll({get("/s/ok2"), get("/s/down")});
    EXPECT_EQ(responses[0].status, 200);
    EXPECT_EQ(responses[1].status, 503);
    EXPECT_EQ(responses[1].body, "attempt 4");
    EXPECT_EQ(m_server.hits("/s/ok2"), 1);
    EXPECT_EQ(m_server.hits("/s/down"), 4);
    EXPECT_EQ(m_delays.size(), 3u);
}

TEST(PacerRetryable, ClassifiesAnswers) {
    for (int status : {408, 429, 502, 503, 504}) {
        HttpResponse r;
        r.status = status;
        EXPECT_TRUE(Pacer::isRetryable(r)) << status;
    }
    for (int status : {200, 201, 204, 400, 401, 403, 404, 409, 412, 500}) {
        HttpResponse r;
        r.status = status;
        EXPECT_FALSE(Pacer::isRetryable(r)) << status;
    }
    HttpResponse dropped;
    dropped.transportError = "the server closed the connection without answering";
    dropped.transportRetryable = true;
    EXPECT_TRUE(Pacer::isRetryable(dropped));
    dropped.transportRetryable = false;
    EXPECT_FALSE(Pacer::isRetryable(dropped));
}

}  // namespace
}  // namespace ferry::net
