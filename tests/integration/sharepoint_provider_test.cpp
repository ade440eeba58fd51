// The SharePoint provider against the SharePoint REST emulator over real HTTP: describe, paging
// past the list view threshold, per-item write errors, lookups and choices, the change log,
// throttling and faults, and verify's diagnoses.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "ferry/connection_string.h"
#include "ferry/error.h"
#include "sharepoint/sharepoint_provider.h"
#include "sharepoint_emulator.h"

namespace ferry::test {
namespace {

using emulator::SharePointEmulator;
using emulator::SharePointOptions;
using emulator::SpField;
using emulator::SpFieldType;
using emulator::SpListDefinition;
using nlohmann::json;

SpField makeField(const std::string& name, const std::string& title, SpFieldType type) {
    SpField field;
    field.internalName = name;
    field.title = title;
    field.type = type;
    return field;
}

SpListDefinition accountsList() {
    SpListDefinition list;
    list.title = "Accounts";
    list.urlName = "Accounts";
    SpField number = makeField("Account_x0020_Number", "Account Number", SpFieldType::Text);
    number.maxLength = 20;
    SpField revenue = makeField("Revenue", "Revenue", SpFieldType::Currency);
    SpField employees = makeField("Employees", "Employees", SpFieldType::Number);
    SpField active = makeField("Active", "Active", SpFieldType::Boolean);
    SpField industry = makeField("Industry", "Industry", SpFieldType::Choice);
    industry.choices = {"Retail", "Banking", "Manufacturing"};
    SpField tags = makeField("Tags", "Tags", SpFieldType::MultiChoice);
    tags.choices = {"Key", "New", "Partner"};
    SpField opened = makeField("Opened", "Opened on", SpFieldType::DateTime);
    SpField website = makeField("Website", "Website", SpFieldType::URL);
    SpField owner = makeField("Owner", "Owner", SpFieldType::User);
    SpField notes = makeField("Notes", "Notes", SpFieldType::Note);
    SpField secret = makeField("SecretCode", "Secret code", SpFieldType::Text);
    secret.hidden = true;
    list.fields = {number, revenue, employees, active, industry, tags,
                   opened, website, owner,     notes,  secret};
    return list;
}

class SharePointProviderTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_service = std::make_unique<SharePointEmulator>(SharePointOptions{});
        m_service->start();
        m_service->createList(accountsList());
        SpListDefinition regions;
        regions.title = "Regions";
        m_service->createList(regions);
        m_service->addItems("Regions", {json{{"Title", "North"}}, json{{"Title", "South"}}});
        SpListDefinition orders;
        orders.title = "Orders";
        SpField region = makeField("Region", "Region", SpFieldType::Lookup);
        region.lookupList = "Regions";
        SpField status = makeField("Status", "Status", SpFieldType::Choice);
        status.choices = {"Open", "Closed"};
        SpField labels = makeField("Labels", "Labels", SpFieldType::MultiChoice);
        labels.choices = {"Urgent", "Gift", "Export"};
        orders.fields = {region, status, labels};
        m_service->createList(orders);
    }

    ProviderSettings settings(const std::string& url, const std::string& extra = {}) const {
        ProviderSettings out;
        out.title = "SharePoint";
        out.connectionString = ConnectionString::parse(
            "URL=" + url + ";Authentication=Microsoft_Modern;User=admin@contoso.com;" +
            "TokenEndpoint=" + m_service->tokenEndpoint() + ";" + extra);
        out.password = "Passw0rd!";
        return out;
    }
    ProviderSettings accounts(const std::string& extra = {}) const {
        return settings(m_service->siteUrl() + "/Lists/Accounts/AllItems.aspx", extra);
    }
    std::unique_ptr<Provider> open(const ProviderSettings& s) const {
        return sharepoint::providerInfo().factory(s);
    }

    static std::vector<Record> readAll(Provider& provider, ReadRequest request = {},
                                       std::vector<std::size_t>* pageSizes = nullptr) {
        std::vector<Record> rows;
        provider.read(request, [&](std::vector<Record>& page) {
            if (pageSizes != nullptr) {
                pageSizes->push_back(page.size());
            }
            for (auto& record : page) {
                rows.push_back(std::move(record));
            }
            return true;
        });
        return rows;
    }

    static Error errorOf(const std::function<void()>& action) {
        try {
            action();
        } catch (const Error& error) {
            return error;
        }
        ADD_FAILURE() << "no ferry::Error was thrown";
        return Error(ErrorCode::Internal, "nothing thrown");
    }

    std::unique_ptr<SharePointEmulator> m_service;
};

WriteItem insertItem(std::vector<Value> values) {
    WriteItem item;
    item.kind = WriteKind::Insert;
    item.values = std::move(values);
    return item;
}

WriteItem updateItem(std::int64_t id, std::vector<Value> values) {
    WriteItem item;
    item.kind = WriteKind::Update;
    item.key = {Value(id)};
    item.values = std::move(values);
    return item;
}

WriteItem deleteItem(std::int64_t id) {
    WriteItem item;
    item.kind = WriteKind::Delete;
    item.key = {Value(id)};
    return item;
}

TEST_F(SharePointProviderTest, DescribeMapsFieldsToColumns) {
    auto provider = open(accounts());
    const Schema& schema = provider->describe();
    ASSERT_FALSE(schema.columns.empty());
    EXPECT_EQ(schema.keyColumns(), std::vector<std::string>{"ID"});
    const Column* id = schema.find("ID");
    ASSERT_NE(id, nullptr);
    EXPECT_EQ(id->type, ValueType::Int);
    EXPECT_TRUE(id->readOnly);
    const Column* number = schema.find("Account_x0020_Number");
    ASSERT_NE(number, nullptr);
    EXPECT_EQ(number->displayName, "Account Number");
    EXPECT_EQ(number->length, 20);
    EXPECT_EQ(number->type, ValueType::String);
    const Column* title = schema.find("Title");
    ASSERT_NE(title, nullptr);
    EXPECT_FALSE(title->nullable) << "Title is required";
    EXPECT_EQ(schema.find("Revenue")->type, ValueType::Decimal);
    EXPECT_EQ(schema.find("Employees")->type, ValueType::Double);
    EXPECT_EQ(schema.find("Active")->type, ValueType::Bool);
    EXPECT_EQ(schema.find("Opened")->type, ValueType::DateTime);
    EXPECT_EQ(schema.find("Opened")->displayName, "Opened on");
    EXPECT_EQ(schema.find("Industry")->type, ValueType::String);
    EXPECT_EQ(schema.find("Website")->type, ValueType::String);
    ASSERT_NE(schema.find("OwnerId"), nullptr) << "a person column is read as <Name>Id";
    EXPECT_EQ(schema.find("OwnerId")->type, ValueType::Int);
    ASSERT_NE(schema.find("Modified"), nullptr);
    EXPECT_TRUE(schema.find("Modified")->readOnly);
    EXPECT_TRUE(schema.find("Created")->readOnly);
    EXPECT_EQ(schema.find("SecretCode"), nullptr) << "hidden fields are not columns";

    // A select names its columns (internal or display names); ID always comes along as the key.
    auto selected = open([&] {
        auto s = accounts();
        s.select = "$select=Title,Account Number";
        return s;
    }());
    const Schema& narrow = selected->describe();
    ASSERT_EQ(narrow.columns.size(), 3u);
    EXPECT_EQ(narrow.columns[0].name, "ID");
    EXPECT_EQ(narrow.columns[2].name, "Account_x0020_Number");
    auto unknown = open([&] {
        auto s = accounts();
        s.select = "$select=Titel";
        return s;
    }());
    const Error error = errorOf([&] { unknown->describe(); });
    EXPECT_EQ(error.code(), ErrorCode::QueryFailed);
    EXPECT_NE(error.fullText().find("Title"), std::string::npos) << error.fullText();
}

