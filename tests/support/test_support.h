// Helpers shared by the test suites: temporary folders, the test PostgreSQL server, processes.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ferry::test {

// A fresh directory under the system temp folder, removed when the object dies.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

// The ODBC connection string of the throwaway PostgreSQL server started by CTest (read from
// FERRY_TEST_PG_FILE). Fails the calling test (ADD_FAILURE + throws) when it is not available:
// a PostgreSQL test never silently passes without a server.
std::string postgresConnectionString();

// An ODBC connection string for a SQLite database file through the SQLite3 ODBC driver.
std::string sqliteConnectionString(const std::filesystem::path& databaseFile);

// Directory of the built executables (FERRY_BIN_DIR), e.g. for the `ferry` CLI.
std::filesystem::path binaryDirectory();

// Runs a shell command, returns its exit code; stdout goes to `output` when given.
int runCommand(const std::string& command, std::string* output = nullptr);

// A shell command started in the background (e.g. `ferry run … >out 2>err`), killed when the
// object dies while it still runs.
class ChildProcess {
public:
    explicit ChildProcess(const std::string& shellCommand);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // True while the process runs; collects its status once it ended.
    bool running();
    void signal(int number);
    // Waits for the end; returns the wait status (WIFEXITED, WTERMSIG...).
    int wait();

private:
    int m_pid = 0;
    int m_status = 0;
    bool m_running = true;
};

// Polls `reached` (the test's own progress check, e.g. writes the server counted) every 10 ms
// until it holds, then kills `child` with SIGKILL. Fails the test when the child ended first,
// when `limit` passed, or when the kill did not end it; `errFile` (its standard error) is shown.
void killWhen(ChildProcess& child, const std::function<bool()>& reached,
              const std::filesystem::path& errFile,
              std::chrono::seconds limit = std::chrono::minutes(3));

// The text in single quotes for a POSIX shell.
std::string quote(const std::string& text);
std::string readFile(const std::filesystem::path& path);
void writeFile(const std::filesystem::path& path, const std::string& text);

// RFC 4180 CSV as printed by `sqlite3 -csv` and `psql --csv`.
using CsvRows = std::vector<std::vector<std::string>>;
CsvRows parseCsv(const std::string& text);

// The test PostgreSQL server, for Ferry (ODBC) and for psql (native checks).
struct PgServer {
    std::string host;
    std::string port;
    std::string user;
    std::string password;
    std::string database;
    std::string odbcWithPassword;
    std::string odbcWithoutPassword;
};
const PgServer& pgServer();

// Runs SQL with psql against the test server, independent of Ferry's code; returns the rows it
// printed (NULL as "<null>"). Throws std::runtime_error with psql's message on failure.
CsvRows psql(const std::string& sql);

}  // namespace ferry::test
