// Unit tests for ConnectionString: parsing, quoting, round trips, errors and redaction.
#include <gtest/gtest.h>

#include "ferry/connection_string.h"
#include "ferry/error.h"

namespace ferry {
namespace {

std::string parseError(std::string_view text) {
    try {
        ConnectionString::parse(text);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidConnectionString);
        return e.message();
    }
    ADD_FAILURE() << "no error for: " << text;
    return {};
}

TEST(ConnectionStringTest, ParsesPlainQuotedAndTrimmedValues) {
    const auto cs = ConnectionString::parse(
        " Data Source = sql01 ;Initial Catalog=crm; Pwd={a;b}}c} ; Note=\"x \"\"y\"\"\";Empty=;"
        "Url=https://h/p?a=b");
    ASSERT_EQ(cs.entries().size(), 6U);
    EXPECT_EQ(cs.entries()[0].first, "Data Source");
    EXPECT_EQ(cs.get("data source"), "sql01");
    EXPECT_EQ(cs.get("INITIAL CATALOG"), "crm");
    EXPECT_EQ(cs.get("pwd"), "a;b}c");
    EXPECT_EQ(cs.get("Note"), "x \"y\"");
    EXPECT_EQ(cs.get("Empty"), "");
    EXPECT_EQ(cs.get("url"), "https://h/p?a=b");
    EXPECT_FALSE(cs.get("missing").has_value());
    EXPECT_EQ(cs.getOr("missing", "fallback"), "fallback");
    EXPECT_TRUE(cs.has("EMPTY"));
}

TEST(ConnectionStringTest, EmptyAndSeparatorOnlyTextsHaveNoEntries) {
    EXPECT_TRUE(ConnectionString::parse("").entries().empty());
    EXPECT_TRUE(ConnectionString::parse(" ;; ").entries().empty());
    EXPECT_EQ(ConnectionString::parse("A=1").get("a"), "1");  // trailing ';' optional
}

TEST(ConnectionStringTest, RoundTripQuotesWhereNeeded) {
    ConnectionString cs;
    cs.set("Server", "sql01");
    cs.set("Password", "p;w{d}=\"x\"");
    cs.set("Spaces", " padded ");
    cs.set("Empty", "");
    const std::string text = cs.toString();
    EXPECT_EQ(text, "Server=sql01;Password={p;w{d}}=\"x\"};Spaces={ padded };Empty=;");
    const auto again = ConnectionString::parse(text);
    EXPECT_EQ(again.entries(), cs.entries());
}

TEST(ConnectionStringTest, SetReplacesCaseInsensitivelyAndRemoveDeletes) {
    auto cs = ConnectionString::parse("URL=a;User=me;");
    cs.set("url", "b");
    EXPECT_EQ(cs.entries().size(), 2U);
    EXPECT_EQ(cs.entries()[0].first, "URL");  // original spelling kept
    EXPECT_EQ(cs.get("URL"), "b");
    cs.remove("USER");
    EXPECT_FALSE(cs.has("User"));
    EXPECT_EQ(cs.toString(), "URL=b;");
}

TEST(ConnectionStringTest, RedactedMasksNamedKeysOnly) {
    const auto cs = ConnectionString::parse("Server=s;PWD={se;cret};ClientSecret=zz;");
    EXPECT_EQ(cs.redacted({"Password", "pwd", "clientsecret"}),
              "Server=s;PWD=***;ClientSecret=***;");
}

TEST(ConnectionStringTest, ErrorsNameThePositionAndKey) {
    EXPECT_EQ(parseError("Server;Database=x"), "missing '=' after key 'Server' at position 7");
    EXPECT_EQ(parseError("A=1;Server"), "missing '=' after key 'Server' at position 11");
    EXPECT_EQ(parseError("A=1;=2"), "missing key before '=' at position 5");
    EXPECT_EQ(parseError("Password={abc;def"),
              "unterminated '{' in value of 'Password' (opened at position 10)");
    EXPECT_EQ(parseError("Note=\"abc"),
              "unterminated '\"' in value of 'Note' (opened at position 6)");
    EXPECT_EQ(parseError("Pwd={a}b;"),
              "expected ';' after the quoted value of 'Pwd' at position 8, found 'b'");
    EXPECT_EQ(parseError("URL=a;url=b"), "key 'url' appears twice");
}

TEST(ConnectionStringTest, EqualsIgnoreCase) {
    EXPECT_TRUE(equalsIgnoreCase("Data Source", "DATA SOURCE"));
    EXPECT_FALSE(equalsIgnoreCase("abc", "abd"));
    EXPECT_FALSE(equalsIgnoreCase("abc", "abcd"));
}

}  // namespace
}  // namespace ferry
