// The SharePoint provider's pure parts: list URLs, name encoding, field mapping, values, selects.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ferry/connection_string.h"
#include "ferry/error.h"
#include "net/multipart.h"
#include "sharepoint_connection.h"
#include "sharepoint_provider.h"
#include "sharepoint_select.h"
#include "sharepoint_values.h"

namespace ferry::sharepoint {
namespace {

using nlohmann::json;

ErrorCode codeOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& error) {
        return error.code();
    }
    return ErrorCode::Internal;  // nothing thrown
}

// --- list URLs -------------------------------------------------------------------------------

TEST(SharePointListUrl, AViewUrlGivesSiteListAndView) {
    const auto location = resolveListLocation(
        "https://contoso.sharepoint.com/sites/sales/Lists/Accounts/AllItems.aspx", "");
    EXPECT_EQ(location.origin, "https://contoso.sharepoint.com");
    EXPECT_EQ(location.sitePath, "/sites/sales");
    EXPECT_EQ(location.listPath, "/sites/sales/Lists/Accounts");
    EXPECT_EQ(location.viewPath, "/sites/sales/Lists/Accounts/AllItems.aspx");
    EXPECT_EQ(location.siteUrl(), "https://contoso.sharepoint.com/sites/sales");
    EXPECT_EQ(location.displayName(), "Accounts");
}

TEST(SharePointListUrl, AListUrlWithoutViewAndWithQueryOrSlash) {
    const auto plain =
        resolveListLocation("https://contoso.sharepoint.com/sites/sales/Lists/Accounts", "");
    EXPECT_EQ(plain.listPath, "/sites/sales/Lists/Accounts");
    EXPECT_TRUE(plain.viewPath.empty());
    const auto slash = resolveListLocation(
        "https://contoso.sharepoint.com/sites/sales/lists/Accounts/?viewid=1#x", "");
    EXPECT_EQ(slash.sitePath, "/sites/sales");
    EXPECT_EQ(slash.listPath, "/sites/sales/lists/Accounts");
}

TEST(SharePointListUrl, PercentEncodedNamesAreDecoded) {
    const auto location = resolveListLocation(
        "https://contoso.sharepoint.com/sites/team%20a/Lists/Open%20Orders/My%20View.aspx", "");
    EXPECT_EQ(location.sitePath, "/sites/team a");
    EXPECT_EQ(location.listPath, "/sites/team a/Lists/Open Orders");
    EXPECT_EQ(location.viewPath, "/sites/team a/Lists/Open Orders/My View.aspx");
}

TEST(SharePointListUrl, ALibraryViewUnderFormsGivesTheLibrary) {
    const auto location = resolveListLocation(
        "https://contoso.sharepoint.com/sites/sales/Shared%20Documents/Forms/AllItems.aspx", "");
    EXPECT_EQ(location.sitePath, "/sites/sales");
    EXPECT_EQ(location.listPath, "/sites/sales/Shared Documents");
    EXPECT_EQ(location.displayName(), "Shared Documents");
}

TEST(SharePointListUrl, ASiteWithAListTitle) {
    const auto location =
        resolveListLocation("https://contoso.sharepoint.com/sites/sales/", "Open Orders");
    EXPECT_EQ(location.sitePath, "/sites/sales");
    EXPECT_EQ(location.title, "Open Orders");
    EXPECT_TRUE(location.listPath.empty());
    const auto api = resolveListLocation("http://127.0.0.1:8080/sites/sales/_api/web", "X");
    EXPECT_EQ(api.siteUrl(), "http://127.0.0.1:8080/sites/sales");
    const auto root = resolveListLocation("https://contoso.sharepoint.com", "Accounts");
    EXPECT_EQ(root.siteUrl(), "https://contoso.sharepoint.com");
}

TEST(SharePointListUrl, ASiteWithoutListOrABadSchemeIsRefused) {
    EXPECT_EQ(codeOf([] { resolveListLocation("https://contoso.sharepoint.com/sites/sales", ""); }),
              ErrorCode::InvalidConnectionString);
    EXPECT_EQ(codeOf([] { resolveListLocation("ftp://contoso/sites/sales/Lists/A", ""); }),
              ErrorCode::InvalidConnectionString);
    EXPECT_EQ(codeOf([] { resolveListLocation("contoso.sharepoint.com/Lists/A", ""); }),
              ErrorCode::InvalidConnectionString);
}