TEST_F(SharePointProviderTest, ReadsPastTheListViewThresholdEveryItemOnce) {
    std::vector<json> items;
    for (int i = 0; i < 12000; ++i) {
        items.push_back({{"Title", "Account " + std::to_string(i)},
                         {"Account_x0020_Number", "A" + std::to_string(i)}});
    }
    m_service->addItems("Accounts", items);
    auto provider = open(accounts());
    const Schema& schema = provider->describe();
    const std::size_t idColumn = schema.indexOf("ID").value();
    const std::size_t titleColumn = schema.indexOf("Title").value();
    std::vector<std::size_t> pages;
    const auto rows = readAll(*provider, {}, &pages);
    ASSERT_EQ(rows.size(), 12000u);
    EXPECT_EQ(pages.size(), 3u) << "5,000 items per page by default";
    for (const std::size_t size : pages) {
        EXPECT_LE(size, 5000u);
    }
    std::set<std::int64_t> ids;
    for (const auto& row : rows) {
        ids.insert(row.values[idColumn].asInt());
        EXPECT_EQ(row.values[titleColumn].asString().rfind("Account ", 0), 0u);
    }
    EXPECT_EQ(ids.size(), 12000u) << "every item exactly once";

    ReadRequest preview;
    preview.maxRows = 5;
    EXPECT_EQ(readAll(*provider, preview).size(), 5u);

    // A filter on a column without an index over 5,000 items: the threshold, explained.
    auto filtered = open([&] {
        auto s = accounts();
        s.select = "$filter=Account_x0020_Number eq 'A17'";
        return s;
    }());
    const Error error = errorOf([&] { filtered->verify(); });
    EXPECT_EQ(error.code(), ErrorCode::QueryFailed);
    EXPECT_NE(error.message().find("5,000"), std::string::npos) << error.fullText();
    EXPECT_NE(error.message().find("Account_x0020_Number"), std::string::npos) << error.fullText();
    EXPECT_NE(error.hint().find("index"), std::string::npos) << error.fullText();
}

TEST_F(SharePointProviderTest, WritesReportOneOutcomePerItem) {
    auto provider = open(accounts());
    WriteBatch inserts;
    inserts.columns = {"Title", "Account_x0020_Number", "Revenue", "Active", "Opened"};
    const Value opened = Value(*parseDateTime("2024-02-29T13:45:59Z"));
    inserts.items.push_back(insertItem(
        {Value("Contoso"), Value("C-1"), Value(*parseDecimal("1234.5")), Value(true), opened}));
    inserts.items.push_back(
        insertItem({Value("Too long"), Value(std::string(21, 'x')), Value(), Value(), Value()}));
    inserts.items.push_back(insertItem({Value(), Value("C-3"), Value(), Value(), Value()}));
    inserts.items.push_back(
        insertItem({Value("Fabrikam"), Value("東京😀"), Value(), Value(false), Value()}));
    const auto outcomes = provider->write(inserts);
    ASSERT_EQ(outcomes.size(), 4u);
    ASSERT_TRUE(outcomes[0].ok) << outcomes[0].error;
    EXPECT_EQ(outcomes[0].key.at(0).type(), ValueType::Int);
    EXPECT_FALSE(outcomes[1].ok);
    EXPECT_EQ(outcomes[1].errorCode, ErrorCode::ValueTooLong) << outcomes[1].error;
    EXPECT_NE(outcomes[1].error.find("Account_x0020_Number"), std::string::npos);
    EXPECT_FALSE(outcomes[2].ok);
    EXPECT_EQ(outcomes[2].errorCode, ErrorCode::ConstraintViolation) << outcomes[2].error;
    EXPECT_NE(outcomes[2].error.find("Title"), std::string::npos) << outcomes[2].error;
    ASSERT_TRUE(outcomes[3].ok) << outcomes[3].error;

    auto stored = m_service->items("Accounts");
    ASSERT_EQ(stored.size(), 2u);
    EXPECT_EQ(stored[0]["Title"], "Contoso");
    EXPECT_EQ(stored[0]["Revenue"].dump(), "1234.5");
    EXPECT_EQ(stored[1]["Account_x0020_Number"], "東京😀");

    const std::int64_t first = outcomes[0].key[0].asInt();
    const std::int64_t second = outcomes[3].key[0].asInt();
    WriteBatch changes;
    changes.columns = {"Title"};
    changes.items.push_back(updateItem(first, {Value("Contoso Ltd")}));
    changes.items.push_back(updateItem(999999, {Value("ghost")}));
    changes.items.push_back(deleteItem(second));
    changes.items.push_back(deleteItem(888888));
    const auto changed = provider->write(changes);
    ASSERT_EQ(changed.size(), 4u);
    EXPECT_TRUE(changed[0].ok) << changed[0].error;
    EXPECT_FALSE(changed[1].ok);
    EXPECT_NE(changed[1].error.find("no longer exists"), std::string::npos) << changed[1].error;
    EXPECT_TRUE(changed[2].ok) << changed[2].error;
    EXPECT_TRUE(changed[3].ok) << "deleting an item that is already gone is fine";
    stored = m_service->items("Accounts");
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0]["Title"], "Contoso Ltd");
    EXPECT_EQ(stored[0]["Account_x0020_Number"], "C-1") << "MERGE keeps unwritten fields";
}

