// Wire-level tests of the SharePoint emulator over real HTTP on 127.0.0.1.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sharepoint_emulator.h"
#include "sp_filter.h"

namespace ferry::emulator {
namespace {

using nlohmann::json;

constexpr const char* kVerbose = "application/json;odata=verbose";
constexpr const char* kMinimal = "application/json;odata=minimalmetadata";
constexpr const char* kNoMetadata = "application/json;odata=nometadata";

SpListDefinition ordersList() {
    SpListDefinition list;
    list.title = "Orders";
    list.urlName = "Orders";
    SpField number;
    number.internalName = "Order_x0020_Number";
    number.title = "Order Number";
    number.required = true;
    number.maxLength = 10;
    number.indexed = true;
    SpField status;
    status.internalName = "Status";
    status.title = "Status";
    status.type = SpFieldType::Choice;
    status.choices = {"Open", "Closed"};
    SpField amount;
    amount.internalName = "Amount";
    amount.title = "Amount";
    amount.type = SpFieldType::Currency;
    SpField customer;
    customer.internalName = "Customer";
    customer.title = "Customer";
    customer.type = SpFieldType::Lookup;
    customer.lookupList = "Accounts";
    SpField tags;
    tags.internalName = "Tags";
    tags.title = "Tags";
    tags.type = SpFieldType::MultiChoice;
    tags.choices = {"A", "B", "C"};
    SpField due;
    due.internalName = "Due";
    due.title = "Due";
    due.type = SpFieldType::DateTime;
    list.fields = {number, status, amount, customer, tags, due};
    return list;
}

class SharePointEmulatorTest : public ::testing::Test {
protected:
    void startWith(SharePointOptions options) {
        // Close the kept-alive connection first, so that stopping the old server is immediate.
        m_client.reset();
        m_emulator.reset();
        m_emulator = std::make_unique<SharePointEmulator>(options);
        m_emulator->createList(ordersList());
        m_emulator->start();
        m_client = std::make_unique<httplib::Client>("127.0.0.1", m_emulator->port());
        m_client->set_keep_alive(true);
        m_client->set_tcp_nodelay(true);
        if (options.requireAuth)
            m_token = passwordToken();
    }

    void SetUp() override {
        SharePointOptions options;
        options.accountsList = 30;
        startWith(options);
    }

    std::string passwordToken() {
        const auto res =
            m_client->Post("/" + SharePointOptions().tenantId + "/oauth2/v2.0/token",
                           "grant_type=password&client_id=ferry&scope=https%3A%2F%2Fcontoso."
                           "sharepoint.com%2F.default%20offline_access&username=admin%40contoso."
                           "com&password=Passw0rd%21",
                           "application/x-www-form-urlencoded");
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 200) << res->body;
        return json::parse(res->body).at("access_token").get<std::string>();
    }

    httplib::Headers headers(const std::string& accept = kNoMetadata) const {
        httplib::Headers h{{"Accept", accept}};
        if (!m_token.empty())
            h.emplace("Authorization", "Bearer " + m_token);
        return h;
    }

    httplib::Result get(const std::string& path, const std::string& accept = kNoMetadata) {
        return m_client->Get(("/sites/sales/_api/" + path).c_str(), headers(accept));
    }

    httplib::Result post(const std::string& path, const json& body,
                         const std::string& contentType = "application/json;odata=nometadata",
                         httplib::Headers extra = {}, const std::string& accept = kNoMetadata) {
        httplib::Headers h = headers(accept);
        for (auto& [k, v] : extra)
            h.emplace(k, v);
        return m_client->Post(("/sites/sales/_api/" + path).c_str(), h,
                              body.is_null() ? std::string() : body.dump(), contentType.c_str());
    }

    // Follows nextLinks (absolute URLs) from a first relative request; returns every item.
    std::vector<json> readAll(const std::string& first, int* pages = nullptr) {
        std::vector<json> all;
        std::string path = "/sites/sales/_api/" + first;
        int count = 0;
        while (!path.empty()) {
            const auto res = m_client->Get(path.c_str(), headers());
            EXPECT_TRUE(res);
            if (!res || res->status != 200) {
                ADD_FAILURE() << (res ? res->body : "no response");
                break;
            }
            ++count;
            const json body = json::parse(res->body);
            for (const auto& item : body.at("value"))
                all.push_back(item);
            path.clear();
            if (body.contains("odata.nextLink")) {
                const std::string next = body["odata.nextLink"];
                path = next.substr(m_emulator->rootUrl().size());
            }
        }
        if (pages != nullptr)
            *pages = count;
        return all;
    }

