// The Dynamics emulator over real HTTP on 127.0.0.1: auth, metadata, queries and paging, writes,
// $batch, change tracking, service protection limits and faults.
#include "dynamics_emulator.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <latch>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "entity_table.h"
#include "wire_text.h"

namespace ferry::emulator {
namespace {

using json = nlohmann::json;

// Percent-encodes a query value, as a careful client does.
std::string enc(std::string_view text) {
    return percentEncode(text);
}

class DynamicsEmulatorTest : public ::testing::Test {
protected:
    void SetUp() override { startWith(defaultOptions()); }

    static DynamicsOptions defaultOptions() {
        DynamicsOptions o;
        o.accounts = 60;
        o.contacts = 30;
        o.seed = 7;
        return o;
    }

    void startWith(DynamicsOptions options) {
        m_client.reset();
        m_emulator = std::make_unique<DynamicsEmulator>(std::move(options));
        m_emulator->start();
        m_client = std::make_unique<httplib::Client>("127.0.0.1", m_emulator->port());
        m_client->set_url_encode(false);
        m_client->set_read_timeout(20);
        m_token = fetchToken();
    }

    httplib::Result tokenRequest(const std::string& form) {
        return m_client->Post("/" + DynamicsOptions().tenant + "/oauth2/v2.0/token", form,
                              "application/x-www-form-urlencoded");
    }

    std::string fetchToken(const std::string& scope = "http%3A%2F%2F127.0.0.1%2F.default") {
        auto r = tokenRequest(
            "grant_type=password&client_id=any&username=admin%40contoso.com"
            "&password=Passw0rd%21&scope=" +
            scope);
        if (!r || r->status != 200)
            return {};
        return json::parse(r->body).value("access_token", "");
    }

    httplib::Headers headers(httplib::Headers extra = {}) const {
        httplib::Headers h = {{"Authorization", "Bearer " + m_token},
                              {"Accept", "application/json"},
                              {"OData-MaxVersion", "4.0"},
                              {"OData-Version", "4.0"}};
        for (auto& e : extra)
            h.insert(e);
        return h;
    }

    // GET under the service root; `path` is already encoded.
    httplib::Result get(const std::string& path, httplib::Headers extra = {}) {
        return m_client->Get("/api/data/v9.2/" + path, headers(std::move(extra)));
    }

    json getJson(const std::string& path, httplib::Headers extra = {}) {
        auto r = get(path, std::move(extra));
        EXPECT_TRUE(r);
        if (!r)
            return {};
        EXPECT_EQ(r->status, 200) << path << ": " << r->body;
        return json::parse(r->body);
    }

    httplib::Result post(const std::string& path, const json& body, httplib::Headers extra = {}) {
        return m_client->Post("/api/data/v9.2/" + path, headers(std::move(extra)), body.dump(),
                              "application/json");
    }

    httplib::Result patch(const std::string& path, const json& body, httplib::Headers extra = {}) {
        return m_client->Patch("/api/data/v9.2/" + path, headers(std::move(extra)), body.dump(),
                               "application/json");
    }

    httplib::Result del(const std::string& path, httplib::Headers extra = {}) {
        return m_client->Delete("/api/data/v9.2/" + path, headers(std::move(extra)));
    }

    // Creates an account and returns its id.
    std::string createAccount(const json& body) {
        auto r = post("accounts", body);
        EXPECT_TRUE(r);
        if (!r)
            return {};
        EXPECT_EQ(r->status, 204) << r->body;
        const std::string entityId = r->get_header_value("OData-EntityId");
        const auto open = entityId.rfind('(');
        return entityId.substr(open + 1, 36);
    }

    // Follows @odata.nextLink (absolute) until the last page; returns every row.
    std::vector<json> readAll(const std::string& firstPath, httplib::Headers extra,
                              int* pages = nullptr, std::string* deltaLink = nullptr) {
        std::vector<json> rows;
        std::string path = "/api/data/v9.2/" + firstPath;
        int count = 0;
        while (!path.empty()) {
            auto r = m_client->Get(path, headers(extra));
            EXPECT_TRUE(r);
            if (!r || r->status != 200) {
                ADD_FAILURE() << path << " -> " << (r ? r->body : "no response");
                break;
            }
            ++count;
            const json page = json::parse(r->body);
            for (const auto& row : page["value"])
                rows.push_back(row);
            path.clear();
            if (page.contains("@odata.nextLink")) {
                const std::string link = page["@odata.nextLink"];
                const std::string root = m_emulator->rootUrl();
                EXPECT_EQ(link.rfind(root, 0), 0u) << "nextLink must be absolute: " << link;
                path = link.substr(root.size());
            }
            if (deltaLink && page.contains("@odata.deltaLink"))
                *deltaLink = page["@odata.deltaLink"];
        }
        if (pages)
            *pages = count;
        return rows;
    }

    std::string pathOf(const std::string& link) const {
        return link.substr(m_emulator->rootUrl().size());
    }

    std::unique_ptr<DynamicsEmulator> m_emulator;
    std::unique_ptr<httplib::Client> m_client;
    std::string m_token;
};

// ---------------------------------------------------------------------------------------------
// Authentication

TEST_F(DynamicsEmulatorTest, PasswordGrantIssuesBearerTokens) {
    auto r = tokenRequest(
        "grant_type=password&client_id=x&username=admin%40contoso.com"
        "&password=Passw0rd%21&scope=https%3A%2F%2Forg%2F.default");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const json token = json::parse(r->body);
    EXPECT_EQ(token["token_type"], "Bearer");
    EXPECT_EQ(token["expires_in"], 3600);
    EXPECT_FALSE(token["access_token"].get<std::string>().empty());
    EXPECT_FALSE(token.contains("refresh_token"));  // no offline_access requested
    EXPECT_EQ(m_emulator->stats().tokensIssued, 2u);
}

TEST_F(DynamicsEmulatorTest, WrongPasswordIsInvalidGrant) {
    auto r =
        tokenRequest("grant_type=password&client_id=x&username=admin%40contoso.com&password=nope");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    const json error = json::parse(r->body);
    EXPECT_EQ(error["error"], "invalid_grant");
    EXPECT_NE(error["error_description"].get<std::string>().find(
                  "AADSTS50126: Error validating credentials due to invalid username or "
                  "password."),
              std::string::npos);
    EXPECT_EQ(error["error_codes"][0], 50126);
}

TEST_F(DynamicsEmulatorTest, ClientCredentialsCheckTheSecret) {
    auto good = tokenRequest(
        "grant_type=client_credentials&client_id=ferry-test-client"
        "&client_secret=ferry-test-secret&scope=x%2F.default");
    ASSERT_TRUE(good);
    EXPECT_EQ(good->status, 200);
    EXPECT_FALSE(json::parse(good->body).contains("refresh_token"));
    auto bad = tokenRequest(
        "grant_type=client_credentials&client_id=ferry-test-client"
        "&client_secret=wrong&scope=x%2F.default");
    ASSERT_TRUE(bad);
    EXPECT_EQ(json::parse(bad->body)["error"], "invalid_client");
    EXPECT_NE(bad->body.find("AADSTS7000215"), std::string::npos);
}

TEST_F(DynamicsEmulatorTest, RefreshTokenOnlyWithOfflineAccessAndItWorks) {
    auto r = tokenRequest(
        "grant_type=password&client_id=x&username=admin%40contoso.com"
        "&password=Passw0rd%21&scope=x%2F.default%20offline_access");
    ASSERT_TRUE(r);
    const json first = json::parse(r->body);
    ASSERT_TRUE(first.contains("refresh_token"));
    auto refreshed =
        tokenRequest("grant_type=refresh_token&client_id=x&refresh_token=" +
                     enc(first["refresh_token"].get<std::string>()) + "&scope=x%2F.default");
    ASSERT_TRUE(refreshed);
    ASSERT_EQ(refreshed->status, 200) << refreshed->body;
    m_token = json::parse(refreshed->body)["access_token"];
    EXPECT_NE(m_token, first["access_token"]);
    EXPECT_EQ(get("accounts?$top=1")->status, 200);
}

TEST_F(DynamicsEmulatorTest, MissingOrRevokedTokenGets401WithAuthorityChallenge) {
    auto anonymous = m_client->Get("/api/data/v9.2/", httplib::Headers{});
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);
    const std::string root = m_emulator->rootUrl();
    EXPECT_EQ(anonymous->get_header_value("WWW-Authenticate"),
              "Bearer authorization_uri=" + root + "/" + DynamicsOptions().tenant +
                  "/oauth2/authorize, resource_id=" + root + "/");
    EXPECT_TRUE(json::parse(anonymous->body).contains("error"));