// A key of the user's choice: items are found by a $filter on it before updates and deletes.
TEST_F(SharePointProviderTest, AnExplicitKeyColumnAddressesItems) {
    m_service->addItems("Accounts", {json{{"Title", "One"}, {"Account_x0020_Number", "O'Neil 1"}},
                                     json{{"Title", "Two"}, {"Account_x0020_Number", "A&B 2"}}});
    auto s = accounts();
    s.primaryKey = {"Account_x0020_Number"};
    auto provider = open(s);
    EXPECT_EQ(provider->describe().keyColumns(), std::vector<std::string>{"Account_x0020_Number"});
    EXPECT_FALSE(provider->capabilities().supportsChangeTracking);
    WriteBatch batch;
    batch.columns = {"Title"};
    WriteItem update;
    update.kind = WriteKind::Update;
    update.key = {Value("O'Neil 1")};
    update.values = {Value("One, renamed")};
    batch.items.push_back(update);
    WriteItem remove;
    remove.kind = WriteKind::Delete;
    remove.key = {Value("A&B 2")};
    batch.items.push_back(remove);
    WriteItem ghost = update;
    ghost.key = {Value("nobody")};
    batch.items.push_back(ghost);
    const auto outcomes = provider->write(batch);
    ASSERT_EQ(outcomes.size(), 3u);
    EXPECT_TRUE(outcomes[0].ok) << outcomes[0].error;
    EXPECT_EQ(outcomes[0].key, std::vector<Value>{Value("O'Neil 1")});
    EXPECT_TRUE(outcomes[1].ok) << outcomes[1].error;
    EXPECT_FALSE(outcomes[2].ok);
    EXPECT_NE(outcomes[2].error.find("no longer exists"), std::string::npos) << outcomes[2].error;
    const auto stored = m_service->items("Accounts");
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0]["Title"], "One, renamed");
}

// Long notes: a batch of 100 would pass SharePoint's ~1 MB $batch body limit, so Ferry splits it.
TEST_F(SharePointProviderTest, LargeBodiesAreSplitBelowTheBatchSizeLimit) {
    auto provider = open(accounts());
    WriteBatch batch;
    batch.columns = {"Title", "Notes"};
    for (int i = 0; i < 100; ++i) {
        batch.items.push_back(
            insertItem({Value("Long " + std::to_string(i)), Value(std::string(30000, 'n'))}));
    }
    const auto before = m_service->stats().batches;
    const auto outcomes = provider->write(batch);
    for (const auto& outcome : outcomes) {
        ASSERT_TRUE(outcome.ok) << outcome.error;
    }
    EXPECT_EQ(m_service->items("Accounts").size(), 100u);
    EXPECT_GE(m_service->stats().batches - before, 4u) << "3 MB of notes need several batches";
}

TEST_F(SharePointProviderTest, ARequiredColumnLeftUnmappedFailsEachInsertClearly) {
    auto provider = open(accounts());
    WriteBatch batch;
    batch.columns = {"Account_x0020_Number"};
    batch.items.push_back(insertItem({Value("A-1")}));
    batch.items.push_back(insertItem({Value("A-2")}));
    const auto outcomes = provider->write(batch);
    ASSERT_EQ(outcomes.size(), 2u);
    for (const auto& outcome : outcomes) {
        EXPECT_FALSE(outcome.ok);
        EXPECT_EQ(outcome.errorCode, ErrorCode::ConstraintViolation);
        EXPECT_NE(outcome.error.find("'Title'"), std::string::npos) << outcome.error;
        EXPECT_NE(outcome.error.find("map"), std::string::npos) << outcome.error;
    }
    EXPECT_TRUE(m_service->items("Accounts").empty());
}

TEST_F(SharePointProviderTest, LookupsAndChoicesRoundTrip) {
    auto provider = open(settings(m_service->siteUrl(), "List=Orders"));
    const Schema& schema = provider->describe();
    ASSERT_NE(schema.find("RegionId"), nullptr);
    WriteBatch batch;
    batch.columns = {"Title", "RegionId", "Status", "Labels"};
    batch.items.push_back(
        insertItem({Value("O-1"), Value(std::int64_t{2}), Value("Closed"), Value("Urgent;#Gift")}));
    batch.items.push_back(insertItem({Value("O-2"), Value(), Value("Open"), Value()}));
    const auto outcomes = provider->write(batch);
    ASSERT_TRUE(outcomes.at(0).ok) << outcomes[0].error;
    ASSERT_TRUE(outcomes.at(1).ok) << outcomes[1].error;
    const auto rows = readAll(*provider);
    ASSERT_EQ(rows.size(), 2u);
    const auto at = [&](std::size_t row, const char* column) {
        return rows[row].values[schema.indexOf(column).value()];
    };
    EXPECT_EQ(at(0, "RegionId"), Value(std::int64_t{2}));
    EXPECT_EQ(at(0, "Status"), Value("Closed"));
    EXPECT_EQ(at(0, "Labels"), Value("Urgent;#Gift"));
    EXPECT_TRUE(at(1, "RegionId").isNull());
    EXPECT_TRUE(at(1, "Labels").isNull());
    const auto stored = m_service->items("Orders");
    ASSERT_EQ(stored.size(), 2u);
    EXPECT_EQ(stored[0]["RegionId"], 2);
}

TEST_F(SharePointProviderTest, TheChangeLogGivesAddsUpdatesAndDeletes) {
    std::vector<json> items;
    for (int i = 0; i < 30; ++i) {
        items.push_back({{"Title", "Account " + std::to_string(i)}});
    }
    m_service->addItems("Accounts", items);
    auto provider = open(accounts());
    ASSERT_TRUE(provider->capabilities().supportsChangeTracking);
    const std::size_t idColumn = provider->describe().indexOf("ID").value();
    const std::size_t titleColumn = provider->describe().indexOf("Title").value();

    std::vector<Record> rows;
    std::vector<std::vector<Value>> deleted;
    const PageSink sink = [&rows](std::vector<Record>& page) {
        for (auto& record : page) {
            rows.push_back(std::move(record));
        }
        return true;
    };
    const DeletedKeySink deletedSink = [&deleted](std::vector<std::vector<Value>>& keys) {
        for (auto& key : keys) {
            deleted.push_back(std::move(key));
        }
        return true;
    };
    const auto first = provider->readChanges("", sink, deletedSink);
    EXPECT_FALSE(first.delta);
    EXPECT_FALSE(first.deltaToken.empty());
    EXPECT_EQ(rows.size(), 30u);

    WriteBatch changes;
    changes.columns = {"Title"};
    changes.items.push_back(insertItem({Value("Added")}));
    changes.items.push_back(updateItem(3, {Value("Updated")}));
    changes.items.push_back(deleteItem(5));
    const auto outcomes = provider->write(changes);
    for (const auto& outcome : outcomes) {
        ASSERT_TRUE(outcome.ok) << outcome.error;
    }
    const std::int64_t added = outcomes[0].key[0].asInt();

    rows.clear();
    const auto second = provider->readChanges(first.deltaToken, sink, deletedSink);
    EXPECT_TRUE(second.delta);
    EXPECT_NE(second.deltaToken, first.deltaToken);
    std::map<std::int64_t, std::string> seen;
    for (const auto& row : rows) {
        seen[row.values[idColumn].asInt()] = row.values[titleColumn].asString();
    }
    EXPECT_EQ(seen, (std::map<std::int64_t, std::string>{{3, "Updated"}, {added, "Added"}}));
    ASSERT_EQ(deleted.size(), 1u);
    EXPECT_EQ(deleted[0], std::vector<Value>{Value(std::int64_t{5})});

    // Nothing changed since: an empty delta.
    rows.clear();
    deleted.clear();
    const auto third = provider->readChanges(second.deltaToken, sink, deletedSink);
    EXPECT_TRUE(third.delta);
    EXPECT_TRUE(rows.empty());
    EXPECT_TRUE(deleted.empty());

    // A token the list does not know: a full read, flagged as such.
    const auto refused = provider->readChanges("1;3;not-this-list;1;1", sink, deletedSink);
    EXPECT_FALSE(refused.delta);
    EXPECT_EQ(rows.size(), 30u);
    EXPECT_FALSE(refused.deltaToken.empty());
}