    std::unique_ptr<SharePointEmulator> m_emulator;
    std::unique_ptr<httplib::Client> m_client;
    std::string m_token;
};

TEST_F(SharePointEmulatorTest, ChallengesWithoutTokenAndAcceptsPasswordToken) {
    const auto res = m_client->Get("/sites/sales/_api/web", {{"Accept", kVerbose}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
    const std::string challenge = res->get_header_value("WWW-Authenticate");
    EXPECT_NE(challenge.find("Bearer realm=\"" + SharePointOptions().tenantId + "\""),
              std::string::npos);
    EXPECT_NE(challenge.find("client_id=\"00000003-0000-0ff1-ce00-000000000000\""),
              std::string::npos);
    const auto ok = get("web", kVerbose);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200);
    EXPECT_EQ(json::parse(ok->body)["d"]["ServerRelativeUrl"], "/sites/sales");

    m_emulator->revokeTokens();
    const auto revoked = get("web");
    ASSERT_TRUE(revoked);
    EXPECT_EQ(revoked->status, 401);
    EXPECT_EQ(m_emulator->stats().tokensIssued, 1U);
}

TEST_F(SharePointEmulatorTest, RefusesAppOnlyTokensFromSecretsButNotFromCertificates) {
    const std::string tokenPath = "/" + SharePointOptions().tenantId + "/oauth2/v2.0/token";
    const auto secret = m_client->Post(tokenPath,
                                       "grant_type=client_credentials&client_id=ferry-test-client"
                                       "&client_secret=s3cret&scope=https%3A%2F%2Fx%2F.default",
                                       "application/x-www-form-urlencoded");
    ASSERT_TRUE(secret);
    ASSERT_EQ(secret->status, 200);
    m_token = json::parse(secret->body)["access_token"];
    const auto refused = get("web");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401);
    EXPECT_NE(refused->body.find("Unsupported app only token."), std::string::npos);

    const auto cert = m_client->Post(
        tokenPath,
        "grant_type=client_credentials&client_id=ferry-test-client&client_assertion_type=urn%3A"
        "ietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJ.x.y"
        "&scope=https%3A%2F%2Fx%2F.default",
        "application/x-www-form-urlencoded");
    ASSERT_TRUE(cert);
    ASSERT_EQ(cert->status, 200);
    EXPECT_FALSE(json::parse(cert->body).contains("refresh_token"));
    m_token = json::parse(cert->body)["access_token"];
    const auto accepted = get("web");
    ASSERT_TRUE(accepted);
    EXPECT_EQ(accepted->status, 200);

    const auto badPassword = m_client->Post(
        tokenPath,
        "grant_type=password&client_id=c&scope=s&username=admin%40contoso.com&password=no",
        "application/x-www-form-urlencoded");
    ASSERT_TRUE(badPassword);
    EXPECT_EQ(badPassword->status, 400);
    EXPECT_EQ(json::parse(badPassword->body)["error"], "invalid_grant");
}

TEST_F(SharePointEmulatorTest, ContextInfoGivesAFormDigest) {
    const auto verbose = post("contextinfo", nullptr, "application/json", {}, kVerbose);
    ASSERT_TRUE(verbose);
    ASSERT_EQ(verbose->status, 200);
    const json info = json::parse(verbose->body)["d"]["GetContextWebInformation"];
    EXPECT_EQ(info["FormDigestTimeoutSeconds"], 1800);
    EXPECT_EQ(info["FormDigestValue"].get<std::string>().rfind("0x", 0), 0U);
    const auto light = post("contextinfo", nullptr, "application/json", {}, kNoMetadata);
    ASSERT_TRUE(light);
    EXPECT_TRUE(json::parse(light->body).contains("FormDigestValue"));
}

TEST_F(SharePointEmulatorTest, WritesWithoutBearerNeedTheFormDigest) {
    SharePointOptions options;
    options.requireAuth = false;
    m_token.clear();
    startWith(options);
    const json item = {{"Title", "x"}, {"Order_x0020_Number", "1"}};
    const auto refused = post("web/lists/GetByTitle('Orders')/items", item);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403);
    EXPECT_NE(refused->body.find("-2130575252"), std::string::npos);
    const auto info = post("contextinfo", nullptr);
    const std::string digest = json::parse(info->body)["FormDigestValue"];
    const auto created = post("web/lists/GetByTitle('Orders')/items", item,
                              "application/json;odata=nometadata", {{"X-RequestDigest", digest}});
    ASSERT_TRUE(created);
    EXPECT_EQ(created->status, 201) << created->body;
}

TEST_F(SharePointEmulatorTest, FindsListsByTitleUrlAndGuid) {
    const auto byTitle = get("web/lists/GetByTitle('accounts')");
    ASSERT_TRUE(byTitle);
    ASSERT_EQ(byTitle->status, 200) << byTitle->body;
    const json list = json::parse(byTitle->body);
    EXPECT_EQ(list["Title"], "Accounts");
    EXPECT_EQ(list["ItemCount"], 30);
    EXPECT_EQ(list["ListItemEntityTypeFullName"], "SP.Data.AccountsListItem");
    EXPECT_EQ(list["DefaultViewUrl"], "/sites/sales/Lists/Accounts/AllItems.aspx");
    const std::string id = list["Id"];
    const std::string token = list["CurrentChangeToken"]["StringValue"];
    EXPECT_EQ(token.rfind("1;3;" + id + ";", 0), 0U) << token;

    const auto byUrl =
        get("web/GetList(@listUrl)?@listUrl=%27%2Fsites%2Fsales%2FLists%2FAccounts%27");
    ASSERT_TRUE(byUrl);
    ASSERT_EQ(byUrl->status, 200) << byUrl->body;
    EXPECT_EQ(json::parse(byUrl->body)["Id"], id);
    const auto byUrlLiteral = get("web/GetList('%2Fsites%2Fsales%2Flists%2Faccounts')");
    ASSERT_TRUE(byUrlLiteral);
    EXPECT_EQ(byUrlLiteral->status, 200);
    const auto byGuid = get("web/lists(guid'" + id + "')?$select=Title,ItemCount");
    ASSERT_TRUE(byGuid);
    ASSERT_EQ(byGuid->status, 200);
    EXPECT_EQ(json::parse(byGuid->body), (json{{"Title", "Accounts"}, {"ItemCount", 30}}));

    SpListDefinition quoted;
    quoted.title = "O'Brien List";
    m_emulator->createList(quoted);
    const auto doubled = get("web/lists/GetByTitle('O''Brien%20List')");
    ASSERT_TRUE(doubled);
    EXPECT_EQ(doubled->status, 200) << doubled->body;
    EXPECT_EQ(json::parse(doubled->body)["ListItemEntityTypeFullName"],
              "SP.Data.O_x0027_Brien_x0020_ListListItem");

    const auto missing = get("web/lists/GetByTitle('Nope')", kVerbose);
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    EXPECT_TRUE(json::parse(missing->body).contains("error"));
    EXPECT_THROW(m_emulator->createList(quoted), std::invalid_argument);
}

