// Minimal RAII helpers over the SQLite C API.
#include "sqlite_statement.h"

namespace ferry::sqlite {

void check(sqlite3* db, int rc, std::string_view what) {
    if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) {
        return;
    }
    throw Error(ErrorCode::StateStore, "the local state database failed: " + std::string(what),
                db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                "Check that the data folder is writable and the disk is not full.");
}

void exec(sqlite3* db, std::string_view sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        throw Error(ErrorCode::StateStore,
                    "the local state database failed: " + std::string(sql.substr(0, 60)), detail);
    }
}

sqlite3* open(const std::string& path) {
    sqlite3* db = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        throw Error(ErrorCode::StateStore, "cannot open the local state database '" + path + "'",
                    detail, "Check that the data folder exists and is writable.");
    }
    sqlite3_busy_timeout(db, 30000);
    return db;
}

Statement::Statement(sqlite3* db, std::string_view sql) : m_db(db) {
    check(db, sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &m_stmt, nullptr),
          sql);
}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

Statement& Statement::bind(int index, std::int64_t value) {
    check(m_db, sqlite3_bind_int64(m_stmt, index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    check(m_db, sqlite3_bind_double(m_stmt, index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    check(m_db,
          sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT),
          "bind");
    return *this;
}

Statement& Statement::bindBlob(int index, std::string_view bytes) {
    check(m_db,
          sqlite3_bind_blob(m_stmt, index, bytes.data(), static_cast<int>(bytes.size()),
                            SQLITE_TRANSIENT),
          "bind");
    return *this;
}

Statement& Statement::bindNull(int index) {
    check(m_db, sqlite3_bind_null(m_stmt, index), "bind");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    check(m_db, rc, sqlite3_sql(m_stmt));
    return false;
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const {
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::real(int column) const {
    return sqlite3_column_double(m_stmt, column);
}

std::string Statement::text(int column) const {
    const auto* p = sqlite3_column_text(m_stmt, column);
    return p != nullptr
               ? std::string(reinterpret_cast<const char*>(p),
                             static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)))
               : std::string();
}

std::string_view Statement::blob(int column) const {
    const void* p = sqlite3_column_blob(m_stmt, column);
    const int n = sqlite3_column_bytes(m_stmt, column);
    return p != nullptr ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n))
                        : std::string_view();
}

Transaction::Transaction(sqlite3* db) : m_db(db) {
    exec(db, "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
    if (m_open) {
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

void Transaction::commit() {
    exec(m_db, "COMMIT");
    m_open = false;
}

}  // namespace ferry::sqlite