// After a change to most of the list (as a first sync's inserts), the change log names nearly
// every item: reading the list costs fewer requests than looking each item up by ID, so
// readChanges reads it all (delta = false). Its token comes from before that read: an edit made
// while the list is read comes in the next delta, with the edits and deletes made after.
TEST_F(SharePointProviderTest, AChangeLogNamingMostOfTheListGivesAFullRead) {
    constexpr int kItems = 1000;
    std::vector<json> items;
    for (int i = 1; i <= kItems; ++i) {
        items.push_back({{"Title", "Account " + std::to_string(i)}});
    }
    m_service->addItems("Accounts", items);
    auto provider = open(accounts("PageSize=250"));
    auto writer = open(accounts());
    const std::size_t idColumn = provider->describe().indexOf("ID").value();
    const std::size_t titleColumn = provider->describe().indexOf("Title").value();
    std::map<std::int64_t, std::string> rows;  // ID -> title
    std::vector<std::int64_t> deleted;
    const PageSink sink = [&](std::vector<Record>& page) {
        for (const auto& record : page) {
            rows[record.values[idColumn].asInt()] = record.values[titleColumn].asString();
        }
        return true;
    };
    const DeletedKeySink deletedSink = [&deleted](std::vector<std::vector<Value>>& keys) {
        for (const auto& key : keys) {
            deleted.push_back(key.at(0).asInt());
        }
        return true;
    };
    const auto rename = [&writer](int firstId, int lastId, const std::string& prefix) {
        WriteBatch batch;
        batch.columns = {"Title"};
        for (int id = firstId; id <= lastId; ++id) {
            batch.items.push_back(updateItem(id, {Value(prefix + std::to_string(id))}));
        }
        for (const auto& outcome : writer->write(batch)) {
            ASSERT_TRUE(outcome.ok) << outcome.error;
        }
    };
    const auto first = provider->readChanges("", sink, deletedSink);
    ASSERT_FALSE(first.delta);
    ASSERT_EQ(rows.size(), static_cast<std::size_t>(kItems));
    rename(1, kItems, "Renamed ");

    // Item 1 is edited once the first page (IDs 1 to 250) has been read.
    rows.clear();
    std::uint64_t editRequests = 0;
    const PageSink editingSink = [&](std::vector<Record>& page) {
        const bool firstPage = rows.empty();
        sink(page);
        if (firstPage) {
            const auto before = m_service->stats().requests;
            rename(1, 1, "Edited while reading ");
            editRequests = m_service->stats().requests - before;
        }
        return true;
    };
    const auto before = m_service->stats().requests;
    const auto second = provider->readChanges(first.deltaToken, editingSink, deletedSink);
    const auto requests = m_service->stats().requests - before - editRequests;
    EXPECT_FALSE(second.delta) << "every item changed: a full read";
    EXPECT_LE(requests, 7U) << "the form digest, GetChanges, the token and 4 pages of 250; "
                               "looking 1,000 IDs up takes 10 requests or more";
    ASSERT_EQ(rows.size(), static_cast<std::size_t>(kItems));
    EXPECT_EQ(rows[1], "Renamed 1") << "read before the edit";
    EXPECT_EQ(rows[2], "Renamed 2");
    EXPECT_EQ(rows[kItems], "Renamed 1000");
    EXPECT_TRUE(deleted.empty());

    // 150 edits (several lookups, but far from a quarter of the list) and a delete: a delta,
    // with the edit made during the full read.
    rename(501, 650, "Edited later ");
    WriteBatch remove;
    remove.columns = {"Title"};
    remove.items.push_back(deleteItem(7));
    ASSERT_TRUE(writer->write(remove).at(0).ok);
    rows.clear();
    const auto third = provider->readChanges(second.deltaToken, sink, deletedSink);
    EXPECT_TRUE(third.delta);
    std::map<std::int64_t, std::string> expected{{1, "Edited while reading 1"}};
    for (int id = 501; id <= 650; ++id) {
        expected[id] = "Edited later " + std::to_string(id);
    }
    EXPECT_EQ(rows, expected);
    EXPECT_EQ(deleted, std::vector<std::int64_t>{7});
}

TEST_F(SharePointProviderTest, ThrottlingAndFaultsStillGiveCompleteResults) {
    std::vector<json> items;
    for (int i = 0; i < 1500; ++i) {
        items.push_back({{"Title", "Account " + std::to_string(i)}});
    }
    m_service->addItems("Accounts", items);
    auto provider = open(accounts("PageSize=250"));
    provider->describe();
    m_service->setThrottle(3, 1, 1);  // 3 requests a second, then 429 with Retry-After: 1
    m_service->setFaults(0.15, 0.05);
    std::set<std::int64_t> ids;
    for (const auto& row : readAll(*provider)) {
        ids.insert(row.values[0].asInt());
    }
    EXPECT_EQ(ids.size(), 1500u);

    WriteBatch batch;
    batch.columns = {"Title"};
    for (int i = 0; i < 150; ++i) {
        batch.items.push_back(insertItem({Value("New " + std::to_string(i))}));
    }
    const auto outcomes = provider->write(batch);
    m_service->setFaults(0, 0);
    m_service->setThrottle(0, 60, 1);
    std::size_t ok = 0;
    for (const auto& outcome : outcomes) {
        ok += outcome.ok ? 1 : 0;
    }
    EXPECT_EQ(ok, 150u);
    EXPECT_EQ(m_service->items("Accounts").size(), 1650u) << "no item twice, none lost";
    EXPECT_GT(m_service->stats().throttled + m_service->stats().faults, 0u)
        << "the test must have met throttling or faults";
}

