// Raw throughput of the ODBC provider: rows/s written and read on SQLite and PostgreSQL.
//   bench_odbc_throughput [rows]   (PostgreSQL when FERRY_TEST_PG_FILE names a connection file,
//                                   e.g. from scripts/pg-test-server.sh)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sql.h>
#include <sqlext.h>

#include "ferry/provider.h"
#include "odbc/odbc_provider.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<ferry::Provider> open(const std::string& connection, const std::string& select) {
    ferry::ProviderSettings settings;
    settings.title = "bench";
    settings.connectionString = ferry::ConnectionString::parse(connection);
    settings.select = select;
    return ferry::odbc::providerInfo().factory(settings);
}

// DDL for the benchmark tables, outside the provider under test.
void execute(const std::string& connection, const std::string& sql) {
    SQLHENV env = SQL_NULL_HENV;
    SQLHDBC dbc = SQL_NULL_HDBC;
    SQLHSTMT stmt = SQL_NULL_HSTMT;
    SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
    SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
    SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
    std::string text = connection;
    if (!SQL_SUCCEEDED(SQLDriverConnect(dbc, nullptr, reinterpret_cast<SQLCHAR*>(text.data()),
                                        SQL_NTS, nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT))) {
        std::fprintf(stderr, "cannot connect for setup\n");
        std::exit(1);
    }
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &stmt);
    std::string statement = sql;
    SQLExecDirect(stmt, reinterpret_cast<SQLCHAR*>(statement.data()), SQL_NTS);
    SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    SQLDisconnect(dbc);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    SQLFreeHandle(SQL_HANDLE_ENV, env);
}

ferry::WriteBatch makeBatch(std::int64_t first, std::int64_t count) {
    ferry::WriteBatch batch;
    batch.columns = {"id", "name", "amount", "flag", "at", "qty", "ratio", "note"};
    for (std::int64_t i = first; i < first + count; ++i) {
        ferry::WriteItem item;
        item.kind = ferry::WriteKind::Insert;
        item.values = {ferry::Value(i),
                       ferry::Value("customer " + std::to_string(i)),
                       ferry::Value(ferry::Decimal{std::to_string(i % 100000) + ".25"}),
                       ferry::Value(i % 2 == 0),
                       ferry::Value(ferry::DateTime{1700000000000000LL + i * 1000003}),
                       ferry::Value(i * 7),
                       ferry::Value(static_cast<double>(i) / 3.0),
                       ferry::Value("a note for row " + std::to_string(i) + " — 東京")};
        batch.items.push_back(std::move(item));
    }
    return batch;
}

double writeRows(ferry::Provider& provider, std::int64_t rows) {
    const auto start = Clock::now();
    for (std::int64_t first = 0; first < rows; first += 1000) {
        const auto outcomes =
            provider.write(makeBatch(first, std::min<std::int64_t>(1000, rows - first)));
        for (const auto& outcome : outcomes) {
            if (!outcome.ok) {
                std::fprintf(stderr, "write failed: %s\n", outcome.error.c_str());
                std::exit(1);
            }
        }
    }
    return static_cast<double>(rows) / seconds(start);
}

double readRows(ferry::Provider& provider, std::int64_t expected) {
    const auto start = Clock::now();
    std::int64_t rows = 0;
    provider.read({}, [&rows](std::vector<ferry::Record>& page) {
        rows += static_cast<std::int64_t>(page.size());
        return true;
    });
    if (rows != expected) {
        std::fprintf(stderr, "read %lld rows, expected %lld\n", static_cast<long long>(rows),
                     static_cast<long long>(expected));
        std::exit(1);
    }
    return static_cast<double>(rows) / seconds(start);
}

double copyRows(ferry::Provider& from, ferry::Provider& to, std::int64_t expected) {
    const auto start = Clock::now();
    const auto& schema = from.describe();
    ferry::WriteBatch batch;
    for (const auto& column : schema.columns) {
        batch.columns.push_back(column.name);
    }
    std::int64_t rows = 0;
    ferry::ReadRequest request;
    request.pageSize = 1000;
    from.read(request, [&](std::vector<ferry::Record>& page) {
        batch.items.clear();
        for (auto& record : page) {
            ferry::WriteItem item;
            item.values = std::move(record.values);
            batch.items.push_back(std::move(item));
        }
        rows += static_cast<std::int64_t>(to.write(batch).size());
        return true;
    });
    if (rows != expected) {
        std::fprintf(stderr, "copied %lld rows\n", static_cast<long long>(rows));
        std::exit(1);
    }
    return static_cast<double>(rows) / seconds(start);
}

std::string tableDdl(const std::string& table, bool postgres) {
    return "CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, name VARCHAR(100), amount " +
           (postgres ? "NUMERIC(18,2)" : "DECIMAL TEXT(18,2)") +
           ", flag BOOLEAN, at TIMESTAMP, qty BIGINT, ratio " +
           (postgres ? "DOUBLE PRECISION" : "DOUBLE") + ", note " +
           (postgres ? "TEXT" : "VARCHAR(200)") + ")";
}

}  // namespace

int main(int argc, char** argv) {
    const std::int64_t rows = argc > 1 ? std::atoll(argv[1]) : 100000;
    const auto dir = std::filesystem::temp_directory_path() / "ferry-bench-odbc";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string sqlite = "Driver=SQLite3;Database=" + (dir / "bench.db").string() + ";";
    execute(sqlite, tableDdl("bench", false));
    execute(sqlite, tableDdl("copy", false));
    {
        auto provider = open(sqlite, "bench");
        std::printf("sqlite   write %10.0f rows/s\n", writeRows(*provider, rows));
        std::printf("sqlite   read  %10.0f rows/s\n", readRows(*provider, rows));
    }
    const char* pgFile = std::getenv("FERRY_TEST_PG_FILE");
    if (pgFile != nullptr) {
        std::string postgres;
        std::ifstream in(pgFile);
        std::getline(in, postgres);
        execute(postgres, "DROP TABLE IF EXISTS ferry_bench");
        execute(postgres, "DROP TABLE IF EXISTS ferry_bench_copy");
        execute(postgres, tableDdl("ferry_bench", true));
        execute(postgres, tableDdl("ferry_bench_copy", true));
        auto provider = open(postgres, "ferry_bench");
        std::printf("postgres write %10.0f rows/s\n", writeRows(*provider, rows));
        std::printf("postgres read  %10.0f rows/s\n", readRows(*provider, rows));
        auto source = open(sqlite, "bench");
        auto target = open(postgres, "ferry_bench_copy");
        std::printf("sqlite -> postgres copy %10.0f rows/s\n", copyRows(*source, *target, rows));
        auto back = open(sqlite, "copy");
        std::printf("postgres -> sqlite copy %10.0f rows/s\n", copyRows(*provider, *back, rows));
        execute(postgres, "DROP TABLE ferry_bench");
        execute(postgres, "DROP TABLE ferry_bench_copy");
    }
    std::filesystem::remove_all(dir);
    return 0;
}
