// Service plumbing both emulators put in front of their protocol.
#include "service_plumbing.h"

#include <random>
#include <thread>

namespace ferry::emulator::common {

void setJson(httplib::Response& res, int status, const std::string& body) {
    res.status = status;
    res.set_content(body, "application/json; charset=utf-8");
}

void addLatency(int ms) {
    if (ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

void dropConnection(httplib::Response& res) {
    res.status = 200;
    res.set_content_provider(4096, "application/json",
                             [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
}

std::uint64_t unpredictableSeed() {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

int pruneWindow(std::deque<Clock::time_point>& recent, Clock::time_point now,
                std::chrono::seconds window) {
    while (!recent.empty() && now - recent.front() >= window)
        recent.pop_front();
    return static_cast<int>(recent.size());
}

std::string tokenErrorBody(const std::string& error, int code, const std::string& description,
                           const std::string& traceId, const std::string& correlationId,
                           const std::string& timestamp) {
    return nlohmann::json{
        {"error", error},
        {"error_description", "AADSTS" + std::to_string(code) + ": " + description +
                                  " Trace ID: " + traceId + " Correlation ID: " + correlationId +
                                  " Timestamp: " + timestamp},
        {"error_codes", {code}},
        {"timestamp", timestamp},
        {"trace_id", traceId},
        {"correlation_id", correlationId}}
        .dump();
}

nlohmann::json tokenBody(const std::string& scope, int lifetimeSeconds, const std::string& access) {
    return {{"token_type", "Bearer"},
            {"scope", scope},
            {"expires_in", lifetimeSeconds},
            {"ext_expires_in", lifetimeSeconds},
            {"access_token", access}};
}

nlohmann::json controlBody(const std::string& body) {
    if (body.empty())
        return nlohmann::json::object();
    return nlohmann::json::parse(body);
}

void unknownControl(httplib::Response& res, const std::string& method, const std::string& what) {
    setJson(res, 404,
            nlohmann::json{{"error", "Unknown control endpoint " + method + " /_emulator/" + what}}
                .dump());
}

void controlError(httplib::Response& res, const std::string& message) {
    setJson(res, 400, nlohmann::json{{"error", message}}.dump());
}

}  // namespace ferry::emulator::common
