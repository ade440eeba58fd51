// The OData provider against the Dynamics Web API emulator over real HTTP: paging, labels,
// lookups, per-item write errors, ReplicationKey, change tracking, verify, throttling and faults.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "dynamics_emulator.h"
#include "dynamics_web_api.h"
#include "odata/odata_provider.h"

namespace ferry::test {
namespace {

using emulator::DynamicsEmulator;
using emulator::DynamicsOptions;
using nlohmann::json;

class ODataProviderTest : public ::testing::Test {
protected:
    void start(DynamicsOptions options) {
        m_service = std::make_unique<DynamicsEmulator>(options);
        m_service->start();
    }
    ProviderSettings settings(const std::string& select, const std::string& extra = "") const {
        ProviderSettings s;
        s.title = "emulated CRM";
        s.connectionString = ConnectionString::parse(
            "URL=" + m_service->baseUrl() +
            ";Authentication=microsoft_modern_crm;User=admin@contoso.com;"
            "TokenEndpoint=" +
            m_service->tokenEndpoint() + ";ClientId=ferry-test-client;" + extra);
        s.password = "Passw0rd!";
        s.select = select;
        return s;
    }
    std::unique_ptr<Provider> open(const ProviderSettings& s) const {
        return odata::providerInfo().factory(s);
    }
    static std::vector<Record> readAll(Provider& provider, std::size_t pageSize,
                                       std::vector<std::size_t>* pages = nullptr) {
        std::vector<Record> rows;
        ReadRequest request;
        request.pageSize = pageSize;
        provider.read(request, [&](std::vector<Record>& page) {
            if (pages != nullptr) {
                pages->push_back(page.size());
            }
            for (auto& record : page) {
                rows.push_back(std::move(record));
            }
            return true;
        });
        return rows;
    }
    static ErrorCode verifyCode(Provider& provider, std::string* text = nullptr) {
        try {
            provider.verify();
        } catch (const Error& error) {
            if (text != nullptr) {
                *text = error.fullText();
            }
            return error.code();
        }
        return ErrorCode::Internal;
    }

