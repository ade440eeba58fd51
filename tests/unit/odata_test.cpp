// The OData provider's pure parts: select statements, CSDL, values, $batch, links, keys.
#include <gtest/gtest.h>

#include "ferry/error.h"
#include "odata_batch.h"
#include "odata_connection.h"
#include "odata_metadata.h"
#include "odata_select.h"
#include "odata_values.h"

namespace ferry::odata {
namespace {

constexpr const char* kRoot = "https://contoso.crm4.dynamics.com/api/data/v9.2/";

ErrorCode codeOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& error) {
        return error.code();
    }
    return ErrorCode::Internal;
}

// --- select statements -----------------------------------------------------------------------

TEST(ODataSelect, ParsesEveryOption) {
    const SelectStatement s = parseSelect(
        "accounts?$select=name, accountnumber&$filter=name eq 'A&B' and revenue gt 5"
        "&$orderby=name desc&$top=5&$expand=primarycontactid($select=fullname)&$count=true",
        kRoot);
    EXPECT_EQ(s.entitySet, "accounts");
    EXPECT_EQ(s.select, (std::vector<std::string>{"name", "accountnumber"}));
    EXPECT_EQ(s.filter, "name eq 'A&B' and revenue gt 5");
    EXPECT_EQ(s.orderby, "name desc");
    ASSERT_TRUE(s.top.has_value());
    EXPECT_EQ(*s.top, 5u);
    EXPECT_EQ(s.expand, "primarycontactid($select=fullname)");
    EXPECT_EQ(s.expandedNames(), std::vector<std::string>{"primarycontactid"});
    ASSERT_EQ(s.extra.size(), 1u);
    EXPECT_EQ(s.extra[0].first, "$count");
}

TEST(ODataSelect, AcceptsLeadingSlashRootPathAndFullUrls) {
    EXPECT_EQ(parseSelect("/accounts", kRoot).entitySet, "accounts");
    EXPECT_EQ(parseSelect("/api/data/v9.2/contacts?$top=1", kRoot).entitySet, "contacts");
    const SelectStatement full = parseSelect(
        "https://contoso.crm4.dynamics.com/api/data/v9.2/accounts?%24select=name%2Ctelephone1"
        "&%24filter=name%20eq%20%27caf%C3%A9%27",
        kRoot);
    EXPECT_EQ(full.entitySet, "accounts");
    EXPECT_EQ(full.select, (std::vector<std::string>{"name", "telephone1"}));
    EXPECT_EQ(full.filter, "name eq 'café'");
    EXPECT_TRUE(parseSelect("accounts", kRoot).select.empty()) << "entity set alone: all columns";
    EXPECT_EQ(parseSelect("accounts?select=name&TOP=2", kRoot).top.value_or(0), 2u)
        << "option names in any case, with or without '$'";
}

TEST(ODataSelect, RejectsWhatCannotWork) {
    EXPECT_EQ(codeOf([] { parseSelect("accounts?$skip=10", kRoot); }), ErrorCode::QueryFailed);
    try {
        parseSelect("accounts?$top=5&$skip=5", kRoot);
        FAIL() << "$skip accepted";
    } catch (const Error& error) {
        EXPECT_NE(error.message().find("$skip"), std::string::npos) << error.message();
        EXPECT_NE(error.hint().find("next links"), std::string::npos) << error.hint();
    }
    EXPECT_EQ(codeOf([] { parseSelect("", kRoot); }), ErrorCode::QueryFailed);
    EXPECT_EQ(codeOf([] { parseSelect("https://other.example.com/odata/accounts", kRoot); }),
              ErrorCode::QueryFailed);
    EXPECT_EQ(codeOf([] { parseSelect("accounts(00000000-0000-0000-0000-000000000001)", kRoot); }),
              ErrorCode::QueryFailed);
    EXPECT_EQ(codeOf([] { parseSelect("accounts?$top=many", kRoot); }), ErrorCode::QueryFailed);
    EXPECT_EQ(codeOf([] { parseSelect("accounts?$top=1&$top=2", kRoot); }), ErrorCode::QueryFailed);
    EXPECT_EQ(codeOf([] { parseSelect("accounts?$skiptoken=abc", kRoot); }),
              ErrorCode::QueryFailed);
}

