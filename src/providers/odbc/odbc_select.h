// Parsing of the select statement: the table it reads and whether Ferry can write through it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "odbc_dialect.h"

namespace ferry::odbc {

struct SelectStatement {
    std::string sql;  // what is executed: the statement, or SELECT * FROM <bare table name>
    TableName table;  // the first table after FROM (empty parts when there is none)
    std::size_t fromOffset = 0;  // where the top-level FROM starts in `sql`; 0 = none
    bool writable = false;
    std::string whyNotWritable;  // plain-language reason when !writable
    // Result column name -> table column name, for `SELECT name AS title`.
    std::vector<std::pair<std::string, std::string>> aliases;

    // The table column behind a result column (the alias resolved), else `resultColumn`.
    std::string baseColumn(const std::string& resultColumn) const;
};

// Accepts `SELECT cols FROM table [WHERE …] [ORDER BY …]` (any SELECT really: the database is
// the judge of its syntax) and a bare table name such as `dbo.Accounts` or `"My Table"`.
// Writable only for one table with plain column references: no JOIN, comma join, UNION,
// GROUP BY, DISTINCT, HAVING, subquery in FROM, aggregate or expression columns.
// Throws Error{QueryFailed} when the text is empty or is not a SELECT (e.g. a DELETE).
SelectStatement parseSelect(std::string_view text);

}  // namespace ferry::odbc
