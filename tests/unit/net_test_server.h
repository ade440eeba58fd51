// Local servers for the ferry::net tests: an httplib server and a raw TCP listener on 127.0.0.1.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace ferry::net::test {

// An httplib::Server on a free port. Register handlers on server(), then call start(): it
// returns once the accept loop is running (a probe request was answered), so stop() in the
// destructor can never race the start.
class TestServer {
public:
    TestServer() {
        // Each kept-alive connection holds a worker thread: leave room for concurrency tests.
        m_server.new_task_queue = [] { return new httplib::ThreadPool(16); };
        // httplib closes a connection after 5 requests by default; keep-alive tests need more.
        m_server.set_keep_alive_max_count(100);
        // Headers and body go out in two writes: without this, Nagle adds 40 ms per answer.
        m_server.set_tcp_nodelay(true);
    }
    ~TestServer() { stop(); }
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    httplib::Server& server() { return m_server; }

    void start() {
        m_server.Get("/__ready", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("ready", "text/plain");
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        ASSERT_GT(m_port, 0);
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        httplib::Client probe("127.0.0.1", m_port);
        probe.set_connection_timeout(5);
        probe.set_read_timeout(5);
        auto answer = probe.Get("/__ready");
        ASSERT_TRUE(answer) << "the test server did not start";
        ASSERT_EQ(answer->status, 200);
    }

    void stop() {
        if (m_thread.joinable()) {
            m_server.stop();
            m_thread.join();
        }
    }

    int port() const { return m_port; }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(m_port) + path;
    }

private:
    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
};

// A listening TCP socket on 127.0.0.1 that hands each accepted connection (its descriptor) to
// `onConnection` on its own thread, for misbehaving servers httplib cannot imitate.
class RawServer {
public:
    explicit RawServer(std::function<void(int fd, int index)> onConnection)
        : m_onConnection(std::move(onConnection)) {
        m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(0x7f000001U);
        address.sin_port = 0;
        if (::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(m_listener, 16) != 0) {
            ADD_FAILURE() << "could not listen on 127.0.0.1";
            return;
        }
        socklen_t length = sizeof address;
        ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length);
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] { acceptLoop(); });
    }

    ~RawServer() {
        m_stopping = true;
        // shutdown() wakes the blocked accept().
        ::shutdown(m_listener, SHUT_RDWR);
        if (m_thread.joinable()) {
            m_thread.join();
        }
        ::close(m_listener);
    }
    RawServer(const RawServer&) = delete;
    RawServer& operator=(const RawServer&) = delete;

    int port() const { return m_port; }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(m_port) + path;
    }
    int connections() const { return m_connections.load(); }

    // Reads one request head (up to the blank line) and, when Content-Length says so, its body.
    static std::string readRequest(int fd) {
        std::string data;
        char buffer[4096];
        std::size_t headEnd = std::string::npos;
        while (headEnd == std::string::npos) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                return data;
            }
            data.append(buffer, static_cast<std::size_t>(n));
            headEnd = data.find("\r\n\r\n");
        }
        std::size_t length = 0;
        std::string lower = data.substr(0, headEnd);
        for (char& c : lower) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (const auto pos = lower.find("content-length:"); pos != std::string::npos) {
            length = std::stoul(lower.substr(pos + 15));
        }
        while (data.size() < headEnd + 4 + length) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                break;
            }
            data.append(buffer, static_cast<std::size_t>(n));
        }
        return data;
    }

    static void sendAll(int fd, const std::string& data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) {
                return;
            }
            sent += static_cast<std::size_t>(n);
        }
    }

private:
    void acceptLoop() {
        while (!m_stopping) {
            const int fd = ::accept(m_listener, nullptr, nullptr);
            if (fd < 0) {
                return;
            }
            const int index = m_connections++;
            m_onConnection(fd, index);
            ::close(fd);
        }
    }

    std::function<void(int, int)> m_onConnection;
    int m_listener = -1;
    int m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::atomic<int> m_connections{0};
    std::thread m_thread;
};

// A port on 127.0.0.1 that was free a moment ago and has no listener now: connecting to it is
// refused.
inline int closedPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(0x7f000001U);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

}  // namespace ferry::net::test