    ASSERT_EQ(get("accounts?$top=1")->status, 200);
    m_emulator->revokeTokens();
    auto expired = get("accounts?$top=1");
    ASSERT_TRUE(expired);
    EXPECT_EQ(expired->status, 401);
    EXPECT_FALSE(expired->get_header_value("WWW-Authenticate").empty());
    m_token = fetchToken();
    EXPECT_EQ(get("accounts?$top=1")->status, 200);
}

TEST_F(DynamicsEmulatorTest, ZeroLifetimeTokensAreAlreadyExpired) {
    auto options = defaultOptions();
    options.tokenLifetimeSeconds = 0;
    startWith(options);
    ASSERT_FALSE(m_token.empty());
    auto r = get("accounts?$top=1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
}

TEST_F(DynamicsEmulatorTest, NoAuthModeNeedsNoToken) {
    auto options = defaultOptions();
    options.requireAuth = false;
    startWith(options);
    auto r = m_client->Get("/api/data/v9.2/accounts?$top=2", httplib::Headers{});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

// ---------------------------------------------------------------------------------------------
// Metadata

TEST_F(DynamicsEmulatorTest, ServiceDocumentListsEntitySets) {
    const json doc = getJson("");
    EXPECT_EQ(doc["@odata.context"], m_emulator->baseUrl() + "$metadata");
    std::set<std::string> names;
    for (const auto& set : doc["value"])
        names.insert(set["name"].get<std::string>());
    EXPECT_TRUE(names.count("accounts"));
    EXPECT_TRUE(names.count("contacts"));
    EXPECT_TRUE(names.count("new_regions"));
}

TEST_F(DynamicsEmulatorTest, CsdlDescribesTypesKeysLookupsAndTracking) {
    auto r = get("$metadata");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    const std::string& x = r->body;
    EXPECT_NE(x.find("<EntityType Name=\"account\""), std::string::npos);
    EXPECT_NE(x.find("<EntityType Name=\"contact\""), std::string::npos);
    EXPECT_NE(x.find("<PropertyRef Name=\"accountid\"/>"), std::string::npos);
    EXPECT_NE(x.find("<Property Name=\"name\" Type=\"Edm.String\" Unicode=\"false\" "
                     "MaxLength=\"160\"/>"),
              std::string::npos);
    EXPECT_NE(x.find("<Property Name=\"birthdate\" Type=\"Edm.Date\"/>"), std::string::npos);
    EXPECT_NE(x.find("<NavigationProperty Name=\"parentcustomerid_account\" "
                     "Type=\"mscrm.account\"><ReferentialConstraint "
                     "Property=\"_parentcustomerid_value\" ReferencedProperty=\"accountid\"/>"),
              std::string::npos);
    EXPECT_NE(x.find("<NavigationPropertyBinding Path=\"parentaccountid\" Target=\"accounts\"/>"),
              std::string::npos);
    EXPECT_EQ(x.find("Org.OData.Capabilities.V1.ChangeTracking"), std::string::npos);

    const std::string annotated = get("$metadata?annotations=true")->body;
    EXPECT_NE(annotated.find("<Property Name=\"createdon\" Type=\"Edm.DateTimeOffset\">"
                             "<Annotation Term=\"Org.OData.Core.V1.Computed\" Bool=\"true\"/>"),
              std::string::npos);
    const auto accounts = annotated.find("<EntitySet Name=\"accounts\"");
    const auto regions = annotated.find("<EntitySet Name=\"new_regions\"");
    const auto tracking = annotated.find("Org.OData.Capabilities.V1.ChangeTracking", accounts);
    ASSERT_NE(tracking, std::string::npos);
    EXPECT_LT(tracking, annotated.find("</EntitySet>", accounts));
    EXPECT_EQ(annotated.find("Org.OData.Capabilities.V1.ChangeTracking", regions),
              std::string::npos);
}

TEST_F(DynamicsEmulatorTest, EntityDefinitionsAttributesAndPicklistOptions) {
    const json entity = getJson(
        "EntityDefinitions(LogicalName=%27account%27)?$select="
        "EntitySetName,PrimaryIdAttribute,ChangeTrackingEnabled");
    EXPECT_EQ(entity["EntitySetName"], "accounts");
    EXPECT_EQ(entity["PrimaryIdAttribute"], "accountid");
    EXPECT_EQ(entity["ChangeTrackingEnabled"], true);
    EXPECT_TRUE(entity.contains("MetadataId"));
    EXPECT_FALSE(entity.contains("LogicalName"));

    const json attributes = getJson(
        "EntityDefinitions(LogicalName=%27account%27)/Attributes?$select=LogicalName,"
        "AttributeType,IsValidForCreate,IsValidForUpdate,AttributeOf,RequiredLevel,"
        "MaxLength");
    std::map<std::string, json> byName;
    for (const auto& a : attributes["value"])
        byName[a["LogicalName"]] = a;
    EXPECT_EQ(byName["name"]["MaxLength"], 160);
    EXPECT_EQ(byName["name"]["RequiredLevel"]["Value"], "ApplicationRequired");
    EXPECT_EQ(byName["createdon"]["IsValidForCreate"], false);
    EXPECT_EQ(byName["createdon"]["IsValidForUpdate"], false);
    EXPECT_EQ(byName["parentaccountid"]["AttributeType"], "Lookup");
    EXPECT_EQ(byName["parentaccountidname"]["AttributeOf"], "parentaccountid");
    EXPECT_EQ(byName["industrycode"]["AttributeType"], "Picklist");

    const json picklists = getJson(
        "EntityDefinitions(LogicalName=%27account%27)/Attributes/"
        "Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet");
    ASSERT_EQ(picklists["value"].size(), 1u);
    const json& options = picklists["value"][0]["OptionSet"]["Options"];
    ASSERT_EQ(options.size(), 5u);
    EXPECT_EQ(options[0]["Value"], 1);
    EXPECT_EQ(options[0]["Label"]["UserLocalizedLabel"]["Label"], "Accounting");

    const json tracked = getJson("EntityDefinitions?$select=LogicalName&$filter=" +
                                 enc("ChangeTrackingEnabled eq true"));
    std::set<std::string> trackedNames;
    for (const auto& e : tracked["value"])
        trackedNames.insert(e["LogicalName"].get<std::string>());
    EXPECT_EQ(trackedNames, (std::set<std::string>{"account", "contact"}));
}

// ---------------------------------------------------------------------------------------------
// Queries and paging

TEST_F(DynamicsEmulatorTest, PagingReturnsEveryRowExactlyOnce) {
    auto options = defaultOptions();
    options.accounts = 12345;
    startWith(options);
    int pages = 0;
    const auto rows =
        readAll("accounts?$select=name", {{"Prefer", "odata.maxpagesize=5000"}}, &pages);
    EXPECT_EQ(pages, 3);
    ASSERT_EQ(rows.size(), 12345u);
    std::set<std::string> ids;
    for (const auto& row : rows) {
        ids.insert(row["accountid"].get<std::string>());
        EXPECT_TRUE(row.contains("@odata.etag"));
        EXPECT_TRUE(row.contains("name"));
    }
    EXPECT_EQ(ids.size(), 12345u);

    // Sorted by a non-unique column descending, small pages: still every row once, in order.
    const auto sorted = readAll("accounts?$select=address1_city&$orderby=address1_city%20desc",
                                {{"Prefer", "odata.maxpagesize=2000"}}, &pages);
    EXPECT_EQ(pages, 7);
    ASSERT_EQ(sorted.size(), 12345u);
    std::set<std::string> sortedIds;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        sortedIds.insert(sorted[i]["accountid"].get<std::string>());
        if (i > 0 && !sorted[i]["address1_city"].is_null()) {
            EXPECT_GE(compareIgnoreCase(sorted[i - 1]["address1_city"].get<std::string>(),
                                        sorted[i]["address1_city"].get<std::string>()),
                      0);
        }
    }
    EXPECT_EQ(sortedIds.size(), 12345u);
}

TEST_F(DynamicsEmulatorTest, PageSizeIsClampedAndAppliedAndDefaultsTo5000WithNextLink) {
    auto options = defaultOptions();
    options.accounts = 5003;
    startWith(options);
    auto r = get("accounts?$select=name", {{"Prefer", "odata.maxpagesize=20000"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->get_header_value("Preference-Applied"), "odata.maxpagesize=5000");
    json page = json::parse(r->body);
    EXPECT_EQ(page["value"].size(), 5000u);
    EXPECT_TRUE(page.contains("@odata.nextLink"));
    EXPECT_EQ(page["@odata.context"], m_emulator->baseUrl() + "$metadata#accounts(name)");

    page = getJson("accounts?$select=name");  // no preference: 5000 and a nextLink
    EXPECT_EQ(page["value"].size(), 5000u);
    ASSERT_TRUE(page.contains("@odata.nextLink"));
    const json last = getJson(pathOf(page["@odata.nextLink"]).substr(15));
    EXPECT_EQ(last["value"].size(), 3u);
    EXPECT_FALSE(last.contains("@odata.nextLink"));
}

TEST_F(DynamicsEmulatorTest, UnsupportedQueryOptionsAreRejected) {
    for (const std::string option : {"$skip=10", "$search=x", "$format=json"}) {
        auto r = get("accounts?" + option);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400) << option;
        const std::string name = option.substr(0, option.find('='));
        EXPECT_EQ(json::parse(r->body)["error"]["message"],
                  "The query parameter " + name + " is not supported");
    }
    EXPECT_EQ(get("accounts?$Select=name")->status, 400);  // option names are case-sensitive

    auto unknown = get("accounts?$select=nosuchcolumn");
    EXPECT_EQ(unknown->status, 400);
    EXPECT_EQ(json::parse(unknown->body)["error"]["message"],
              "Could not find a property named 'nosuchcolumn' on type "
              "'Microsoft.Dynamics.CRM.account'.");

    auto typo = get("acounts");
    EXPECT_EQ(typo->status, 404);
    EXPECT_EQ(json::parse(typo->body),
              json::parse(R"({"error":{"code":"0x80060888","message":"Resource not found for )"
                          R"(the segment 'acounts'."}})"));
}

TEST_F(DynamicsEmulatorTest, FilterOrderByTopAndCount) {
    const auto all = readAll("accounts?$select=numberofemployees,statecode", {});
    ASSERT_EQ(all.size(), 60u);
    std::size_t big = 0;
    for (const auto& row : all)
        if (row["numberofemployees"].is_number() && row["numberofemployees"].get<int>() > 2500)
            ++big;
    ASSERT_GT(big, 0u);

    const json filtered =
        getJson("accounts?$select=numberofemployees&$count=true&$filter=" +
                enc("numberofemployees gt 2500") + "&$orderby=" + enc("numberofemployees desc"));
    EXPECT_EQ(filtered["@odata.count"], big);
    ASSERT_EQ(filtered["value"].size(), big);
    for (std::size_t i = 1; i < big; ++i)
        EXPECT_GE(filtered["value"][i - 1]["numberofemployees"].get<int>(),
                  filtered["value"][i]["numberofemployees"].get<int>());

    const json top = getJson("accounts?$top=5&$select=name");
    EXPECT_EQ(top["value"].size(), 5u);
    EXPECT_FALSE(top.contains("@odata.nextLink"));

    auto badFilter = get("accounts?$filter=" + enc("name eq"));
    ASSERT_TRUE(badFilter);
    EXPECT_EQ(badFilter->status, 400);
    EXPECT_TRUE(json::parse(badFilter->body)["error"].contains("message"));

    auto count = get("accounts/$count");
    ASSERT_TRUE(count);
    EXPECT_EQ(count->body, "60");
}

TEST_F(DynamicsEmulatorTest, ValuesAreTypedAsDataverseWritesThem) {
    const std::string id = createAccount({{"name", "Typed"},
                                          {"revenue", 5000000},
                                          {"numberofemployees", 12},
                                          {"creditonhold", true},
                                          {"industrycode", 2},
                                          {"lastonholdtime", "2023-04-07T21:59:01.123+02:00"}});
    const json row =
        getJson("accounts(" + id + ")", {{"Prefer", "odata.include-annotations=\"*\""}});
    EXPECT_EQ(row["@odata.context"], m_emulator->baseUrl() + "$metadata#accounts/$entity");
    EXPECT_EQ(row.value("accountid", ""), id);
    EXPECT_EQ(row["lastonholdtime"], "2023-04-07T19:59:01Z");
    EXPECT_TRUE(row["accountnumber"].is_null());
    EXPECT_TRUE(row.contains("_transactioncurrencyid_value"));
    EXPECT_EQ(row["industrycode@OData.Community.Display.V1.FormattedValue"],
              "Agriculture and Non-petrol Natural Resource Extraction");
    EXPECT_EQ(row["creditonhold@OData.Community.Display.V1.FormattedValue"], "Yes");
    EXPECT_EQ(row["revenue@OData.Community.Display.V1.FormattedValue"], "$5,000,000.00");
    // Money goes out with four decimals.
    auto raw = get("accounts(" + id + ")?$select=revenue");
    EXPECT_NE(raw->body.find("\"revenue\":5000000.0000"), std::string::npos) << raw->body;
}

// ---------------------------------------------------------------------------------------------
// Writes

TEST_F(DynamicsEmulatorTest, CreateReadUpdateDeleteWithETags) {
    auto created = post("accounts", {{"name", "Ferry Test"}, {"accountnumber", "FT-1"}});
    ASSERT_TRUE(created);
    EXPECT_EQ(created->status, 204);
    const std::string entityId = created->get_header_value("OData-EntityId");
    EXPECT_EQ(entityId.rfind(m_emulator->baseUrl() + "accounts(", 0), 0u);
    const std::string id = entityId.substr(entityId.rfind('(') + 1, 36);

    const json row = getJson("accounts(" + id + ")?$select=name,accountnumber");
    EXPECT_EQ(row["name"], "Ferry Test");
    const std::string etag = row["@odata.etag"];

    auto notModified = get("accounts(" + id + ")?$select=name", {{"If-None-Match", etag}});
    EXPECT_EQ(notModified->status, 304);

    auto updated = patch("accounts(" + id + ")", {{"name", "Renamed"}}, {{"If-Match", etag}});
    EXPECT_EQ(updated->status, 204);
    const json after = getJson("accounts(" + id + ")?$select=name");
    EXPECT_NE(after["@odata.etag"], etag);

    auto stale = patch("accounts(" + id + ")", {{"name", "Again"}}, {{"If-Match", etag}});
    EXPECT_EQ(stale->status, 412);
    EXPECT_EQ(json::parse(stale->body)["error"]["message"],
              "The version of the existing record doesn't match the RowVersion property "
              "provided.");
    EXPECT_EQ(del("accounts(" + id + ")", {{"If-Match", etag}})->status, 412);

    EXPECT_EQ(del("accounts(" + id + ")")->status, 204);
    auto gone = get("accounts(" + id + ")");
    EXPECT_EQ(gone->status, 404);
    EXPECT_EQ(json::parse(gone->body)["error"]["message"],
              "account With Id = " + id + " Does Not Exist");
    EXPECT_EQ(del("accounts(" + id + ")")->status, 404);
}

TEST_F(DynamicsEmulatorTest, ReturnRepresentationAndUpsertSemantics) {
    auto created = post("accounts?$select=name,revenue", {{"name", "Rep"}, {"revenue", 20000}},
                        {{"Prefer", "return=representation"}});
    ASSERT_TRUE(created);
    EXPECT_EQ(created->status, 201);
    EXPECT_FALSE(created->has_header("OData-EntityId"));
    EXPECT_EQ(created->get_header_value("Preference-Applied"), "return=representation");
    EXPECT_NE(created->body.find("\"revenue\":20000.0000"), std::string::npos);
    const json body = json::parse(created->body);
    EXPECT_EQ(body["@odata.context"],
              m_emulator->baseUrl() + "$metadata#accounts(name,revenue)/$entity");

    const std::string fresh = "5d1f7c2e-0000-4000-8000-00000000abcd";
    auto updateOnly = patch("accounts(" + fresh + ")", {{"name", "x"}}, {{"If-Match", "*"}});
    EXPECT_EQ(updateOnly->status, 404);
    auto upsert = patch("accounts(" + fresh + ")", {{"name", "Upserted"}},
                        {{"Prefer", "return=representation"}});
    EXPECT_EQ(upsert->status, 201);
    auto again = patch("accounts(" + fresh + ")", {{"name", "Updated"}},
                       {{"Prefer", "return=representation"}});
    EXPECT_EQ(again->status, 200);
    auto createOnly = patch("accounts(" + fresh + ")", {{"name", "x"}}, {{"If-None-Match", "*"}});
    EXPECT_EQ(createOnly->status, 412);
    EXPECT_EQ(json::parse(createOnly->body)["error"]["message"],
              "A record with matching key values already exists.");

    // A client may choose the key on create.
    const std::string chosen = "0a0b0c0d-1111-4222-8333-444455556666";
    EXPECT_EQ(post("accounts", {{"accountid", chosen}, {"name", "Chosen"}})->status, 204);
    EXPECT_EQ(getJson("accounts(" + chosen + ")?$select=name")["name"], "Chosen");
}

TEST_F(DynamicsEmulatorTest, LookupsBindOnlyThroughCaseSensitiveNavigationProperties) {
    const std::string account = createAccount({{"name", "Parent Co"}});
    auto contact = post("contacts",
                        {{"firstname", "Ada"},
                         {"lastname", "Lovelace"},
                         {"parentcustomerid_account@odata.bind", "/accounts(" + account + ")"}},
                        {{"Prefer", "return=representation"}});
    ASSERT_TRUE(contact);
    ASSERT_EQ(contact->status, 201) << contact->body;
    const json row = json::parse(contact->body);
    EXPECT_EQ(row["_parentcustomerid_value"], account);
    EXPECT_EQ(row["fullname"], "Ada Lovelace");

    auto wrongCase = post(
        "contacts",
        {{"lastname", "X"}, {"ParentCustomerId_account@odata.bind", "/accounts(" + account + ")"}});
    EXPECT_EQ(wrongCase->status, 400);
    EXPECT_NE(json::parse(wrongCase->body)["error"]["message"].get<std::string>().find(
                  "An undeclared property 'ParentCustomerId_account' which only has property "
                  "annotations in the payload but no property value was found in the payload."),
              std::string::npos);
    auto direct = post("contacts", {{"lastname", "X"}, {"_parentcustomerid_value", account}});
    EXPECT_EQ(direct->status, 400);

    const json annotated = getJson(
        "contacts(" + row["contactid"].get<std::string>() + ")?$select=_parentcustomerid_value",
        {{"Prefer", "odata.include-annotations=\"*\""}});
    const std::string base = "_parentcustomerid_value@";
    EXPECT_EQ(annotated[base + "OData.Community.Display.V1.FormattedValue"], "Parent Co");
    EXPECT_EQ(annotated[base + "Microsoft.Dynamics.CRM.lookuplogicalname"], "account");
    EXPECT_EQ(annotated[base + "Microsoft.Dynamics.CRM.associatednavigationproperty"],
              "parentcustomerid_account");
}

TEST_F(DynamicsEmulatorTest, ValidationErrorsArePlain400s) {
    auto tooLong = post("accounts", {{"name", std::string(161, 'n')}});
    EXPECT_EQ(tooLong->status, 400);
    EXPECT_NE(json::parse(tooLong->body)["error"]["message"].get<std::string>().find("'name'"),
              std::string::npos);
    EXPECT_EQ(post("accounts", {{"name", std::string(160, 'n')}})->status, 204);
    auto missing = post("contacts", {{"firstname", "No Last Name"}});
    EXPECT_EQ(missing->status, 400);
    EXPECT_NE(missing->body.find("lastname"), std::string::npos);
    EXPECT_EQ(post("accounts", {{"name", "T"}, {"numberofemployees", "many"}})->status, 400);
    EXPECT_EQ(post("accounts", {{"name", "T"}, {"industrycode", 99}})->status, 400);
    EXPECT_EQ(post("accounts", {{"name", "T"}, {"nosuch", 1}})->status, 400);
    // Server-maintained columns are ignored, as Dataverse does.
    EXPECT_EQ(post("accounts", {{"name", "T"}, {"createdon", "2000-01-01T00:00:00Z"}})->status,
              204);
}

// ---------------------------------------------------------------------------------------------
// $batch

std::string batchPart(const std::string& method, const std::string& url, const json* body,
                      const std::string& contentId = "") {
    std::string part = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n";
    if (!contentId.empty())
        part += "Content-ID: " + contentId + "\r\n";
    part += "\r\n" + method + " " + url + " HTTP/1.1\r\n";
    if (body)
        part += "Content-Type: application/json; type=entry\r\n\r\n" + body->dump() + "\r\n";
    else
        part += "\r\n";
    return part;
}

TEST_F(DynamicsEmulatorTest, BatchChangesetsAreAtomicAndContentIdsResolve) {
    const std::size_t before = readAll("accounts?$select=name", {}).size();
    const json good = {{"name", "Batch A"}};
    const json bad = {{"name", std::string(200, 'x')}};
    const std::string base = "/api/data/v9.2/";
    std::string body =
        "--batch_1\r\nContent-Type: multipart/mixed; boundary=changeset_1\r\n\r\n"
        "--changeset_1\r\n" +
        batchPart("POST", base + "accounts", &good, "1") + "--changeset_1\r\n" +
        batchPart("POST", base + "accounts", &bad, "2") + "--changeset_1--\r\n--batch_1--\r\n";
    auto failed =
        m_client->Post(base + "$batch", headers(), body, "multipart/mixed; boundary=batch_1");
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->status, 400);
    EXPECT_NE(failed->body.find("400 Bad Request"), std::string::npos);
    EXPECT_NE(failed->get_header_value("Content-Type").find("batchresponse_"), std::string::npos);
    EXPECT_EQ(readAll("accounts?$select=name", {}).size(), before);  // rolled back

