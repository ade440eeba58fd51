// Helpers shared by the test suites.
#include "test_support.h"

#include <gtest/gtest.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "ferry/connection_string.h"

extern "C" char** environ;  // NOLINT: POSIX

namespace ferry::test {

TempDir::TempDir() {
    std::random_device device;
    std::mt19937_64 random(device());
    m_path = std::filesystem::temp_directory_path() / ("ferry-test-" + std::to_string(random()));
    std::filesystem::create_directories(m_path);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

std::string postgresConnectionString() {
    const char* file = std::getenv("FERRY_TEST_PG_FILE");
    std::string text;
    if (file != nullptr) {
        std::ifstream in(file);
        std::getline(in, text);
    }
    if (text.empty()) {
        ADD_FAILURE() << "no test PostgreSQL server: run the tests through ctest (fixture "
                         "'postgres') or set FERRY_TEST_PG_FILE";
        throw std::runtime_error("no test PostgreSQL server");
    }
    return text;
}

std::string sqliteConnectionString(const std::filesystem::path& databaseFile) {
    return "Driver=SQLite3;Database=" + databaseFile.string() + ";";
}

std::filesystem::path binaryDirectory() {
    const char* dir = std::getenv("FERRY_BIN_DIR");
    return dir != nullptr ? std::filesystem::path(dir) : std::filesystem::current_path();
}

int runCommand(const std::string& command, std::string* output) {
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return -1;
    }
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        if (output != nullptr) {
            output->append(buffer.data(), n);
        }
    }
    const int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ChildProcess::ChildProcess(const std::string& shellCommand) {
    std::string command = shellCommand;
    std::vector<char*> argv = {const_cast<char*>("/bin/sh"), const_cast<char*>("-c"),
                               command.data(), nullptr};
    pid_t pid = 0;
    if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv.data(), environ) != 0) {
        throw std::runtime_error("cannot start " + shellCommand);
    }
    m_pid = pid;
}

ChildProcess::~ChildProcess() {
    if (m_running) {
        ::kill(m_pid, SIGKILL);
        waitpid(m_pid, nullptr, 0);
    }
}

bool ChildProcess::running() {
    if (m_running && waitpid(m_pid, &m_status, WNOHANG) == m_pid) {
        m_running = false;
    }
    return m_running;
}

void ChildProcess::signal(int number) {
    ::kill(m_pid, number);
}

void killWhen(ChildProcess& child, const std::function<bool()>& reached,
              const std::filesystem::path& errFile, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!reached() && child.running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling interval
    }
    ASSERT_TRUE(child.running()) << "the run ended before it was killed\n" << readFile(errFile);
    ASSERT_TRUE(reached()) << "the run did not get there within " << limit.count() << " s\n"
                           << readFile(errFile);
    child.signal(SIGKILL);
    const int status = child.wait();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "wait status " << status;
}

int ChildProcess::wait() {
    if (m_running) {
        waitpid(m_pid, &m_status, 0);
        m_running = false;
    }
    return m_status;
}

std::string quote(const std::string& text) {
    std::string quoted = "'";
    for (const char c : text) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted += c;
        }
    }
    return quoted + "'";
}

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void writeFile(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

CsvRows parseCsv(const std::string& text) {
    CsvRows rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    bool fieldStarted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
            fieldStarted = true;
        } else if (c == ',') {
            row.push_back(field);
            field.clear();
            fieldStarted = false;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
            row.push_back(field);
            rows.push_back(row);
            row.clear();
            field.clear();
            fieldStarted = false;
        } else {
            field += c;
            fieldStarted = true;
        }
    }
    if (fieldStarted || !row.empty()) {
        row.push_back(field);
        rows.push_back(row);
    }
    return rows;
}

const PgServer& pgServer() {
    static const PgServer server = [] {
        PgServer s;
        s.odbcWithPassword = postgresConnectionString();
        auto parsed = ConnectionString::parse(s.odbcWithPassword);
        s.host = parsed.getOr("Server", "127.0.0.1");
        s.port = parsed.getOr("Port", "5432");
        s.user = parsed.getOr("Uid", "");
        s.password = parsed.getOr("Pwd", "");
        s.database = parsed.getOr("Database", "");
        parsed.remove("Pwd");
        s.odbcWithoutPassword = parsed.toString();
        return s;
    }();
    return server;
}

CsvRows psql(const std::string& sql) {
    const PgServer& pg = pgServer();
    const TempDir dir;
    const auto sqlFile = dir / "query.sql";
    const auto errFile = dir / "psql-err.txt";
    writeFile(sqlFile, sql);
    std::string out;
    const int code =
        runCommand("PGPASSWORD=" + quote(pg.password) + " PGCONNECT_TIMEOUT=10 psql -X -q -h " +
                       quote(pg.host) + " -p " + quote(pg.port) + " -U " + quote(pg.user) + " -d " +
                       quote(pg.database) + " -v ON_ERROR_STOP=1 --csv -t -P null='<null>' -f " +
                       quote(sqlFile.string()) + " 2>" + quote(errFile.string()),
                   &out);
    if (code != 0) {
        throw std::runtime_error("psql failed: " + readFile(errFile) + "\nSQL: " + sql);
    }
    return parseCsv(out);
}

}  // namespace ferry::test