TEST_F(SharePointEmulatorTest, DescribesFieldsIncludingBuiltIns) {
    const auto res = get("web/lists/GetByTitle('Orders')/fields", kVerbose);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
    std::map<std::string, json> fields;
    const json described = json::parse(res->body);
    for (const auto& f : described["d"]["results"])
        fields[f["InternalName"].get<std::string>()] = f;
    for (const char* builtIn : {"ID", "Title", "Modified", "Created", "Author", "Editor"})
        EXPECT_TRUE(fields.count(builtIn)) << builtIn;
    EXPECT_EQ(fields["ID"]["TypeAsString"], "Counter");
    EXPECT_EQ(fields["ID"]["ReadOnlyField"], true);
    EXPECT_EQ(fields["Author"]["FieldTypeKind"], 20);
    const json number = fields["Order_x0020_Number"];
    EXPECT_EQ(number["Title"], "Order Number");
    EXPECT_EQ(number["TypeAsString"], "Text");
    EXPECT_EQ(number["FieldTypeKind"], 2);
    EXPECT_EQ(number["Required"], true);
    EXPECT_EQ(number["Indexed"], true);
    EXPECT_EQ(number["MaxLength"], 10);
    EXPECT_EQ(fields["Status"]["Choices"]["results"], json({"Open", "Closed"}));
    EXPECT_EQ(fields["Customer"]["FieldTypeKind"], 7);
    EXPECT_EQ(fields["Customer"]["EntityPropertyName"], "CustomerId");
    EXPECT_EQ(fields["Tags"]["TypeAsString"], "MultiChoice");

    const auto filtered =
        get("web/lists/GetByTitle('Orders')/"
            "fields?$filter=Hidden%20eq%20false%20and%20ReadOnlyField%20eq%20false&$select="
            "InternalName");
    ASSERT_TRUE(filtered);
    std::set<std::string> names;
    const json visible = json::parse(filtered->body);
    for (const auto& f : visible["value"])
        names.insert(f["InternalName"]);
    EXPECT_EQ(names, (std::set<std::string>{"Title", "Order_x0020_Number", "Status", "Amount",
                                            "Customer", "Tags", "Due"}));
}

TEST_F(SharePointEmulatorTest, PagesPastTheThresholdByIdWithSkipTokens) {
    SharePointOptions options;
    options.accountsList = 12000;
    startWith(options);
    int pages = 0;
    const auto all = readAll(
        "web/lists/GetByTitle('Accounts')/items?$select=Id,Title&$top=5000&$orderby=ID", &pages);
    EXPECT_EQ(pages, 3);
    ASSERT_EQ(all.size(), 12000U);
    std::set<int> ids;
    for (const auto& item : all)
        ids.insert(item["Id"].get<int>());
    EXPECT_EQ(ids.size(), 12000U);
    EXPECT_EQ(*ids.begin(), 1);
    EXPECT_EQ(*ids.rbegin(), 12000);

    // Default page of 100; $skip is ignored (the same first page comes back).
    const auto first = get("web/lists/GetByTitle('Accounts')/items?$select=Id&$skip=500");
    ASSERT_TRUE(first);
    const json page = json::parse(first->body);
    EXPECT_EQ(page["value"].size(), 100U);
    EXPECT_EQ(page["value"][0]["Id"], 1);
    EXPECT_NE(
        page["odata.nextLink"].get<std::string>().find("%24skiptoken=Paged%3DTRUE%26p_ID%3D100"),
        std::string::npos);
    const auto tooBig = get("web/lists/GetByTitle('Accounts')/items?$top=5001");
    ASSERT_TRUE(tooBig);
    EXPECT_EQ(tooBig->status, 500);
}

TEST_F(SharePointEmulatorTest, RejectsUnindexedFiltersOverTheThreshold) {
    SharePointOptions options;
    options.accountsList = 6000;
    startWith(options);
    const auto light =
        get("web/lists/GetByTitle('Accounts')/items?$filter=City%20eq%20'Paris'&$top=10");
    ASSERT_TRUE(light);
    EXPECT_EQ(light->status, 500);
    const json error = json::parse(light->body)["odata.error"];
    EXPECT_EQ(error["code"], "-2147024860, Microsoft.SharePoint.SPQueryThrottledException");
    EXPECT_EQ(error["message"]["lang"], "en-US");
    const auto verbose = get("web/lists/GetByTitle('Accounts')/items?$orderby=City", kVerbose);
    ASSERT_TRUE(verbose);
    EXPECT_EQ(verbose->status, 500);
    EXPECT_TRUE(json::parse(verbose->body)["error"]["message"].contains("value"));
    const auto indexed = get(
        "web/lists/GetByTitle('Accounts')/items?$filter=Account_x0020_Number%20eq%20'ACC-000042'");
    ASSERT_TRUE(indexed);
    ASSERT_EQ(indexed->status, 200) << indexed->body;
    EXPECT_EQ(json::parse(indexed->body)["value"][0]["Id"], 42);
    const auto byId =
        get("web/lists/GetByTitle('Accounts')/items?$filter=ID%20gt%205990&$select=Id");
    ASSERT_TRUE(byId);
    EXPECT_EQ(json::parse(byId->body)["value"].size(), 10U);
}

TEST_F(SharePointEmulatorTest, AnswersInTheThreeJsonFormats) {
    const std::string path =
        "web/lists/GetByTitle('Accounts')/items?$top=2&$select=Id,Title,Regions,Website";
    const json verbose = json::parse(get(path, kVerbose)->body);
    const json& first = verbose["d"]["results"][0];
    EXPECT_EQ(first["__metadata"]["etag"], "\"1\"");
    EXPECT_EQ(first["__metadata"]["type"], "SP.Data.AccountsListItem");
    EXPECT_EQ(first["Regions"]["__metadata"]["type"], "Collection(Edm.String)");
    EXPECT_TRUE(first["Regions"]["results"].is_array());
    EXPECT_EQ(first["Website"]["__metadata"]["type"], "SP.FieldUrlValue");
    EXPECT_TRUE(verbose["d"].contains("__next"));

    const json minimal = json::parse(get(path, kMinimal)->body);
    EXPECT_EQ(minimal["value"][0]["odata.etag"], "\"1\"");
    EXPECT_TRUE(minimal["value"][0]["Regions"].is_array());
    EXPECT_TRUE(minimal.contains("odata.nextLink"));

    const json none = json::parse(get(path, kNoMetadata)->body);
    EXPECT_FALSE(none["value"][0].contains("odata.etag"));
    EXPECT_EQ(none["value"][0]["Website"].size(), 2U);
    const json v4none = json::parse(get(path, "application/json;odata.metadata=none")->body);
    EXPECT_EQ(v4none["value"].size(), 2U);

    httplib::Headers h = headers(kNoMetadata);
    h.emplace("OData-Version", "4.0");
    const auto refused = m_client->Get(("/sites/sales/_api/" + path).c_str(), h);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 406);
    httplib::Headers noAccept{{"Authorization", "Bearer " + m_token}};
    const auto atom = m_client->Get("/sites/sales/_api/web", noAccept);
    ASSERT_TRUE(atom);
    EXPECT_EQ(atom->status, 406);
    EXPECT_NE(atom->body.find("<m:error"), std::string::npos);

    const json full = json::parse(get("web/lists/GetByTitle('Accounts')/items(1)")->body);
    EXPECT_EQ(full["Id"], 1);
    EXPECT_EQ(full["ID"], 1);
    EXPECT_EQ(full["Created"].get<std::string>().back(), 'Z');
    EXPECT_EQ(full["AuthorId"], 1);
}