    std::unique_ptr<DynamicsEmulator> m_service;
};

TEST_F(ODataProviderTest, PagesEveryRowExactlyOnce) {
    DynamicsOptions options;
    options.accounts = 12345;
    start(options);
    auto provider = open(settings("accounts?$select=accountid,name"));
    std::vector<std::size_t> pages;
    const auto rows = readAll(*provider, 1000, &pages);
    ASSERT_EQ(rows.size(), 12345u);
    EXPECT_EQ(pages.size(), 13u);
    const std::size_t id = provider->describe().indexOf("accountid").value();
    std::set<std::string> ids;
    for (const auto& row : rows) {
        ids.insert(row.values[id].asGuid().text);
    }
    EXPECT_EQ(ids.size(), 12345u) << "a row came twice";
    const auto native = DynamicsWebApi(*m_service).all("accounts?$select=accountid");
    EXPECT_EQ(native.size(), 12345u);
}

TEST_F(ODataProviderTest, ATrackedReadFollowsEveryLinkAndStopsWhenTheSinkDoes) {
    DynamicsOptions options;
    options.accounts = 2000;
    start(options);
    auto provider = open(settings("accounts?$select=accountid,name", "MaxPageSize=100;"));
    provider->describe();
    std::set<std::string> ids;
    std::size_t pages = 0;
    const std::size_t id = provider->describe().indexOf("accountid").value();
    const auto gone = [](std::vector<std::vector<Value>>&) { return true; };
    const ChangeReadResult all = provider->readChanges(
        "",
        [&](std::vector<Record>& page) {
            ++pages;
            for (const auto& row : page) {
                ids.insert(row.values[id].asGuid().text);
            }
            return true;
        },
        gone);
    EXPECT_EQ(ids.size(), 2000u);
    EXPECT_EQ(pages, 20u);
    EXPECT_FALSE(all.deltaToken.empty()) << "the delta link of the last page";

    // A sink that stops: the reader fetches at most two pages ahead of it.
    const std::uint64_t before = m_service->stats().reads;
    std::size_t seen = 0;
    provider->readChanges(
        "",
        [&](std::vector<Record>& page) {
            seen += page.size();
            return false;
        },
        gone);
    EXPECT_EQ(seen, 100u);
    const std::uint64_t after = m_service->stats().reads;
    EXPECT_GE(after - before, 1u);
    EXPECT_LE(after - before, 3u) << "the first page and at most two fetched ahead";
}

TEST_F(ODataProviderTest, ServersThatIgnoreThePageSizeStillReadEverything) {
    DynamicsOptions options;
    options.accounts = 2500;
    options.maxPageSize = 700;  // the service's own cap wins over the asked 1000
    start(options);
    auto provider = open(settings("/accounts?$select=name"));
    std::vector<std::size_t> pages;
    EXPECT_EQ(readAll(*provider, 1000, &pages).size(), 2500u);
    EXPECT_EQ(pages.size(), 4u);
}

TEST_F(ODataProviderTest, TopStopsWithoutNextLinksAndPreviewStopsEarly) {
    DynamicsOptions options;
    options.accounts = 50;
    start(options);
    auto top = open(settings("accounts?$select=name,accountnumber&$top=5"));
    EXPECT_EQ(readAll(*top, 0).size(), 5u);
    auto all = open(settings("accounts"));
    std::vector<Record> preview;
    ReadRequest request;
    request.maxRows = 7;
    all->read(request, [&](std::vector<Record>& page) {
        preview.insert(preview.end(), page.begin(), page.end());
        return true;
    });
    EXPECT_EQ(preview.size(), 7u);
}

TEST_F(ODataProviderTest, ChoiceLabelsAndLookupsRoundTrip) {
    DynamicsOptions options;
    options.accounts = 20;
    options.contacts = 10;
    start(options);
    auto accounts = open(settings("accounts?$select=accountid,name,industrycode"));
    const Schema& schema = accounts->describe();
    ASSERT_NE(schema.find("industrycode_label"), nullptr);
    EXPECT_TRUE(schema.find("industrycode_label")->readOnly);
    const auto rows = readAll(*accounts, 0);
    const std::size_t code = schema.indexOf("industrycode").value();
    const std::size_t label = schema.indexOf("industrycode_label").value();
    int labelled = 0;
    for (const auto& row : rows) {
        if (!row.values[code].isNull()) {
            EXPECT_FALSE(row.values[label].asString().empty());
            ++labelled;
        }
    }
    EXPECT_GT(labelled, 0) << "the generated data has choices";

    auto contacts = open(settings("contacts?$select=contactid,lastname,_parentcustomerid_value"));
    const Schema& contactSchema = contacts->describe();
    const Column* lookup = contactSchema.find("_parentcustomerid_value");
    ASSERT_NE(lookup, nullptr);
    EXPECT_EQ(lookup->type, ValueType::Guid);
    EXPECT_FALSE(lookup->readOnly) << "written through parentcustomerid_account@odata.bind";
    const Guid target = rows.front().values[schema.indexOf("accountid").value()].asGuid();
    WriteBatch batch;
    batch.columns = {"lastname", "_parentcustomerid_value"};
    WriteItem item;
    item.values = {Value("Lookup"), Value(target)};
    batch.items.push_back(item);
    const auto outcomes = contacts->write(batch);
    ASSERT_TRUE(outcomes.at(0).ok) << outcomes.at(0).error;
    const Guid created = outcomes[0].key.at(0).asGuid();
    const json stored = DynamicsWebApi(*m_service)
                            .get("contacts(" + created.text + ")?$select=_parentcustomerid_value");
    EXPECT_EQ(stored.at("_parentcustomerid_value"), target.text);
}

TEST_F(ODataProviderTest, MoneyColumnsAreDescribedAsMoney) {
    DynamicsOptions options;
    options.accounts = 5;
    start(options);
    emulator::EntityDefinition ledger;
    ledger.logicalName = "new_ledger";
    ledger.entitySet = "new_ledgers";
    ledger.primaryKey = "new_ledgerid";
    emulator::ColumnDefinition amount;
    amount.name = "new_amount";
    amount.type = emulator::ColumnType::Decimal;
    emulator::ColumnDefinition price;
    price.name = "new_price";
    price.type = emulator::ColumnType::Money;
    ledger.columns = {amount, price};
    m_service->defineEntity(ledger);

    // Both are Edm.Decimal on the wire: only the attribute metadata tells money apart.
    auto ledgers = open(settings("new_ledgers"));
    const Schema& schema = ledgers->describe();
    ASSERT_NE(schema.find("new_price"), nullptr);
    ASSERT_NE(schema.find("new_amount"), nullptr);
    EXPECT_EQ(schema.find("new_price")->nativeType, "Money");
    EXPECT_EQ(schema.find("new_price")->type, ValueType::Decimal);
    EXPECT_EQ(schema.find("new_amount")->nativeType, "Edm.Decimal");
    EXPECT_EQ(schema.find("new_amount")->type, ValueType::Decimal);

    auto accounts = open(settings("accounts?$select=accountid,name,revenue,numberofemployees"));
    const Schema& accountSchema = accounts->describe();
    EXPECT_EQ(accountSchema.find("revenue")->nativeType, "Money");
    EXPECT_EQ(accountSchema.find("name")->nativeType, "Edm.String");
    EXPECT_EQ(accountSchema.find("numberofemployees")->nativeType, "Edm.Int32");
}

TEST_F(ODataProviderTest, PagesReadEveryTextAndNumberExactlyAsStored) {
    DynamicsOptions options;
    options.accounts = 0;
    start(options);
    // Escapes before, inside and after the first eight bytes, every UTF-8 length, and a text
    // the service sends with \u escapes (control characters).
    const std::vector<std::string> names = {"plain",
                                            "\"quoted\" and back\\slash/",
                                            "tab\there\nnew line\r\f\b",
                                            "\x01\x1f control",
                                            "Łódź 東京 Ольга 😀 𝄞",
                                            std::string(100, 'x') + "\"end"};
    const std::vector<std::string> revenues = {"0",      "-5000000", "123456789012.3456",
                                               "0.0001", "12.5",     "1"};
    const std::vector<std::int64_t> employees = {0, -1, 2147483647, -2147483648LL, 7, 42};
    DynamicsWebApi native(*m_service);
    std::map<std::string, std::size_t> byId;
    for (std::size_t i = 0; i < names.size(); ++i) {
        byId[native.create("accounts", {{"name", names[i]},
                                        {"revenue", json::parse(revenues[i])},
                                        {"numberofemployees", employees[i]}})] = i;
    }
    auto provider = open(settings("accounts?$select=accountid,name,revenue,numberofemployees"));
    const Schema& schema = provider->describe();
    const auto rows = readAll(*provider, 4);  // two pages
    ASSERT_EQ(rows.size(), names.size());
    for (const auto& row : rows) {
        const std::size_t i =
            byId.at(row.values[schema.indexOf("accountid").value()].asGuid().text);
        EXPECT_EQ(row.values[schema.indexOf("name").value()].asString(), names[i]);
        // Sent with four decimals ("12.5000"); read exactly, without trailing zeros.
        EXPECT_EQ(row.values[schema.indexOf("revenue").value()].asDecimal().text, revenues[i]);
        EXPECT_EQ(row.values[schema.indexOf("numberofemployees").value()].asInt(), employees[i]);
    }
}

TEST_F(ODataProviderTest, ATooLongNameFailsOnlyItsItem) {
    DynamicsOptions options;
    options.accounts = 0;
    start(options);
    auto provider = open(settings("accounts?$select=accountid,name,revenue", "BatchSize=2"));
    WriteBatch batch;
    batch.columns = {"name", "revenue"};
    for (int i = 0; i < 5; ++i) {
        WriteItem item;
        item.values = {Value(i == 2 ? std::string(500, 'x') : "ok " + std::to_string(i)),
                       Value(Decimal{"12345678.1234"})};
        batch.items.push_back(item);
    }
    const auto outcomes = provider->write(batch);
    ASSERT_EQ(outcomes.size(), 5u);
    for (std::size_t i = 0; i < 5; ++i) {
        if (i == 2) {
            EXPECT_FALSE(outcomes[i].ok);
            EXPECT_EQ(outcomes[i].errorCode, ErrorCode::ValueTooLong) << outcomes[i].error;
            EXPECT_NE(outcomes[i].error.find("name"), std::string::npos) << outcomes[i].error;
        } else {
            EXPECT_TRUE(outcomes[i].ok) << outcomes[i].error;
        }
    }
    const auto stored = DynamicsWebApi(*m_service).all("accounts?$select=name,revenue");
    ASSERT_EQ(stored.size(), 4u);
    for (const auto& row : stored) {
        EXPECT_EQ(row.at("revenue").dump(), "12345678.1234");
    }
}

TEST_F(ODataProviderTest, UpdatesAndDeletesReportMissingRecords) {
    DynamicsOptions options;
    options.accounts = 3;
    start(options);
    auto provider = open(settings("accounts?$select=accountid,name"));
    const auto rows = readAll(*provider, 0);
    ASSERT_EQ(rows.size(), 3u);
    const std::size_t id = provider->describe().indexOf("accountid").value();
    WriteBatch batch;
    batch.columns = {"name"};
    WriteItem update;
    update.kind = WriteKind::Update;
    update.key = {rows[0].values[id]};
    update.values = {Value("renamed")};
    WriteItem ghost = update;
    ghost.key = {Value(Guid{"00000000-0000-0000-0000-00000000dead"})};
    WriteItem remove;
    remove.kind = WriteKind::Delete;
    remove.key = {rows[1].values[id]};
    WriteItem gone = remove;
    gone.key = ghost.key;
    batch.items = {update, ghost, remove, gone};
    const auto outcomes = provider->write(batch);
    ASSERT_EQ(outcomes.size(), 4u);
    EXPECT_TRUE(outcomes[0].ok) << outcomes[0].error;
    EXPECT_FALSE(outcomes[1].ok);
    EXPECT_NE(outcomes[1].error.find("no longer exists"), std::string::npos) << outcomes[1].error;
    EXPECT_TRUE(outcomes[2].ok) << outcomes[2].error;
    EXPECT_TRUE(outcomes[3].ok) << "already gone counts as deleted: " << outcomes[3].error;
    const auto stored = DynamicsWebApi(*m_service).all("accounts?$select=name");
    ASSERT_EQ(stored.size(), 2u);
}

TEST_F(ODataProviderTest, UpdatesPatchOnlyTheChangedColumns) {
    DynamicsOptions options;
    options.accounts = 2;
    start(options);
    auto provider = open(settings("accounts?$select=accountid,name,accountnumber"));
    const auto rows = readAll(*provider, 0);
    ASSERT_EQ(rows.size(), 2u);
    const Schema& schema = provider->describe();
    const std::size_t id = schema.indexOf("accountid").value();
    const std::size_t number = schema.indexOf("accountnumber").value();
    WriteBatch batch;
    batch.columns = {"name", "accountnumber"};
    WriteItem update;
    update.kind = WriteKind::Update;
    update.key = {rows[0].values[id]};
    // The account number is stale here; only the name changed, so only the name is sent.
    update.values = {Value("renamed"), Value("STALE-NUMBER")};
    update.changed = {true, false};
    batch.items = {update};
    const auto outcomes = provider->write(batch);
    ASSERT_EQ(outcomes.size(), 1u);
    EXPECT_TRUE(outcomes[0].ok) << outcomes[0].error;
    const auto stored = DynamicsWebApi(*m_service)
                            .all("accounts?$select=name,accountnumber&$filter=accountid eq " +
                                 rows[0].values[id].asGuid().text);
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].at("name"), "renamed");
    EXPECT_EQ(stored[0].value("accountnumber", json()),
              rows[0].values[number].isNull() ? json() : json(rows[0].values[number].asString()));
}

