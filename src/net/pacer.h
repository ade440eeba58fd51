// The one retry and throttling policy for all HTTP providers: capped exponential backoff with
// jitter on 429/502/503/504/408 and dropped connections, honouring Retry-After.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <vector>

#include "net/http_client.h"

namespace ferry::net {

struct RetryPolicy {
    int maxAttempts = 8;                        // first try included
    std::chrono::milliseconds baseDelay{1000};  // 2^n backoff from here when no Retry-After
    std::chrono::milliseconds maxDelay{60000};  // cap for backoff and for Retry-After
    double jitter = 0.2;                        // +/- share of each delay
};

struct PacerStats {
    std::uint64_t requests = 0;  // HTTP attempts sent, retries included
    std::uint64_t retries = 0;
    std::uint64_t throttled = 0;  // 429 answers
    std::uint64_t transportFailures = 0;
};

// Waits for the given time; tests inject one that records the delays instead of sleeping.
// Without one, the pacer sleeps in short slices and stops early when `cancel` is set.
using Sleeper = std::function<void(std::chrono::milliseconds)>;

class Pacer {
public:
    Pacer(HttpClient& client, RetryPolicy policy = {}, Sleeper sleeper = {});

    // Sends with retries. Returns the final response: a success, a non-retryable status, or
    // the last retryable answer after maxAttempts. When every attempt failed in transport,
    // the last response carries transportError. Between attempts it checks `cancel` and, when
    // set, returns the last response at once. Retry-After is read as seconds or an HTTP date
    // (never milliseconds), capped at maxDelay.
    HttpResponse send(const HttpRequest& request, const std::atomic<bool>* cancel = nullptr);

    // Concurrent form: sends all, then retries only those that need it (together, after the
    // longest wait any of them asked for). Responses in request order.
    std::vector<HttpResponse> sendAll(const std::vector<HttpRequest>& requests,
                                      const std::atomic<bool>* cancel = nullptr);

    PacerStats stats() const;
    HttpClient& client() { return m_client; }

    // The delay before attempt `attempt` (1 = first retry) for this response; public for tests.
    std::chrono::milliseconds delayFor(const HttpResponse& response, int attempt);
    static bool isRetryable(const HttpResponse& response);

private:
    void count(const HttpResponse& response);
    void wait(std::chrono::milliseconds delay, const std::atomic<bool>* cancel);

    HttpClient& m_client;
    RetryPolicy m_policy;
    Sleeper m_sleeper;
    mutable std::mutex m_mutex;  // guards m_stats and m_random
    PacerStats m_stats;
    std::mt19937 m_random;
};

}  // namespace ferry::net
