// Unit tests for connection documents: parsing, validation messages, saving and lookup.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>

#include "ferry/document.h"
#include "ferry/error.h"
#include "test_support.h"

namespace ferry {
namespace {

using nlohmann::json;

json validJson() {
    return json::parse(R"({
      "title": "CRM accounts to SQL",
      "direction": "left-to-right",
      "conflictResolution": "left-wins",
      "left":  { "title": "Dynamics accounts", "provider": "odata",
                 "connectionString": "URL=https://contoso.crm4.dynamics.com/api/data/v9.2/;Authentication=microsoft_modern_crm;User=admin@contoso.com;",
                 "select": "accounts?$select=accountid,name,accountnumber&$top=5",
                 "primaryKey": ["accountid"] },
      "right": { "title": "SQL accounts", "provider": "odbc",
                 "connectionString": "Data Source=sql01;Initial Catalog=crm;Trusted_Connection=True;",
                 "select": "SELECT * FROM dbo.Accounts",
                 "primaryKey": ["accountid"] },
      "mapping": { "auto": true, "columns": [ { "left": "name", "right": "AccountName" } ] }
    })");
}

// The message of the InvalidDocument error for a document, or "" when it parses.
std::string problemsOf(const json& document) {
    try {
        parseDocument(document.dump());
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidDocument);
        return e.message();
    }
    return {};
}

ConnectionDocument sampleDocument() {
    ConnectionDocument d;
    d.id = "5d0f8c1e-3c1b-4d7a-9a55-0c6b7f1e2a3b";
    d.title = "Sample";
    d.direction = Direction::Bidirectional;
    d.conflictResolution = ConflictResolution::NewestWins;
    d.left = {"L", "odata", "URL=https://x/;", "accounts", {"accountid"}, "modifiedon"};
    d.right = {
        "R",         "odbc", "Driver=SQLite3;Database=a.db;", "SELECT * FROM t", {"id", "region"},
        "updated_at"};
    d.mapping.autoMap = false;
    d.mapping.columns = {{"name", "AccountName"}, {"accountnumber", "Number"}};
    d.mapping.excludeLeft = {"secretcolumn"};
    d.mapping.excludeRight = {"rowversion"};
    d.maxDeletePercent = 12.5;
    d.batchSize = 250;
    return d;
}

void expectSame(const ConnectionDocument& a, const ConnectionDocument& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.title, b.title);
    EXPECT_EQ(a.direction, b.direction);
    EXPECT_EQ(a.conflictResolution, b.conflictResolution);
    for (auto side : {&ConnectionDocument::left, &ConnectionDocument::right}) {
        const EntityConfig& x = a.*side;
        const EntityConfig& y = b.*side;
        EXPECT_EQ(x.title, y.title);
        EXPECT_EQ(x.provider, y.provider);
        EXPECT_EQ(x.connectionString, y.connectionString);
        EXPECT_EQ(x.select, y.select);
        EXPECT_EQ(x.primaryKey, y.primaryKey);
        EXPECT_EQ(x.modifiedColumn, y.modifiedColumn);
    }
    EXPECT_EQ(a.mapping.autoMap, b.mapping.autoMap);
    ASSERT_EQ(a.mapping.columns.size(), b.mapping.columns.size());
    for (std::size_t i = 0; i < a.mapping.columns.size(); ++i) {
        EXPECT_EQ(a.mapping.columns[i].left, b.mapping.columns[i].left);
        EXPECT_EQ(a.mapping.columns[i].right, b.mapping.columns[i].right);
    }
    EXPECT_EQ(a.mapping.excludeLeft, b.mapping.excludeLeft);
    EXPECT_EQ(a.mapping.excludeRight, b.mapping.excludeRight);
    EXPECT_DOUBLE_EQ(a.maxDeletePercent, b.maxDeletePercent);
    EXPECT_EQ(a.batchSize, b.batchSize);
}