TEST(ODataSelect, QueryStringsEncodeValues) {
    SelectStatement s = parseSelect("accounts?$filter=name eq 'a+b&c' or city eq 'Zürich'", kRoot);
    s.top = 3;
    EXPECT_EQ(queryString(s, {"name", "address1_city"}, true),
              "$select=name,address1_city&$filter=name%20eq%20'a%2Bb%26c'%20or%20city%20eq%20"
              "'Z%C3%BCrich'&$top=3");
    EXPECT_EQ(queryString(s, {}, false),
              "$filter=name%20eq%20'a%2Bb%26c'%20or%20city%20eq%20'Z%C3%BCrich'");
    EXPECT_EQ(percentDecode("a%20b+c%2x"), "a b+c%2x");
}

TEST(ODataLinks, ResolvesAbsoluteAndRelativeNextLinks) {
    const std::string root = "http://127.0.0.1:8080/api/data/v9.2/";
    const std::string absolute =
        "http://127.0.0.1:8080/api/data/v9.2/accounts?$skiptoken=%3Ccookie%20x%3E";
    EXPECT_EQ(resolveLink(root, absolute), absolute);
    EXPECT_EQ(resolveLink(root, "accounts?$skiptoken=%3Cc%3E"),
              "http://127.0.0.1:8080/api/data/v9.2/accounts?$skiptoken=%3Cc%3E");
    EXPECT_EQ(resolveLink(root, "/api/data/v9.2/accounts?$skiptoken=2"),
              "http://127.0.0.1:8080/api/data/v9.2/accounts?$skiptoken=2");
    EXPECT_EQ(resolveLink("http://h/svc", "People?$skiptoken=8"),
              "http://h/svc/People?$skiptoken=8");
    EXPECT_EQ(
        keyFromEntityId("http://h/api/data/v9.2/accounts(1d6c1a53-0000-0000-0000-000000000001)"),
        "1d6c1a53-0000-0000-0000-000000000001");
    EXPECT_EQ(keyFromEntityId("Customers('O''Neil')"), "O'Neil");
    EXPECT_EQ(keyFromEntityId("accounts(accountid=5)"), "5");
    EXPECT_EQ(keyFromEntityId("1d6c1a53-0000-0000-0000-000000000001"),
              "1d6c1a53-0000-0000-0000-000000000001");
}

// --- CSDL ------------------------------------------------------------------------------------

constexpr const char* kDataverseCsdl = R"xml(<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
 <edmx:Reference Uri="http://vocabularies.odata.org/Org.OData.Core.V1.xml">
  <edmx:Include Namespace="Org.OData.Core.V1" Alias="Core"/>
 </edmx:Reference>
 <edmx:DataServices>
  <Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">
   <EntityType Name="crmbaseentity" Abstract="true"/>
   <EntityType Name="account" BaseType="mscrm.crmbaseentity">
    <Key><PropertyRef Name="accountid"/></Key>
    <Property Name="accountid" Type="Edm.Guid"/>
    <Property Name="name" Type="Edm.String" Unicode="false" MaxLength="160"/>
    <Property Name="revenue" Type="Edm.Decimal" Precision="19" Scale="4"/>
    <Property Name="industrycode" Type="Edm.Int32"/>
    <Property Name="createdon" Type="Edm.DateTimeOffset">
     <Annotation Term="Org.OData.Core.V1.Computed" Bool="true"/>
    </Property>
    <Property Name="versionnumber" Type="Edm.Int64">
     <Annotation Term="Core.Permissions"><EnumMember>Org.OData.Core.V1.PermissionType/Read</EnumMember></Annotation>
    </Property>
    <Property Name="_parentaccountid_value" Type="Edm.Guid"/>
    <NavigationProperty Name="parentaccountid" Type="mscrm.account" Partner="account_parent_account">
     <ReferentialConstraint Property="_parentaccountid_value" ReferencedProperty="accountid"/>
    </NavigationProperty>
    <NavigationProperty Name="contact_customer_accounts" Type="Collection(mscrm.contact)"/>
   </EntityType>
   <EntityType Name="contact" BaseType="mscrm.crmbaseentity">
    <Key><PropertyRef Name="contactid"/></Key>
    <Property Name="contactid" Type="Edm.Guid"/>
    <Property Name="birthdate" Type="Edm.Date"/>
   </EntityType>
   <EntityContainer Name="System">
    <EntitySet Name="accounts" EntityType="Microsoft.Dynamics.CRM.account">
     <Annotation Term="Org.OData.Capabilities.V1.ChangeTracking">
      <Record><PropertyValue Property="Supported" Bool="true"/></Record>
     </Annotation>
    </EntitySet>
    <EntitySet Name="contacts" EntityType="mscrm.contact"/>
   </EntityContainer>
  </Schema>
 </edmx:DataServices>
