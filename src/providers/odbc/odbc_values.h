// Translation between ODBC buffers and ferry::Value: bulk-fetch buffers and bound parameters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ferry/error.h"
#include "ferry/value.h"
#include "odbc_dialect.h"
#include "odbc_handles.h"

namespace ferry::odbc {

// A result column as the provider uses it: the driver's metadata, Ferry's type for it, and
// the declared limits (0 = unknown or unlimited).
struct ColumnPlan {
    ColumnInfo info;
    ValueType type = ValueType::String;
    std::int64_t length = 0;  // characters (text) or bytes (binary) the column accepts
    int precision = 0;        // decimals
    int scale = 0;
};

// Ferry's type for a driver column: BIT->Bool, TINYINT..BIGINT->Int, REAL/FLOAT/DOUBLE->Double,
// NUMERIC/DECIMAL->Decimal, (W)(LONG)(VAR)CHAR->String, TYPE_DATE->Date,
// TYPE_TIMESTAMP->DateTime, GUID->Guid, (VAR|LONGVAR)BINARY->Binary, anything else String.
// On SQLite the declared type decides decimals ("DECIMAL TEXT(38,10)" is reported as VARCHAR).
ValueType valueTypeFor(const ColumnInfo& column, const Dialect& dialect);

// The declared maximum length a driver reports, or 0 when it is unknown/unlimited.
std::int64_t declaredLength(const ColumnInfo& column, ValueType type);

// Converts driver text (a generated key, a SQLite date) to a value of `type`; text that does
// not parse stays a string.
Value valueFromText(std::string text, ValueType type);

// Reads a result set rowset by rowset. Short fixed-size columns are bound column-wise for
// SQL_ATTR_ROW_ARRAY_SIZE rows at a time; long columns (LONG types, unknown or large sizes,
// and SQLite text whose declared sizes SQLite does not enforce) are read with SQLGetData in
// chunks, which forces one row per fetch.
class RowReader {
public:
    // `measuredBytes` (optional, per column): the longest value in bytes that the caller measured
    // just before; SQLite text and binary columns so measured are bound like sized columns. A
    // value that grew since is reported as an error, never cut.
    RowReader(Statement& statement, const std::vector<ColumnPlan>& columns, const Dialect& dialect,
              std::size_t maxRowsPerFetch, bool getDataAnyColumn,
              const std::vector<std::size_t>& measuredBytes = {});
    ~RowReader();
    RowReader(const RowReader&) = delete;
    RowReader& operator=(const RowReader&) = delete;

    // Fetches the next rowset; returns its number of rows (0 at the end).
    std::size_t fetch();
    // The values of row `row` of the current rowset, aligned with the columns.
    void read(std::size_t row, std::vector<Value>& values);
    std::size_t rowsPerFetch() const { return m_rowsPerFetch; }

private:
    struct Buffer {
        SQLSMALLINT cType = SQL_C_CHAR;
        SQLLEN elementSize = 0;  // 0: not bound, read with SQLGetData
        std::vector<unsigned char> data;
        std::vector<SQLLEN> indicators;
    };
    Value cell(std::size_t column, std::size_t row);
    // The text of a bound, non-null String cell into `text` (reusing its storage).
    void refillText(std::size_t column, std::size_t row, std::string& text);
    Value fetchLong(std::size_t column);

    Statement& m_statement;
    const std::vector<ColumnPlan>& m_columns;
    Dialect m_dialect;
    std::vector<Buffer> m_buffers;
    std::size_t m_rowsPerFetch = 1;
    SQLULEN m_fetched = 0;
    std::vector<bool> m_unboundFixed;  // fixed-size, but read with SQLGetData
    std::string m_text;
    std::u16string m_wide;
    std::vector<std::uint8_t> m_bytes;
};

// A per-item problem found before or while writing.
struct ItemProblem {
    ErrorCode code = ErrorCode::ItemFailed;
    std::string message;
};

// Typed parameters for one execution, kept in one arena that is reused between executions so
// that binding allocates nothing per row once warm.
class ParameterBuffer {
public:
    void clear();
    std::size_t size() const { return m_params.size(); }
    // Drops parameters from `count` on (the rest of a row that failed conversion).
    void truncate(std::size_t count);
    // Converts `value` for `column` and appends it. On failure appends nothing and returns the
    // problem (naming the column), e.g. ValueTooLong "value too long for column 'name' (at most
    // 20 characters)".
    std::optional<ItemProblem> add(const Value& value, const ColumnPlan& column,
                                   const std::string& columnName, const Dialect& dialect);
    // Binds every parameter to the statement (SQLBindParameter 1..n).
    void bind(Statement& statement);

private:
    struct Param {
        SQLSMALLINT cType = SQL_C_CHAR;
        SQLSMALLINT sqlType = SQL_VARCHAR;
        SQLULEN columnSize = 0;
        SQLSMALLINT digits = 0;
        std::size_t offset = 0;
        SQLLEN bytes = 0;
    };
    std::size_t reserve(std::size_t bytes);
    void push(const Param& param, SQLLEN indicator);
    void pushText(std::string_view text, const ColumnPlan& column, const Dialect& dialect,
                  SQLSMALLINT narrowSqlType);

    std::vector<Param> m_params;
    std::vector<SQLLEN> m_indicators;
    std::vector<unsigned char> m_arena;
    std::u16string m_scratch;
};

}  // namespace ferry::odbc