    const json contact = {{"lastname", "Linked"}, {"parentcustomerid_account@odata.bind", "$1"}};
    body =
        "--batch_2\r\nContent-Type: multipart/mixed; boundary=changeset_2\r\n\r\n"
        "--changeset_2\r\n" +
        batchPart("POST", base + "accounts", &good, "1") + "--changeset_2\r\n" +
        batchPart("POST", base + "contacts", &contact, "2") + "--changeset_2--\r\n--batch_2--\r\n";
    auto linked =
        m_client->Post(base + "$batch", headers(), body, "multipart/mixed; boundary=batch_2");
    ASSERT_TRUE(linked);
    EXPECT_EQ(linked->status, 200) << linked->body;
    EXPECT_NE(linked->body.find("changesetresponse_"), std::string::npos);
    const json contacts =
        getJson("contacts?$select=_parentcustomerid_value&$filter=" + enc("lastname eq 'Linked'"));
    ASSERT_EQ(contacts["value"].size(), 1u);
    const json parent =
        getJson("accounts(" + contacts["value"][0]["_parentcustomerid_value"].get<std::string>() +
                ")?$select=name");
    EXPECT_EQ(parent["name"], "Batch A");
    EXPECT_EQ(m_emulator->stats().batches, 2u);
}

TEST_F(DynamicsEmulatorTest, BatchContinueOnErrorRunsEveryPart) {
    const json a = {{"name", "Continue A"}};
    const json bad = {{"nosuch", 1}};
    const json b = {{"name", "Continue B"}};
    const std::string base = "/api/data/v9.2/";
    const std::string body = "--b\r\n" + batchPart("POST", base + "accounts", &a) + "--b\r\n" +
                             batchPart("POST", "accounts", &bad) + "--b\r\n" +
                             batchPart("POST", m_emulator->baseUrl() + "accounts", &b) + "--b\r\n" +
                             batchPart("GET", "accounts?$select=name&$top=1", nullptr) +
                             "--b--\r\n";
    auto stop = m_client->Post(base + "$batch", headers(), body, "multipart/mixed; boundary=b");
    ASSERT_TRUE(stop);
    EXPECT_EQ(stop->status, 400);
    EXPECT_EQ(getJson("accounts?$filter=" + enc("name eq 'Continue B'"))["value"].size(), 0u);

    auto all = m_client->Post(base + "$batch", headers({{"Prefer", "odata.continue-on-error"}}),
                              body, "multipart/mixed; boundary=b");
    ASSERT_TRUE(all);
    EXPECT_EQ(all->status, 200);
    EXPECT_NE(all->body.find("HTTP/1.1 400"), std::string::npos);
    EXPECT_NE(all->body.find("HTTP/1.1 200"), std::string::npos);
    EXPECT_EQ(getJson("accounts?$filter=" + enc("name eq 'Continue B'"))["value"].size(), 1u);
    EXPECT_EQ(getJson("accounts?$filter=" + enc("name eq 'Continue A'"))["value"].size(), 2u);
}