TEST_F(ODataProviderTest, ReplicationKeyNeverDuplicatesAfterACrash) {
    DynamicsOptions options;
    options.accounts = 0;
    start(options);
    WriteBatch batch;
    batch.columns = {"name"};
    WriteItem item;
    item.origin = "crm-to-sql/left/42";
    item.values = {Value("Replica")};
    batch.items = {item};
    std::vector<Value> keys;
    for (int run = 0; run < 2; ++run) {  // the second run repeats a write the first completed
        auto provider = open(settings("accounts?$select=accountid,name", "ReplicationKey=true"));
        batch.items[0].values = {Value(run == 0 ? "Replica" : "Replica v2")};
        const auto outcomes = provider->write(batch);
        ASSERT_TRUE(outcomes.at(0).ok) << outcomes.at(0).error;
        keys.push_back(outcomes[0].key.at(0));
    }
    EXPECT_EQ(keys[0], keys[1]);
    const auto stored = DynamicsWebApi(*m_service).all("accounts?$select=accountid,name");
    ASSERT_EQ(stored.size(), 1u) << "the rerun created a duplicate";
    EXPECT_EQ(stored[0].at("accountid"), keys[0].asGuid().text);
    EXPECT_EQ(stored[0].at("name"), "Replica v2");
}

TEST_F(ODataProviderTest, ChangeTrackingReadsOnlyChangesAndDeletions) {
    DynamicsOptions options;
    options.accounts = 30;
    start(options);
    auto provider = open(settings("accounts?$select=accountid,name"));
    provider->describe();
    ASSERT_TRUE(provider->capabilities().supportsChangeTracking);
    std::vector<Record> rows;
    std::vector<std::vector<Value>> deleted;
    const auto collect = [&](std::vector<Record>& page) {
        rows.insert(rows.end(), page.begin(), page.end());
        return true;
    };
    const auto gone = [&](std::vector<std::vector<Value>>& keys) {
        deleted.insert(deleted.end(), keys.begin(), keys.end());
        return true;
    };
    const ChangeReadResult first = provider->readChanges("", collect, gone);
    EXPECT_FALSE(first.delta);
    ASSERT_FALSE(first.deltaToken.empty());
    ASSERT_EQ(rows.size(), 30u);
    const std::size_t id = provider->describe().indexOf("accountid").value();
    const std::string edited = rows[3].values[id].asGuid().text;
    const std::string removed = rows[7].values[id].asGuid().text;
    DynamicsWebApi native(*m_service);
    EXPECT_EQ(native.patch("accounts(" + edited + ")", {{"name", "edited"}}), 204);
    EXPECT_EQ(native.remove("accounts(" + removed + ")"), 204);
    rows.clear();
    const ChangeReadResult second = provider->readChanges(first.deltaToken, collect, gone);
    EXPECT_TRUE(second.delta);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].values[id].asGuid().text, edited);
    ASSERT_EQ(deleted.size(), 1u);
    EXPECT_EQ(deleted[0].at(0).asGuid().text, removed);
    EXPECT_NE(second.deltaToken, first.deltaToken);
}