// --- connection strings ----------------------------------------------------------------------

TEST(SharePointConnectionString, TheSeedFormParses) {
    const auto settings = parseConnectionSettings(ConnectionString::parse(
        "URL=https://contoso.sharepoint.com/sites/sales/Lists/Accounts/AllItems.aspx;"
        "Authentication=Microsoft_Modern;User=admin@contoso.com;"));
    EXPECT_EQ(settings.auth, net::AuthMethod::Password);
    EXPECT_EQ(settings.user, "admin@contoso.com");
    EXPECT_EQ(settings.pageSize, 5000u);
    EXPECT_EQ(settings.batchSize, 100u);
    const auto auth = authSettings(settings, "pw");
    EXPECT_EQ(auth.resource, "https://contoso.sharepoint.com");
    EXPECT_EQ(auth.secret, "pw");
}

TEST(SharePointConnectionString, AuthenticationChoicesAndLimits) {
    const auto parse = [](const std::string& text) {
        return parseConnectionSettings(ConnectionString::parse(text));
    };
    const std::string list = "URL=https://c.sharepoint.com/sites/s/Lists/A;";
    EXPECT_EQ(parse(list + "Authentication=none").auth, net::AuthMethod::None);
    EXPECT_EQ(
        parse(list + "Authentication=client_certificate;ClientId=x;CertificateFile=a.pem").auth,
        net::AuthMethod::ClientCertificate);
    EXPECT_EQ(parse(list + "ClientId=x;CertificateFile=a.pem").auth,
              net::AuthMethod::ClientCertificate);
    EXPECT_EQ(codeOf([&] { parse(list); }), ErrorCode::InvalidConnectionString)
        << "Microsoft_Modern without User or certificate";
    EXPECT_EQ(codeOf([&] { parse(list + "Authentication=client_credentials;ClientId=x"); }),
              ErrorCode::InvalidConnectionString)
        << "SharePoint refuses client secrets";
    EXPECT_EQ(codeOf([&] { parse(list + "Authentication=client_certificate;ClientId=x"); }),
              ErrorCode::InvalidConnectionString);
    EXPECT_EQ(codeOf([&] { parse(list + "Authentication=none;PageSize=6000"); }),
              ErrorCode::InvalidConnectionString);
    EXPECT_EQ(codeOf([&] { parse(list + "Authentication=none;BatchSize=101"); }),
              ErrorCode::InvalidConnectionString);
    EXPECT_EQ(parse(list + "Authentication=none;PageSize=200").pageSize, 200u);
    EXPECT_EQ(codeOf([&] { parse("Authentication=none"); }), ErrorCode::InvalidConnectionString);
}

TEST(SharePointConnectionString, ProviderInfoDeclaresTheKeys) {
    const ProviderInfo info = providerInfo();
    EXPECT_EQ(info.name, "sharepoint");
    std::vector<std::string> names;
    for (const auto& key : info.keys) {
        names.push_back(key.name);
    }
    for (const char* expected :
         {"URL", "List", "Authentication", "User", "ClientId", "CertificateFile", "TenantId",
          "Authority", "TokenEndpoint", "PageSize", "BatchSize", "Timeout"}) {
        EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
    }
    EXPECT_TRUE(info.keys.front().required);
}

TEST(SharePointConnectionString, ABadConnectionStringMakesTheProviderReadOnly) {
    ProviderSettings settings;
    settings.connectionString = ConnectionString::parse("URL=https://c.sharepoint.com/sites/s");
    auto provider = providerInfo().factory(settings);
    EXPECT_FALSE(provider->capabilities().writable);
    EXPECT_NE(provider->capabilities().whyNotWritable.find("no list"), std::string::npos);
    EXPECT_EQ(codeOf([&] { provider->verify(); }), ErrorCode::InvalidConnectionString);
}

// --- names -----------------------------------------------------------------------------------

