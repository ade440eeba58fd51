// SQL dialects: identifier quoting, statement shapes and limits per database system.
#include "odbc_dialect.h"

#include <algorithm>
#include <cctype>

namespace ferry::odbc {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
    return lower(haystack).find(lower(needle)) != std::string::npos;
}

std::string joinQuoted(const Dialect& dialect, const std::vector<std::string>& names,
                       std::string_view separator, std::string_view suffix = {}) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) {
            out += separator;
        }
        out += dialect.quoteIdentifier(names[i]);
        out += suffix;
    }
    return out;
}

// The upper-cased words of `sql` outside quotes and brackets (enough to spot TOP and LIMIT).
std::vector<std::string> topLevelWords(std::string_view sql) {
    std::vector<std::string> words;
    std::string word;
    int depth = 0;
    char quote = 0;
    auto flush = [&] {
        if (!word.empty() && depth == 0) {
            words.push_back(word);
        }
        word.clear();
    };
    for (const char c : sql) {
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
            continue;
        }
        if (c == '\'' || c == '"' || c == '`') {
            flush();
            quote = c;
        } else if (c == '[') {
            flush();
            quote = ']';
        } else if (c == '(') {
            flush();
            ++depth;
        } else if (c == ')') {
            flush();
            --depth;
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
            word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
        } else {
            flush();
        }
    }
    flush();
    return words;
}

}  // namespace

Dialect Dialect::forDbmsName(std::string_view dbmsName) {
    if (contains(dbmsName, "sql server")) {
        return Dialect(DialectKind::SqlServer);
    }
    if (contains(dbmsName, "postgres")) {
        return Dialect(DialectKind::PostgreSql);
    }
    if (contains(dbmsName, "sqlite")) {
        return Dialect(DialectKind::Sqlite);
    }
    if (contains(dbmsName, "mysql") || contains(dbmsName, "mariadb")) {
        return Dialect(DialectKind::MySql);
    }
    return Dialect(DialectKind::Generic);
}

Dialect::Dialect(DialectKind kind) : m_kind(kind) {}

const char* Dialect::displayName() const {
    switch (m_kind) {
        case DialectKind::SqlServer:
            return "SQL Server";
        case DialectKind::PostgreSql:
            return "PostgreSQL";
        case DialectKind::Sqlite:
            return "SQLite";
        case DialectKind::MySql:
            return "MySQL/MariaDB";
        case DialectKind::Generic:
            break;
    }
    return "SQL (generic)";
}

std::string Dialect::quoteIdentifier(std::string_view name) const {
    char open = '"';
    char close = '"';
    if (m_kind == DialectKind::SqlServer) {
        open = '[';
        close = ']';
    } else if (m_kind == DialectKind::MySql) {
        open = '`';
        close = '`';
    }
    std::string out;
    out.reserve(name.size() + 2);
    out.push_back(open);
    for (const char c : name) {
        out.push_back(c);
        if (c == close) {
            out.push_back(close);
        }
    }
    out.push_back(close);
    return out;
}

std::vector<std::string> Dialect::storedParts(const TableName& name) const {
    std::vector<std::string> parts = name.parts;
    if (m_kind == DialectKind::PostgreSql) {
        for (std::size_t i = 0; i < parts.size(); ++i) {
            if (i >= name.quoted.size() || !name.quoted[i]) {
                parts[i] = lower(parts[i]);
            }
        }
    }
    return parts;
}

std::string Dialect::quoteTable(const TableName& name) const {
    return joinQuoted(*this, storedParts(name), ".");
}

std::size_t Dialect::maxParameters() const {
    switch (m_kind) {
        case DialectKind::SqlServer:
            return 2100;
        case DialectKind::PostgreSql:
            // The protocol allows 65535, but libpq rejects the parameter description of a
            // prepared statement over 30,000 bytes: about 7,500 parameters. Stay below it.
            return 7000;
        case DialectKind::Sqlite:
            // SQLITE_MAX_VARIABLE_NUMBER is 32766 since 3.32, but the driver may bundle an
            // older SQLite or a build with the historic limit: 999 is safe everywhere.
            return 999;
        case DialectKind::MySql:
            return 65535;
        case DialectKind::Generic:
            break;
    }
    return 1000;
}

std::size_t Dialect::rowsPerInsert(std::size_t columnCount) const {
    if (m_kind == DialectKind::Generic || columnCount == 0) {
        return 1;
    }
    return std::clamp<std::size_t>(maxParameters() / columnCount, 1, maxRowsPerInsert());
}