TEST_F(SharePointEmulatorTest, CreatesMergesAndDeletesWithEtags) {
    const std::string items = "web/lists/GetByTitle('Orders')/items";
    json body = {
        {"__metadata", {{"type", "SP.Data.OrdersListItem"}}},
        {"Title", "First"},
        {"Order_x0020_Number", "A-1"},
        {"Status", "Open"},
        {"Amount", 12.5},
        {"CustomerId", 3},
        {"Tags", {{"__metadata", {{"type", "Collection(Edm.String)"}}}, {"results", {"A", "C"}}}},
        {"Due", "2024-05-01T10:00:00Z"}};
    const auto wrongType = post(items, body, "application/json;odata=nometadata");
    ASSERT_TRUE(wrongType);
    EXPECT_EQ(wrongType->status, 400);
    EXPECT_NE(wrongType->body.find(
                  "The property '__metadata' does not exist on type 'SP.Data.OrdersListItem'"),
              std::string::npos);
    const auto created = post(items, body, "application/json;odata=verbose", {}, kVerbose);
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201) << created->body;
    EXPECT_EQ(created->get_header_value("ETag"), "\"1\"");
    const json item = json::parse(created->body)["d"];
    const int id = item["Id"];
    EXPECT_EQ(item["CustomerId"], 3);
    EXPECT_EQ(item["Tags"]["results"], json({"A", "C"}));

    const std::string one = "web/lists/GetByTitle('Orders')/items(" + std::to_string(id) + ")";
    const auto merged = post(one, {{"Status", "Closed"}}, "application/json",
                             {{"X-HTTP-Method", "MERGE"}, {"IF-MATCH", "\"1\""}});
    ASSERT_TRUE(merged);
    EXPECT_EQ(merged->status, 204) << merged->body;
    EXPECT_EQ(merged->get_header_value("ETag"), "\"2\"");
    const auto stale = post(one, {{"Status", "Open"}}, "application/json",
                            {{"X-HTTP-Method", "MERGE"}, {"IF-MATCH", "\"1\""}});
    ASSERT_TRUE(stale);
    EXPECT_EQ(stale->status, 412);
    EXPECT_NE(stale->body.find("does not match the object's ETag value '\\\"2\\\"'"),
              std::string::npos)
        << stale->body;
    const json read = json::parse(get(one)->body);
    EXPECT_EQ(read["Status"], "Closed");
    EXPECT_EQ(read["Title"], "First");

    const auto deleted =
        post(one, nullptr, "application/json", {{"X-HTTP-Method", "DELETE"}, {"IF-MATCH", "*"}});
    ASSERT_TRUE(deleted);
    EXPECT_EQ(deleted->status, 200);
    EXPECT_EQ(get(one)->status, 404);
    EXPECT_TRUE(m_emulator->items("Orders").empty());
}

TEST_F(SharePointEmulatorTest, ValidatesLengthChoicesAndProperties) {
    const std::string items = "web/lists/GetByTitle('Orders')/items";
    const auto tooLong = post(items, {{"Title", "x"}, {"Order_x0020_Number", "12345678901"}});
    ASSERT_TRUE(tooLong);
    EXPECT_EQ(tooLong->status, 400);
    const auto badChoice =
        post(items, {{"Title", "x"}, {"Order_x0020_Number", "1"}, {"Status", "Maybe"}});
    ASSERT_TRUE(badChoice);
    EXPECT_EQ(badChoice->status, 400);
    const auto unknown = post(items, {{"Title", "x"}, {"Order_x0020_Number", "1"}, {"Nope", 1}});
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 400);
    EXPECT_NE(unknown->body.find("The property 'Nope' does not exist"), std::string::npos);
    EXPECT_TRUE(m_emulator->items("Orders").empty());
}

// SharePoint's REST item writes store items without their required values (PnP-JS-Core #376);
// forms and ValidateUpdateListItem / AddValidateUpdateItemUsingPath report them per field.
TEST_F(SharePointEmulatorTest, RequiredIsCheckedByFormsNotByItemWrites) {
    const std::string list = "web/lists/GetByTitle('Orders')";
    const auto created = post(list + "/items", {{"Title", "no number"}});
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201) << created->body;
    const std::string item = list + "/items(" + json::parse(created->body)["Id"].dump() + ")";
    const auto emptied = post(item, {{"Title", nullptr}}, kNoMetadata,
                              {{"X-HTTP-Method", "MERGE"}, {"IF-MATCH", "*"}});
    ASSERT_TRUE(emptied);
    EXPECT_EQ(emptied->status, 204) << emptied->body;
    auto stored = m_emulator->items("Orders");
    ASSERT_EQ(stored.size(), 1U);
    EXPECT_TRUE(stored[0]["Title"].is_null());
    EXPECT_TRUE(stored[0]["Order_x0020_Number"].is_null());

    // The field's result in a form answer.
    const auto resultFor = [](const httplib::Result& res, const std::string& field) {
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 200) << res->body;
        const json answer = json::parse(res->body);
        for (const auto& entry : answer["value"])
            if (entry["FieldName"] == field)
                return entry;
        ADD_FAILURE() << "no result for " << field << ": " << res->body;
        return json();
    };
    const json titleOnly = {{"FieldName", "Title"}, {"FieldValue", "by form"}};
    const auto added = post(list + "/AddValidateUpdateItemUsingPath",
                            {{"listItemCreateInfo", {{"UnderlyingObjectType", 0}}},
                             {"formValues", json::array({titleOnly})},
                             {"bNewDocumentUpdate", false}});
    const json missing = resultFor(added, "Order_x0020_Number");
    EXPECT_EQ(missing["HasException"], true);
    EXPECT_EQ(missing["ErrorMessage"], "You must specify a value for this required field.");
    EXPECT_EQ(resultFor(added, "Title")["HasException"], false);
    EXPECT_EQ(m_emulator->items("Orders").size(), 1U) << "a form with errors creates nothing";

    const auto emptyNumber = post(
        item + "/ValidateUpdateListItem",
        {{"formValues", json::array({{{"FieldName", "Order_x0020_Number"}, {"FieldValue", ""}}})},
         {"bNewDocumentUpdate", false}});
    EXPECT_EQ(resultFor(emptyNumber, "Order_x0020_Number")["HasException"], true);
    const auto filled = post(
        item + "/ValidateUpdateListItem",
        {{"formValues",
          json::array({titleOnly, {{"FieldName", "Order_x0020_Number"}, {"FieldValue", "A-1"}}})},
         {"bNewDocumentUpdate", false}});
    EXPECT_EQ(resultFor(filled, "Order_x0020_Number")["HasException"], false);
    stored = m_emulator->items("Orders");
    ASSERT_EQ(stored.size(), 1U);
    EXPECT_EQ(stored[0]["Title"], "by form");
    EXPECT_EQ(stored[0]["Order_x0020_Number"], "A-1");
}