TEST(SharePointNames, DecodesEscapes) {
    EXPECT_EQ(decodeInternalName("Account_x0020_Number"), "Account Number");
    EXPECT_EQ(decodeInternalName("Stra_x00df_e"), "Straße");
    EXPECT_EQ(decodeInternalName("_x6771__x4eac_"), "東京");
    EXPECT_EQ(decodeInternalName("_xd83d__xde00_"), "😀") << "surrogate pair";
    EXPECT_EQ(decodeInternalName("Plain_Name"), "Plain_Name");
    EXPECT_EQ(decodeInternalName("Bad_x00G0_"), "Bad_x00G0_") << "malformed stays";
    EXPECT_EQ(decodeInternalName("_x0020"), "_x0020");
}

TEST(SharePointNames, EncodesLikeSharePoint) {
    EXPECT_EQ(encodeInternalName("Account Number"), "Account_x0020_Number");
    EXPECT_EQ(encodeInternalName("Straße"), "Stra_x00df_e");
    EXPECT_EQ(encodeInternalName("a-b.c"), "a_x002d_b_x002e_c");
    EXPECT_EQ(encodeInternalName("😀"), "_xd83d__xde00_");
    EXPECT_EQ(encodeInternalName("Title"), "Title");
    for (const std::string name : {"Account Number", "名前", "x_x0020_y", "a😀 b"}) {
        EXPECT_EQ(decodeInternalName(encodeInternalName(name)), name) << name;
    }
}

// --- fields ----------------------------------------------------------------------------------

FieldInfo field(const json& j) {
    return fieldFromJson(j);
}

TEST(SharePointFields, MapsTypesNamesAndFlags) {
    const FieldInfo text = field({{"InternalName", "Account_x0020_Number"},
                                  {"EntityPropertyName", "Account_x0020_Number"},
                                  {"Title", "Account Number"},
                                  {"TypeAsString", "Text"},
                                  {"FieldTypeKind", 2},
                                  {"Required", true},
                                  {"MaxLength", 20}});
    const Column c = columnFor(text);
    EXPECT_EQ(c.name, "Account_x0020_Number");
    EXPECT_EQ(c.displayName, "Account Number");
    EXPECT_EQ(c.type, ValueType::String);
    EXPECT_EQ(c.length, 20);
    EXPECT_FALSE(c.nullable);
    EXPECT_FALSE(c.readOnly);

    const auto typeOf = [](const char* type, int kind) {
        return columnFor(
                   field({{"InternalName", "F"}, {"TypeAsString", type}, {"FieldTypeKind", kind}}))
            .type;
    };
    EXPECT_EQ(typeOf("Note", 3), ValueType::String);
    EXPECT_EQ(typeOf("Number", 9), ValueType::Double);
    EXPECT_EQ(typeOf("Currency", 10), ValueType::Decimal);
    EXPECT_EQ(typeOf("DateTime", 4), ValueType::DateTime);
    EXPECT_EQ(typeOf("Boolean", 8), ValueType::Bool);
    EXPECT_EQ(typeOf("Choice", 6), ValueType::String);
    EXPECT_EQ(typeOf("MultiChoice", 15), ValueType::String);
    EXPECT_EQ(typeOf("URL", 11), ValueType::String);
    EXPECT_EQ(typeOf("Lookup", 7), ValueType::Int);
    EXPECT_EQ(typeOf("User", 20), ValueType::Int);
    EXPECT_EQ(typeOf("LookupMulti", 7), ValueType::String);

    const FieldInfo lookup =
        field({{"InternalName", "Customer"}, {"TypeAsString", "Lookup"}, {"FieldTypeKind", 7}});
    EXPECT_EQ(columnFor(lookup).name, "CustomerId");
    const FieldInfo id = field({{"InternalName", "ID"},
                                {"TypeAsString", "Counter"},
                                {"FieldTypeKind", 5},
                                {"ReadOnlyField", true}});
    EXPECT_EQ(columnFor(id).type, ValueType::Int);
    EXPECT_TRUE(columnFor(id).readOnly);
    const FieldInfo modified =
        field({{"InternalName", "Modified"}, {"TypeAsString", "DateTime"}, {"FieldTypeKind", 4}});
    EXPECT_TRUE(columnFor(modified).readOnly) << "server-maintained";
    const FieldInfo underscore =
        field({{"InternalName", "_UIVersionString"}, {"FieldTypeKind", 2}});
    EXPECT_EQ(underscore.entityPropertyName, "OData__UIVersionString");
}