TEST_F(ODataProviderTest, AnExpiredOrUnknownDeltaTokenFallsBackToAFullRead) {
    DynamicsOptions options;
    options.accounts = 10;
    start(options);
    auto provider = open(settings("accounts?$select=accountid,name"));
    provider->describe();
    std::size_t count = 0;
    const auto collect = [&](std::vector<Record>& page) {
        count += page.size();
        return true;
    };
    const auto gone = [](std::vector<std::vector<Value>>&) { return true; };
    const ChangeReadResult first = provider->readChanges("", collect, gone);
    const auto at = first.deltaToken.find("$deltatoken=");
    ASSERT_NE(at, std::string::npos) << first.deltaToken;
    // A token the service no longer knows (expired, or from another environment).
    const std::string stale = first.deltaToken.substr(0, at) + "$deltatoken=1%2101%2f01%2f2000";
    count = 0;
    const ChangeReadResult second = provider->readChanges(stale, collect, gone);
    EXPECT_FALSE(second.delta);
    EXPECT_EQ(count, 10u);
    EXPECT_FALSE(second.deltaToken.empty());
}

TEST_F(ODataProviderTest, VerifyExplainsWhatIsWrong) {
    DynamicsOptions options;
    options.accounts = 5;
    start(options);
    EXPECT_NO_THROW(open(settings("accounts?$select=name&$top=5"))->verify());

    ProviderSettings wrong = settings("accounts");
    wrong.password = "not-the-password";
    std::string text;
    EXPECT_EQ(verifyCode(*open(wrong), &text), ErrorCode::AuthenticationFailed) << text;
    EXPECT_EQ(text.find("not-the-password"), std::string::npos) << "password leaked: " << text;

    EXPECT_EQ(verifyCode(*open(settings("acounts")), &text), ErrorCode::EntityNotFound);
    EXPECT_NE(text.find("Did you mean 'accounts'?"), std::string::npos) << text;

    EXPECT_EQ(verifyCode(*open(settings("accounts?$filter=name eqq 'x'")), &text),
              ErrorCode::QueryFailed);
    EXPECT_EQ(verifyCode(*open(settings("accounts?$select=nmae")), &text), ErrorCode::QueryFailed);
    EXPECT_NE(text.find("name"), std::string::npos) << text;

    ProviderSettings unreachable = settings("accounts");
    unreachable.connectionString = ConnectionString::parse(
        "URL=http://127.0.0.1:1/api/data/v9.2/;Authentication=none;Timeout=5");
    EXPECT_EQ(verifyCode(*open(unreachable), &text), ErrorCode::ConnectionFailed) << text;
}

