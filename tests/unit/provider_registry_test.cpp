// Unit tests for ProviderRegistry and the Provider base's shared checks.
#include <gtest/gtest.h>

#include "ferry/provider.h"

namespace ferry {
namespace {

Column column(std::string name, std::string displayName, ValueType type, bool key) {
    Column result;
    result.name = std::move(name);
    result.displayName = std::move(displayName);
    result.type = type;
    result.key = key;
    return result;
}

// A scriptable provider: counts calls and returns whatever outcomes the test sets.
class FakeProvider final : public Provider {
public:
    explicit FakeProvider(ProviderSettings settings) : m_settings(std::move(settings)) {}

    ProviderCapabilities capabilities() const override { return {}; }

    int describeCalls = 0;
    int writeCalls = 0;
    int verifyCalls = 0;
    std::optional<std::size_t> outcomeCount;  // default: one per item
    const ProviderSettings& settings() const { return m_settings; }

private:
    void doVerify() override { ++verifyCalls; }
    Schema doDescribe() override {
        ++describeCalls;
        Schema schema;
        schema.columns.push_back(column("id", "ID", ValueType::Int, true));
        schema.columns.push_back(column("Name", "Name", ValueType::String, false));
        schema.columns.push_back(column("name", "name (lower)", ValueType::String, false));
        return schema;
    }
    void doRead(const ReadRequest&, const PageSink& sink) override {
        std::vector<Record> page(2);
        sink(page);
    }
    std::vector<WriteOutcome> doWrite(const WriteBatch& batch) override {
        ++writeCalls;
        return std::vector<WriteOutcome>(outcomeCount.value_or(batch.items.size()));
    }

    ProviderSettings m_settings;
};

ProviderInfo odataInfo() {
    ProviderInfo info;
    info.name = "odata";
    info.displayName = "Dynamics 365 (OData)";
    info.keys = {
        {"URL", "service root", true, false, {}, {"Url", "Service URL"}},
        {"Authentication",
         "how to sign in",
         false,
         false,
         {"microsoft_modern_crm", "client_credentials", "none"},
         {}},
        {"User", "user name", false, false, {}, {"UID"}},
        {"Password", "password", false, true, {}, {"Pwd"}},
    };
    info.factory = [](const ProviderSettings& settings) -> std::unique_ptr<Provider> {
        return std::make_unique<FakeProvider>(settings);
    };
    return info;
}

ProviderRegistry registryWithOdata() {
    ProviderRegistry registry;
    registry.add(odataInfo());
    return registry;
}

std::vector<std::string> check(const ProviderRegistry& registry, std::string_view text) {
    return registry.validate("odata", ConnectionString::parse(text));
}

TEST(ProviderRegistryTest, FindIsCaseInsensitiveAndAllKeepsOrder) {
    auto registry = registryWithOdata();
    ProviderInfo odbc;
    odbc.name = "odbc";
    registry.add(odbc);
    ASSERT_NE(registry.find("OData"), nullptr);
    EXPECT_EQ(registry.find("OData")->name, "odata");
    EXPECT_EQ(registry.find("sharepoint"), nullptr);
    const auto all = registry.all();
    ASSERT_EQ(all.size(), 2U);
    EXPECT_EQ(all[0]->name, "odata");
    EXPECT_EQ(all[1]->name, "odbc");
}

TEST(ProviderRegistryTest, AddingTheSameNameTwiceIsABug) {
    auto registry = registryWithOdata();
    auto again = odataInfo();
    again.name = "ODATA";
    try {
        registry.add(again);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Internal);
    }
}

TEST(ProviderRegistryTest, ValidConnectionStringsHaveNoProblems) {
    const auto registry = registryWithOdata();
    EXPECT_TRUE(
        check(registry, "URL=https://x/;Authentication=Microsoft_Modern_CRM;User=a@b;").empty());
    EXPECT_TRUE(check(registry, "service url=https://x/;uid=a;pwd=b").empty());  // aliases
}

TEST(ProviderRegistryTest, ValidationMessagesNameTheKey) {
    const auto registry = registryWithOdata();
    EXPECT_EQ(check(registry, "URL=https://x/;Foo=1;"),
              std::vector<std::string>{
                  "unknown key 'Foo' for provider odata (known keys: URL, Authentication, User, "
                  "Password)"});
    EXPECT_EQ(check(registry, "User=a;"), std::vector<std::string>{"missing required key 'URL'"});
    EXPECT_EQ(check(registry, "URL=u;Authentication=kerberos;"),
              std::vector<std::string>{"key 'Authentication' must be one of "
                                       "microsoft_modern_crm, client_credentials, none (got "
                                       "'kerberos')"});
    EXPECT_EQ(check(registry, "URL=u;Service URL=v;"),
              std::vector<std::string>{"key 'URL' is given twice (as 'URL' and 'Service URL')"});
    // Every problem is reported, not just the first.
    EXPECT_EQ(check(registry, "Foo=1;Authentication=x;").size(), 3U);
}

TEST(ProviderRegistryTest, CarriesSecretFindsDeclaredSecretKeysAndTheirAliases) {
    auto registry = registryWithOdata();
    ProviderInfo plain;
    plain.name = "plain";
    plain.keys = {{"Token", "an access token", false, true, {}, {"AccessToken"}}};
    registry.add(plain);
    const auto secret = [&](std::string_view provider, std::string_view text) {
        return registry.carriesSecret(provider, ConnectionString::parse(text));
    };
    EXPECT_FALSE(secret("odata", "URL=https://x/;User=a;"));
    EXPECT_TRUE(secret("odata", "URL=https://x/;pwd=s3cret;"));  // the declared alias
    EXPECT_FALSE(secret("odata", "URL=https://x/;Password=;"));  // empty: nothing to hide
    EXPECT_TRUE(secret("plain", "AccessToken=abc;"));
    EXPECT_TRUE(secret("unknown", "Password=x;"));  // the usual names, whatever the provider
}

TEST(ProviderRegistryTest, AllowUnknownKeysPassesThemThrough) {
    ProviderRegistry registry;
    auto info = odataInfo();
    info.allowUnknownKeys = true;
    registry.add(info);
    EXPECT_TRUE(check(registry, "URL=u;DriverSpecific=1;").empty());
    EXPECT_EQ(check(registry, "DriverSpecific=1;"),
              std::vector<std::string>{"missing required key 'URL'"});
}

TEST(ProviderRegistryTest, UnknownProviders) {
    const auto registry = registryWithOdata();
    EXPECT_EQ(registry.validate("x", ConnectionString{}),
              std::vector<std::string>{"unknown provider 'x' (available: odata)"});
    try {
        (void)registry.create("x", ProviderSettings{});
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::UnknownProvider);
        EXPECT_EQ(e.message(), "unknown provider 'x' (available: odata)");
    }
}

