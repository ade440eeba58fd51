// RAII wrappers over the ODBC C API handles, UTF-16 text conversion and driver diagnostics.
#pragma once

#include <sql.h>
#include <sqlext.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/error.h"

namespace ferry::odbc {

static_assert(sizeof(SQLWCHAR) == sizeof(char16_t), "Ferry talks UTF-16 to ODBC drivers");

// UTF-8 <-> UTF-16 (SQLWCHAR). Invalid input becomes U+FFFD instead of failing: driver text is
// shown to people, and a bad byte must not hide the rest of a message.
std::u16string toUtf16(std::string_view utf8);
void appendUtf16(std::u16string& out, std::string_view utf8);
std::string toUtf8(const char16_t* text, std::size_t length);
void appendUtf8(std::string& out, const char16_t* text, std::size_t length);
// Characters (code points) in UTF-8 text, and UTF-16 code units it needs.
std::size_t codePointCount(std::string_view utf8);
std::size_t utf16Length(std::string_view utf8);

inline SQLWCHAR* sqlText(std::u16string& text) {
    return reinterpret_cast<SQLWCHAR*>(text.data());
}
inline SQLPOINTER sqlPointer(std::intptr_t value) {
    return reinterpret_cast<SQLPOINTER>(value);
}

// One diagnostic record of a handle (SQLGetDiagRec).
struct DiagRecord {
    std::string state;  // five-character SQLSTATE, e.g. "42S02"
    SQLINTEGER nativeError = 0;
    std::string message;  // driver text, with the "[vendor][driver]" prefixes removed
};

// A failed ODBC call: the diagnostics of the handle it was made on. Never shown to a user as
// is: the provider turns it into a ferry::Error with a plain-language message.
class DriverError : public std::runtime_error {
public:
    DriverError(std::string what, std::vector<DiagRecord> records);
    const std::vector<DiagRecord>& records() const { return m_records; }
    // The first SQLSTATE, or "HY000" when the driver gave none.
    std::string state() const;
    // Every record as "SQLSTATE: message", joined with "; " (used as Error::detail).
    std::string detail() const;
    // True when any record's state starts with `prefix` (e.g. "08", "23", "42S02").
    bool hasState(std::string_view prefix) const;
    // True when any record's message contains `text` (ASCII case-insensitive).
    bool mentions(std::string_view text) const;

private:
    std::vector<DiagRecord> m_records;
};

// `narrow`: read them with the ANSI API as UTF-8 (see Connection::setNarrow).
std::vector<DiagRecord> diagnostics(SQLSMALLINT handleType, SQLHANDLE handle, bool narrow = false);

// Throws DriverError with the handle's diagnostics unless `rc` succeeded (or is SQL_NO_DATA,
// which callers interpret themselves).
void check(SQLRETURN rc, SQLSMALLINT handleType, SQLHANDLE handle, const char* what,
           bool narrow = false);

// The process's ODBC 3 environment (one per process: unixODBC and the Windows driver manager
// share driver state per environment anyway).
class Environment {
public:
    static Environment& instance();
    SQLHENV handle() const { return m_env; }
    // Installed drivers (SQLDrivers) and data sources with their driver (SQLDataSources).
    std::vector<std::string> drivers();
    std::vector<std::pair<std::string, std::string>> dataSources();

    Environment(const Environment&) = delete;
    Environment& operator=(const Environment&) = delete;

private:
    Environment();
    ~Environment();
    SQLHENV m_env = SQL_NULL_HENV;
};

// One connection handle. Not thread-safe; a provider owns one.
class Connection {
public:
    Connection();
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Talk to the driver through the ANSI entry points with UTF-8 text. For drivers that have
    // no Unicode entry points (the SQLite ODBC driver on unixODBC): the driver manager's
    // UTF-16-to-ANSI conversion would mangle every non-ASCII name. Set before connect().
    void setNarrow(bool narrow) { m_narrow = narrow; }
    bool narrow() const { return m_narrow; }

    // SQLDriverConnect without prompting. Throws DriverError on failure.
    void connect(const std::string& connectionString);
    bool connected() const { return m_connected; }
    void disconnect();

    SQLHDBC handle() const { return m_dbc; }
    std::string infoText(SQLUSMALLINT infoType);
    SQLUINTEGER infoNumber(SQLUSMALLINT infoType);

    void setAutoCommit(bool on);
    bool autoCommit() const { return m_autoCommit; }
    void commit();
    // Never throws: a rollback failure leaves nothing better to do than report the first error.
    void rollback() noexcept;

private:
    SQLHDBC m_dbc = SQL_NULL_HDBC;
    bool m_connected = false;
    bool m_autoCommit = true;
    bool m_narrow = false;
};

// Result-set column metadata (SQLDescribeCol + SQLColAttribute).
struct ColumnInfo {
    std::string name;
    SQLSMALLINT sqlType = SQL_UNKNOWN_TYPE;
    SQLULEN size = 0;
    SQLSMALLINT digits = 0;
    bool nullable = true;
    bool autoUnique = false;
    std::string typeName;
    std::string baseTable;
};

// One statement handle with reusable preparation.
class Statement {
public:
    explicit Statement(Connection& connection);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    SQLHSTMT handle() const { return m_stmt; }

    void prepare(const std::string& sql);
    // Executes the prepared statement; returns false for SQL_NO_DATA (e.g. an UPDATE of no row).
    bool execute();
    bool execDirect(const std::string& sql);
    // Fetches the next row (or rowset); false at the end.
    bool fetch();
    SQLLEN rowCount();
    SQLSMALLINT resultColumns();
    std::vector<ColumnInfo> describeColumns();
    // SQLPrimaryKeys; empty catalog/schema mean "not given".
    void primaryKeys(const std::string& catalog, const std::string& schema,
                     const std::string& table);
    void closeCursor() noexcept;
    void unbindColumns() noexcept;
    void resetParameters() noexcept;
    void setAttribute(SQLINTEGER attribute, SQLULEN value);
    void setAttributePointer(SQLINTEGER attribute, SQLPOINTER value);

    // Reads a whole column of the current row as UTF-8 text or bytes with SQLGetData in chunks.
    // Returns false for NULL.
    bool getText(SQLUSMALLINT column, bool wide, std::string& out);
    bool getBytes(SQLUSMALLINT column, std::vector<std::uint8_t>& out);

    const std::string& sql() const { return m_sql; }

private:
    void ok(SQLRETURN rc, const char* what) const;
    std::string columnText(SQLUSMALLINT column, SQLUSMALLINT field);

    SQLHSTMT m_stmt = SQL_NULL_HSTMT;
    bool m_narrow = false;
    std::string m_sql;
    std::u16string m_chunk;
    std::u16string m_wide;
};

}  // namespace ferry::odbc
