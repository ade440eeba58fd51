// The HTTP server host both emulators run on.
#include "http_host.h"

#include <stdexcept>
#include <utility>

namespace ferry::emulator::common {

HttpHost::HttpHost(HostSettings settings, Handler handler)
    : m_settings(std::move(settings)), m_handler(std::move(handler)) {}

HttpHost::~HttpHost() {
    stop();
}

void HttpHost::start(int port) {
    std::lock_guard lifecycle(m_lifecycle);
    if (m_server)
        throw std::runtime_error("The " + m_settings.name + " emulator is already running.");
    auto server = std::make_unique<httplib::Server>();
    const int threads = m_settings.threads;
    server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server->set_keep_alive_max_count(100000);
    server->set_tcp_nodelay(true);
    if (m_settings.readWriteTimeoutSeconds > 0) {
        server->set_read_timeout(m_settings.readWriteTimeoutSeconds);
        server->set_write_timeout(m_settings.readWriteTimeoutSeconds);
    }
    if (m_settings.payloadMaxBytes > 0)
        server->set_payload_max_length(m_settings.payloadMaxBytes);
    const auto handler = [this](const httplib::Request& req, httplib::Response& res) {
        m_handler(req, res);
    };
    server->Get(".*", handler);
    server->Post(".*", handler);
    server->Patch(".*", handler);
    server->Put(".*", handler);
    server->Delete(".*", handler);
    int bound = 0;
    if (port == 0)
        bound = server->bind_to_any_port("127.0.0.1");
    else if (server->bind_to_port("127.0.0.1", port))
        bound = port;
    if (bound <= 0)
        throw std::runtime_error("The " + m_settings.name +
                                 " emulator cannot listen on 127.0.0.1:" + std::to_string(port) +
                                 ".");
    m_port = bound;
    m_server = std::move(server);
    m_listenerDone = false;
    m_thread = std::thread([this] {
        m_server->listen_after_bind();
        m_listenerDone = true;
    });
    // The socket already listens; wait until the accept loop runs so stop() cannot race it.
    while (!m_server->is_running() && !m_listenerDone)
        std::this_thread::yield();
}

void HttpHost::stop() {
    std::lock_guard lifecycle(m_lifecycle);
    if (!m_server)
        return;
    m_server->stop();
    if (m_thread.joinable())
        m_thread.join();
    m_server.reset();
}

}  // namespace ferry::emulator::common