</edmx:Edmx>)xml";

TEST(ODataCsdl, ParsesADataverseLikeDocument) {
    const ServiceModel model = parseCsdl(kDataverseCsdl);
    EXPECT_TRUE(model.dataverse);
    const EdmEntitySet* accounts = model.findSet("accounts");
    ASSERT_NE(accounts, nullptr);
    EXPECT_EQ(accounts->entityType, "Microsoft.Dynamics.CRM.account");
    EXPECT_EQ(accounts->changeTracking, std::optional<bool>(true));
    EXPECT_EQ(model.findSet("contacts")->changeTracking, std::nullopt);
    EXPECT_EQ(model.findSet("Accounts"), accounts) << "case-insensitive fallback";
    const EdmEntityType* account = model.findType(accounts->entityType);
    ASSERT_NE(account, nullptr);
    EXPECT_EQ(account->baseType, "Microsoft.Dynamics.CRM.crmbaseentity");
    EXPECT_EQ(model.keyOf(*account), std::vector<std::string>{"accountid"});
    const auto properties = model.propertiesOf(*account);
    ASSERT_EQ(properties.size(), 7u);
    EXPECT_EQ(properties[1].name, "name");
    EXPECT_EQ(properties[1].maxLength, 160);
    EXPECT_EQ(properties[2].precision, 19);
    EXPECT_EQ(properties[2].scale, 4);
    EXPECT_FALSE(properties[1].computed);
    EXPECT_TRUE(properties[4].computed) << "Core.V1.Computed";
    EXPECT_TRUE(properties[5].computed) << "Core.Permissions Read, through the alias";
    const auto navigations = model.navigationsOf(*account);
    ASSERT_EQ(navigations.size(), 2u);
    EXPECT_EQ(navigations[0].name, "parentaccountid");
    EXPECT_EQ(navigations[0].property, "_parentaccountid_value");
    EXPECT_EQ(navigations[0].targetType, "Microsoft.Dynamics.CRM.account");
    EXPECT_FALSE(navigations[0].collection);
    EXPECT_TRUE(navigations[1].collection);
    EXPECT_EQ(model.setOfType("Microsoft.Dynamics.CRM.contact"), "contacts");
}

constexpr const char* kTripPinCsdl =
    R"xml(<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
<edmx:DataServices>
<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Trippin">
 <EntityType Name="Person">
  <Key><PropertyRef Name="UserName"/></Key>
  <Property Name="UserName" Type="Edm.String" Nullable="false"/>
  <Property Name="FirstName" Type="Edm.String" Nullable="false" MaxLength="8"/>
  <Property Name="Age" Type="Edm.Int64"/>
  <Property Name="Emails" Type="Collection(Edm.String)"/>
  <Property Name="Gender" Type="Trippin.PersonGender"/>
  <NavigationProperty Name="Friends" Type="Collection(Trippin.Person)"/>
 </EntityType>
 <EntityType Name="Employee" BaseType="Trippin.Person">
  <Property Name="Cost" Type="Edm.Int64" Nullable="false"/>
 </EntityType>
 <EntityContainer Name="Container">
  <EntitySet Name="People" EntityType="Trippin.Person"/>
  <EntitySet Name="Employees" EntityType="Trippin.Employee"/>
 </EntityContainer>
 <Annotations Target="Trippin.Container/People">
  <Annotation Term="Org.OData.Capabilities.V1.ChangeTracking">
   <Record><PropertyValue Property="Supported"><Bool>true</Bool></PropertyValue></Record>
  </Annotation>
 </Annotations>
 <Annotations Target="Trippin.Person/Age">
  <Annotation Term="Org.OData.Core.V1.Computed" Bool="true"/>
 </Annotations>
</Schema>
</edmx:DataServices>
</edmx:Edmx>)xml";