// `ID eq 1 or ID eq 2 …` filters (a client fetching changed items) look the items up; results,
// order and paging are those of any other filter.
TEST_F(SharePointEmulatorTest, FiltersOnItemIdsPageAndSortLikeAnyFilter) {
    std::vector<json> orders;
    for (int i = 1; i <= 20; ++i)
        orders.push_back({{"Title", "Order " + std::to_string(i)},
                          {"Order_x0020_Number", std::to_string(i)},
                          {"Status", i % 2 == 1 ? "Open" : "Closed"},
                          {"Amount", 100 - i}});
    m_emulator->addItems("Orders", orders);
    const auto ids = [this](const std::string& query, int* pages = nullptr) {
        std::vector<int> out;
        for (const auto& item :
             readAll("web/lists/GetByTitle('Orders')/items?$select=Id&" + query, pages))
            out.push_back(item["Id"].get<int>());
        return out;
    };
    const std::string some =
        "ID%20eq%2012%20or%20Id%20eq%203%20or%20ID%20eq%207%20or%20"
        "ID%20eq%2099%20or%20(ID%20eq%205)";
    int pages = 0;
    EXPECT_EQ(ids("$filter=" + some + "&$top=2", &pages), (std::vector<int>{3, 5, 7, 12}));
    EXPECT_EQ(pages, 2) << "two full pages, no empty third";
    EXPECT_EQ(ids("$filter=" + some + "&$top=3&$orderby=ID%20desc", &pages),
              (std::vector<int>{12, 7, 5, 3}));
    EXPECT_EQ(pages, 2);
    EXPECT_EQ(ids("$filter=" + some + "&$top=3&$orderby=Amount"), (std::vector<int>{12, 7, 5, 3}));
    // ANDed with another condition, which still applies.
    EXPECT_EQ(ids("$filter=(Status%20eq%20'Open')%20and%20(" + some + ")"),
              (std::vector<int>{3, 5, 7}));
    EXPECT_EQ(ids("$filter=ID%20eq%203%20and%20ID%20eq%205"), std::vector<int>{});
    // An OR with another condition is no lookup: every item is tested.
    EXPECT_EQ(ids("$filter=ID%20eq%204%20or%20Amount%20lt%2083&$top=2"),
              (std::vector<int>{4, 18, 19, 20}));
}

// Lists and fields made over REST, as a client that creates its target list does it.
TEST_F(SharePointEmulatorTest, CreatesListsOverRestWithTheirTypeInVerbose) {
    const json list = {
        {"__metadata", {{"type", "SP.List"}}}, {"BaseTemplate", 100}, {"Title", "Contacts"}};
    const auto light = post("web/lists", list, "application/json;odata=nometadata");
    ASSERT_TRUE(light);
    EXPECT_EQ(light->status, 400) << "__metadata needs the verbose Content-Type";
    const auto created = post("web/lists", list, kVerbose, {}, kVerbose);
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201) << created->body;
    EXPECT_EQ(json::parse(created->body)["d"]["ListItemEntityTypeFullName"],
              "SP.Data.ContactsListItem");
    EXPECT_EQ(get("web/GetList(@u)?@u='%2Fsites%2Fsales%2FLists%2FContacts'")->status, 200);
    const auto again = post("web/lists", list, kVerbose, {}, kVerbose);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 500);
    EXPECT_NE(again->body.find("already exists"), std::string::npos) << again->body;

    m_emulator->setSchemaLocked(true);
    const auto denied =
        post("web/lists",
             {{"__metadata", {{"type", "SP.List"}}}, {"BaseTemplate", 100}, {"Title", "Other"}},
             kVerbose, {}, kVerbose);
    ASSERT_TRUE(denied);
    EXPECT_EQ(denied->status, 403);
    EXPECT_NE(denied->body.find("UnauthorizedAccessException"), std::string::npos);
    const auto field =
        post("web/lists/GetByTitle('Contacts')/fields",
             {{"__metadata", {{"type", "SP.Field"}}}, {"Title", "Phone"}, {"FieldTypeKind", 2}},
             kVerbose, {}, kVerbose);
    ASSERT_TRUE(field);
    EXPECT_EQ(field->status, 403);
}

TEST_F(SharePointEmulatorTest, FieldsTakeTheirInternalNameFromTheTitleAtCreation) {
    const std::string fields = "web/lists/GetByTitle('Orders')/fields";
    const auto create = [&](const json& body) {
        auto res = post(fields, body, kVerbose, {}, kVerbose);
        EXPECT_TRUE(res);
        return res;
    };
    // StaticName and InternalName do not name the field; the Title does (encoded).
    auto res = create({{"__metadata", {{"type", "SP.FieldText"}}},
                       {"Title", "Contact Name"},
                       {"StaticName", "ContactName"},
                       {"InternalName", "ContactName"},
                       {"FieldTypeKind", 2},
                       {"MaxLength", 80}});
    ASSERT_EQ(res->status, 201) << res->body;
    json made = json::parse(res->body)["d"];
    EXPECT_EQ(made["InternalName"], "Contact_x0020_Name");
    EXPECT_EQ(made["StaticName"], "ContactName");
    EXPECT_EQ(made["MaxLength"], 80);
    // A taken name gets a digit; the display title can then be changed with MERGE.
    res =
        create({{"__metadata", {{"type", "SP.Field"}}}, {"Title", "Status"}, {"FieldTypeKind", 2}});
    ASSERT_EQ(res->status, 201) << res->body;
    made = json::parse(res->body)["d"];
    EXPECT_EQ(made["InternalName"], "Status0");
    const auto merged = post(fields + "(guid'" + made["Id"].get<std::string>() + "')",
                             {{"__metadata", {{"type", "SP.Field"}}}, {"Title", "Second status"}},
                             kVerbose, {{"X-HTTP-Method", "MERGE"}});
    ASSERT_TRUE(merged);
    EXPECT_EQ(merged->status, 204) << merged->body;
    const json retitled = json::parse(get(fields + "/getbyinternalnameortitle('Status0')")->body);
    EXPECT_EQ(retitled["Title"], "Second status");
    EXPECT_EQ(retitled["InternalName"], "Status0");
    // Long titles are cut to 32 characters.
    res = create({{"__metadata", {{"type", "SP.Field"}}},
                  {"Title", "A rather long column title for a test"},
                  {"FieldTypeKind", 3}});
    ASSERT_EQ(res->status, 201) << res->body;
    EXPECT_EQ(json::parse(res->body)["d"]["InternalName"].get<std::string>().size(), 32u);
}