TEST(DocumentTest, ParsesTheDesignExample) {
    const auto d = parseDocument(validJson().dump());
    EXPECT_EQ(d.title, "CRM accounts to SQL");
    EXPECT_EQ(d.direction, Direction::LeftToRight);
    EXPECT_EQ(d.conflictResolution, ConflictResolution::LeftWins);
    EXPECT_EQ(d.left.provider, "odata");
    EXPECT_EQ(d.right.select, "SELECT * FROM dbo.Accounts");
    EXPECT_EQ(d.right.primaryKey, std::vector<std::string>{"accountid"});
    ASSERT_EQ(d.mapping.columns.size(), 1U);
    EXPECT_EQ(d.mapping.columns[0].right, "AccountName");
    EXPECT_TRUE(d.mapping.autoMap);
    EXPECT_DOUBLE_EQ(d.maxDeletePercent, 50.0);
    EXPECT_EQ(d.batchSize, 500U);
}

TEST(DocumentTest, DefaultsAndSingleStringPrimaryKey) {
    auto j = validJson();
    j.erase("direction");
    j.erase("mapping");
    j["left"]["primaryKey"] = "accountid";
    j["right"]["modifiedColumn"] = nullptr;  // null counts as absent
    j["conflictResolution"] = nullptr;
    const auto d = parseDocument(j.dump());
    EXPECT_EQ(d.direction, Direction::LeftToRight);
    EXPECT_EQ(d.conflictResolution, ConflictResolution::Skip);
    EXPECT_TRUE(d.mapping.autoMap);
    EXPECT_EQ(d.left.primaryKey, std::vector<std::string>{"accountid"});
}

TEST(DocumentTest, SerializeParseRoundTrip) {
    const auto original = sampleDocument();
    const std::string text = serializeDocument(original);
    expectSame(parseDocument(text), original);
    // Pretty-printed with a 2-space indent, in the order of design.md.
    EXPECT_NE(text.find("\n  \"title\": \"Sample\""), std::string::npos);
    EXPECT_LT(text.find("\"id\""), text.find("\"title\""));
    EXPECT_LT(text.find("\"title\""), text.find("\"direction\""));
}

TEST(DocumentTest, SerializeOmitsDefaultOptionalFields) {
    ConnectionDocument d;
    d.title = "T";
    d.left = {"", "odbc", "DSN=a;", "", {}, ""};
    d.right = {"", "odbc", "DSN=b;", "", {}, ""};
    const auto j = json::parse(serializeDocument(d));
    EXPECT_FALSE(j.contains("id"));
    EXPECT_FALSE(j.contains("maxDeletePercent"));
    EXPECT_FALSE(j.contains("batchSize"));
    EXPECT_FALSE(j["left"].contains("primaryKey"));
    EXPECT_FALSE(j["left"].contains("modifiedColumn"));
    EXPECT_FALSE(j["mapping"].contains("columns"));
    EXPECT_EQ(j["direction"], "left-to-right");
    EXPECT_EQ(j["mapping"]["auto"], true);
    expectSame(parseDocument(j.dump()), d);
}

TEST(DocumentTest, InvalidJsonSaysWhere) {
    const auto message = problemsOf(json());  // "null" is not an object
    EXPECT_EQ(message, "the document must be a JSON object");
    try {
        parseDocument("{\n  \"title\": \"x\",\n}");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidDocument);
        EXPECT_NE(e.message().find("not valid JSON"), std::string::npos) << e.message();
        EXPECT_NE(e.message().find("line 3"), std::string::npos) << e.message();
    }
}