// ---------------------------------------------------------------------------------------------
// Change tracking

TEST_F(DynamicsEmulatorTest, DeltaLinksReportChangesThenDeletions) {
    std::string deltaLink;
    const auto initial =
        readAll("accounts?$select=name", {{"Prefer", "odata.track-changes,odata.maxpagesize=25"}},
                nullptr, &deltaLink);
    ASSERT_EQ(initial.size(), 60u);
    ASSERT_FALSE(deltaLink.empty());
    EXPECT_NE(deltaLink.find("$deltatoken="), std::string::npos);

    const std::string changed = initial[3]["accountid"];
    const std::string removed = initial[4]["accountid"];
    ASSERT_EQ(patch("accounts(" + changed + ")", {{"name", "Changed"}})->status, 204);
    ASSERT_EQ(del("accounts(" + removed + ")")->status, 204);
    const std::string added = createAccount({{"name", "Added"}});
    const std::string transient = createAccount({{"name", "Transient"}});
    ASSERT_EQ(del("accounts(" + transient + ")")->status, 204);

    auto r = m_client->Get(pathOf(deltaLink), headers());
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const json delta = json::parse(r->body);
    EXPECT_NE(delta["@odata.context"].get<std::string>().find("/$delta"), std::string::npos);
    const json& value = delta["value"];
    ASSERT_EQ(value.size(), 4u) << value.dump();
    EXPECT_EQ(value[0]["accountid"], changed);
    EXPECT_EQ(value[0]["name"], "Changed");
    EXPECT_EQ(value[1]["accountid"], added);
    std::set<std::string> deleted;
    for (std::size_t i = 2; i < 4; ++i) {
        EXPECT_EQ(value[i]["reason"], "deleted");
        EXPECT_EQ(value[i]["@odata.context"],
                  m_emulator->baseUrl() + "$metadata#accounts/$deletedEntity");
        deleted.insert(value[i]["id"].get<std::string>());
    }
    EXPECT_EQ(deleted, (std::set<std::string>{removed, transient}));

    const json quiet =
        json::parse(m_client->Get(pathOf(delta["@odata.deltaLink"]), headers())->body);
    EXPECT_TRUE(quiet["value"].empty());
    EXPECT_TRUE(quiet.contains("@odata.deltaLink"));
}