TEST_F(SharePointEmulatorTest, FieldPropertiesOfDerivedTypesNeedThatType) {
    const std::string fields = "web/lists/GetByTitle('Orders')/fields";
    const json choices = {{"__metadata", {{"type", "Collection(Edm.String)"}}},
                          {"results", {"Red", "Green"}}};
    auto res = post(fields,
                    {{"__metadata", {{"type", "SP.Field"}}},
                     {"Title", "Colour"},
                     {"FieldTypeKind", 6},
                     {"Choices", choices}},
                    kVerbose, {}, kVerbose);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    EXPECT_NE(res->body.find("The property 'Choices' does not exist on type 'SP.Field'"),
              std::string::npos)
        << res->body;
    res = post(fields,
               {{"__metadata", {{"type", "SP.FieldText"}}},
                {"Title", "Code"},
                {"FieldTypeKind", 2},
                {"MaxLength", 300}},
               kVerbose, {}, kVerbose);
    EXPECT_EQ(res->status, 400) << "MaxLength is 1 to 255";
    res = post(fields,
               {{"__metadata", {{"type", "SP.FieldText"}}},
                {"Title", "Code"},
                {"FieldTypeKind", 2},
                {"EnforceUniqueValues", true}},
               kVerbose, {}, kVerbose);
    EXPECT_EQ(res->status, 400) << "unique values need an index";

    res = post(fields,
               {{"__metadata", {{"type", "SP.FieldChoice"}}},
                {"Title", "Colour"},
                {"FieldTypeKind", 6},
                {"Choices", choices},
                {"FillInChoice", false}},
               kVerbose, {}, kVerbose);
    ASSERT_EQ(res->status, 201) << res->body;
    EXPECT_EQ(json::parse(res->body)["d"]["Choices"]["results"], json({"Red", "Green"}));
    res = post(fields,
               {{"__metadata", {{"type", "SP.FieldChoice"}}},
                {"Title", "Shape"},
                {"FieldTypeKind", 6},
                {"Choices", {{"results", json::array()}}},
                {"FillInChoice", true}},
               kVerbose, {}, kVerbose);
    ASSERT_EQ(res->status, 201) << res->body;
    res = post(fields,
               {{"__metadata", {{"type", "SP.FieldDateTime"}}},
                {"Title", "Birthday"},
                {"FieldTypeKind", 4},
                {"DisplayFormat", 0}},
               kVerbose, {}, kVerbose);
    ASSERT_EQ(res->status, 201) << res->body;
    EXPECT_EQ(json::parse(res->body)["d"]["DisplayFormat"], 0);
    res = post(fields,
               {{"__metadata", {{"type", "SP.FieldText"}}},
                {"Title", "Code"},
                {"FieldTypeKind", 2},
                {"Indexed", true},
                {"EnforceUniqueValues", true}},
               kVerbose, {}, kVerbose);
    ASSERT_EQ(res->status, 201) << res->body;
    EXPECT_EQ(json::parse(res->body)["d"]["EnforceUniqueValues"], true);

    // The new fields at work: fill-in choices, the day of a date-only field, unique values.
    const std::string items = "web/lists/GetByTitle('Orders')/items";
    const json item = {
        {"Title", "x"},       {"Order_x0020_Number", "1"},          {"Colour", "Green"},
        {"Shape", "Hexagon"}, {"Birthday", "2024-02-29T15:30:00Z"}, {"Code", "C-1"}};
    res = post(items, item);
    ASSERT_EQ(res->status, 201) << res->body;
    const json stored = json::parse(res->body);
    EXPECT_EQ(stored["Shape"], "Hexagon");
    EXPECT_EQ(stored["Birthday"], "2024-02-29T00:00:00Z");
    json other = item;
    other["Colour"] = "Blue";
    other["Code"] = "C-2";
    EXPECT_EQ(post(items, other)->status, 400) << "Blue is not a choice of Colour";
    other["Colour"] = "Red";
    other["Code"] = "c-1";
    res = post(items, other);
    EXPECT_EQ(res->status, 400);
    EXPECT_NE(res->body.find("SPDuplicateValuesFoundException"), std::string::npos) << res->body;
    other["Code"] = "C-2";
    EXPECT_EQ(post(items, other)->status, 201);
}

// A hidden field is not in the default item JSON's visible columns, but $select brings it in
// every format and inside $batch.
TEST_F(SharePointEmulatorTest, HiddenFieldsComeBackWhenSelected) {
    const auto res = post("web/lists/GetByTitle('Orders')/fields",
                          {{"__metadata", {{"type", "SP.FieldText"}}},
                           {"Title", "FerryOrigin"},
                           {"FieldTypeKind", 2},
                           {"Hidden", true},
                           {"Indexed", true}},
                          kVerbose, {}, kVerbose);
    ASSERT_EQ(res->status, 201) << res->body;
    EXPECT_EQ(json::parse(res->body)["d"]["Hidden"], true);
    ASSERT_EQ(post("web/lists/GetByTitle('Orders')/items",
                   {{"Title", "x"}, {"Order_x0020_Number", "1"}, {"FerryOrigin", "src/left/1"}})
                  ->status,
              201);
    const std::string query = "web/lists/GetByTitle('Orders')/items?$select=ID,FerryOrigin";
    EXPECT_EQ(json::parse(get(query, kVerbose)->body)["d"]["results"][0]["FerryOrigin"],
              "src/left/1");
    EXPECT_EQ(json::parse(get(query, kNoMetadata)->body)["value"][0]["FerryOrigin"], "src/left/1");
    const std::string site = m_emulator->siteUrl();
    const std::string body =
        "--batch_9\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        "GET " +
        site + "/_api/" + query +
        " HTTP/1.1\r\nAccept: application/json;odata=verbose\r\n\r\n--batch_9--\r\n";
    httplib::Headers h = headers();
    const auto batch =
        m_client->Post("/sites/sales/_api/$batch", h, body, "multipart/mixed; boundary=batch_9");
    ASSERT_TRUE(batch);
    EXPECT_EQ(batch->status, 200) << batch->body;
    EXPECT_NE(batch->body.find("\"FerryOrigin\":\"src/left/1\""), std::string::npos) << batch->body;
}