TEST_F(ODataProviderTest, ThrottlingAndFaultsStillGiveCompleteResults) {
    DynamicsOptions options;
    options.accounts = 3000;
    start(options);
    m_service->setFaults(0.2, 0.0, 0.2);
    auto provider = open(settings("accounts?$select=accountid,name", "MaxPageSize=500"));
    const auto rows = readAll(*provider, 500);
    EXPECT_EQ(rows.size(), 3000u);

    m_service->setFaults(0.0, 0.0, 0.0);
    m_service->setThrottle(20, 2, 1);
    WriteBatch batch;
    batch.columns = {"name"};
    for (int i = 0; i < 300; ++i) {
        WriteItem item;
        item.origin = "throttled/" + std::to_string(i);
        item.values = {Value("t" + std::to_string(i))};
        batch.items.push_back(item);
    }
    auto writer =
        open(settings("accounts?$select=accountid,name", "BatchSize=10;ReplicationKey=true"));
    const auto outcomes = writer->write(batch);
    for (const auto& outcome : outcomes) {
        EXPECT_TRUE(outcome.ok) << outcome.error;
    }
    m_service->setThrottle(0, 300, 2);
    EXPECT_EQ(DynamicsWebApi(*m_service).all("accounts?$select=name").size(), 3300u);
    EXPECT_GT(m_service->stats().throttled, 0u);
}

}  // namespace
}  // namespace ferry::test