TEST_F(DynamicsEmulatorTest, LargeDeltasArePaged) {
    std::string deltaLink;
    readAll("accounts?$select=name", {{"Prefer", "odata.track-changes"}}, nullptr, &deltaLink);
    ASSERT_FALSE(deltaLink.empty());
    const auto rows = readAll("accounts?$select=name", {});
    for (std::size_t i = 0; i < 30; ++i)
        ASSERT_EQ(patch("accounts(" + rows[i]["accountid"].get<std::string>() + ")",
                        {{"name", "Edit " + std::to_string(i)}})
                      ->status,
                  204);
    for (std::size_t i = 30; i < 40; ++i)
        ASSERT_EQ(del("accounts(" + rows[i]["accountid"].get<std::string>() + ")")->status, 204);
    int pages = 0;
    std::string next;
    const auto delta =
        readAll(pathOf(deltaLink).substr(15), {{"Prefer", "odata.maxpagesize=7"}}, &pages, &next);
    EXPECT_EQ(delta.size(), 40u);
    EXPECT_EQ(pages, 6);
    EXPECT_FALSE(next.empty());
    std::size_t deletions = 0;
    for (const auto& row : delta)
        deletions += row.contains("reason") ? 1 : 0;
    EXPECT_EQ(deletions, 10u);
}

