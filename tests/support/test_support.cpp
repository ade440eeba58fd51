// Helpers shared by the test suites.
#include "test_support.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

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

}  // namespace ferry::test