TEST(ODataCsdl, ParsesAGenericDocumentWithInheritanceAndOutOfLineAnnotations) {
    const ServiceModel model = parseCsdl(kTripPinCsdl);
    EXPECT_FALSE(model.dataverse);
    const EdmEntitySet* employees = model.findSet("Employees");
    ASSERT_NE(employees, nullptr);
    const EdmEntityType* employee = model.findType(employees->entityType);
    ASSERT_NE(employee, nullptr);
    EXPECT_EQ(model.keyOf(*employee), std::vector<std::string>{"UserName"}) << "inherited key";
    const auto properties = model.propertiesOf(*employee);
    ASSERT_EQ(properties.size(), 6u);
    EXPECT_EQ(properties.front().name, "UserName");
    EXPECT_EQ(properties.back().name, "Cost");
    EXPECT_FALSE(properties[0].nullable);
    EXPECT_EQ(properties[1].maxLength, 8);
    EXPECT_TRUE(properties[2].computed) << "out-of-line Computed";
    EXPECT_EQ(model.findSet("People")->changeTracking, std::optional<bool>(true));
    EXPECT_EQ(model.findSet("Employees")->changeTracking, std::nullopt);
    EXPECT_EQ(codeOf([] { parseCsdl("<html>not csdl</html>"); }), ErrorCode::QueryFailed);
    EXPECT_EQ(codeOf([] { parseCsdl("{\"value\": []}"); }), ErrorCode::QueryFailed);
}

TEST(ODataMetadata, MapsEdmTypesAndReadsDataverseDocuments) {
    EXPECT_EQ(valueTypeOfEdm("Edm.String"), ValueType::String);
    EXPECT_EQ(valueTypeOfEdm("Edm.Int16"), ValueType::Int);
    EXPECT_EQ(valueTypeOfEdm("Edm.Int64"), ValueType::Int);
    EXPECT_EQ(valueTypeOfEdm("Edm.Decimal"), ValueType::Decimal);
    EXPECT_EQ(valueTypeOfEdm("Edm.Single"), ValueType::Double);
    EXPECT_EQ(valueTypeOfEdm("Edm.Boolean"), ValueType::Bool);
    EXPECT_EQ(valueTypeOfEdm("Edm.DateTimeOffset"), ValueType::DateTime);
    EXPECT_EQ(valueTypeOfEdm("Edm.Date"), ValueType::Date);
    EXPECT_EQ(valueTypeOfEdm("Edm.Guid"), ValueType::Guid);
    EXPECT_EQ(valueTypeOfEdm("Edm.Binary"), ValueType::Binary);
    EXPECT_EQ(valueTypeOfEdm("Trippin.PersonGender"), std::nullopt);

    const auto attributes = parseAttributes(
        R"({"value":[{"LogicalName":"createdon","AttributeType":"DateTime","IsValidForCreate":false,)"
        R"("IsValidForUpdate":false,"AttributeOf":null},{"LogicalName":"parentaccountidname",)"
        R"("AttributeType":"String","AttributeOf":"parentaccountid"},{"LogicalName":"industrycode",)"
        R"("AttributeType":"Picklist","IsValidForCreate":true,"IsValidForUpdate":true}]})");
    ASSERT_EQ(attributes.size(), 3u);
    EXPECT_FALSE(attributes[0].validForCreate);
    EXPECT_FALSE(attributes[0].validForUpdate);
    EXPECT_EQ(attributes[1].attributeOf, "parentaccountid");
    EXPECT_EQ(attributes[2].attributeType, "Picklist");
    EXPECT_TRUE(attributes[2].validForCreate);
    const EntityDefinition definition = parseEntityDefinition(
        R"({"LogicalName":"account","EntitySetName":"accounts","PrimaryIdAttribute":"accountid",)"
        R"("ChangeTrackingEnabled":true,"MetadataId":"x"})");
    EXPECT_EQ(definition.entitySetName, "accounts");
    EXPECT_EQ(definition.changeTrackingEnabled, std::optional<bool>(true));

    EXPECT_EQ(
        parseServiceDocument(
            R"({"value":[{"name":"accounts","kind":"EntitySet","url":"accounts"},)"
            R"({"name":"WhoAmI","kind":"FunctionImport"},{"name":"contacts","url":"contacts"}]})"),
        (std::vector<std::string>{"accounts", "contacts"}));
    EXPECT_EQ(parseServiceError(R"({"error":{"code":"0x80044331","message":"A validation error"}})")
                  .message,
              "A validation error");
    EXPECT_EQ(parseServiceError(R"({"odata.error":{"message":{"lang":"en","value":"x"}}})").message,
              "x");
    EXPECT_EQ(parseServiceError("<html>Bad gateway</html>").message, "");
    EXPECT_EQ(closestName("acounts", {"contacts", "accounts", "leads"}), "accounts");
    EXPECT_EQ(closestName("zzzzzz", {"contacts", "accounts"}), "");
}