// The item each outcome's ID names, by title: outcomes must follow the items, whatever order
// the parallel $batch requests were served in.
std::map<std::int64_t, std::string> titlesById(const SharePointEmulator& service) {
    std::map<std::int64_t, std::string> titles;
    for (const auto& item : service.items("Accounts")) {
        titles[item["ID"].get<std::int64_t>()] = item["Title"].get<std::string>();
    }
    return titles;
}

// Concurrency=N sends up to N $batch requests at once (the engine's batches grow to
// BatchSize × N); Concurrency=1 sends one at a time. The latency keeps each request open long
// enough for its neighbours to arrive while it is served.
TEST_F(SharePointProviderTest, ConcurrencySendsSeveralBatchRequestsAtOnce) {
    m_service->setLatency(150);
    WriteBatch batch;
    batch.columns = {"Title"};
    for (int i = 0; i < 80; ++i) {
        batch.items.push_back(insertItem({Value("Item " + std::to_string(i))}));
    }

    auto serial = open(accounts("BatchSize=10;Concurrency=1"));
    EXPECT_EQ(serial->capabilities().maxBatchSize, 10u);
    auto before = m_service->stats().batches;
    for (const auto& outcome : serial->write(batch)) {
        ASSERT_TRUE(outcome.ok) << outcome.error;
    }
    EXPECT_EQ(m_service->stats().batches - before, 8u);
    EXPECT_EQ(m_service->stats().maxConcurrentRequests, 1u) << "one request at a time";

    auto parallel = open(accounts("BatchSize=10;Concurrency=4"));
    EXPECT_EQ(parallel->capabilities().maxBatchSize, 40u) << "BatchSize × Concurrency";
    before = m_service->stats().batches;
    const auto outcomes = parallel->write(batch);
    m_service->setLatency(0);
    EXPECT_EQ(m_service->stats().batches - before, 8u) << "80 items in $batch requests of 10";
    EXPECT_GE(m_service->stats().maxConcurrentRequests, 2u) << "several requests in flight";
    EXPECT_LE(m_service->stats().maxConcurrentRequests, 4u) << "never more than Concurrency";
    const auto titles = titlesById(*m_service);
    ASSERT_EQ(titles.size(), 160u);
    ASSERT_EQ(outcomes.size(), 80u);
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        ASSERT_TRUE(outcomes[i].ok) << outcomes[i].error;
        EXPECT_EQ(titles.at(outcomes[i].key.at(0).asInt()), "Item " + std::to_string(i));
    }
    EXPECT_EQ(open(accounts())->capabilities().maxBatchSize, 400u) << "defaults: 100 × 4";
    for (const char* bad : {"Concurrency=0", "Concurrency=17", "Concurrency=many"}) {
        EXPECT_FALSE(open(accounts(bad))->capabilities().writable) << bad;
    }
}

// Parallel $batch requests with whole requests throttled (429) or failed (503), single operations
// answered 503 inside their batch, refused items and an expired form digest: every item still
// gets its own outcome, in order, and none is written twice.
TEST_F(SharePointProviderTest, ParallelBatchesKeepOutcomesPerItemUnderThrottlingAndFaults) {
    std::vector<json> seed;
    for (int i = 0; i < 40; ++i) {
        seed.push_back({{"Title", "Old " + std::to_string(i)}});
    }
    m_service->addItems("Accounts", seed);
    const auto oldIds = titlesById(*m_service);
    auto provider = open(accounts("BatchSize=7;Concurrency=4"));
    provider->describe();

    // Inserts (every 10th too long for its column), updates of existing and missing items, and
    // deletes, interleaved.
    WriteBatch batch;
    batch.columns = {"Title", "Account_x0020_Number"};
    std::vector<std::string> expected;  // per item: "insert <title>", "fail", "update", "delete"
    auto oldId = oldIds.begin();
    for (int i = 0; i < 120; ++i) {
        if (i % 4 == 1 && oldId != oldIds.end()) {
            batch.items.push_back(
                updateItem(oldId->first, {Value("Updated " + std::to_string(i)), Value("U")}));
            expected.emplace_back("update");
            ++oldId;
        } else if (i % 4 == 3 && oldId != oldIds.end()) {
            batch.items.push_back(deleteItem(oldId->first));
            expected.emplace_back("delete");
            ++oldId;
        } else if (i % 10 == 0) {
            batch.items.push_back(
                insertItem({Value("Bad " + std::to_string(i)), Value(std::string(21, 'x'))}));
            expected.emplace_back("fail");
        } else {
            const std::string title = "New " + std::to_string(i);
            batch.items.push_back(insertItem({Value(title), Value("N")}));
            expected.push_back("insert " + title);
        }
    }
    batch.items.push_back(updateItem(999999, {Value("ghost"), Value("G")}));
    expected.emplace_back("missing");

    m_service->setThrottle(4, 1, 1);  // 4 requests a second, then 429 with Retry-After: 1
    m_service->setFaults(0.1, 0);
    m_service->setBatchPartFaults(9);  // every 9th operation inside a batch: 503
    const auto outcomes = provider->write(batch);
    m_service->setFaults(0, 0);
    m_service->setThrottle(0, 60, 1);
    m_service->setBatchPartFaults(0);
    EXPECT_GT(m_service->stats().throttled + m_service->stats().faults, 0u)
        << "the test must have met whole requests throttled or failed";

    const auto titles = titlesById(*m_service);
    ASSERT_EQ(outcomes.size(), expected.size());
    std::size_t inserted = 0;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        const WriteOutcome& outcome = outcomes[i];
        if (expected[i] == "fail") {
            EXPECT_FALSE(outcome.ok) << i;
            EXPECT_EQ(outcome.errorCode, ErrorCode::ValueTooLong) << i << ": " << outcome.error;
        } else if (expected[i] == "missing") {
            EXPECT_FALSE(outcome.ok) << i;
            EXPECT_NE(outcome.error.find("no longer exists"), std::string::npos) << outcome.error;
        } else if (expected[i] == "update") {
            ASSERT_TRUE(outcome.ok) << i << ": " << outcome.error;
            EXPECT_EQ(titles.at(batch.items[i].key[0].asInt()), "Updated " + std::to_string(i));
        } else if (expected[i] == "delete") {
            ASSERT_TRUE(outcome.ok) << i << ": " << outcome.error;
            EXPECT_EQ(titles.count(batch.items[i].key[0].asInt()), 0u) << i;
        } else {
            ASSERT_TRUE(outcome.ok) << i << ": " << outcome.error;
            EXPECT_EQ("insert " + titles.at(outcome.key.at(0).asInt()), expected[i]) << i;
            ++inserted;
        }
    }
    EXPECT_EQ(titles.size(), 40u - 20u + inserted) << "no item twice, none lost";

    // The form digest expires between writes (no Bearer token: the digest is what counts): the
    // refused requests are sent again once with a fresh digest.
    SharePointOptions noAuth;
    noAuth.requireAuth = false;
    SharePointEmulator site(noAuth);
    site.start();
    site.createList(accountsList());
    ProviderSettings plain;
    plain.connectionString = ConnectionString::parse(
        "URL=" + site.siteUrl() + "/Lists/Accounts;Authentication=none;BatchSize=5;Concurrency=3");
    auto writer = open(plain);
    WriteBatch first;
    first.columns = {"Title"};
    first.items.push_back(insertItem({Value("Before")}));
    ASSERT_TRUE(writer->write(first).at(0).ok);
    site.expireFormDigests();
    WriteBatch second;
    second.columns = {"Title"};
    for (int i = 0; i < 15; ++i) {
        second.items.push_back(insertItem({Value("After " + std::to_string(i))}));
    }
    const auto afterExpiry = writer->write(second);
    ASSERT_EQ(afterExpiry.size(), 15u);
    std::map<std::int64_t, std::string> siteTitles;
    for (const auto& item : site.items("Accounts")) {
        siteTitles[item["ID"].get<std::int64_t>()] = item["Title"].get<std::string>();
    }
    EXPECT_EQ(siteTitles.size(), 16u);
    for (std::size_t i = 0; i < afterExpiry.size(); ++i) {
        ASSERT_TRUE(afterExpiry[i].ok) << afterExpiry[i].error;
        EXPECT_EQ(siteTitles.at(afterExpiry[i].key.at(0).asInt()), "After " + std::to_string(i));
    }
}