TEST_F(DynamicsEmulatorTest, ChangeTrackingRefusals) {
    auto filtered = get("accounts?$select=name&$filter=" + enc("statecode eq 0"),
                        {{"Prefer", "odata.track-changes"}});
    EXPECT_EQ(filtered->status, 400);
    EXPECT_EQ(json::parse(filtered->body)["error"]["message"],
              "The \"$filter\" query parameter isn't supported when Change Tracking is enabled.");
    EXPECT_EQ(get("accounts?$top=3", {{"Prefer", "odata.track-changes"}})->status, 400);
    EXPECT_EQ(get("new_regions", {{"Prefer", "odata.track-changes"}})->status, 400);
    auto expired = get("accounts?$select=name&$deltatoken=" + enc("1001!01/01/2020 00:00:00"));
    EXPECT_EQ(expired->status, 400);
    EXPECT_NE(expired->body.find("expired"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Service protection and faults

TEST_F(DynamicsEmulatorTest, RequestLimitAnswers429WithRetryAfter) {
    m_emulator->setThrottle(3, 300, 7);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(get("accounts?$top=1")->status, 200);
    auto r = get("accounts?$top=1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429);
    EXPECT_EQ(r->get_header_value("Retry-After"), "7");
    EXPECT_EQ(json::parse(r->body),
              json::parse(R"({"error":{"code":"0x80072322","message":"Number of requests )"
                          R"(exceeded the limit of 3 over time window of 300 seconds."}})"));
    EXPECT_EQ(m_emulator->stats().throttled, 1u);
    // Tokens are not data requests.
    EXPECT_FALSE(fetchToken().empty());
    m_emulator->setThrottle(0, 300, 2);
    EXPECT_EQ(get("accounts?$top=1")->status, 200);
}

TEST_F(DynamicsEmulatorTest, ConcurrencyLimitAnswers429) {
    m_emulator->setConcurrencyLimit(1);
    m_emulator->setLatency(300);  // holds each request long enough for the others to overlap
    constexpr int kClients = 4;
    std::latch ready(kClients);
    std::vector<int> statuses(kClients);
    std::vector<std::string> bodies(kClients);
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
        threads.emplace_back([&, i] {
            httplib::Client client("127.0.0.1", m_emulator->port());
            ready.arrive_and_wait();
            auto r = client.Get("/api/data/v9.2/accounts?$top=1", headers());
            statuses[static_cast<std::size_t>(i)] = r ? r->status : -1;
            bodies[static_cast<std::size_t>(i)] = r ? r->body : "";
        });
    }
    for (auto& t : threads)
        t.join();
    int ok = 0, limited = 0;
    for (int i = 0; i < kClients; ++i) {
        if (statuses[static_cast<std::size_t>(i)] == 200)
            ++ok;
        if (statuses[static_cast<std::size_t>(i)] == 429) {
            ++limited;
            EXPECT_NE(bodies[static_cast<std::size_t>(i)].find("0x80072326"), std::string::npos);
        }
    }
    EXPECT_GE(ok, 1);
    EXPECT_GE(limited, 1);
    EXPECT_EQ(ok + limited, kClients);
}

TEST_F(DynamicsEmulatorTest, FaultsAre503WithRetryAfterButNeverOnTheTokenEndpoint) {
    m_emulator->setFaults(1.0, 0, 0);
    auto r = get("accounts?$top=1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->get_header_value("Retry-After"), "2");
    EXPECT_FALSE(fetchToken().empty());
    m_emulator->setFaults(0, 1.0, 0);
    EXPECT_EQ(get("accounts?$top=1")->status, 504);
    m_emulator->setFaults(0, 0, 0);
    EXPECT_EQ(get("accounts?$top=1")->status, 200);
    EXPECT_EQ(m_emulator->stats().faults, 2u);
}

// Reads everything a raw socket receives for one request, until the server closes it.
std::string rawExchange(int port, const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(0x7f000001U);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return "connect failed";
    }
    ::send(fd, request.data(), request.size(), 0);
    std::string received;
    char buffer[4096];
    for (;;) {
        const auto n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            break;
        received.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return received;
}

TEST_F(DynamicsEmulatorTest, DroppedConnectionsEndBeforeACompleteResponse) {
    m_emulator->setFaults(0, 0, 1.0);
    const std::string received =
        rawExchange(m_emulator->port(),
                    "GET /api/data/v9.2/accounts?$top=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Authorization: Bearer " +
                        m_token + "\r\nConnection: keep-alive\r\n\r\n");
    // Whatever arrived promises more than it delivers: the body is missing or cut short.
    const auto headerEnd = received.find("\r\n\r\n");
    if (headerEnd != std::string::npos) {
        const auto lengthAt = received.find("Content-Length: ");
        ASSERT_NE(lengthAt, std::string::npos);
        const auto declared = std::stoul(received.substr(lengthAt + 16));
        EXPECT_LT(received.size() - headerEnd - 4, declared);
    }
    auto r = get("accounts?$top=1");
    EXPECT_FALSE(r);  // httplib reports the truncated answer as an error
    m_emulator->setFaults(0, 0, 0);
    EXPECT_EQ(get("accounts?$top=1")->status, 200);
}

// ---------------------------------------------------------------------------------------------
// Custom tables and controls

TEST_F(DynamicsEmulatorTest, DefinedEntitiesRoundTripEveryType) {
    EntityDefinition widget;
    widget.logicalName = "new_widget";
    widget.entitySet = "new_widgets";
    widget.primaryKey = "new_widgetid";
    widget.primaryName = "new_name";
    widget.changeTracking = true;
    auto col = [](std::string name, ColumnType type) {
        ColumnDefinition c;
        c.name = std::move(name);
        c.type = type;
        return c;
    };
    auto name = col("new_name", ColumnType::String);
    name.maxLength = 20;
    name.required = true;
    auto amount = col("new_amount", ColumnType::Decimal);
    amount.precision = 10;
    amount.scale = 3;
    auto kind = col("new_kind", ColumnType::Picklist);
    kind.options = {{100000000, "Small"}, {100000001, "Large"}};
    auto owner = col("new_accountid", ColumnType::Lookup);
    owner.target = "accounts";
    owner.navigationProperty = "new_AccountId";
    widget.columns = {name,
                      col("new_notes", ColumnType::Memo),
                      col("new_count", ColumnType::Integer),
                      col("new_big", ColumnType::BigInt),
                      amount,
                      col("new_price", ColumnType::Money),
                      col("new_ratio", ColumnType::Double),
                      col("new_flag", ColumnType::Boolean),
                      col("new_when", ColumnType::DateTime),
                      col("new_day", ColumnType::DateOnly),
                      col("new_ref", ColumnType::Uniqueidentifier),
                      kind,
                      owner};
    m_emulator->defineEntity(widget);

    const std::string account = createAccount({{"name", "Owner"}});
    auto created = post("new_widgets",
                        {{"new_name", "W1"},
                         {"new_notes", "line\nbreak \"quoted\""},
                         {"new_count", 42},
                         {"new_big", 9007199254740993LL},
                         {"new_amount", 12.5},
                         {"new_price", 19.99},
                         {"new_ratio", 0.25},
                         {"new_flag", false},
                         {"new_when", "2024-02-29T23:59:59Z"},
                         {"new_day", "2024-02-29"},
                         {"new_ref", "ABCDEF01-2345-6789-ABCD-EF0123456789"},
                         {"new_kind", 100000001},
                         {"new_AccountId@odata.bind", "/accounts(" + account + ")"}},
                        {{"Prefer", "return=representation"}});
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201) << created->body;
    const std::string& text = created->body;
    EXPECT_NE(text.find("\"new_amount\":12.500"), std::string::npos) << text;
    EXPECT_NE(text.find("\"new_price\":19.9900"), std::string::npos) << text;
    const json row = json::parse(text);
    EXPECT_EQ(row["new_notes"], "line\nbreak \"quoted\"");
    EXPECT_EQ(row["new_count"], 42);
    EXPECT_EQ(row["new_big"], 9007199254740993LL);
    EXPECT_EQ(row["new_ratio"], 0.25);
    EXPECT_EQ(row["new_flag"], false);
    EXPECT_EQ(row["new_when"], "2024-02-29T23:59:59Z");
    EXPECT_EQ(row["new_day"], "2024-02-29");
    EXPECT_EQ(row["new_ref"], "abcdef01-2345-6789-abcd-ef0123456789");
    EXPECT_EQ(row["new_kind"], 100000001);
    EXPECT_EQ(row["_new_accountid_value"], account);
    EXPECT_EQ(post("new_widgets",
                   {{"new_name", "W2"}, {"new_accountid@odata.bind", "/accounts(" + account + ")"}})
                  ->status,
              400);  // navigation names are case-sensitive
    EXPECT_NE(get("$metadata")->body.find("<EntityType Name=\"new_widget\""), std::string::npos);

    m_emulator->dropEntity("new_widgets");
    EXPECT_EQ(get("new_widgets")->status, 404);
}

// Decimal and Money values are exact, as in Dataverse: read from the number's own digits (a
// double keeps about 16), rounded half away from zero to the column's scale.
TEST_F(DynamicsEmulatorTest, DecimalAndMoneyKeepEveryDigit) {
    EntityDefinition ledger;
    ledger.logicalName = "new_ledger";
    ledger.entitySet = "new_ledgers";
    ColumnDefinition amount;
    amount.name = "new_amount";
    amount.type = ColumnType::Decimal;
    amount.precision = 18;
    amount.scale = 10;
    ColumnDefinition price;
    price.name = "new_price";
    price.type = ColumnType::Money;
    ledger.columns = {amount, price};
    m_emulator->defineEntity(ledger);
    const auto create = [&](const std::string& body) {
        return m_client->Post("/api/data/v9.2/new_ledgers?$select=new_amount,new_price",
                              headers({{"Prefer", "return=representation"}}), body,
                              "application/json");
    };

    auto exact = create(R"({"new_amount":99999999.9999999999,"new_price":1234567890123.4567})");
    ASSERT_TRUE(exact);
    ASSERT_EQ(exact->status, 201) << exact->body;
    EXPECT_NE(exact->body.find("\"new_amount\":99999999.9999999999"), std::string::npos)
        << exact->body;
    EXPECT_NE(exact->body.find("\"new_price\":1234567890123.4567"), std::string::npos)
        << exact->body;

    auto rounded = create(R"({"new_amount":-0.00000000005,"new_price":"2.00005"})");
    ASSERT_TRUE(rounded);
    ASSERT_EQ(rounded->status, 201) << rounded->body;
    EXPECT_NE(rounded->body.find("\"new_amount\":-0.0000000001"), std::string::npos)
        << rounded->body;
    EXPECT_NE(rounded->body.find("\"new_price\":2.0001"), std::string::npos) << rounded->body;

    auto exponent = create(R"({"new_amount":1.5E-9})");
    ASSERT_TRUE(exponent);
    EXPECT_NE(exponent->body.find("\"new_amount\":0.0000000015"), std::string::npos)
        << exponent->body;

    auto tooBig = create(R"({"new_amount":100000000})");
    ASSERT_TRUE(tooBig);
    EXPECT_EQ(tooBig->status, 400) << tooBig->body;
    EXPECT_NE(tooBig->body.find("outside the valid range"), std::string::npos) << tooBig->body;

    // A single property written with PUT keeps its digits too.
    const std::string id = json::parse(exact->body).at("new_ledgerid");
    auto put = m_client->Put("/api/data/v9.2/new_ledgers(" + id + ")/new_amount", headers(),
                             R"({"value":12345678.1234567891})", "application/json");
    ASSERT_TRUE(put);
    EXPECT_EQ(put->status / 100, 2) << put->body;
    EXPECT_NE(get("new_ledgers(" + id + ")?$select=new_amount")
                  ->body.find("\"new_amount\":12345678.1234567891"),
              std::string::npos);
}

TEST_F(DynamicsEmulatorTest, ControlEndpointsDriveTheEmulatorOverHttp) {
    const json definition = {
        {"logicalName", "new_gadget"},
        {"entitySet", "new_gadgets"},
        {"primaryKey", "new_gadgetid"},
        {"primaryName", "new_name"},
        {"columns", {{{"name", "new_name"}, {"type", "String"}, {"maxLength", 50}}}}};
    auto defined = m_client->Post("/_emulator/entities", definition.dump(), "application/json");
    ASSERT_TRUE(defined);
    EXPECT_EQ(defined->status, 201) << defined->body;
    EXPECT_EQ(post("new_gadgets", {{"new_name", "G"}})->status, 204);
    EXPECT_EQ(getJson("new_gadgets")["value"].size(), 1u);

    EXPECT_EQ(
        m_client->Post("/_emulator/throttle", R"({"requests":1})", "application/json")->status,
        204);
    EXPECT_EQ(get("new_gadgets")->status, 200);
    EXPECT_EQ(get("new_gadgets")->status, 429);
    m_client->Post("/_emulator/throttle", R"({"requests":0})", "application/json");
    m_client->Post("/_emulator/faults", R"({"rate503":1.0})", "application/json");
    EXPECT_EQ(get("new_gadgets")->status, 503);
    m_client->Post("/_emulator/faults", R"({"rate503":0})", "application/json");
    EXPECT_EQ(m_client->Post("/_emulator/revoke-tokens", "", "application/json")->status, 204);
    EXPECT_EQ(get("new_gadgets")->status, 401);
    m_token = fetchToken();

    const json stats = json::parse(m_client->Get("/_emulator/stats")->body);
    EXPECT_GE(stats["requests"].get<int>(), 8);
    EXPECT_EQ(stats["throttled"], 1);
    EXPECT_EQ(stats["faults"], 1);
    EXPECT_EQ(m_client->Delete("/_emulator/entities/new_gadgets")->status, 204);
    EXPECT_EQ(get("new_gadgets")->status, 404);
}

TEST_F(DynamicsEmulatorTest, GeneratedDataIsDeterministic) {
    const auto first = readAll("accounts?$select=name,revenue,_parentaccountid_value", {});
    startWith(defaultOptions());
    const auto second = readAll("accounts?$select=name,revenue,_parentaccountid_value", {});
    ASSERT_EQ(first.size(), second.size());
    for (std::size_t i = 0; i < first.size(); ++i)
        EXPECT_EQ(first[i], second[i]);
    const auto contacts = readAll("contacts?$select=_parentcustomerid_value", {});
    ASSERT_EQ(contacts.size(), 30u);
    for (const auto& c : contacts)
        EXPECT_EQ(get("accounts(" + c["_parentcustomerid_value"].get<std::string>() + ")")->status,
                  200);
}

TEST(WireText, JsonStringsEscapeAtEveryPositionOfTheWordScan) {
    // The scan skips eight bytes at a time: put each escape before, inside and after a word.
    const std::string plain = "Łódź, 東京 0123456789abcdef";
    std::string out;
    appendJsonString(out, plain);
    EXPECT_EQ(out, "\"" + plain + "\"");
    EXPECT_EQ(json::parse(out).get<std::string>(), plain);
    for (const char special : {'"', '\\', '\n', '\t', '\x01', '\x1f'}) {
        for (std::size_t at = 0; at <= 20; ++at) {
            std::string text(20, 'a');
            text.insert(at, 1, special);
            out.clear();
            appendJsonString(out, text);
            EXPECT_EQ(json::parse(out).get<std::string>(), text) << "escape at " << at;
            if (static_cast<unsigned char>(special) < 0x20) {
                EXPECT_EQ(out.find(special), std::string::npos) << "unescaped at " << at;
            }
        }
    }
    out.clear();
    appendJsonString(out, std::string("\x7f\x20~", 3));
    EXPECT_EQ(out, "\"\x7f ~\"");
}

TEST(WireText, GuidsAndDatesAreWrittenInTheirWireForms) {
    const std::string text = "0123abcd-4567-89ef-fedc-ba9876543210";
    std::string out = "x";
    Guid::parse(text)->appendTo(out);
    EXPECT_EQ(out, "x" + text);
    EXPECT_EQ(Guid::parse("{0123ABCD-4567-89EF-FEDC-BA9876543210}")->str(), text);
    out.clear();
    appendDateTime(out, 1680904741);
    appendDate(out, -1);
    EXPECT_EQ(out, "2023-04-07T21:59:01Z1969-12-31");
    EXPECT_EQ(formatDateTime(0), "1970-01-01T00:00:00Z");
}

TEST(EntityTable, ClusteringByKeyKeepsEveryRowAndItsValues) {
    EntityDefinition definition;
    definition.logicalName = "new_thing";
    definition.entitySet = "new_things";
    definition.primaryKey = "new_thingid";
    ColumnDefinition name;
    name.name = "new_name";
    name.type = ColumnType::String;
    ColumnDefinition count;
    count.name = "new_count";
    count.type = ColumnType::Integer;
    definition.columns = {name, count};
    EntityTable table(definition);
    std::uint64_t state = 42;
    std::map<Guid, std::pair<std::string, std::int64_t>> expected;
    std::vector<Guid> ids;
    for (int i = 0; i < 200; ++i) {
        const Guid id = Guid::fromRandom(state);
        const std::uint32_t slot = table.insert(id);
        Cell text;
        text.null = false;
        text.s = "row " + std::to_string(i);
        table.setCell(slot, 0, text);
        table.setCell(slot, 0, text);  // a rewrite leaves garbage in the text arena
        Cell number;
        number.null = i % 7 == 0;
        number.i = i;
        table.setCell(slot, 1, number);
        table.setVersion(slot, static_cast<std::uint64_t>(1000 + i));
        expected[id] = {text.s, number.null ? -1 : i};
        ids.push_back(id);
    }
    for (int i = 0; i < 200; i += 10) {  // free slots are dropped
        table.erase(*table.find(ids[static_cast<std::size_t>(i)]));
        expected.erase(ids[static_cast<std::size_t>(i)]);
    }
    table.clusterByKey();
    ASSERT_EQ(table.size(), expected.size());
    std::uint32_t next = 0;
    for (const auto& [id, slot] : table.index()) {
        EXPECT_EQ(slot, next++) << "slots follow key order";
        EXPECT_EQ(table.id(slot), id);
        const auto& [text, number] = expected.at(id);
        EXPECT_EQ(table.textValue(slot, 0), text);
        EXPECT_EQ(table.isNull(slot, 1), number < 0);
        if (number >= 0) {
            EXPECT_EQ(table.intValue(slot, 1), number);
            EXPECT_EQ(table.version(slot), static_cast<std::uint64_t>(1000 + number));
        }
    }
    const std::uint32_t added = table.insert(Guid::fromRandom(state));
    EXPECT_EQ(added, static_cast<std::uint32_t>(expected.size())) << "inserts append after";
    EXPECT_TRUE(table.isNull(added, 0));
}

}  // namespace
}  // namespace ferry::emulator