TEST(DocumentTest, UnknownFieldsSuggestTheClosestName) {
    auto j = validJson();
    j["dirction"] = j["direction"];
    j.erase("direction");
    j["left"]["provder"] = "odata";
    j["mapping"]["columns"][0]["rigth"] = "x";
    j["zzzzzz"] = 1;
    const auto message = problemsOf(j);
    EXPECT_NE(message.find("unknown field 'dirction' (did you mean 'direction'?)"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("unknown field 'left.provder' (did you mean 'left.provider'?)"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("unknown field 'mapping.columns[0].rigth' (did you mean "
                           "'mapping.columns[0].right'?)"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("unknown field 'zzzzzz'\n"), std::string::npos) << message;
}

struct InvalidCase {
    const char* name;
    std::function<void(json&)> mutate;
    const char* expected;  // one line of the error message
};

// Shows the case's name instead of its bytes in test names and failures.
void PrintTo(const InvalidCase& value, std::ostream* out) {
    *out << value.name;
}

class DocumentValidationTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(DocumentValidationTest, NamesTheField) {
    auto j = validJson();
    GetParam().mutate(j);
    const auto message = problemsOf(j);
    EXPECT_NE(message.find(GetParam().expected), std::string::npos)
        << "expected: " << GetParam().expected << "\nactual: " << message;
}

const InvalidCase kInvalidCases[] = {
    {"TitleMissing", [](json& j) { j.erase("title"); }, "field 'title': required"},
    {"TitleNotString", [](json& j) { j["title"] = 3; }, "field 'title': must be a string"},
    {"DirectionBad", [](json& j) { j["direction"] = "sideways"; },
     "field 'direction': must be one of left-to-right, right-to-left, bidirectional "
     "(got 'sideways')"},
    {"ResolutionBad", [](json& j) { j["conflictResolution"] = "coin"; },
     "field 'conflictResolution': must be one of left-wins, right-wins, skip, fail, "
     "newest-wins (got 'coin')"},
    {"LeftMissing", [](json& j) { j.erase("left"); }, "field 'left': required"},
    {"RightNotObject", [](json& j) { j["right"] = "x"; }, "field 'right': must be an object"},
    {"ProviderMissing", [](json& j) { j["left"].erase("provider"); },
     "field 'left.provider': required"},
    {"ProviderNotString", [](json& j) { j["left"]["provider"] = true; },
     "field 'left.provider': must be a string"},
    {"ConnectionStringEmpty", [](json& j) { j["right"]["connectionString"] = ""; },
     "field 'right.connectionString': required"},
    {"PrimaryKeyWrongType", [](json& j) { j["right"]["primaryKey"] = json::array({1}); },
     "field 'right.primaryKey': must be a string or an array of strings"},
    {"PrimaryKeyDuplicate",
     [](json& j) {
         j["right"]["primaryKey"] = {"id", "ID"};
     },
     "field 'right.primaryKey': column 'ID' is listed twice"},
    {"PrimaryKeyEmptyName",
     [](json& j) {
         j["left"]["primaryKey"] = {"id", " "};
     },
     "field 'left.primaryKey': empty column name at position 2"},
    {"NewestWinsNeedsLeftModified", [](json& j) { j["conflictResolution"] = "newest-wins"; },
     "field 'left.modifiedColumn': required when conflictResolution is newest-wins"},
    {"NewestWinsNeedsRightModified",
     [](json& j) {
         j["conflictResolution"] = "newest-wins";
         j["left"]["modifiedColumn"] = "modifiedon";
     },
     "field 'right.modifiedColumn': required when conflictResolution is newest-wins"},
    {"MappingNotObject", [](json& j) { j["mapping"] = 1; }, "field 'mapping': must be an object"},
    {"MappingAutoNotBool", [](json& j) { j["mapping"]["auto"] = "yes"; },
     "field 'mapping.auto': must be true or false"},
    {"MappingColumnsNotArray", [](json& j) { j["mapping"]["columns"] = "x"; },
     "field 'mapping.columns': must be an array"},
    {"MappingPairNotObject", [](json& j) { j["mapping"]["columns"][0] = "x"; },
     "field 'mapping.columns[0]': must be an object with 'left' and 'right'"},
    {"MappingPairMissingRight", [](json& j) { j["mapping"]["columns"][0].erase("right"); },
     "field 'mapping.columns[0].right': required"},
    {"MappingPairDuplicateLeft",
     [](json& j) {
         j["mapping"]["columns"].push_back({{"left", "NAME"}, {"right", "Other"}});
     },
     "field 'mapping.columns[1].left': column 'NAME' is already mapped in mapping.columns[0]"},
    {"MappingNothingMapped",
     [](json& j) {
         j["mapping"]["auto"] = false;
         j["mapping"].erase("columns");
     },
     "field 'mapping': no columns are mapped"},
    {"ExcludeNotStrings", [](json& j) { j["mapping"]["excludeLeft"] = json::array({1}); },
     "field 'mapping.excludeLeft': must be an array of strings"},
    {"ExcludeEmptyName", [](json& j) { j["mapping"]["excludeRight"] = {""}; },
     "field 'mapping.excludeRight': empty column name at position 1"},
    {"MaxDeleteTooHigh", [](json& j) { j["maxDeletePercent"] = 100.5; },
     "field 'maxDeletePercent': must be a number from 0 to 100"},
    {"MaxDeleteNegative", [](json& j) { j["maxDeletePercent"] = -1; },
     "field 'maxDeletePercent': must be a number from 0 to 100"},
    {"MaxDeleteNotNumber", [](json& j) { j["maxDeletePercent"] = "10"; },
     "field 'maxDeletePercent': must be a number from 0 to 100"},
    {"BatchZero", [](json& j) { j["batchSize"] = 0; },
     "field 'batchSize': must be a whole number from 1 to 100000"},
    {"BatchTooLarge", [](json& j) { j["batchSize"] = 100001; },
     "field 'batchSize': must be a whole number from 1 to 100000"},
    {"BatchNegative", [](json& j) { j["batchSize"] = -5; },
     "field 'batchSize': must be a whole number from 1 to 100000"},
    {"BatchFraction", [](json& j) { j["batchSize"] = 2.5; },
     "field 'batchSize': must be a whole number from 1 to 100000"},
    {"IdNotString", [](json& j) { j["id"] = 5; }, "field 'id': must be a string"},
};

INSTANTIATE_TEST_SUITE_P(Fields, DocumentValidationTest, ::testing::ValuesIn(kInvalidCases),
                         [](const auto& testInfo) { return std::string(testInfo.param.name); });

TEST(DocumentTest, ReportsEveryProblemOncePerField) {
    auto j = validJson();
    j.erase("title");
    j["left"].erase("provider");
    j["batchSize"] = 0;
    j["right"] = 7;
    const auto message = problemsOf(j);
    EXPECT_EQ(message,
              "field 'right': must be an object\n"
              "field 'batchSize': must be a whole number from 1 to 100000\n"
              "field 'title': required\n"
              "field 'left.provider': required");
}

TEST(DocumentTest, BoundaryValuesAreValid) {
    auto j = validJson();
    j["maxDeletePercent"] = 0;
    j["batchSize"] = 100000;
    EXPECT_EQ(problemsOf(j), "");
    j["maxDeletePercent"] = 100;
    j["batchSize"] = 1;
    EXPECT_EQ(problemsOf(j), "");
}

TEST(DocumentTest, ValidateDocumentListsAllProblems) {
    ConnectionDocument d;
    EXPECT_EQ(validateDocument(d),
              (std::vector<std::string>{
                  "field 'title': required", "field 'left.provider': required",
                  "field 'left.connectionString': required", "field 'right.provider': required",
                  "field 'right.connectionString': required"}));
    EXPECT_TRUE(validateDocument(sampleDocument()).empty());
    // A password in the connection string is the command line's warning, not a validation error.
    auto withPassword = sampleDocument();
    withPassword.right.connectionString += "Pwd=secret;";
    EXPECT_TRUE(validateDocument(withPassword).empty());
}

TEST(DocumentTest, EnumTexts) {
    EXPECT_STREQ(toString(Direction::RightToLeft), "right-to-left");
    EXPECT_STREQ(toString(ConflictResolution::NewestWins), "newest-wins");
    EXPECT_STREQ(toString(Side::Left), "left");
    EXPECT_EQ(directionFromString("bidirectional"), Direction::Bidirectional);
    EXPECT_EQ(conflictResolutionFromString("fail"), ConflictResolution::Fail);
    EXPECT_FALSE(directionFromString("both").has_value());
    EXPECT_FALSE(conflictResolutionFromString("").has_value());
    EXPECT_EQ(other(Side::Left), Side::Right);
}

TEST(DocumentTest, NewIdIsRandomUuidV4) {
    const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    const auto a = newId();
    const auto b = newId();
    EXPECT_TRUE(std::regex_match(a, uuid)) << a;
    EXPECT_TRUE(std::regex_match(b, uuid)) << b;
    EXPECT_NE(a, b);
}

TEST(DocumentTest, SaveGeneratesIdWritesAtomicallyAndLoads) {
    test::TempDir dir;
    auto d = sampleDocument();
    d.id.clear();
    const auto path = dir / "sub" / "sample.json";
    saveDocument(d, path);
    EXPECT_EQ(d.id.size(), 36U);
    const auto loaded = loadDocument(path);
    expectSame(loaded, d);
    // Saving again keeps the id and leaves no temporary files behind.
    const std::string id = d.id;
    d.title = "Renamed";
    saveDocument(d, path);
    EXPECT_EQ(d.id, id);
    EXPECT_EQ(loadDocument(path).title, "Renamed");
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "sub")) {
        (void)entry;
        ++files;
    }
    EXPECT_EQ(files, 1U);
}

TEST(DocumentTest, LoadErrorsNameTheFile) {
    test::TempDir dir;
    try {
        loadDocument(dir / "missing.json");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
        EXPECT_NE(e.message().find("missing.json"), std::string::npos);
    }
    std::ofstream(dir / "bad.json") << "{\"title\": 1}";
    try {
        loadDocument(dir / "bad.json");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidDocument);
        EXPECT_NE(e.message().find("field 'title': must be a string"), std::string::npos);
        EXPECT_NE(e.detail().find("bad.json"), std::string::npos);
    }
}

