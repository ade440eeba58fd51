// Retries with capped, jittered exponential backoff; Retry-After wins when the server sends it.
#include "net/pacer.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <optional>
#include <thread>

#include "net/url.h"

namespace ferry::net {

namespace {

using std::chrono::milliseconds;

// Retry-After as delta-seconds or an HTTP date (RFC 9110 section 10.2.3). Dataverse sends whole
// seconds; a bare number is never read as milliseconds.
std::optional<milliseconds> parseRetryAfter(const std::string& value, milliseconds cap) {
    std::string_view text = value;
    while (!text.empty() && text.front() == ' ') {
        text.remove_prefix(1);
    }
    while (!text.empty() && text.back() == ' ') {
        text.remove_suffix(1);
    }
    if (text.empty()) {
        return std::nullopt;
    }
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        // Anything with more digits than the cap needs is the cap: no overflow on silly values.
        const long long capSeconds = cap.count() / 1000 + 1;
        long long seconds = 0;
        for (char c : text) {
            seconds = seconds * 10 + (c - '0');
            if (seconds > capSeconds) {
                return cap;
            }
        }
        return std::min(milliseconds(seconds * 1000), cap);
    }
    const std::string date(text);
    const std::time_t when = curl_getdate(date.c_str(), nullptr);
    if (when < 0) {
        return std::nullopt;
    }
    const auto target = std::chrono::system_clock::from_time_t(when);
    const auto delta =
        std::chrono::duration_cast<milliseconds>(target - std::chrono::system_clock::now());
    return std::clamp(delta, milliseconds(0), cap);
}

// "3 s" or "1.2 s": retry delays in log lines.
std::string describeDelay(milliseconds delay) {
    if (delay.count() % 1000 == 0) {
        return std::to_string(delay.count() / 1000) + " s";
    }
    const long long tenths = (delay.count() + 50) / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

// What went wrong, for the retry log line: "HTTP 429 from host" or the transport problem.
std::string describeProblem(const HttpRequest& request, const HttpResponse& response) {
    const std::string host = hostOf(request.url);
    if (response.status == 0) {
        return "No answer from " + host + " (" + response.transportError + ")";
    }
    return "HTTP " + std::to_string(response.status) + " from " + host;
}

}  // namespace

Pacer::Pacer(HttpClient& client, RetryPolicy policy, Sleeper sleeper)
    : m_client(client),
      m_policy(policy),
      m_sleeper(std::move(sleeper)),
      m_random(std::random_device{}()) {
    m_policy.maxAttempts = std::max(m_policy.maxAttempts, 1);
    m_policy.jitter = std::clamp(m_policy.jitter, 0.0, 1.0);
}

bool Pacer::isRetryable(const HttpResponse& response) {
    if (response.status == 0) {
        return !response.transportError.empty() && response.transportRetryable;
    }
    switch (response.status) {
        case 408:
        case 429:
        case 502:
        case 503:
        case 504:
            return true;
        default:
            return false;
    }
}

milliseconds Pacer::delayFor(const HttpResponse& response, int attempt) {
    if (response.status != 0) {
        if (auto retryAfter = parseRetryAfter(response.header("Retry-After"), m_policy.maxDelay)) {
            return *retryAfter;
        }
    }
    const int exponent = std::clamp(attempt - 1, 0, 30);
    const double base = static_cast<double>(m_policy.baseDelay.count()) * std::ldexp(1.0, exponent);
    const double capped = std::min(base, static_cast<double>(m_policy.maxDelay.count()));
    double factor = 1.0;
    if (m_policy.jitter > 0) {
        std::uniform_real_distribution<double> spread(-m_policy.jitter, m_policy.jitter);
        std::lock_guard lock(m_mutex);
        factor += spread(m_random);
    }
    // Jitter spreads clients apart; the cap stays a hard limit.
    const auto delay = milliseconds(std::llround(capped * factor));
    return std::clamp(delay, milliseconds(0), m_policy.maxDelay);
}

void Pacer::count(const HttpResponse& response) {
    std::lock_guard lock(m_mutex);
    ++m_stats.requests;
    if (response.status == 429) {
        ++m_stats.throttled;
    }
    if (response.status == 0 && !response.transportError.empty()) {
        ++m_stats.transportFailures;
    }
}

void Pacer::wait(milliseconds delay, const std::atomic<bool>* cancel) {
    if (m_sleeper) {
        m_sleeper(delay);
        return;
    }
    // Short slices so that Cancel is honoured within a fraction of a second, even during a
    // long Retry-After.
    const auto end = std::chrono::steady_clock::now() + delay;
    while (cancel == nullptr || !cancel->load()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= end) {
            return;
        }
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(end - now, milliseconds(100)));
    }
}

HttpResponse Pacer::send(const HttpRequest& request, const std::atomic<bool>* cancel) {
    auto cancelled = [cancel] { return cancel != nullptr && cancel->load(); };
    for (int attempt = 1;; ++attempt) {
        HttpResponse response = m_client.send(request);
        count(response);
        if (!isRetryable(response) || attempt >= m_policy.maxAttempts || cancelled()) {
            return response;
        }
        const milliseconds delay = delayFor(response, attempt);
        spdlog::info("{}, retrying in {} (attempt {} of {})", describeProblem(request, response),
                     describeDelay(delay), attempt + 1, m_policy.maxAttempts);
        {
            std::lock_guard lock(m_mutex);
            ++m_stats.retries;
        }
        wait(delay, cancel);
        if (cancelled()) {
            return response;
        }
    }
}

std::vector<HttpResponse> Pacer::sendAll(const std::vector<HttpRequest>& requests,
                                         const std::atomic<bool>* cancel) {
    auto cancelled = [cancel] { return cancel != nullptr && cancel->load(); };
    std::vector<HttpResponse> responses = m_client.sendAll(requests);
    std::vector<std::size_t> pending;
    for (std::size_t i = 0; i < responses.size(); ++i) {
        count(responses[i]);
        if (isRetryable(responses[i])) {
            pending.push_back(i);
        }
    }
    for (int attempt = 1; !pending.empty() && attempt < m_policy.maxAttempts && !cancelled();
         ++attempt) {
        // One wait for the whole subset: the longest any of them asked for.
        milliseconds delay{0};
        for (std::size_t i : pending) {
            delay = std::max(delay, delayFor(responses[i], attempt));
        }
        const std::size_t first = pending.front();
        spdlog::info("{}{}, retrying in {} (attempt {} of {})",
                     describeProblem(requests[first], responses[first]),
                     pending.size() > 1
                         ? fmt::format(" and {} more failed requests", pending.size() - 1)
                         : std::string(),
                     describeDelay(delay), attempt + 1, m_policy.maxAttempts);
        {
            std::lock_guard lock(m_mutex);
            m_stats.retries += pending.size();
        }
        wait(delay, cancel);
        if (cancelled()) {
            break;
        }
        std::vector<HttpRequest> again;
        again.reserve(pending.size());
        for (std::size_t i : pending) {
            again.push_back(requests[i]);
        }
        std::vector<HttpResponse> answers = m_client.sendAll(again);
        std::vector<std::size_t> still;
        for (std::size_t k = 0; k < pending.size(); ++k) {
            count(answers[k]);
            if (isRetryable(answers[k])) {
                still.push_back(pending[k]);
            }
            responses[pending[k]] = std::move(answers[k]);
        }
        pending = std::move(still);
    }
    return responses;
}

PacerStats Pacer::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

}  // namespace ferry::net
