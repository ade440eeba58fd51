// The HTTP server host both emulators run on: binds 127.0.0.1, serves every method through one
// handler on a listener thread, and stops cleanly.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ferry::emulator::common {

struct HostSettings {
    std::string name;                 // "Dynamics" -> "The Dynamics emulator is already running."
    int threads = 32;                 // worker pool; each kept-alive connection holds one
    int readWriteTimeoutSeconds = 0;  // 0 = httplib's default
    std::size_t payloadMaxBytes = 0;  // 0 = httplib's default
};

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

// Not copyable; every public method is thread-safe.
class HttpHost final {
public:
    HttpHost(HostSettings settings, Handler handler);
    ~HttpHost();  // stops
    HttpHost(const HttpHost&) = delete;
    HttpHost& operator=(const HttpHost&) = delete;

    // Binds 127.0.0.1:port (0 = a free port) and returns once connections are accepted. Throws
    // std::runtime_error when the port cannot be bound or the server is already running.
    void start(int port);
    // Stops serving; idempotent.
    void stop();

    int port() const { return m_port; }
    std::string root() const { return "http://127.0.0.1:" + std::to_string(m_port); }

private:
    HostSettings m_settings;
    Handler m_handler;
    std::mutex m_lifecycle;
    std::unique_ptr<httplib::Server> m_server;
    std::thread m_thread;
    std::atomic<bool> m_listenerDone{false};
    std::atomic<int> m_port{0};
};

}  // namespace ferry::emulator::common