std::string batchBody(const std::string& site, const std::vector<json>& creates) {
    std::string body = "--batch_1\r\nContent-Type: multipart/mixed; boundary=changeset_1\r\n\r\n";
    for (const json& c : creates)
        body +=
            "--changeset_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: "
            "binary\r\n\r\nPOST " +
            site +
            "/_api/web/lists/GetByTitle('Orders')/items HTTP/1.1\r\nContent-Type: "
            "application/json;odata=nometadata\r\nAccept: "
            "application/json;odata=nometadata\r\n\r\n" +
            c.dump() + "\r\n";
    body += "--changeset_1--\r\n--batch_1--\r\n";
    return body;
}

TEST_F(SharePointEmulatorTest, BatchChangesetsAreNotTransactional) {
    const std::string body =
        batchBody(m_emulator->siteUrl(), {{{"Title", "a"}, {"Order_x0020_Number", "1"}},
                                          {{"Title", "b"}, {"Order_x0020_Number", "12345678901"}},
                                          {{"Title", "c"}, {"Order_x0020_Number", "3"}}});
    const auto res = post("$batch", nullptr, "multipart/mixed; boundary=batch_1");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);  // empty body: no closing delimiter
    httplib::Headers h = headers(kNoMetadata);
    const auto ok =
        m_client->Post("/sites/sales/_api/$batch", h, body, "multipart/mixed; boundary=batch_1");
    ASSERT_TRUE(ok);
    ASSERT_EQ(ok->status, 200) << ok->body;
    EXPECT_EQ(
        ok->get_header_value("Content-Type").rfind("multipart/mixed; boundary=batchresponse_", 0),
        0U);
    const auto at201 = ok->body.find("HTTP/1.1 201 Created");
    const auto at400 = ok->body.find("HTTP/1.1 400 Bad Request");
    ASSERT_NE(at201, std::string::npos);
    ASSERT_NE(at400, std::string::npos);
    EXPECT_LT(at201, at400);
    EXPECT_NE(ok->body.find("HTTP/1.1 201 Created", at400), std::string::npos);
    EXPECT_EQ(m_emulator->items("Orders").size(), 2U);
    EXPECT_EQ(m_emulator->stats().batches, 1U);

    std::vector<json> many(101, json{{"Title", "x"}, {"Order_x0020_Number", "9"}});
    const auto tooMany =
        m_client->Post("/sites/sales/_api/$batch", h, batchBody(m_emulator->siteUrl(), many),
                       "multipart/mixed; boundary=batch_1");
    ASSERT_TRUE(tooMany);
    EXPECT_EQ(tooMany->status, 400);
    EXPECT_EQ(m_emulator->items("Orders").size(), 2U);
}

TEST_F(SharePointEmulatorTest, GetChangesReportsAddsUpdatesAndDeletes) {
    const json list =
        json::parse(get("web/lists/GetByTitle('Orders')?$select=CurrentChangeToken")->body);
    const std::string start = list["CurrentChangeToken"]["StringValue"];
    const std::string items = "web/lists/GetByTitle('Orders')/items";
    const int a =
        json::parse(post(items, {{"Title", "a"}, {"Order_x0020_Number", "1"}})->body)["Id"];
    const int b =
        json::parse(post(items, {{"Title", "b"}, {"Order_x0020_Number", "2"}})->body)["Id"];
    post(items + "(" + std::to_string(a) + ")", {{"Title", "a2"}}, "application/json",
         {{"X-HTTP-Method", "MERGE"}, {"IF-MATCH", "*"}});
    post(items + "(" + std::to_string(b) + ")", nullptr, "application/json",
         {{"X-HTTP-Method", "DELETE"}, {"IF-MATCH", "*"}});
    const json query = {
        {"query",
         {{"__metadata", {{"type", "SP.ChangeQuery"}}},
          {"Item", true},
          {"Add", true},
          {"Update", true},
          {"DeleteObject", true},
          {"ChangeTokenStart",
           {{"__metadata", {{"type", "SP.ChangeToken"}}}, {"StringValue", start}}}}}};
    const auto res = post("web/lists/GetByTitle('Orders')/GetChanges", query,
                          "application/json;odata=verbose", {}, kVerbose);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const json changes = json::parse(res->body)["d"]["results"];
    ASSERT_EQ(changes.size(), 4U);
    EXPECT_EQ(changes[0]["ChangeType"], 1);
    EXPECT_EQ(changes[0]["ItemId"], a);
    EXPECT_EQ(changes[2]["ChangeType"], 2);
    EXPECT_EQ(changes[3]["ChangeType"], 3);
    EXPECT_EQ(changes[3]["ItemId"], b);
    const std::string last = changes[3]["ChangeToken"]["StringValue"];
    EXPECT_EQ(last.rfind("1;3;", 0), 0U);
    EXPECT_EQ(last.substr(last.rfind(';') + 1), "4");

    json again = query;
    again["query"]["ChangeTokenStart"]["StringValue"] = last;
    const auto none = post("web/lists/GetByTitle('Orders')/GetChanges", again,
                           "application/json;odata=verbose", {}, kNoMetadata);
    ASSERT_TRUE(none);
    EXPECT_TRUE(json::parse(none->body)["value"].empty());
    json limited = query;
    limited["query"]["FetchLimit"] = 2;
    limited["query"]["Update"] = false;
    const auto two = post("web/lists/GetByTitle('Orders')/GetChanges", limited,
                          "application/json;odata=verbose", {}, kNoMetadata);
    EXPECT_EQ(json::parse(two->body)["value"].size(), 2U);
}