TEST_F(SharePointProviderTest, VerifyDiagnosesCredentialsListsAndHosts) {
    EXPECT_NO_THROW(open(accounts())->verify());
    EXPECT_NO_THROW(open(settings(m_service->siteUrl() + "/Lists/Accounts"))->verify());
    EXPECT_NO_THROW(open(settings(m_service->siteUrl(), "List=Accounts"))->verify());

    auto wrong = accounts();
    wrong.password = "NotThePassword";
    const Error auth = errorOf([&] { open(wrong)->verify(); });
    EXPECT_EQ(auth.code(), ErrorCode::AuthenticationFailed) << auth.fullText();
    EXPECT_EQ(auth.fullText().find("NotThePassword"), std::string::npos);

    const Error missing =
        errorOf([&] { open(settings(m_service->siteUrl(), "List=Acounts"))->verify(); });
    EXPECT_EQ(missing.code(), ErrorCode::EntityNotFound) << missing.fullText();
    EXPECT_NE(missing.hint().find("Accounts"), std::string::npos) << missing.fullText();
    const Error missingUrl = errorOf(
        [&] { open(settings(m_service->siteUrl() + "/Lists/Nothing/AllItems.aspx"))->verify(); });
    EXPECT_EQ(missingUrl.code(), ErrorCode::EntityNotFound) << missingUrl.fullText();

    auto unreachable = settings("http://127.0.0.1:1/sites/sales/Lists/Accounts", "Timeout=5");
    const Error host = errorOf([&] { open(unreachable)->verify(); });
    EXPECT_EQ(host.code(), ErrorCode::ConnectionFailed) << host.fullText();
}

WriteItem insertWithOrigin(std::vector<Value> values, std::string origin) {
    WriteItem item = insertItem(std::move(values));
    item.origin = std::move(origin);
    return item;
}

// Origins: a rerun after a crash must find the items a run inserted but never recorded.
TEST_F(SharePointProviderTest, InsertsKeepTheirOriginInAHiddenFieldMadeOnce) {
    auto provider = open(accounts());
    EXPECT_TRUE(provider->capabilities().recordsOrigin);
    WriteBatch batch;
    batch.columns = {"Title"};
    batch.items.push_back(insertWithOrigin({Value("Contoso")}, "crm/left/{a1}"));
    batch.items.push_back(insertWithOrigin({Value("Fabrikam")}, "crm/left/{b2}"));
    batch.items.push_back(insertItem({Value("No origin")}));
    const auto outcomes = provider->write(batch);
    for (const auto& outcome : outcomes) {
        ASSERT_TRUE(outcome.ok) << outcome.error;
    }
    auto stored = m_service->items("Accounts");
    ASSERT_EQ(stored.size(), 3u);
    EXPECT_EQ(stored[0]["FerryOrigin"], "crm/left/{a1}") << "the list got the field";
    EXPECT_TRUE(stored[2]["FerryOrigin"].is_null());

    // Another run (a new provider): the field is found, not made again; reads return origins
    // and never show the field as a column.
    auto rerun = open(accounts());
    const Schema& schema = rerun->describe();
    EXPECT_EQ(schema.find("FerryOrigin"), nullptr);
    WriteBatch more;
    more.columns = {"Title"};
    more.items.push_back(insertWithOrigin({Value("Northwind")}, "crm/left/{c3}"));
    more.items.push_back(updateItem(outcomes[0].key[0].asInt(), {Value("Contoso Ltd")}));
    for (const auto& outcome : rerun->write(more)) {
        ASSERT_TRUE(outcome.ok) << outcome.error;
    }
    stored = m_service->items("Accounts");
    ASSERT_EQ(stored.size(), 4u);
    EXPECT_FALSE(stored[3].contains("FerryOrigin0")) << "the field was made a second time";
    EXPECT_EQ(stored[3]["FerryOrigin"], "crm/left/{c3}");
    EXPECT_EQ(stored[0]["FerryOrigin"], "crm/left/{a1}") << "updates keep the origin";

    std::map<std::string, std::string> origins;  // title -> origin
    const std::size_t title = schema.indexOf("Title").value();
    for (const auto& record : readAll(*rerun)) {
        origins[record.values[title].asString()] = record.origin;
    }
    EXPECT_EQ(origins, (std::map<std::string, std::string>{{"Contoso Ltd", "crm/left/{a1}"},
                                                           {"Fabrikam", "crm/left/{b2}"},
                                                           {"No origin", ""},
                                                           {"Northwind", "crm/left/{c3}"}}));
    // Delta reads carry them too.
    std::vector<Record> changed;
    const auto first = rerun->readChanges(
        "",
        [&changed](std::vector<Record>& page) {
            for (auto& record : page) {
                changed.push_back(std::move(record));
            }
            return true;
        },
        [](std::vector<std::vector<Value>>&) { return true; });
    ASSERT_EQ(changed.size(), 4u);
    EXPECT_EQ(changed[1].origin, "crm/left/{b2}");
    WriteBatch late;
    late.columns = {"Title"};
    late.items.push_back(insertWithOrigin({Value("Late")}, "crm/left/{d4}"));
    ASSERT_TRUE(rerun->write(late).at(0).ok);
    changed.clear();
    const auto second = rerun->readChanges(
        first.deltaToken,
        [&changed](std::vector<Record>& page) {
            for (auto& record : page) {
                changed.push_back(std::move(record));
            }
            return true;
        },
        [](std::vector<std::vector<Value>>&) { return true; });
    EXPECT_TRUE(second.delta);
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].origin, "crm/left/{d4}");
}

