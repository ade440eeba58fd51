// Parsing of the ODBC provider's select statement: table, aliases and writability.
#include <gtest/gtest.h>

#include "ferry/error.h"
#include "odbc_select.h"

namespace ferry::odbc {
namespace {

TEST(OdbcSelect, ABareTableNameSelectsEverything) {
    const auto select = parseSelect("dbo.Accounts");
    EXPECT_EQ(select.sql, "SELECT * FROM dbo.Accounts");
    EXPECT_EQ(select.table.parts, (std::vector<std::string>{"dbo", "Accounts"}));
    EXPECT_TRUE(select.writable);
    const auto quoted = parseSelect("[My Table]");
    EXPECT_EQ(quoted.table.parts, std::vector<std::string>{"My Table"});
    EXPECT_TRUE(quoted.table.quoted.at(0));
}

TEST(OdbcSelect, ASingleTableSelectIsWritable) {
    const auto select = parseSelect(
        "SELECT AccountId, Name AS Title, a.City FROM dbo.Accounts a WHERE Name LIKE 'A%' "
        "ORDER BY Name;");
    EXPECT_TRUE(select.writable) << select.whyNotWritable;
    EXPECT_EQ(select.table.parts, (std::vector<std::string>{"dbo", "Accounts"}));
    EXPECT_EQ(select.baseColumn("Title"), "Name");
    EXPECT_EQ(select.baseColumn("City"), "City");
    EXPECT_EQ(select.sql.back(), 'e') << "the trailing ';' is dropped";
    EXPECT_TRUE(parseSelect("SELECT TOP 10 * FROM t").writable);
    EXPECT_TRUE(
        parseSelect("select \"x\", t.* from \"T\" t where (a = 1 or b in (1, 2))").writable);
}

TEST(OdbcSelect, JoinsAreReadOnlyWithAPlainReason) {
    const auto join =
        parseSelect("SELECT * FROM dbo.Accounts a JOIN dbo.Contacts c ON a.id = c.aid");
    EXPECT_FALSE(join.writable);
    EXPECT_EQ(join.whyNotWritable,
              "the select statement joins 2 tables; Ferry can only write to a single table — "
              "select from one table, e.g. SELECT * FROM dbo.Accounts");
    const auto comma = parseSelect("SELECT * FROM a, b, c WHERE a.id = b.id");
    EXPECT_FALSE(comma.writable);
    EXPECT_NE(comma.whyNotWritable.find("joins 3 tables"), std::string::npos);
}

TEST(OdbcSelect, OtherShapesAreReadOnly) {
    for (const char* sql :
         {"SELECT name FROM a UNION SELECT name FROM b",
          "SELECT city, COUNT(*) FROM t GROUP BY city", "SELECT DISTINCT city FROM t",
          "SELECT id, price * qty FROM t", "SELECT MAX(id) FROM t",
          "SELECT * FROM (SELECT * FROM t) q", "SELECT 1", "WITH x AS (SELECT 1) SELECT * FROM x",
          "SELECT id, 'literal' FROM t"}) {
        const auto select = parseSelect(sql);
        EXPECT_FALSE(select.writable) << sql;
        EXPECT_NE(select.whyNotWritable.find("Ferry can only write to a single table"),
                  std::string::npos)
            << sql << ": " << select.whyNotWritable;
    }
    EXPECT_TRUE(parseSelect("SELECT id FROM t WHERE id IN (SELECT id FROM u)").writable)
        << "a subquery in WHERE still writes to one table";
}

TEST(OdbcSelect, RejectsEmptyAndNonSelectText) {
    EXPECT_THROW(parseSelect("   "), Error);
    try {
        parseSelect("DELETE FROM t");
        ADD_FAILURE() << "a DELETE is not a select statement";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::QueryFailed);
    }
}

}  // namespace
}  // namespace ferry::odbc