TEST_F(SharePointEmulatorTest, ThrottlesWithRetryAfter) {
    m_emulator->setThrottle(3, 60, 7);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(get("web")->status, 200);
    const auto throttled = get("web", kVerbose);
    ASSERT_TRUE(throttled);
    EXPECT_EQ(throttled->status, 429);
    EXPECT_EQ(throttled->get_header_value("Retry-After"), "7");
    EXPECT_TRUE(json::parse(throttled->body).contains("error"));
    EXPECT_EQ(m_emulator->stats().throttled, 1U);
    m_emulator->setThrottle(0, 60, 7);
    m_emulator->setFaults(1.0, 0);
    const auto busy = get("web");
    ASSERT_TRUE(busy);
    EXPECT_EQ(busy->status, 503);
    EXPECT_EQ(busy->get_header_value("Retry-After"), "7");
    m_emulator->setFaults(0, 1.0);
    EXPECT_FALSE(get("web"));
}

TEST_F(SharePointEmulatorTest, PagesByAnotherSortFieldWithItsTokenValue) {
    std::vector<json> seed;
    for (int i = 0; i < 25; ++i)
        seed.push_back({{"Title", std::string(1, static_cast<char>('z' - i % 7))},
                        {"Order_x0020_Number", std::to_string(i)}});
    m_emulator->addItems("Orders", seed);
    const auto all =
        readAll("web/lists/GetByTitle('Orders')/items?$select=Id,Title&$orderby=Title&$top=4");
    ASSERT_EQ(all.size(), 25U);
    std::set<int> ids;
    for (std::size_t i = 0; i < all.size(); ++i) {
        ids.insert(all[i]["Id"].get<int>());
        if (i > 0) {
            EXPECT_LE(all[i - 1]["Title"].get<std::string>(), all[i]["Title"].get<std::string>());
        }
    }
    EXPECT_EQ(ids.size(), 25U);
}

TEST_F(SharePointEmulatorTest, ControlEndpointsManageLists) {
    const json definition = {
        {"title", "Contacts"},
        {"fields", {{{"internalName", "Email"}, {"type", "Text"}, {"indexed", true}}}}};
    auto res = m_client->Post("/_emulator/lists", definition.dump(), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 201) << res->body;
    res = m_client->Post("/_emulator/lists/Contacts/items",
                         json::array({{{"Title", "Ann"}, {"Email", "ann@x.com"}}}).dump(),
                         "application/json");
    EXPECT_EQ(res->status, 204) << res->body;
    res = m_client->Get("/_emulator/lists/Contacts/items");
    ASSERT_TRUE(res);
    const json items = json::parse(res->body);
    ASSERT_EQ(items.size(), 1U);
    EXPECT_EQ(items[0]["Email"], "ann@x.com");
    EXPECT_EQ(items[0]["ID"], 1);
    EXPECT_EQ(m_client->Get("/_emulator/stats")->status, 200);
}

TEST(SharePointFilterTest, ParsesAndEvaluatesTheSupportedSubset) {
    using sp::FilterExpression;
    using sp::FilterValue;
    const auto row = [](const std::string& name) {
        if (name == "Title")
            return FilterValue::ofString("Contoso Ltd");
        if (name == "Amount")
            return FilterValue::ofNumber(12);
        if (name == "Modified")
            return FilterValue::ofDateTime(1704067200);  // 2024-01-01
        return FilterValue::null();
    };
    EXPECT_TRUE(FilterExpression::parse("startswith(Title,'cont') and Amount gt 10").matches(row));
    EXPECT_TRUE(FilterExpression::parse("substringof('LTD',Title)").matches(row));
    EXPECT_FALSE(FilterExpression::parse("Amount le 11 or Title eq 'x'").matches(row));
    EXPECT_TRUE(FilterExpression::parse("Modified ge datetime'2023-12-31T00:00:00Z'").matches(row));
    EXPECT_TRUE(FilterExpression::parse("Modified lt '2024-01-02'").matches(row));
    EXPECT_TRUE(FilterExpression::parse("Other eq null and not (Amount eq 3)").matches(row));
    EXPECT_TRUE(FilterExpression::parse("year(Modified) eq 2024").matches(row));
    EXPECT_EQ(FilterExpression::parse("Title eq 'O''Brien' and Amount eq 1").fields(),
              (std::vector<std::string>{"Title", "Amount"}));
    EXPECT_THROW(FilterExpression::parse("endswith(Title,'x')"), sp::FilterError);
    EXPECT_THROW(FilterExpression::parse("Amount add 1 eq 2"), sp::FilterError);
    EXPECT_THROW(FilterExpression::parse("Title eq"), sp::FilterError);
}

TEST(SharePointFilterTest, NamesTheOnlyIdsAnIdFilterCanMatch) {
    using sp::FilterExpression;
    // The candidates, or {-1} for none.
    const auto candidates = [](const std::string& text) {
        return FilterExpression::parse(text)
            .idCandidates([](const std::string& name) { return name == "ID" || name == "Id"; })
            .value_or(std::vector<int>{-1});
    };
    using Ids = std::vector<int>;
    EXPECT_EQ(candidates("ID eq 7 or Id eq 2 or (ID eq 7)"), (Ids{2, 7}));
    EXPECT_EQ(candidates("(Status eq 'Open') and (ID eq 4 or ID eq 1)"), (Ids{1, 4}));
    EXPECT_EQ(candidates("(ID eq 1 or ID eq 2) and (ID eq 2 or ID eq 3)"), Ids{2});
    EXPECT_EQ(candidates("3 eq ID"), Ids{3});
    EXPECT_EQ(candidates("ID eq 3 and ID eq 4"), Ids{});
    // Anything else may match other items: no candidates.
    const Ids none{-1};
    EXPECT_EQ(candidates("ID eq 1 or Status eq 'Open'"), none);
    EXPECT_EQ(candidates("not (ID eq 1)"), none);
    EXPECT_EQ(candidates("ID ne 1"), none);
    EXPECT_EQ(candidates("ID eq 1.5"), none);
    EXPECT_EQ(candidates("ID eq '1'"), none);
    EXPECT_EQ(candidates("Amount eq 1"), none);
}

}  // namespace
}  // namespace ferry::emulator
