// SharePoint Choice, MultiChoice, Lookup, User and URL columns ⇄ a PostgreSQL table through the
// sync engine: SharePoint → PostgreSQL first, then edits in PostgreSQL flow back and SharePoint
// holds exactly those values (read natively from the emulator), and reruns write nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ferry/document.h"
#include "ferry/provider.h"
#include "ferry/state_store.h"
#include "ferry/sync_engine.h"
#include "sharepoint_emulator.h"
#include "test_support.h"

namespace ferry::test {
namespace {

using Json = nlohmann::json;

constexpr const char* kPassword = "Passw0rd!";
constexpr const char* kNull = "<null>";
constexpr const char* kList = "Projects";
constexpr int kItems = 60;
const std::vector<std::string> kRegions = {"North", "South", "East", "West"};
const std::vector<std::string> kStatuses = {"Planned", "Active", "On hold", "Done"};
const std::vector<std::string> kTags = {"Red", "Green", "Blue", "Yellow"};

// One item as both sides should hold it: title, status, tags (";#"-joined), region id, owner id,
// URL. Keyed by the SharePoint ID (= PostgreSQL id).
using Row = std::vector<std::string>;

std::string text(const Json& value) {
    if (value.is_null()) {
        return kNull;
    }
    return value.is_string() ? value.get<std::string>() : value.dump();
}

class SharePointRoundTripTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_sharePoint = std::make_unique<emulator::SharePointEmulator>();
        m_sharePoint->start();

        emulator::SpListDefinition regions;
        regions.title = "Regions";
        m_sharePoint->createList(regions);
        std::vector<Json> regionItems;
        for (const auto& name : kRegions) {
            regionItems.push_back({{"Title", name}});
        }
        m_sharePoint->addItems("Regions", regionItems);

        emulator::SpListDefinition projects;
        projects.title = kList;
        emulator::SpField status;
        status.internalName = "Status";
        status.type = emulator::SpFieldType::Choice;
        status.choices = kStatuses;
        emulator::SpField tags;
        tags.internalName = "Tags";
        tags.type = emulator::SpFieldType::MultiChoice;
        tags.choices = kTags;
        emulator::SpField region;
        region.internalName = "Region";
        region.type = emulator::SpFieldType::Lookup;
        region.lookupList = "Regions";
        emulator::SpField owner;
        owner.internalName = "Owner";
        owner.type = emulator::SpFieldType::User;
        emulator::SpField website;
        website.internalName = "Website";
        website.type = emulator::SpFieldType::URL;
        projects.fields = {status, tags, region, owner, website};
        m_sharePoint->createList(projects);

        // Every combination of set and empty values, deterministic.
        std::vector<Json> items;
        for (int i = 1; i <= kItems; ++i) {
            Json item = {{"Title", "Project " + std::to_string(i)}};
            if (i % 7 != 0) {
                item["Status"] = kStatuses[static_cast<std::size_t>(i) % kStatuses.size()];
            }
            Json chosen = Json::array();
            for (std::size_t bit = 0; bit < kTags.size(); ++bit) {
                if ((i & (1 << bit)) != 0) {
                    chosen.push_back(kTags[bit]);
                }
            }
            if (!chosen.empty()) {
                item["Tags"] = chosen;
            }
            if (i % 5 != 0) {
                item["RegionId"] = 1 + i % 4;
            }
            if (i % 3 != 0) {
                item["OwnerId"] = 10 + i % 3;
            }
            if (i % 6 != 0) {
                item["Website"] = {{"Url", "https://example.com/projects/" + std::to_string(i)},
                                   {"Description", "Project site " + std::to_string(i)}};
            }
            items.push_back(item);
        }
        m_sharePoint->addItems(kList, items);

        std::random_device device;
        m_table = "sp_projects_" + std::to_string(device() % 1000000000U);
        psql("CREATE TABLE " + m_table +
             " (id INTEGER PRIMARY KEY, title VARCHAR(255) NOT NULL, status TEXT, tags TEXT, "
             "region_id INTEGER, owner_id INTEGER, website TEXT);");

        m_store = std::make_unique<StateStore>(m_dir / "state.db");
        registerBuiltinProviders(m_registry);
        m_document.id = "sp-roundtrip-" + m_table;
        m_document.title = "SharePoint projects to SQL";
        m_document.left = EntityConfig{
            "SharePoint Projects",
            "sharepoint",
            "URL=" + m_sharePoint->siteUrl() + "/Lists/" + kList +
                "/AllItems.aspx;Authentication=Microsoft_Modern;User=admin@contoso.com;"
                "TokenEndpoint=" +
                m_sharePoint->tokenEndpoint() + ";",
            "",
            {"ID"},
            {}};
        m_document.right = EntityConfig{
            "SQL projects", "odbc", pgServer().odbcWithoutPassword, "SELECT * FROM " + m_table,
            {"id"},         {}};
        m_document.mapping.autoMap = false;
        m_document.mapping.columns = {
            {"ID", "id"},          {"Title", "title"},        {"Status", "status"},
            {"Tags", "tags"},      {"RegionId", "region_id"}, {"OwnerId", "owner_id"},
            {"Website", "website"}};
    }