// --- values ----------------------------------------------------------------------------------

PageLayout layoutOf(const std::vector<std::pair<std::string, ValueType>>& columns) {
    PageLayout layout;
    layout.columnCount = columns.size();
    for (std::size_t i = 0; i < columns.size(); ++i) {
        layout.fields[columns[i].first] =
            FieldTarget{i, columns[i].second, columns[i].first, false};
    }
    return layout;
}

TEST(ODataValues, PagesKeepDecimalsExactAndConvertEveryType) {
    PageLayout layout = layoutOf({{"id", ValueType::Guid},
                                  {"amount", ValueType::Decimal},
                                  {"at", ValueType::DateTime},
                                  {"day", ValueType::Date},
                                  {"n", ValueType::Int},
                                  {"ratio", ValueType::Double},
                                  {"flag", ValueType::Bool},
                                  {"data", ValueType::Binary},
                                  {"name", ValueType::String},
                                  {"industrycode_label", ValueType::String}});
    layout.fields["industrycode@OData.Community.Display.V1.FormattedValue"] =
        layout.fields["industrycode_label"];
    const std::string body = R"({"@odata.context":"x","value":[
        {"@odata.etag":"W/\"1\"","id":"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
         "amount":12345678901234567890.1234,"at":"2024-02-29T13:45:59Z","day":"1999-12-31",
         "n":9007199254740993,"ratio":0.1,"flag":true,"data":"AP8Q","name":"caf\u00e9",
         "industrycode":3,"industrycode@OData.Community.Display.V1.FormattedValue":"Consulting",
         "primarycontactid":{"fullname":"x","n":[1,2]}},
        {"id":"00000000-0000-0000-0000-000000000001","amount":-5000000.0000,"at":null,
         "day":null,"n":-1,"ratio":1e-300,"flag":false,"data":null,"name":null,"extra":[1,{"a":2}]}
      ],"@odata.nextLink":"accounts?$skiptoken=2"})";
    const ParsedPage page = parsePage(body, layout);
    EXPECT_TRUE(page.collection);
    EXPECT_EQ(page.nextLink, "accounts?$skiptoken=2");
    ASSERT_EQ(page.rows.size(), 2u);
    const auto& first = page.rows[0].values;
    ASSERT_EQ(first.size(), 10u);
    EXPECT_EQ(first[0].asGuid().text, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    EXPECT_EQ(first[1].asDecimal().text, "12345678901234567890.1234");
    EXPECT_EQ(formatDateTime(first[2].asDateTime()), "2024-02-29T13:45:59Z");
    EXPECT_EQ(formatDate(first[3].asDate()), "1999-12-31");
    EXPECT_EQ(first[4].asInt(), 9007199254740993);
    EXPECT_EQ(first[5].asDouble(), 0.1);
    EXPECT_TRUE(first[6].asBool());
    EXPECT_EQ(first[7].asBinary().bytes, (std::vector<std::uint8_t>{0x00, 0xFF, 0x10}));
    EXPECT_EQ(first[8].asString(), "café");
    EXPECT_EQ(first[9].asString(), "Consulting");
    const auto& second = page.rows[1].values;
    EXPECT_EQ(second[1].asDecimal().text, "-5000000");
    EXPECT_TRUE(second[2].isNull());
    EXPECT_TRUE(second[8].isNull());
    EXPECT_EQ(second[5].asDouble(), 1e-300);

    PageLayout wrong = layoutOf({{"n", ValueType::Guid}});
    try {
        parsePage(R"({"value":[{"n":"not-a-guid"}]})", wrong);
        FAIL() << "a bad GUID was accepted";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::QueryFailed);
        EXPECT_NE(error.message().find("'n'"), std::string::npos) << error.message();
    }
    EXPECT_EQ(codeOf([&] { parsePage("{\"value\":[", wrong); }), ErrorCode::QueryFailed);
}