TEST_F(SharePointProviderTest, OriginFieldNoneAddsNoField) {
    auto provider = open(accounts("OriginField=none"));
    EXPECT_FALSE(provider->capabilities().recordsOrigin);
    WriteBatch batch;
    batch.columns = {"Title"};
    batch.items.push_back(insertWithOrigin({Value("Contoso")}, "crm/left/{a1}"));
    ASSERT_TRUE(provider->write(batch).at(0).ok);
    const auto stored = m_service->items("Accounts");
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_FALSE(stored[0].contains("FerryOrigin"));
    EXPECT_TRUE(readAll(*provider).at(0).origin.empty());

    const Error bad = errorOf([&] { open(accounts("OriginField=Ferry Origin"))->verify(); });
    EXPECT_EQ(bad.code(), ErrorCode::InvalidConnectionString) << bad.fullText();
}

// A user who may add items but not change the list: inserts go on without origins.
TEST_F(SharePointProviderTest, AnOriginFieldSharePointRefusesOnlyDegrades) {
    m_service->setSchemaLocked(true);
    auto provider = open(accounts());
    WriteBatch batch;
    batch.columns = {"Title"};
    batch.items.push_back(insertWithOrigin({Value("Contoso")}, "crm/left/{a1}"));
    batch.items.push_back(insertWithOrigin({Value("Fabrikam")}, "crm/left/{b2}"));
    for (const auto& outcome : provider->write(batch)) {
        EXPECT_TRUE(outcome.ok) << outcome.error;
    }
    ASSERT_TRUE(provider->write(batch).at(0).ok) << "a second batch does not fail either";
    const auto stored = m_service->items("Accounts");
    ASSERT_EQ(stored.size(), 4u);
    EXPECT_FALSE(stored[0].contains("FerryOrigin"));
}

std::vector<Column> everyTypeColumns() {
    const auto column = [](std::string name, ValueType type, std::int64_t length = 0) {
        Column c;
        c.name = std::move(name);
        c.displayName = c.name;
        c.type = type;
        c.length = length;
        return c;
    };
    std::vector<Column> columns;
    columns.push_back(column("Account Number", ValueType::String, 100));
    columns.back().key = true;
    columns.back().nullable = false;
    columns.push_back(column("name", ValueType::String, 50));
    columns.back().displayName = "Full name";
    columns.push_back(column("Description", ValueType::String));  // no length: a Note
    columns.push_back(column("Employees", ValueType::Int));
    columns.push_back(column("Revenue", ValueType::Decimal));
    columns.back().nativeType = "Money";
    columns.push_back(column("Rating", ValueType::Decimal));
    columns.push_back(column("Active", ValueType::Bool));
    columns.push_back(column("Opened", ValueType::DateTime));
    columns.push_back(column("Birthday", ValueType::Date));
    columns.push_back(column("ExternalId", ValueType::Guid));
    columns.push_back(column("Industry", ValueType::String));
    columns.back().nativeType = "formatted label";
    columns.back().choices = {"Retail", "Banking"};
    columns.push_back(column("Category", ValueType::String));
    columns.back().nativeType = "formatted label";
    columns.push_back(column("Photo", ValueType::Binary));
    return columns;
}