    void TearDown() override {
        if (!m_table.empty()) {
            psql("DROP TABLE IF EXISTS " + m_table + ";");
        }
    }

    RunReport run() {
        RunOptions options;
        options.leftPassword = kPassword;
        options.rightPassword = pgServer().password;
        SyncEngine engine(m_registry, *m_store);
        return engine.run(m_document, options);
    }

    // The list natively (the emulator's own view, not the provider's).
    std::map<int, Json> nativeItems() const {
        std::map<int, Json> items;
        for (const auto& item : m_sharePoint->items(kList)) {
            items[item.at("ID").get<int>()] = item;
        }
        return items;
    }

    static Row rowOf(const Json& item) {
        std::string tags = kNull;
        if (item.at("Tags").is_array()) {
            tags.clear();
            for (const auto& tag : item.at("Tags")) {
                tags += (tags.empty() ? "" : ";#") + tag.get<std::string>();
            }
        }
        const Json& website = item.at("Website");
        return {text(item.at("Title")),
                text(item.at("Status")),
                tags,
                text(item.at("RegionId")),
                text(item.at("OwnerId")),
                website.is_null() ? kNull : text(website.at("Url"))};
    }

    std::map<int, Row> listRows() const {
        std::map<int, Row> rows;
        for (const auto& [id, item] : nativeItems()) {
            rows[id] = rowOf(item);
        }
        return rows;
    }

    std::map<int, Row> sqlRows() const {
        std::map<int, Row> rows;
        for (auto& row : psql("SELECT id, title, status, tags, region_id, owner_id, website FROM " +
                              m_table + " ORDER BY id;")) {
            const int id = std::stoi(row.at(0));
            row.erase(row.begin());
            rows[id] = row;
        }
        return rows;
    }

    void sql(const std::string& assignments, int id) {
        psql("UPDATE " + m_table + " SET " + assignments + " WHERE id = " + std::to_string(id) +
             ";");
    }

    static std::uint64_t writes(const RunReport& report) {
        return report.left.inserted + report.left.updated + report.left.deleted +
               report.right.inserted + report.right.updated + report.right.deleted;
    }

    void expectNoWrites() {
        const auto listWrites = m_sharePoint->stats().writes;
        const auto before = sqlRows();
        const RunReport report = run();
        ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
        EXPECT_EQ(writes(report), 0U);
        EXPECT_EQ(report.left.failed + report.right.failed, 0U);
        EXPECT_EQ(m_sharePoint->stats().writes, listWrites);
        EXPECT_EQ(sqlRows(), before);
    }

    TempDir m_dir;
    std::unique_ptr<emulator::SharePointEmulator> m_sharePoint;
    std::string m_table;
    std::unique_ptr<StateStore> m_store;
    ProviderRegistry m_registry;
    ConnectionDocument m_document;
};