GeneratedKeys Dialect::generatedKeys() const {
    switch (m_kind) {
        case DialectKind::SqlServer:
            return GeneratedKeys::OutputInserted;
        case DialectKind::PostgreSql:
            return GeneratedKeys::Returning;
        case DialectKind::Sqlite:
            // The SQLite ODBC driver only returns rows for statements that start with SELECT,
            // so RETURNING (SQLite 3.35+) is of no use through it.
            return GeneratedKeys::LastInsertRowid;
        case DialectKind::MySql:
            return GeneratedKeys::LastInsertId;
        case DialectKind::Generic:
            break;
    }
    return GeneratedKeys::None;
}

std::string Dialect::insertStatement(const TableName& table,
                                     const std::vector<std::string>& columns, std::size_t rows,
                                     const std::vector<std::string>& returning) const {
    std::string sql = "INSERT INTO " + quoteTable(table);
    if (!columns.empty()) {
        sql += " (" + joinQuoted(*this, columns, ", ") + ")";
    }
    if (!returning.empty() && generatedKeys() == GeneratedKeys::OutputInserted) {
        sql += " OUTPUT ";
        for (std::size_t i = 0; i < returning.size(); ++i) {
            sql += (i > 0 ? ", inserted." : "inserted.") + quoteIdentifier(returning[i]);
        }
    }
    if (columns.empty()) {
        sql += " DEFAULT VALUES";
    } else {
        std::string tuple = "(";
        for (std::size_t i = 0; i < columns.size(); ++i) {
            tuple += i > 0 ? ", ?" : "?";
        }
        tuple += ")";
        sql += " VALUES ";
        sql.reserve(sql.size() + rows * (tuple.size() + 2));
        for (std::size_t row = 0; row < rows; ++row) {
            if (row > 0) {
                sql += ", ";
            }
            sql += tuple;
        }
    }
    if (!returning.empty() && generatedKeys() == GeneratedKeys::Returning) {
        sql += " RETURNING " + joinQuoted(*this, returning, ", ");
    }
    return sql;
}

std::string Dialect::lastInsertKeyQuery() const {
    switch (generatedKeys()) {
        case GeneratedKeys::LastInsertRowid:
            return "SELECT last_insert_rowid()";
        case GeneratedKeys::LastInsertId:
            return "SELECT LAST_INSERT_ID()";
        default:
            break;
    }
    return {};
}

std::string Dialect::updateStatement(const TableName& table,
                                     const std::vector<std::string>& columns,
                                     const std::vector<std::string>& keyColumns) const {
    return "UPDATE " + quoteTable(table) + " SET " + joinQuoted(*this, columns, ", ", " = ?") +
           " WHERE " + joinQuoted(*this, keyColumns, " AND ", " = ?");
}

std::string Dialect::deleteStatement(const TableName& table,
                                     const std::vector<std::string>& keyColumns) const {
    return "DELETE FROM " + quoteTable(table) + " WHERE " +
           joinQuoted(*this, keyColumns, " AND ", " = ?");
}

namespace {

// The CREATE TABLE type names of one database system.
struct TypeNames {
    const char* boolean;
    const char* integer;
    const char* floating;
    const char* decimal;  // followed by (precision,scale)
    const char* dateTime;
    const char* date;
    const char* guid;  // nullptr: text
    const char* binary;
    const char* text;  // followed by (length)
    std::int64_t textLimit;
    const char* unlimitedText;
    const char* keyText;  // unbounded text as a key (nullptr: unlimitedText can be a key)
};

const TypeNames& typeNames(DialectKind kind) {
    static const TypeNames sqlServer{
        "BIT",           "BIGINT",           "FLOAT",          "DECIMAL",  "DATETIME2(7)",
        "DATE",          "UNIQUEIDENTIFIER", "VARBINARY(MAX)", "NVARCHAR", 4000,
        "NVARCHAR(MAX)", "NVARCHAR(450)"};
    static const TypeNames postgreSql{
        "BOOLEAN", "BIGINT", "DOUBLE PRECISION", "NUMERIC", "TIMESTAMP(6)", "DATE",
        "UUID",    "BYTEA",  "VARCHAR",          10485760,  "TEXT",         nullptr};
    static const TypeNames sqlite{"BOOLEAN", "INTEGER", "REAL",    "NUMERIC",  "DATETIME", "DATE",
                                  nullptr,   "BLOB",    "VARCHAR", 1000000000, "TEXT",     nullptr};
    static const TypeNames mySql{"BOOLEAN",     "BIGINT", "DOUBLE",   "DECIMAL",
                                 "DATETIME(6)", "DATE",   "CHAR(36)", "LONGBLOB",
                                 "VARCHAR",     16383,    "LONGTEXT", "VARCHAR(450)"};
    static const TypeNames generic{
        "BOOLEAN",  "BIGINT", "DOUBLE PRECISION", "DECIMAL", "TIMESTAMP", "DATE",
        "CHAR(36)", "BLOB",   "VARCHAR",          32000,     "CLOB",      nullptr};
    switch (kind) {
        case DialectKind::SqlServer:
            return sqlServer;
        case DialectKind::PostgreSql:
            return postgreSql;
        case DialectKind::Sqlite:
            return sqlite;
        case DialectKind::MySql:
            return mySql;
        case DialectKind::Generic:
            break;
    }
    return generic;
}

}  // namespace