// The page reader is Ferry's own strict JSON reader (RFC 8259): what it must accept and refuse.
TEST(ODataValues, PageReaderIsStrictJson) {
    const PageLayout layout = layoutOf({{"s", ValueType::String}, {"n", ValueType::Decimal}});
    const auto only = [&](const std::string& row) {
        const ParsedPage page = parsePage("{\"value\":[" + row + "]}", layout);
        EXPECT_EQ(page.rows.size(), 1u);
        return page.rows.empty() ? std::vector<Value>{} : page.rows[0].values;
    };
    // Escapes, including a surrogate pair (U+1F600) and every short escape.
    auto row = only(R"({"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00","n":1})");
    EXPECT_EQ(row[0].asString(), "a\"b\\c/d\b\f\n\r\t\xC3\xA9\xF0\x9F\x98\x80");
    // Integers beyond 64 bits and exponents keep their digits.
    row = only(R"({"s":null,"n":123456789012345678901234567890})");
    EXPECT_EQ(row[1].asDecimal().text, "123456789012345678901234567890");
    row = only(R"({"s":"x","n":-1.5E+3})");
    EXPECT_EQ(row[1].asDecimal().text, "-1500");
    // Whitespace of all four kinds between tokens.
    row = only(" {\t\"s\"\r\n:\n\"y\" , \"n\" : 2 } ");
    EXPECT_EQ(row[0].asString(), "y");

    for (const std::string bad : {
             R"({"value":[{"s":"a",}]})",       // trailing comma
             R"({"value":[{"n":01}]})",         // leading zero
             R"({"value":[{"s":"\ud83d"}]})",   // lone surrogate
             R"({"value":[]} x)",               // text after the value
             "{\"value\":[{\"s\":\"a\tb\"}]}",  // raw tab inside a string
             "{\"value\":[{\"s\":\"\xC3\"}]}",  // cut-off UTF-8
             R"({"value":[{"s":tru}]})",        // bad literal
             R"({"value":[{"n":1.}]})",         // no digit after the point
             R"({"value":[{"s":"\x"}]})",       // unknown escape
         }) {
        EXPECT_EQ(codeOf([&] { parsePage(bad, layout); }), ErrorCode::QueryFailed) << bad;
    }
}

TEST(ODataValues, DeltaPagesSeparateDeletedEntities) {
    const PageLayout layout =
        layoutOf({{"accountid", ValueType::Guid}, {"name", ValueType::String}});
    const std::string body = R"json({"value":[
        {"accountid":"00000000-0000-0000-0000-000000000002","name":"changed"},
        {"@odata.context":"http://h/api/data/v9.2/$metadata#accounts/$deletedEntity",
         "id":"00000000-0000-0000-0000-000000000003","reason":"deleted"},
        {"@removed":{"reason":"deleted"},"@id":"Customers('ALFKI')"}
      ],"@odata.deltaLink":"http://h/api/data/v9.2/accounts?$deltatoken=919042%2108"})json";
    const ParsedPage page = parsePage(body, layout);
    ASSERT_EQ(page.rows.size(), 1u);
    EXPECT_EQ(page.rows[0].values[1].asString(), "changed");
    EXPECT_EQ(page.deletedIds, (std::vector<std::string>{"00000000-0000-0000-0000-000000000003",
                                                         "Customers('ALFKI')"}));
    EXPECT_EQ(page.deltaLink, "http://h/api/data/v9.2/accounts?$deltatoken=919042%2108");
}