TEST(ProviderRegistryTest, CreatePassesTheSettingsToTheFactory) {
    const auto registry = registryWithOdata();
    ProviderSettings settings;
    settings.title = "Accounts";
    settings.password = "pw";
    auto provider = registry.create("ODATA", settings);
    auto* fake = dynamic_cast<FakeProvider*>(provider.get());
    ASSERT_NE(fake, nullptr);
    EXPECT_EQ(fake->settings().title, "Accounts");
    EXPECT_EQ(fake->settings().password, "pw");
}

TEST(ProviderTest, DescribeIsCachedAndVerifyForwards) {
    FakeProvider provider{ProviderSettings{}};
    provider.verify();
    EXPECT_EQ(provider.verifyCalls, 1);
    const Schema& first = provider.describe();
    const Schema& second = provider.describe();
    EXPECT_EQ(&first, &second);
    EXPECT_EQ(provider.describeCalls, 1);
    EXPECT_EQ(first.keyColumns(), std::vector<std::string>{"id"});
}

TEST(ProviderTest, ReadForwardsPagesToTheSink) {
    FakeProvider provider{ProviderSettings{}};
    std::size_t rows = 0;
    provider.read({}, [&rows](std::vector<Record>& page) {
        rows += page.size();
        return true;
    });
    EXPECT_EQ(rows, 2U);
}

TEST(ProviderTest, WriteChecksOutcomeCountAndSkipsEmptyBatches) {
    FakeProvider provider{ProviderSettings{}};
    EXPECT_TRUE(provider.write(WriteBatch{}).empty());
    EXPECT_EQ(provider.writeCalls, 0);

    WriteBatch batch;
    batch.columns = {"Name"};
    batch.items.push_back(WriteItem{WriteKind::Insert, {}, {Value("a")}, {}, {}});
    batch.items.push_back(WriteItem{WriteKind::Delete, {Value(1)}, {}, {}, {}});
    EXPECT_EQ(provider.write(batch).size(), 2U);

    provider.outcomeCount = 1;
    try {
        (void)provider.write(batch);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Internal);
        EXPECT_EQ(e.message(), "the provider returned 1 outcomes for 2 items");
    }
}

TEST(ProviderTest, WriteRejectsItemsWithTheWrongNumberOfValues) {
    FakeProvider provider{ProviderSettings{}};
    WriteBatch batch;
    batch.columns = {"Name", "id"};
    batch.items.push_back(WriteItem{WriteKind::Update, {Value(1)}, {Value("a")}, {}, {}});
    EXPECT_THROW((void)provider.write(batch), Error);
    EXPECT_EQ(provider.writeCalls, 0);
}

TEST(SchemaTest, IndexOfPrefersExactThenCaseInsensitive) {
    FakeProvider provider{ProviderSettings{}};
    const Schema& schema = provider.describe();
    EXPECT_EQ(schema.indexOf("name"), 2U);
    EXPECT_EQ(schema.indexOf("Name"), 1U);
    EXPECT_EQ(schema.indexOf("NAME"), 1U);  // first case-insensitive match
    EXPECT_EQ(schema.indexOf("ID"), 0U);
    EXPECT_FALSE(schema.indexOf("missing").has_value());
    ASSERT_NE(schema.find("ID"), nullptr);
    EXPECT_EQ(schema.find("ID")->displayName, "ID");
    EXPECT_EQ(schema.find("nope"), nullptr);
}

}  // namespace
}  // namespace ferry