TEST(DocumentTest, ResolveByPathOrTitle) {
    test::TempDir dir;
    auto a = sampleDocument();
    a.title = "CRM Accounts";
    saveDocument(a, dir / "a.json");
    auto b = sampleDocument();
    b.title = "Contacts";
    saveDocument(b, dir / "b.json");
    std::ofstream(dir / "notes.txt") << "{\"title\": \"Contacts\"}";

    EXPECT_EQ(resolveDocument((dir / "b.json").string(), dir.path()), dir / "b.json");
    EXPECT_EQ(resolveDocument("crm accounts", dir.path()), dir / "a.json");
    EXPECT_EQ(resolveDocument("CONTACTS", dir.path()), dir / "b.json");
    try {
        resolveDocument("Leads", dir.path());
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
        EXPECT_NE(e.message().find("'Leads'"), std::string::npos) << e.message();
        EXPECT_NE(e.message().find("'CRM Accounts', 'Contacts'"), std::string::npos) << e.message();
    }
    // Two documents with the same title are ambiguous.
    saveDocument(b, dir / "c.json");
    EXPECT_THROW(resolveDocument("Contacts", dir.path()), Error);
    // An empty or missing folder says so.
    try {
        resolveDocument("x", dir / "nothing-here");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(e.message().find("no saved connections"), std::string::npos) << e.message();
    }
}

}  // namespace
}  // namespace ferry

namespace ferry {
namespace {

TEST(StateIdTest, IdWinsOverTitle) {
    ConnectionDocument document;
    document.title = "CRM accounts";
    EXPECT_EQ(stateId(document), "title:CRM accounts");
    document.id = "0f8c2a52-5c1e-4a3b-9a53-2f0c8f9d1e77";
    EXPECT_EQ(stateId(document), "0f8c2a52-5c1e-4a3b-9a53-2f0c8f9d1e77");
}

}  // namespace
}  // namespace ferry