TEST_F(SharePointProviderTest, CreatesAListFromASchemaAndRoundTripsEveryType) {
    auto provider = open(settings(m_service->siteUrl() + "/Lists/Contacts/AllItems.aspx"));
    ASSERT_TRUE(provider->capabilities().canCreateEntity);
    EXPECT_FALSE(provider->entityExists());
    const std::vector<Column> columns = everyTypeColumns();
    const CreatedEntity created = provider->createEntity(columns);
    EXPECT_TRUE(provider->entityExists());
    EXPECT_EQ(created.name, "list 'Contacts'");
    ASSERT_EQ(created.columns.size(), columns.size() + 1) << "and the origin field";
    const auto line = [&](const std::string& prefix) {
        for (const auto& text : created.columns) {
            if (text.rfind(prefix + " → ", 0) == 0) {
                return text;
            }
        }
        return std::string("(no line for " + prefix + ")");
    };
    EXPECT_EQ(line("Account Number"),
              "Account Number → Text(100), indexed, unique (internal name Account_x0020_Number)");
    EXPECT_EQ(line("name"), "name → Text(50)");
    EXPECT_EQ(line("Description"), "Description → Note");
    EXPECT_EQ(line("Employees"), "Employees → Number");
    EXPECT_EQ(line("Revenue"), "Revenue → Currency");
    EXPECT_EQ(line("Opened"), "Opened → DateTime");
    EXPECT_EQ(line("Birthday"), "Birthday → DateTime (date only)");
    EXPECT_EQ(line("ExternalId"), "ExternalId → Text(36)");
    EXPECT_EQ(line("Industry"), "Industry → Choice (Retail, Banking)");
    EXPECT_EQ(line("Category"), "Category → Choice (any value)");
    EXPECT_EQ(line("Photo"), "Photo → Note");
    const auto noted = [&](const std::string& part) {
        return std::any_of(created.notes.begin(), created.notes.end(),
                           [&](const std::string& n) { return n.find(part) != std::string::npos; });
    };
    EXPECT_TRUE(noted("base64"));
    EXPECT_TRUE(noted("Title column was made optional"));

    const Error again = errorOf([&] { provider->createEntity(columns); });
    EXPECT_EQ(again.code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(again.message(), "the list 'Contacts' already exists");

    // The list as the provider now describes it.
    auto fresh = open(settings(m_service->siteUrl() + "/Lists/Contacts/AllItems.aspx"));
    const Schema& schema = fresh->describe();
    const Column* number = schema.find("Account_x0020_Number");
    ASSERT_NE(number, nullptr);
    EXPECT_EQ(number->displayName, "Account Number");
    EXPECT_EQ(number->length, 100);
    ASSERT_NE(schema.find("name"), nullptr) << "internal name from the column name";
    EXPECT_EQ(schema.find("name")->displayName, "Full name") << "then retitled";
    EXPECT_EQ(schema.find("Revenue")->type, ValueType::Decimal);
    EXPECT_EQ(schema.find("Birthday")->type, ValueType::Date);
    EXPECT_EQ(schema.find("Industry")->choices, (std::vector<std::string>{"Retail", "Banking"}));
    EXPECT_EQ(schema.find("FerryOrigin"), nullptr);

    // Every type through the provider and back.
    WriteBatch batch;
    for (const auto& c : columns) {
        batch.columns.push_back(c.name);
    }
    const std::vector<Value> full = {
        Value("A-100"),
        Value("Ada Lovelace"),
        Value(std::string("Line one\nLine two, with \"quotes\" and ünïcödé")),
        Value(std::int64_t{1234}),
        Value(*parseDecimal("98765.4321")),
        Value(*parseDecimal("4.75")),
        Value(true),
        Value(*parseDateTime("2024-02-29T13:45:59Z")),
        Value(*parseDate("1815-12-10")),
        Value(*parseGuid("6F9619FF-8B86-D011-B42D-00C04FC964FF")),
        Value("Banking"),
        Value("Anything at all"),
        Value(Binary{{0x00, 0xFF, 0x10, 0x80}})};
    std::vector<Value> sparse(columns.size());
    sparse[0] = Value("A-200");
    batch.items.push_back(insertWithOrigin(full, "src/left/100"));
    batch.items.push_back(insertWithOrigin(sparse, "src/left/200"));
    batch.items.push_back(
        insertItem({Value("A-100"), Value(), Value(), Value(), Value(), Value(), Value(), Value(),
                    Value(), Value(), Value(), Value(), Value()}));
    const auto outcomes = fresh->write(batch);
    ASSERT_EQ(outcomes.size(), 3u);
    ASSERT_TRUE(outcomes[0].ok) << outcomes[0].error;
    ASSERT_TRUE(outcomes[1].ok) << outcomes[1].error;
    EXPECT_FALSE(outcomes[2].ok) << "the key column is unique";
    EXPECT_EQ(outcomes[2].errorCode, ErrorCode::ConstraintViolation) << outcomes[2].error;

    const auto rows = readAll(*fresh);
    ASSERT_EQ(rows.size(), 2u);
    const auto read = [&](std::size_t row, const std::string& name) {
        const auto index = schema.indexOf(name == "Account Number" ? "Account_x0020_Number" : name);
        EXPECT_TRUE(index.has_value()) << name;
        return index ? rows[row].values[*index] : Value();
    };
    for (std::size_t c = 0; c < columns.size(); ++c) {
        const Value got = read(0, columns[c].name);
        if (columns[c].type == ValueType::Binary) {
            EXPECT_EQ(got, Value("AP8QgA==")) << "binary is kept as base64";
        } else {
            // Same value; numbers come back as SharePoint's numbers (canonical compares them).
            EXPECT_EQ(got.canonical(), full[c].canonical()) << columns[c].name;
        }
        if (c > 0) {
            EXPECT_TRUE(read(1, columns[c].name).isNull()) << columns[c].name;
        }
    }
    EXPECT_EQ(read(0, "Birthday"), full[8]) << "a date stays a date";
    EXPECT_EQ(read(0, "Revenue"), full[4]) << "money stays exact";
    EXPECT_EQ(rows[0].origin, "src/left/100");
    EXPECT_EQ(rows[1].origin, "src/left/200");
}

TEST_F(SharePointProviderTest, ATitleColumnTakesTheListsOwnTitle) {
    auto provider = open(settings(m_service->siteUrl(), "List=Projects;OriginField=none"));
    Column title;
    title.name = "title";
    title.type = ValueType::String;
    title.length = 200;
    title.nullable = false;
    Column budget;
    budget.name = "Budget";
    budget.type = ValueType::Decimal;
    budget.nativeType = "money";
    const CreatedEntity created = provider->createEntity({title, budget});
    EXPECT_EQ(created.columns,
              (std::vector<std::string>{"title → Text(255) (the list's own Title column, required)",
                                        "Budget → Currency"}));
    const Schema& schema = provider->describe();
    EXPECT_FALSE(schema.find("Title")->nullable) << "a required source column stays required";
    EXPECT_EQ(schema.find("title0"), nullptr);
    WriteBatch batch;
    batch.columns = {"Title", "Budget"};
    batch.items.push_back(insertItem({Value("Apollo"), Value(*parseDecimal("25000000.5"))}));
    ASSERT_TRUE(provider->write(batch).at(0).ok);
    EXPECT_EQ(m_service->items("Projects").at(0)["Title"], "Apollo");
}

TEST_F(SharePointProviderTest, CreateEntityExplainsWhatItCannotDo) {
    Column column;
    column.name = "Name";
    column.length = 40;
    m_service->setSchemaLocked(true);
    const Error denied = errorOf(
        [&] { open(settings(m_service->siteUrl(), "List=Locked"))->createEntity({column}); });
    EXPECT_EQ(denied.code(), ErrorCode::AuthenticationFailed) << denied.fullText();
    EXPECT_NE(denied.message().find("Locked"), std::string::npos) << denied.fullText();
    m_service->setSchemaLocked(false);

    const Error exists = errorOf([&] { open(accounts())->createEntity({column}); });
    EXPECT_EQ(exists.code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(exists.message(), "the list 'Accounts' already exists");

    const Error library = errorOf([&] {
        open(settings(m_service->siteUrl() + "/Shared Documents/Forms/AllItems.aspx"))
            ->createEntity({column});
    });
    EXPECT_EQ(library.code(), ErrorCode::InvalidArgument) << library.fullText();
    EXPECT_TRUE(open(accounts())->entityExists());
}

// App-only access with a certificate (SharePoint refuses client secrets): the provider signs a
// client assertion with the PEM's key and reads and writes with the token it gets.
TEST_F(SharePointProviderTest, AppOnlyAccessWithACertificate) {
    const auto directory =
        std::filesystem::temp_directory_path() / ("ferry-sp-cert-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory);
    const std::string key = (directory / "key.pem").string();
    const std::string certificate = (directory / "cert.pem").string();
    const std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout '" + key + "' -out '" + certificate +
        "' -days 1 -subj /CN=ferry-test 2>/dev/null && cat '" + key + "' >> '" + certificate + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << "openssl could not make a test certificate";
    ProviderSettings s;
    s.connectionString = ConnectionString::parse(
        "URL=" + m_service->siteUrl() + "/Lists/Accounts;Authentication=client_certificate;" +
        "ClientId=ferry-test-client;CertificateFile=" + certificate +
        ";TokenEndpoint=" + m_service->tokenEndpoint());
    auto provider = open(s);
    EXPECT_NO_THROW(provider->verify());
    WriteBatch batch;
    batch.columns = {"Title"};
    batch.items.push_back(insertItem({Value("App-only")}));
    const auto outcomes = provider->write(batch);
    EXPECT_TRUE(outcomes.at(0).ok) << outcomes[0].error;
    EXPECT_EQ(m_service->items("Accounts").size(), 1u);
    std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace ferry::test
