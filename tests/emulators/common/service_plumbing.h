// Service plumbing both emulators put in front of their protocol: JSON answers, latency, fault
// injection, the throttle window, Entra ID token bodies and the /_emulator/ control helpers.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

#include <nlohmann/json.hpp>

namespace ferry::emulator::common {

using Clock = std::chrono::steady_clock;

// The characters of opaque access and refresh tokens (base64url).
inline constexpr char kTokenAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void setJson(httplib::Response& res, int status, const std::string& body);
// Sleeps `ms` milliseconds when positive: the configured latency of a request.
void addLatency(int ms);
// Answers with headers that promise a body that never comes: the content provider fails,
// httplib closes the connection, and the client sees a truncated response.
void dropConnection(httplib::Response& res);
// A seed for token randomness that differs between runs.
std::uint64_t unpredictableSeed();

// The sliding throttle window: forgets the requests older than `window` and returns how many
// are left in it.
int pruneWindow(std::deque<Clock::time_point>& recent, Clock::time_point now,
                std::chrono::seconds window);

// Expires every issued access token (revocation): the next request with one gets 401.
template <class Tokens>
void expireAll(Tokens& tokens) {
    for (auto& [token, grant] : tokens)
        grant.expires = Clock::time_point::min();
}

// Entra ID's error body: "AADSTS<code>: <description> Trace ID: ... Timestamp: ...".
std::string tokenErrorBody(const std::string& error, int code, const std::string& description,
                           const std::string& traceId, const std::string& correlationId,
                           const std::string& timestamp);
// Entra ID's token answer, without a refresh token.
nlohmann::json tokenBody(const std::string& scope, int lifetimeSeconds, const std::string& access);

// The body of a /_emulator/ request: {} when empty. Throws nlohmann::json::exception when it is
// not JSON.
nlohmann::json controlBody(const std::string& body);
// GET /_emulator/stats: the counters every emulator keeps.
template <class Stats>
std::string statsJson(const Stats& s) {
    return nlohmann::json{
        {"requests", s.requests},        {"reads", s.reads},         {"writes", s.writes},
        {"batches", s.batches},          {"throttled", s.throttled}, {"faults", s.faults},
        {"tokensIssued", s.tokensIssued}}
        .dump();
}
// The 404 of an unknown control endpoint; the 400 of a failed control request.
void unknownControl(httplib::Response& res, const std::string& method, const std::string& what);
void controlError(httplib::Response& res, const std::string& message);

}  // namespace ferry::emulator::common
