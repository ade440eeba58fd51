// SQL dialects of the ODBC provider, checked as statement text (no SQL Server runs here).
#include <gtest/gtest.h>

#include "odbc_dialect.h"

namespace ferry::odbc {
namespace {

TableName name(std::vector<std::string> parts, std::vector<bool> quoted = {}) {
    TableName table;
    quoted.resize(parts.size(), false);
    table.parts = std::move(parts);
    table.quoted = std::move(quoted);
    return table;
}

TEST(OdbcDialect, DetectsTheSystemFromTheDbmsName) {
    EXPECT_EQ(Dialect::forDbmsName("Microsoft SQL Server").kind(), DialectKind::SqlServer);
    EXPECT_EQ(Dialect::forDbmsName("PostgreSQL").kind(), DialectKind::PostgreSql);
    EXPECT_EQ(Dialect::forDbmsName("SQLite").kind(), DialectKind::Sqlite);
    EXPECT_EQ(Dialect::forDbmsName("MySQL").kind(), DialectKind::MySql);
    EXPECT_EQ(Dialect::forDbmsName("MariaDB").kind(), DialectKind::MySql);
    EXPECT_EQ(Dialect::forDbmsName("Oracle").kind(), DialectKind::Generic);
}

TEST(OdbcDialect, QuotesIdentifiersAndDoublesTheClosingQuote) {
    EXPECT_EQ(Dialect(DialectKind::SqlServer).quoteIdentifier("Account]Name"), "[Account]]Name]");
    EXPECT_EQ(Dialect(DialectKind::PostgreSql).quoteIdentifier("a\"b"), "\"a\"\"b\"");
    EXPECT_EQ(Dialect(DialectKind::Sqlite).quoteIdentifier("name"), "\"name\"");
    EXPECT_EQ(Dialect(DialectKind::MySql).quoteIdentifier("a`b"), "`a``b`");
}

TEST(OdbcDialect, TSqlStatements) {
    const Dialect tsql(DialectKind::SqlServer);
    const auto table = name({"dbo", "Accounts"});
    EXPECT_EQ(tsql.quoteTable(table), "[dbo].[Accounts]");
    EXPECT_EQ(tsql.insertStatement(table, {"AccountId", "Name"}, 2),
              "INSERT INTO [dbo].[Accounts] ([AccountId], [Name]) VALUES (?, ?), (?, ?)");
    EXPECT_EQ(tsql.insertStatement(table, {"Name"}, 1, {"AccountId"}),
              "INSERT INTO [dbo].[Accounts] ([Name]) OUTPUT inserted.[AccountId] VALUES (?)");
    EXPECT_EQ(tsql.updateStatement(table, {"Name", "City"}, {"AccountId"}),
              "UPDATE [dbo].[Accounts] SET [Name] = ?, [City] = ? WHERE [AccountId] = ?");
    EXPECT_EQ(tsql.deleteStatement(table, {"Region", "AccountId"}),
              "DELETE FROM [dbo].[Accounts] WHERE [Region] = ? AND [AccountId] = ?");
    EXPECT_EQ(tsql.limitedSelect("SELECT * FROM dbo.Accounts", 5),
              "SELECT TOP (5) * FROM dbo.Accounts");
    EXPECT_EQ(tsql.limitedSelect("SELECT DISTINCT Name FROM dbo.Accounts", 0),
              "SELECT DISTINCT TOP (0) Name FROM dbo.Accounts");
    EXPECT_EQ(tsql.limitedSelect("SELECT TOP 10 * FROM t ORDER BY x", 3),
              "SELECT TOP (3) * FROM (SELECT TOP 10 * FROM t ORDER BY x) AS ferry_limited");
    EXPECT_EQ(tsql.generatedKeys(), GeneratedKeys::OutputInserted);
    EXPECT_TRUE(tsql.lastInsertKeyQuery().empty());
    EXPECT_EQ(tsql.maxParameters(), 2100u);
    EXPECT_FALSE(tsql.guidAsText());
}

TEST(OdbcDialect, PostgreSqlStatements) {
    const Dialect pg(DialectKind::PostgreSql);
    const auto table = name({"Sales", "Orders"}, {true, false});
    EXPECT_EQ(pg.quoteTable(table), "\"Sales\".\"orders\"") << "unquoted names fold to lower case";
    EXPECT_EQ(pg.insertStatement(table, {"name"}, 1, {"id"}),
              "INSERT INTO \"Sales\".\"orders\" (\"name\") VALUES (?) RETURNING \"id\"");
    EXPECT_EQ(pg.limitedSelect("SELECT * FROM t ORDER BY id", 0),
              "SELECT * FROM t ORDER BY id LIMIT 0");
    EXPECT_EQ(pg.limitedSelect("SELECT * FROM t LIMIT 10", 3),
              "SELECT * FROM (SELECT * FROM t LIMIT 10) AS ferry_limited LIMIT 3");
    EXPECT_EQ(pg.generatedKeys(), GeneratedKeys::Returning);
    EXPECT_EQ(pg.maxParameters(), 7000u);
    EXPECT_EQ(pg.sessionSetup(), std::vector<std::string>{"SET TIME ZONE 'UTC'"});
}

TEST(OdbcDialect, SqliteAndMySqlStatements) {
    const Dialect sqlite(DialectKind::Sqlite);
    const Dialect mysql(DialectKind::MySql);
    const auto table = name({"Accounts"});
    EXPECT_EQ(sqlite.quoteTable(table), "\"Accounts\"") << "only PostgreSQL folds case";
    EXPECT_EQ(sqlite.insertStatement(table, {"a"}, 3),
              "INSERT INTO \"Accounts\" (\"a\") VALUES (?), (?), (?)");
    EXPECT_EQ(sqlite.insertStatement(table, {"a"}, 1, {"id"}),
              "INSERT INTO \"Accounts\" (\"a\") VALUES (?)")
        << "keys come from last_insert_rowid()";
    EXPECT_EQ(sqlite.lastInsertKeyQuery(), "SELECT last_insert_rowid()");
    EXPECT_EQ(sqlite.maxParameters(), 999u);
    EXPECT_FALSE(sqlite.wideText());
    EXPECT_TRUE(sqlite.temporalAsText());
    EXPECT_EQ(mysql.insertStatement(table, {"a", "b"}, 1),
              "INSERT INTO `Accounts` (`a`, `b`) VALUES (?, ?)");
    EXPECT_EQ(mysql.lastInsertKeyQuery(), "SELECT LAST_INSERT_ID()");
    EXPECT_EQ(mysql.maxParameters(), 65535u);
    EXPECT_EQ(mysql.limitedSelect("SELECT * FROM t", 7), "SELECT * FROM t LIMIT 7");
}

TEST(OdbcDialect, RowsPerInsertRespectTheParameterLimit) {
    EXPECT_EQ(Dialect(DialectKind::SqlServer).rowsPerInsert(8), 250u);  // 2000 markers
    EXPECT_EQ(Dialect(DialectKind::SqlServer).rowsPerInsert(30), 70u);  // 2100 / 30
    EXPECT_EQ(Dialect(DialectKind::Sqlite).rowsPerInsert(8), 124u);     // 999 / 8
    EXPECT_EQ(Dialect(DialectKind::Sqlite).rowsPerInsert(2000), 1u);
    EXPECT_EQ(Dialect(DialectKind::PostgreSql).rowsPerInsert(8), Dialect::maxRowsPerInsert());
    EXPECT_EQ(Dialect(DialectKind::Generic).rowsPerInsert(8), 1u);
    for (const auto kind : {DialectKind::SqlServer, DialectKind::PostgreSql, DialectKind::Sqlite,
                            DialectKind::MySql}) {
        const Dialect dialect(kind);
        for (std::size_t columns : {1u, 7u, 8u, 13u, 100u, 500u}) {
            EXPECT_LE(dialect.rowsPerInsert(columns) * columns,
                      std::max(dialect.maxParameters(), columns));
        }
    }
}

TEST(OdbcDialect, GenericDialectStaysPortable) {
    const Dialect generic(DialectKind::Generic);
    EXPECT_EQ(generic.quoteIdentifier("x"), "\"x\"");
    EXPECT_EQ(generic.generatedKeys(), GeneratedKeys::None);
    EXPECT_EQ(generic.limitedSelect("SELECT * FROM t", 0),
              "SELECT * FROM (SELECT * FROM t) ferry_limited WHERE 1 = 0");
    EXPECT_EQ(generic.limitedSelect("SELECT * FROM t", 5), "SELECT * FROM t");
}

Column newColumn(std::string name, ValueType type, std::int64_t length = 0, bool key = false) {
    Column column;
    column.name = std::move(name);
    column.type = type;
    column.length = length;
    column.key = key;
    column.nullable = !key;
    return column;
}

TEST(OdbcDialect, CreateTableMapsEveryTypeAndTheKey) {
    const std::vector<Column> columns = {newColumn("accountid", ValueType::Guid, 0, true),
                                         newColumn("name", ValueType::String, 160),
                                         newColumn("notes", ValueType::String),
                                         newColumn("revenue", ValueType::Decimal),
                                         newColumn("employees", ValueType::Int),
                                         newColumn("active", ValueType::Bool),
                                         newColumn("modifiedon", ValueType::DateTime)};
    EXPECT_EQ(
        Dialect(DialectKind::SqlServer).createTableStatement(name({"dbo", "Accounts"}), columns),
        "CREATE TABLE [dbo].[Accounts] ([accountid] UNIQUEIDENTIFIER NOT NULL, [name] "
        "NVARCHAR(160), [notes] NVARCHAR(MAX), [revenue] DECIMAL(38,10), [employees] BIGINT, "
        "[active] BIT, [modifiedon] DATETIME2(7), PRIMARY KEY ([accountid]))");
    EXPECT_EQ(Dialect(DialectKind::PostgreSql).createTableStatement(name({"Accounts"}), columns),
              "CREATE TABLE \"accounts\" (\"accountid\" UUID NOT NULL, \"name\" VARCHAR(160), "
              "\"notes\" TEXT, \"revenue\" NUMERIC(38,10), \"employees\" BIGINT, \"active\" "
              "BOOLEAN, \"modifiedon\" TIMESTAMP(6), PRIMARY KEY (\"accountid\"))");
    Column money = newColumn("revenue", ValueType::Decimal);
    money.precision = 19;
    money.scale = 4;
    EXPECT_EQ(Dialect(DialectKind::MySql).columnType(money), "DECIMAL(19,4)");
    // Keys need an indexable type where text is unbounded by default.
    EXPECT_EQ(
        Dialect(DialectKind::SqlServer).columnType(newColumn("code", ValueType::String, 0, true)),
        "NVARCHAR(450)");
    EXPECT_EQ(Dialect(DialectKind::MySql).columnType(newColumn("code", ValueType::String, 0, true)),
              "VARCHAR(450)");
    EXPECT_EQ(Dialect(DialectKind::Sqlite).columnType(newColumn("id", ValueType::Guid)), "TEXT");
}

}  // namespace
}  // namespace ferry::odbc