TEST(ODataValues, JsonLiteralsForWrites) {
    std::string problem;
    EXPECT_EQ(jsonLiteral(Value(Decimal{"12345678901234567890.1234"}), ValueType::Decimal, problem),
              "12345678901234567890.1234");
    EXPECT_EQ(jsonLiteral(Value(std::int64_t{5}), ValueType::Decimal, problem), "5");
    EXPECT_EQ(jsonLiteral(Value("a\"b\\c\n"), ValueType::String, problem), "\"a\\\"b\\\\c\\n\"");
    EXPECT_EQ(jsonLiteral(Value(parseDateTime("2024-02-29T13:45:59.5Z").value()),
                          ValueType::DateTime, problem),
              "\"2024-02-29T13:45:59.5Z\"");
    EXPECT_EQ(jsonLiteral(Value(parseDate("2000-02-29").value()), ValueType::Date, problem),
              "\"2000-02-29\"");
    EXPECT_EQ(
        jsonLiteral(Value("{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}"), ValueType::Guid, problem),
        "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"");
    EXPECT_EQ(jsonLiteral(Value(0.1), ValueType::Double, problem), "0.1");
    EXPECT_EQ(jsonLiteral(Value(true), ValueType::Bool, problem), "true");
    EXPECT_EQ(jsonLiteral(Value(Binary{{0x00, 0xFF, 0x10}}), ValueType::Binary, problem),
              "\"AP8Q\"");
    EXPECT_EQ(jsonLiteral(Value(), ValueType::Int, problem), "null");
    EXPECT_FALSE(jsonLiteral(Value("twelve"), ValueType::Int, problem).has_value());
    EXPECT_NE(problem.find("twelve"), std::string::npos) << problem;
    EXPECT_FALSE(jsonLiteral(Value("nope"), ValueType::Guid, problem).has_value());
    EXPECT_EQ(base64Decode("AP8Q").value(), (std::vector<std::uint8_t>{0x00, 0xFF, 0x10}));
    EXPECT_EQ(base64Decode("_-8").value(), (std::vector<std::uint8_t>{0xFF, 0xEF}));
    EXPECT_FALSE(base64Decode("A").has_value());
    EXPECT_EQ(codePointCount("😀東aa"), 4u);
}

// --- $batch
// ----------------------------------------------------------------------------------

TEST(ODataBatch, WritesTopLevelOperationsWithCrlf) {
    std::vector<BatchOperation> operations(2);
    operations[0] = {"POST",
                     std::string(kRoot) + "accounts?$select=accountid",
                     {{"Prefer", "return=representation"}, {"Content-Type", "application/json"}},
                     R"({"name":"A"})"};
    operations[1] = {"DELETE", std::string(kRoot) + "accounts(1)", {{"If-Match", "*"}}, ""};
    const std::string body = writeBatch(operations, "batch_x");
    const std::string expected =
        "--batch_x\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
        "Content-ID: 1\r\n\r\nPOST " +
        std::string(kRoot) +
        "accounts?$select=accountid HTTP/1.1\r\nPrefer: return=representation\r\n"
        "Content-Type: application/json\r\n\r\n{\"name\":\"A\"}\r\n"
        "--batch_x\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
        "Content-ID: 2\r\n\r\nDELETE " +
        std::string(kRoot) + "accounts(1) HTTP/1.1\r\nIf-Match: *\r\n\r\n\r\n--batch_x--\r\n";
    EXPECT_EQ(body, expected);
    EXPECT_EQ(body.find("changeset"), std::string::npos) << "no atomic change sets";
    EXPECT_EQ(batchContentType("batch_x"), "multipart/mixed; boundary=\"batch_x\"");
}

TEST(ODataBatch, ReadsTopLevelPartsChangeSetsAndErrors) {
    const std::string body =
        "--batchresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: "
        "binary\r\nContent-ID: 1\r\n\r\nHTTP/1.1 201 Created\r\nContent-Type: "
        "application/json; "
        "odata.metadata=minimal\r\nOData-Version: "
        "4.0\r\n\r\n{\"accountid\":\"a0eebc99-9c0b-4ef8-"
        "bb6d-6bb9bd380a11\"}\r\n"
        "--batchresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: "
        "binary\r\nContent-ID: 2\r\n\r\nHTTP/1.1 400 Bad Request\r\nContent-Type: "
        "application/json\r\n\r\n{\"error\":{\"code\":\"0x80044331\",\"message\":\"A "
        "validation "
        "error occurred. The length of the 'name' attribute exceeded MaxLength\"}}\r\n"
        "--batchresponse_1\r\nContent-Type: multipart/mixed; "
        "boundary=changesetresponse_9\r\n\r\n"
        "--changesetresponse_9\r\nContent-Type: application/http\r\nContent-ID: 3\r\n\r\n"
        "HTTP/1.1 204 No Content\r\nOData-EntityId: " +
        std::string(kRoot) +
        "accounts(00000000-0000-0000-0000-000000000004)\r\n\r\n\r\n--changesetresponse_9--"
        "\r\n"
        "--batchresponse_1--\r\n";
    const auto results = readBatchResponse("multipart/mixed; boundary=batchresponse_1", body);
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0].status, 201);
    EXPECT_EQ(results[0].contentId, "1");
    EXPECT_EQ(results[0].body, "{\"accountid\":\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"}");
    EXPECT_EQ(results[1].status, 400);
    EXPECT_NE(parseServiceError(results[1].body).message.find("MaxLength"), std::string::npos);
    EXPECT_EQ(results[2].status, 204);
    EXPECT_EQ(results[2].contentId, "3");
    EXPECT_EQ(keyFromEntityId(results[2].header("odata-entityid")),
              "00000000-0000-0000-0000-000000000004");
    EXPECT_EQ(results[2].body, "");

    // Bare LF line ends and a quoted boundary are read too.
    const std::string lf =
        "--b\nContent-Type: application/http\n\nHTTP/1.1 404 Not Found\n\n{}\n--b--\n";
    const auto lenient = readBatchResponse("multipart/mixed; boundary=\"b\"", lf);
    ASSERT_EQ(lenient.size(), 1u);
    EXPECT_EQ(lenient[0].status, 404);
    EXPECT_EQ(lenient[0].body, "{}");
    EXPECT_EQ(codeOf([] { readBatchResponse("application/json", "{}"); }), ErrorCode::QueryFailed);
}