std::string Dialect::columnType(const Column& column) const {
    const TypeNames& names = typeNames(m_kind);
    switch (column.type) {
        case ValueType::Bool:
            return names.boolean;
        case ValueType::Int:
            return names.integer;
        case ValueType::Double:
            return names.floating;
        case ValueType::Decimal: {
            // Without a declared precision: 38 digits, 10 of them after the point.
            const int precision = column.precision > 0 ? std::min(column.precision, 38) : 38;
            const int scale = column.precision > 0 ? std::min(column.scale, precision) : 10;
            return std::string(names.decimal) + "(" + std::to_string(precision) + "," +
                   std::to_string(scale) + ")";
        }
        case ValueType::DateTime:
            return names.dateTime;
        case ValueType::Date:
            return names.date;
        case ValueType::Binary:
            return names.binary;
        case ValueType::Guid:
            if (names.guid != nullptr) {
                return names.guid;
            }
            break;
        default:
            break;
    }
    if (column.length > 0 && column.length <= names.textLimit) {
        return std::string(names.text) + "(" + std::to_string(column.length) + ")";
    }
    // A key needs an indexable type where unbounded text cannot be indexed.
    return column.key && column.length <= 0 && names.keyText != nullptr ? names.keyText
                                                                        : names.unlimitedText;
}

std::string Dialect::createTableStatement(const TableName& table,
                                          const std::vector<Column>& columns) const {
    std::string sql = "CREATE TABLE " + quoteTable(table) + " (";
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const Column& column = columns[i];
        sql += (i > 0 ? ", " : "") + quoteIdentifier(column.name) + " " + columnType(column);
        if (column.key || !column.nullable) {
            sql += " NOT NULL";
        }
        if (column.key) {
            keys.push_back(column.name);
        }
    }
    if (!keys.empty()) {
        sql += ", PRIMARY KEY (" + joinQuoted(*this, keys, ", ") + ")";
    }
    return sql + ")";
}

std::string Dialect::limitedSelect(std::string_view select, std::size_t rows) const {
    const std::string count = std::to_string(rows);
    const std::vector<std::string> words = topLevelWords(select);
    const auto has = [&words](std::string_view word) {
        return std::find(words.begin(), words.end(), word) != words.end();
    };
    switch (m_kind) {
        case DialectKind::SqlServer: {
            if (has("TOP") || has("OFFSET")) {
                return "SELECT TOP (" + count + ") * FROM (" + std::string(select) +
                       ") AS ferry_limited";
            }
            // Insert TOP after SELECT [DISTINCT|ALL].
            std::size_t pos = select.find_first_not_of(" \t\r\n");
            pos = pos == std::string_view::npos ? 0 : pos + 6;  // "SELECT"
            std::string rest(select.substr(pos));
            std::string head(select.substr(0, pos));
            const std::size_t wordStart = rest.find_first_not_of(" \t\r\n");
            if (wordStart != std::string::npos) {
                const std::string next = lower(rest.substr(wordStart, 9));
                for (const char* modifier : {"distinct", "all"}) {
                    const std::size_t length = std::char_traits<char>::length(modifier);
                    if (next.compare(0, length, modifier) == 0 &&
                        (next.size() == length ||
                         std::isspace(static_cast<unsigned char>(next[length])))) {
                        head += rest.substr(0, wordStart + length);
                        rest.erase(0, wordStart + length);
                        break;
                    }
                }
            }
            return head + " TOP (" + count + ")" + rest;
        }
        case DialectKind::PostgreSql:
        case DialectKind::Sqlite:
        case DialectKind::MySql:
            if (has("LIMIT") || has("OFFSET") || has("FETCH")) {
                return "SELECT * FROM (" + std::string(select) + ") AS ferry_limited LIMIT " +
                       count;
            }
            return std::string(select) + " LIMIT " + count;
        case DialectKind::Generic:
            break;
    }
    if (rows == 0) {
        return "SELECT * FROM (" + std::string(select) + ") ferry_limited WHERE 1 = 0";
    }
    return std::string(select);
}

std::vector<std::string> Dialect::sessionSetup() const {
    if (m_kind == DialectKind::PostgreSql) {
        // Ferry's date-times are UTC: timestamptz values must come back in UTC, and naive
        // timestamps written into timestamptz columns must be read as UTC.
        return {"SET TIME ZONE 'UTC'"};
    }
    return {};
}

}  // namespace ferry::odbc