TEST_F(SharePointRoundTripTest, ChoicesLookupsUsersAndUrlsBothWays) {
    // SharePoint → PostgreSQL: every item with every kind of value (and empty ones).
    auto report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.right.inserted, static_cast<std::uint64_t>(kItems));
    const auto listBefore = listRows();
    ASSERT_EQ(listBefore.size(), static_cast<std::size_t>(kItems));
    EXPECT_EQ(sqlRows(), listBefore);
    EXPECT_EQ(sqlRows().at(3), (Row{"Project 3", "Done", "Red;#Green", "4", kNull,
                                    "https://example.com/projects/3"}));
    expectNoWrites();

    // Edits in PostgreSQL flow back: a choice, lookups (changed and cleared), multi-choices
    // (changed and cleared), a person and a URL.
    m_document.direction = Direction::Bidirectional;
    const auto itemsBefore = nativeItems();
    auto expected = listBefore;
    const auto edit = [&](int id, const std::string& assignments, std::size_t column,
                          const std::string& value) {
        ASSERT_NE(expected.at(id)[column], value) << "item " << id << " already holds " << value;
        sql(assignments, id);
        expected.at(id)[column] = value;
    };
    edit(1, "status = 'Done'", 1, "Done");
    edit(2, "region_id = 4", 3, "4");
    edit(4, "region_id = NULL", 3, kNull);
    edit(8, "tags = 'Green;#Yellow'", 2, "Green;#Yellow");
    edit(9, "tags = NULL", 2, kNull);
    edit(11, "status = 'On hold', region_id = 1, tags = 'Red;#Blue;#Yellow'", 1, "On hold");
    expected.at(11)[2] = "Red;#Blue;#Yellow";
    expected.at(11)[3] = "1";
    edit(13, "owner_id = 12", 4, "12");
    edit(14, "website = 'https://example.org/new'", 5, "https://example.org/new");
    ASSERT_NE(listBefore.at(11)[2], expected.at(11)[2]);
    ASSERT_NE(listBefore.at(11)[3], expected.at(11)[3]);
    const std::vector<int> edited = {1, 2, 4, 8, 9, 11, 13, 14};

    report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.left.updated, edited.size());
    EXPECT_EQ(report.left.inserted + report.left.deleted, 0U);
    EXPECT_EQ(report.right.inserted + report.right.updated + report.right.deleted, 0U);
    EXPECT_EQ(listRows(), expected);
    EXPECT_EQ(sqlRows(), expected);

    // Natively, in SharePoint's own shapes.
    const auto items = nativeItems();
    EXPECT_EQ(items.at(1).at("Status"), "Done");
    EXPECT_EQ(items.at(2).at("RegionId"), 4);
    EXPECT_TRUE(items.at(4).at("RegionId").is_null());
    EXPECT_EQ(items.at(8).at("Tags"), Json::array({"Green", "Yellow"}));
    EXPECT_TRUE(items.at(9).at("Tags").is_null());
    EXPECT_EQ(items.at(11).at("Tags"), Json::array({"Red", "Blue", "Yellow"}));
    EXPECT_EQ(items.at(11).at("RegionId"), 1);
    EXPECT_EQ(items.at(13).at("OwnerId"), 12);
    EXPECT_EQ(items.at(14).at("Website").at("Url"), "https://example.org/new");
    // Only the edited items were written; the others kept everything, URL descriptions too.
    for (const auto& [id, item] : items) {
        const bool wasEdited = std::find(edited.begin(), edited.end(), id) != edited.end();
        EXPECT_EQ(item.at("version"),
                  itemsBefore.at(id).at("version").get<int>() + (wasEdited ? 1 : 0))
            << "item " << id;
        if (!wasEdited) {
            EXPECT_EQ(item, itemsBefore.at(id)) << "item " << id;
        }
    }

    expectNoWrites();
}

// A value SharePoint refuses (a choice the column does not offer) fails that item alone, with
// SharePoint's reason in plain words (no error code or JSON), and goes through once corrected.
TEST_F(SharePointRoundTripTest, RefusedChoiceFailsOnlyThatItem) {
    ASSERT_EQ(run().status, RunStatus::Succeeded);
    m_document.direction = Direction::Bidirectional;
    const auto before = nativeItems();
    sql("status = 'Cancelled'", 1);
    sql("status = 'Done'", 2);

    RunReport report = run();
    EXPECT_EQ(report.status, RunStatus::CompletedWithErrors) << report.message;
    EXPECT_EQ(report.left.updated, 1U);
    EXPECT_EQ(report.left.failed, 1U);
    ASSERT_EQ(report.errors.size(), 1U);
    const ItemError& error = report.errors.front();
    EXPECT_EQ(error.side, Side::Left);
    EXPECT_NE(error.message.find("'Cancelled' is not one of the choices"), std::string::npos)
        << error.message;
    EXPECT_NE(error.message.find("'Status'"), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find("Exception"), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find('{'), std::string::npos) << error.message;
    EXPECT_EQ(nativeItems().at(1), before.at(1));
    EXPECT_EQ(nativeItems().at(2).at("Status"), "Done");

    ASSERT_EQ(before.at(1).at("Status"), "Active");
    sql("status = 'Planned'", 1);
    report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.left.updated, 1U);
    EXPECT_EQ(nativeItems().at(1).at("Status"), "Planned");
    EXPECT_EQ(sqlRows(), listRows());
}

// Ferry carries a URL column as its address alone; an update sends only the columns that changed
// (WriteItem::changed), so editing another column of an item keeps the link text (Description).
TEST_F(SharePointRoundTripTest, UrlDescriptionSurvivesAnEditOfAnotherColumn) {
    ASSERT_EQ(run().status, RunStatus::Succeeded);
    m_document.direction = Direction::Bidirectional;
    sql("status = 'Done'", 1);
    const RunReport report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    ASSERT_EQ(report.left.updated, 1U);
    const Json item = nativeItems().at(1);
    EXPECT_EQ(item.at("Status"), "Done");
    EXPECT_EQ(item.at("Website"),
              (Json{{"Url", "https://example.com/projects/1"}, {"Description", "Project site 1"}}));
}

}  // namespace
}  // namespace ferry::test