// --- keys and connection strings
// -------------------------------------------------------------

TEST(ODataKeys, ReplicationGuidsAreDeterministicVersion5) {
    const auto digest = sha1("abc");
    EXPECT_EQ(toHex(std::vector<std::uint8_t>(digest.begin(), digest.end())),
              "a9993e364706816aba3e25717850c26c9cd0d89d");
    const Guid a = replicationGuid(kRoot, "accounts", "conn/left/42");
    EXPECT_EQ(a, replicationGuid("HTTPS://contoso.crm4.dynamics.com/api/data/v9.2", "accounts",
                                 "conn/left/42"))
        << "the service root's case and trailing '/' do not matter";
    EXPECT_NE(a, replicationGuid(kRoot, "accounts", "conn/left/43"));
    EXPECT_NE(a, replicationGuid(kRoot, "contacts", "conn/left/42"));
    ASSERT_TRUE(parseGuid(a.text).has_value());
    EXPECT_EQ(a.text[14], '5') << a.text;
    EXPECT_NE(std::string("89ab").find(a.text[19]), std::string::npos) << a.text;
}

TEST(ODataConnection, ReadsKeysWithDefaultsAndRejectsBadValues) {
    const ConnectionSettings crm = parseConnectionSettings(ConnectionString::parse(
        "URL=https://contoso.crm4.dynamics.com/api/data/v9.2;User=admin@contoso.com;"));
    EXPECT_EQ(crm.serviceRoot, kRoot);
    EXPECT_EQ(crm.auth, net::AuthMethod::Password) << "microsoft_modern_crm for *.dynamics.com";
    EXPECT_EQ(crm.maxPageSize, 5000u);
    EXPECT_EQ(crm.batchSize, 100u);
    EXPECT_EQ(crm.concurrency, 4u);
    EXPECT_FALSE(crm.replicationKey);
    EXPECT_TRUE(crm.verifyTls);
    const ConnectionSettings plain = parseConnectionSettings(ConnectionString::parse(
        "URL=http://127.0.0.1:9/odata/;MaxPageSize=1000;BatchSize=10;Concurrency=2;"
        "ReplicationKey=true;VerifyTls=false;Timeout=30"));
    EXPECT_EQ(plain.auth, net::AuthMethod::None);
    EXPECT_EQ(plain.maxPageSize, 1000u);
    EXPECT_EQ(plain.batchSize, 10u);
    EXPECT_TRUE(plain.replicationKey);
    EXPECT_FALSE(plain.verifyTls);
    EXPECT_EQ(plain.timeout.count(), 30);
    EXPECT_EQ(parseConnectionSettings(
                  ConnectionString::parse("URL=https://x/;Authentication=Microsoft_Modern;User=u"))
                  .auth,
              net::AuthMethod::Password);
    for (const char* bad :
         {"User=u", "URL=ftp://x/", "URL=https://x/;Authentication=kerberos",
          "URL=https://x/;Authentication=password",
          "URL=https://x/;Authentication=client_credentials", "URL=https://x/;MaxPageSize=0",
          "URL=https://x/;BatchSize=abc", "URL=https://x/;ReplicationKey=maybe"}) {
        EXPECT_EQ(codeOf([&] { parseConnectionSettings(ConnectionString::parse(bad)); }),
                  ErrorCode::InvalidConnectionString)
            << bad;
    }
    const net::AuthSettings auth = authSettings(crm, "s3cret");
    EXPECT_EQ(auth.resource, "https://contoso.crm4.dynamics.com");
    EXPECT_EQ(auth.secret, "s3cret");
    EXPECT_EQ(auth.user, "admin@contoso.com");
}

}  // namespace
}  // namespace ferry::odata