TEST(SharePointFields, HiddenAndUnsupportedFieldsAreNotColumns) {
    EXPECT_FALSE(
        isMappable(field({{"InternalName", "X"}, {"FieldTypeKind", 2}, {"Hidden", true}})));
    EXPECT_FALSE(isMappable(field({{"InternalName", "LinkTitle"}, {"FieldTypeKind", 12}})));
    EXPECT_FALSE(isMappable(field({{"InternalName", "Attachments"}, {"FieldTypeKind", 19}})));
    EXPECT_TRUE(isMappable(field({{"InternalName", "Title"}, {"FieldTypeKind", 2}})));
}

// --- values ----------------------------------------------------------------------------------

TEST(SharePointValues, ReadsEveryShape) {
    const FieldInfo text = field({{"InternalName", "T"}, {"FieldTypeKind", 2}});
    const FieldInfo currency = field({{"InternalName", "C"}, {"FieldTypeKind", 10}});
    const FieldInfo multi = field({{"InternalName", "M"}, {"FieldTypeKind", 15}});
    const FieldInfo url = field({{"InternalName", "U"}, {"FieldTypeKind", 11}});
    const FieldInfo when = field({{"InternalName", "D"}, {"FieldTypeKind", 4}});
    EXPECT_EQ(*valueFromJson(json("x"), text, ValueType::String), Value("x"));
    EXPECT_TRUE(valueFromJson(json(nullptr), text, ValueType::String)->isNull());
    EXPECT_EQ(valueFromJson(json::parse("1234.56"), currency, ValueType::Decimal)->canonical(),
              "1234.56");
    EXPECT_EQ(valueFromJson(json::parse("10"), currency, ValueType::Decimal)->asDecimal().text,
              "10");
    EXPECT_EQ(*valueFromJson(json::parse(R"(["a","b c"])"), multi, ValueType::String),
              Value("a;#b c"));
    EXPECT_EQ(*valueFromJson(json::parse(R"({"results":["a","b"]})"), multi, ValueType::String),
              Value("a;#b"))
        << "verbose";
    EXPECT_TRUE(valueFromJson(json::array(), multi, ValueType::String)->isNull());
    EXPECT_EQ(*valueFromJson(json::parse(R"({"Url":"https://x/","Description":"X"})"), url,
                             ValueType::String),
              Value("https://x/"));
    EXPECT_EQ(valueFromJson(json("2024-02-29T13:45:59Z"), when, ValueType::DateTime)->canonical(),
              "2024-02-29T13:45:59Z");
    EXPECT_FALSE(valueFromJson(json("soon"), when, ValueType::DateTime).has_value());
    EXPECT_EQ(*valueFromJson(json(7), text, ValueType::Int), Value(std::int64_t{7}));
    EXPECT_EQ(*valueFromJson(json(true), text, ValueType::Bool), Value(true));
}

TEST(SharePointValues, WritesEveryShape) {
    std::string problem;
    const FieldInfo text = field({{"InternalName", "T"}, {"FieldTypeKind", 2}, {"MaxLength", 5}});
    EXPECT_EQ(*jsonFor(Value("東京😀"), text, problem), json("東京😀"));
    EXPECT_FALSE(jsonFor(Value("123456"), text, problem).has_value());
    EXPECT_NE(problem.find("at most 5"), std::string::npos) << problem;
    const FieldInfo currency = field({{"InternalName", "C"}, {"FieldTypeKind", 10}});
    EXPECT_EQ(jsonFor(Value(Decimal{"1234.5"}), currency, problem)->dump(), "1234.5");
    EXPECT_EQ(jsonFor(Value(std::int64_t{3}), currency, problem)->dump(), "3");
    EXPECT_FALSE(jsonFor(Value("abc"), currency, problem).has_value());
    const FieldInfo multi = field({{"InternalName", "M"}, {"FieldTypeKind", 15}});
    EXPECT_EQ(*jsonFor(Value("a;#b"), multi, problem), json::parse(R"(["a","b"])"));
    EXPECT_EQ(*jsonFor(Value(), multi, problem), json::array());
    const FieldInfo lookup = field({{"InternalName", "L"}, {"FieldTypeKind", 7}});
    EXPECT_EQ(*jsonFor(Value(std::int64_t{12}), lookup, problem), json(12));
    EXPECT_EQ(*jsonFor(Value("12"), lookup, problem), json(12));
    EXPECT_FALSE(jsonFor(Value("twelve"), lookup, problem).has_value());
    const FieldInfo lookupMulti =
        field({{"InternalName", "LM"}, {"FieldTypeKind", 7}, {"TypeAsString", "LookupMulti"}});
    EXPECT_EQ(*jsonFor(Value("1;#2"), lookupMulti, problem), json::parse("[1,2]"));
    const FieldInfo url = field({{"InternalName", "U"}, {"FieldTypeKind", 11}});
    EXPECT_EQ((*jsonFor(Value("https://x/"), url, problem))["Url"], "https://x/");
    const FieldInfo flag = field({{"InternalName", "B"}, {"FieldTypeKind", 8}});
    EXPECT_EQ(*jsonFor(Value(std::int64_t{1}), flag, problem), json(true));
    EXPECT_EQ(*jsonFor(Value("false"), flag, problem), json(false));
    EXPECT_FALSE(jsonFor(Value("maybe"), flag, problem).has_value());
    const FieldInfo when = field({{"InternalName", "D"}, {"FieldTypeKind", 4}});
    EXPECT_EQ(*jsonFor(Value(*parseDateTime("2024-01-02T03:04:05Z")), when, problem),
              json("2024-01-02T03:04:05Z"));
    EXPECT_EQ(*jsonFor(Value(*parseDate("2024-01-02")), when, problem),
              json("2024-01-02T00:00:00Z"));
    EXPECT_EQ(*jsonFor(Value(), text, problem), json(nullptr));
    EXPECT_EQ(codePointCount("a😀東"), 3u);
}

// --- select statements -----------------------------------------------------------------------

TEST(SharePointSelect, ParsesOptions) {
    const auto statement =
        parseSelect("$select=Title,Account_x0020_Number&$filter=Status eq 'Open & Closed'&$top=5");
    EXPECT_EQ(statement.select, (std::vector<std::string>{"Title", "Account_x0020_Number"}));
    EXPECT_EQ(statement.filter, "Status eq 'Open & Closed'");
    EXPECT_EQ(statement.top, 5u);
    EXPECT_TRUE(parseSelect("").select.empty());
    EXPECT_TRUE(parseSelect("items").select.empty());
    EXPECT_TRUE(parseSelect("$select=*").select.empty());
    const auto encoded = parseSelect("items?select=Title&%24filter=Title%20eq%20%27a%27");
    EXPECT_EQ(encoded.select, (std::vector<std::string>{"Title"}));
    EXPECT_EQ(encoded.filter, "Title eq 'a'");
    EXPECT_EQ(parseSelect("?$orderby=Modified desc").orderby, "Modified desc");
}

TEST(SharePointSelect, RefusesWhatSharePointCannotPage) {
    for (const char* text : {"$skip=10", "$skiptoken=Paged=TRUE", "$expand=Author", "$top=many",
                             "$select=A&$select=B", "$format=json"}) {
        EXPECT_EQ(codeOf([text] { parseSelect(text); }), ErrorCode::QueryFailed) << text;
    }
}

TEST(SharePointSelect, FindsTheFieldsOfAFilter) {
    EXPECT_EQ(referencedFields("Status eq 'Open and x' and startswith(Account_x0020_Number,'A') "
                               "or Customer/Title eq 'x'"),
              (std::vector<std::string>{"Status", "Account_x0020_Number", "Customer"}));
    EXPECT_EQ(referencedFields("Modified desc, ID"), (std::vector<std::string>{"Modified", "ID"}));
}

TEST(SharePointSelect, Literals) {
    EXPECT_EQ(quoteLiteral("O'Brien"), "'O''Brien'");
    EXPECT_EQ(encodeQueryValue("Title eq 'a b'&c"), "Title%20eq%20'a%20b'%26c");
    EXPECT_EQ(percentDecode("a%20b%2"), "a b%2");
}

TEST(SharePointSelect, AViewsCamlFilterBecomesOData) {
    EXPECT_EQ(
        *camlWhereToFilter(R"(<Where><Eq><FieldRef Name="Status"/><Value Type="Text">Open)"
                           R"(</Value></Eq></Where><OrderBy><FieldRef Name="ID"/></OrderBy>)"),
        "Status eq 'Open'");
    EXPECT_EQ(*camlWhereToFilter(
                  R"(<Where><And><Geq><FieldRef Name="Employees"/><Value Type="Number">10</Value>)"
                  R"(</Geq><Or><IsNull><FieldRef Name="City"/></IsNull><BeginsWith>)"
                  R"(<FieldRef Name="City"/><Value Type="Text">O'B</Value></BeginsWith></Or>)"
                  R"(</And></Where>)"),
              "(Employees ge 10 and (City eq null or startswith(City,'O''B')))");
    EXPECT_EQ(*camlWhereToFilter(R"(<OrderBy><FieldRef Name="ID"/></OrderBy>)"), "")
        << "no Where: every item";
    EXPECT_FALSE(camlWhereToFilter(R"(<Where><Eq><FieldRef Name="Due"/><Value Type="DateTime">)"
                                   R"(<Today/></Value></Eq></Where>)")
                     .has_value())
        << "relative dates cannot be expressed";
    EXPECT_FALSE(camlWhereToFilter(R"(<Where><Membership Type="CurrentUserGroups"><FieldRef )"
                                   R"(Name="AssignedTo"/></Membership></Where>)")
                     .has_value());
}

// --- $batch with a change set (net::writeBatch) ---------------------------------------------

TEST(SharePointBatch, WritesOperationsInsideOneChangeSet) {
    std::vector<net::BatchPart> parts(2);
    parts[0] = {"POST",
                "http://h/sites/s/_api/web/lists(guid'1')/items",
                {{"Content-Type", "application/json;odata=nometadata"}},
                R"({"Title":"a"})"};
    parts[1] = {
        "DELETE", "http://h/sites/s/_api/web/lists(guid'1')/items(3)", {{"IF-MATCH", "*"}}, ""};
    net::BatchWriteOptions options;
    options.changesetBoundary = "changeset_1";
    const std::string body = net::writeBatchBody(parts, "batch_1", options);
    EXPECT_EQ(body.find("--batch_1\r\nContent-Type: multipart/mixed; boundary=\"changeset_1\"\r\n"),
              0u);
    EXPECT_NE(body.find("--changeset_1\r\nContent-Type: application/http\r\n"), std::string::npos);
    EXPECT_NE(body.find("DELETE http://h/sites/s/_api/web/lists(guid'1')/items(3) HTTP/1.1\r\n"
                        "IF-MATCH: *\r\n\r\n"),
              std::string::npos);
    EXPECT_NE(body.find("--changeset_1--\r\n--batch_1--\r\n"), std::string::npos);
    // Read back as a response would come: the change set's parts flattened in order.
    const std::string response =
        "--batchresponse_x\r\nContent-Type: multipart/mixed; boundary=changesetresponse_y\r\n\r\n"
        "--changesetresponse_y\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 201 Created\r\n"
        "Content-Type: application/json\r\n\r\n{\"ID\":7}\r\n"
        "--changesetresponse_y\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 204 No Content"
        "\r\n\r\n\r\n--changesetresponse_y--\r\n--batchresponse_x--\r\n";
    const auto results =
        net::readBatchResponse("multipart/mixed; boundary=batchresponse_x", response);
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].status, 201);
    EXPECT_EQ(results[0].body, "{\"ID\":7}");
    EXPECT_EQ(results[0].header("content-type"), "application/json");
    EXPECT_EQ(results[1].status, 204);
}

}  // namespace
}  // namespace ferry::sharepoint
