// Minimal RAII helpers over the SQLite C API, shared by the state store and the engine.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "ferry/error.h"

namespace ferry::sqlite {

// Throws Error{StateStore} with SQLite's message when `rc` is not one of the accepted codes.
void check(sqlite3* db, int rc, std::string_view what);

// Executes one or more statements without results.
void exec(sqlite3* db, std::string_view sql);

// Opens a database file (creating it), with a busy timeout; throws Error{StateStore}.
sqlite3* open(const std::string& path);

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bindBlob(int index, std::string_view bytes);
    Statement& bindNull(int index);

    // Advances; true while a row is available. Throws on error.
    bool step();
    // Runs a statement without results to completion, then resets it for reuse.
    void run();
    void reset();

    bool isNull(int column) const;
    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    std::string_view blob(int column) const;

private:
    sqlite3* m_db;
    sqlite3_stmt* m_stmt = nullptr;
};

// BEGIN IMMEDIATE … COMMIT, rolled back when destroyed without commit().
class Transaction {
public:
    explicit Transaction(sqlite3* db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    sqlite3* m_db;
    bool m_open = true;
};

}  // namespace ferry::sqlite
