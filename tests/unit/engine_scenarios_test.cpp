// Engine behaviour as scenario tables: both sides before, the edits, direction and policy, and
// both sides after. Sides are in-memory tables; the state store is a real SQLite file.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>

#include "ferry/state_store.h"
#include "ferry/sync_engine.h"
#include "memory_provider.h"
#include "test_support.h"

namespace ferry {
namespace {

using Rows = std::map<std::int64_t, std::pair<std::string, std::int64_t>>;

Column column(std::string name, ValueType type, bool key = false, bool readOnly = false) {
    Column c;
    c.name = c.displayName = std::move(name);
    c.type = type;
    c.key = key;
    c.readOnly = readOnly;
    c.nullable = !key;
    return c;
}

Schema accountSchema() {
    Schema schema;
    schema.columns = {column("id", ValueType::Int, true), column("name", ValueType::String),
                      column("amount", ValueType::Int),
                      column("modified", ValueType::DateTime, false, true)};
    return schema;
}

const Rows kBase = {{1, {"a", 10}}, {2, {"b", 20}}, {3, {"c", 30}}};

Rows with(Rows rows, std::int64_t id, std::string name, std::int64_t amount) {
    rows[id] = {std::move(name), amount};
    return rows;
}

Rows without(Rows rows, std::int64_t id) {
    rows.erase(id);
    return rows;
}

class EngineTest : public ::testing::Test {
public:
    void SetUp() override {
        m_db.create("L", accountSchema());
        m_db.create("R", accountSchema());
        m_db.registerProvider(m_registry);
        m_store = std::make_unique<StateStore>(m_dir / "state.db");
        m_document.id = "scenario";
        m_document.title = "scenario";
        m_document.left = EntityConfig{"left", "memory", "Table=L;", "", {}, "modified"};
        m_document.right = EntityConfig{"right", "memory", "Table=R;", "", {}, "modified"};
        m_document.mapping.excludeLeft = {"modified"};
        m_document.mapping.excludeRight = {"modified"};
    }

    test::MemoryTable& table(Side side) { return m_db.table(side == Side::Left ? "L" : "R"); }

    void put(Side side, std::int64_t id, const std::string& name, std::int64_t amount) {
        auto& t = table(side);
        Record record;
        record.values = {Value(id), Value(name), Value(amount), Value(DateTime{++m_clock})};
        t.rows[t.keyOf({Value(id)})] = std::move(record);
    }

    void remove(Side side, std::int64_t id) {
        auto& t = table(side);
        t.rows.erase(t.keyOf({Value(id)}));
    }

    void load(Side side, const Rows& rows) {
        for (const auto& [id, values] : rows) {
            put(side, id, values.first, values.second);
        }
    }

    Rows rows(Side side) {
        Rows result;
        for (const auto& [key, record] : table(side).rows) {
            result[record.values[0].asInt()] = {record.values[1].asString(),
                                                record.values[2].asInt()};
        }
        return result;
    }

    RunReport run(RunOptions options = {}) {
        SyncEngine engine(m_registry, *m_store);
        return engine.run(m_document, options);
    }

    // Both sides hold kBase and the state store remembers them.
    void startInSync() {
        load(Side::Left, kBase);
        m_document.direction = Direction::LeftToRight;
        const auto report = run();
        ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
        ASSERT_EQ(rows(Side::Right), kBase);
    }

    test::TempDir m_dir;
    test::MemoryDatabase m_db;
    ProviderRegistry m_registry;
    std::unique_ptr<StateStore> m_store;
    ConnectionDocument m_document;
    std::int64_t m_clock = 0;
};

// One row of a scenario table. Edits are written for the left-to-right orientation; the
// right-to-left table is the same table with the sides swapped.
struct Case {
    const char* name;
    std::function<void(EngineTest&, Side source, Side target)> edit;
    Rows source;
    Rows target;
};

// The last parameter runs the same table with change tracking on both sides: after the first
// run every read is a delta, and the sides must end exactly as with full reads.
class OneWayScenario : public EngineTest,
                       public ::testing::WithParamInterface<std::tuple<Direction, int, bool>> {};

const std::vector<Case>& oneWayCases() {
    static const std::vector<Case> cases = {
        {"source insert flows", [](EngineTest& t, Side s, Side) { t.put(s, 4, "d", 40); },
         with(kBase, 4, "d", 40), with(kBase, 4, "d", 40)},
        {"target insert stays on the target",
         [](EngineTest& t, Side, Side d) { t.put(d, 4, "d", 40); }, kBase, with(kBase, 4, "d", 40)},
        {"source update flows", [](EngineTest& t, Side s, Side) { t.put(s, 1, "x", 10); },
         with(kBase, 1, "x", 10), with(kBase, 1, "x", 10)},
        {"target update is restored", [](EngineTest& t, Side, Side d) { t.put(d, 1, "y", 10); },
         kBase, kBase},
        {"source delete flows", [](EngineTest& t, Side s, Side) { t.remove(s, 2); },
         without(kBase, 2), without(kBase, 2)},
        {"target delete is restored", [](EngineTest& t, Side, Side d) { t.remove(d, 2); }, kBase,
         kBase},
        {"both update: the source prevails",
         [](EngineTest& t, Side s, Side d) {
             t.put(s, 1, "x", 10);
             t.put(d, 1, "y", 11);
         },
         with(kBase, 1, "x", 10), with(kBase, 1, "x", 10)},
        {"source delete beats target update",
         [](EngineTest& t, Side s, Side d) {
             t.remove(s, 2);
             t.put(d, 2, "z", 20);
         },
         without(kBase, 2), without(kBase, 2)},
        {"source update re-creates a target delete",
         [](EngineTest& t, Side s, Side d) {
             t.put(s, 2, "z", 20);
             t.remove(d, 2);
         },
         with(kBase, 2, "z", 20), with(kBase, 2, "z", 20)},
    };
    return cases;
}

TEST_P(OneWayScenario, EndsAsTheTableSays) {
    const auto [direction, index, tracking] = GetParam();
    const Case& c = oneWayCases()[static_cast<std::size_t>(index)];
    SCOPED_TRACE(c.name);
    table(Side::Left).changeTracking = table(Side::Right).changeTracking = tracking;
    startInSync();
    const Side source = direction == Direction::LeftToRight ? Side::Left : Side::Right;
    const Side target = other(source);
    c.edit(*this, source, target);
    m_document.direction = direction;
    m_document.maxDeletePercent = 100;
    const auto report = run();
    EXPECT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(rows(source), c.source);
    EXPECT_EQ(rows(target), c.target);
    EXPECT_EQ(report.conflicts, 0U);
    if (tracking) {
        EXPECT_EQ(table(Side::Left).deltaReads, 1U);
        EXPECT_EQ(table(Side::Right).deltaReads, 1U);
    }
    // A second run finds nothing to do.
    const auto again = run();
    EXPECT_EQ(again.left.inserted + again.left.updated + again.left.deleted, 0U);
    EXPECT_EQ(again.right.inserted + again.right.updated + again.right.deleted, 0U);
}

INSTANTIATE_TEST_SUITE_P(
    Table, OneWayScenario,
    ::testing::Combine(::testing::Values(Direction::LeftToRight, Direction::RightToLeft),
                       ::testing::Range(0, 9), ::testing::Bool()),
    [](const auto& param) {
        std::string name = std::string(toString(std::get<0>(param.param))) + "_" +
                           oneWayCases()[static_cast<std::size_t>(std::get<1>(param.param))].name +
                           (std::get<2>(param.param) ? "_delta" : "");
        for (auto& ch : name) {
            if (std::isalnum(static_cast<unsigned char>(ch)) == 0) {
                ch = '_';
            }
        }
        return name;
    });

// Bidirectional: each case lists the expected sides for every policy.
struct BiCase {
    const char* name;
    std::function<void(EngineTest&)> edit;
    // Per policy: left-wins, right-wins, skip, fail, newest-wins.
    std::array<std::pair<Rows, Rows>, 5> expected;
    std::array<std::uint64_t, 5> conflicts;
};

constexpr std::array<ConflictResolution, 5> kPolicies = {
    ConflictResolution::LeftWins, ConflictResolution::RightWins, ConflictResolution::Skip,
    ConflictResolution::Fail, ConflictResolution::NewestWins};

template <typename T>
std::array<T, 5> same(const T& value) {
    return {value, value, value, value, value};
}

const std::vector<BiCase>& biCases() {
    static const std::vector<BiCase> cases = [] {
        std::vector<BiCase> list;
        const auto both = [](const Rows& rows) { return std::pair{rows, rows}; };
        list.push_back({"left insert", [](EngineTest& t) { t.put(Side::Left, 4, "d", 40); },
                        same(both(with(kBase, 4, "d", 40))), same<std::uint64_t>(0)});
        list.push_back({"right insert", [](EngineTest& t) { t.put(Side::Right, 4, "d", 40); },
                        same(both(with(kBase, 4, "d", 40))), same<std::uint64_t>(0)});
        list.push_back({"left update", [](EngineTest& t) { t.put(Side::Left, 1, "x", 10); },
                        same(both(with(kBase, 1, "x", 10))), same<std::uint64_t>(0)});
        list.push_back({"right update", [](EngineTest& t) { t.put(Side::Right, 1, "y", 10); },
                        same(both(with(kBase, 1, "y", 10))), same<std::uint64_t>(0)});
        list.push_back({"left delete", [](EngineTest& t) { t.remove(Side::Left, 2); },
                        same(both(without(kBase, 2))), same<std::uint64_t>(0)});
        list.push_back({"right delete", [](EngineTest& t) { t.remove(Side::Right, 2); },
                        same(both(without(kBase, 2))), same<std::uint64_t>(0)});
        list.push_back({"both delete",
                        [](EngineTest& t) {
                            t.remove(Side::Left, 2);
                            t.remove(Side::Right, 2);
                        },
                        same(both(without(kBase, 2))), same<std::uint64_t>(0)});
        list.push_back({"different columns merge",
                        [](EngineTest& t) {
                            t.put(Side::Left, 1, "x", 10);
                            t.put(Side::Right, 1, "a", 99);
                        },
                        same(both(with(kBase, 1, "x", 99))), same<std::uint64_t>(0)});
        list.push_back({"same change on both sides",
                        [](EngineTest& t) {
                            t.put(Side::Left, 1, "x", 10);
                            t.put(Side::Right, 1, "x", 10);
                        },
                        same(both(with(kBase, 1, "x", 10))), same<std::uint64_t>(0)});
        const Rows lx = with(kBase, 1, "x", 10);
        const Rows ry = with(kBase, 1, "y", 10);
        list.push_back({"same column changed on both sides (right later)",
                        [](EngineTest& t) {
                            t.put(Side::Left, 1, "x", 10);
                            t.put(Side::Right, 1, "y", 10);
                        },
                        {both(lx), both(ry), std::pair{lx, ry}, std::pair{lx, ry}, both(ry)},
                        {1, 1, 1, 1, 1}});
        const Rows gone = without(kBase, 2);
        const Rows z = with(kBase, 2, "z", 20);
        list.push_back({"deleted left, changed right",
                        [](EngineTest& t) {
                            t.remove(Side::Left, 2);
                            t.put(Side::Right, 2, "z", 20);
                        },
                        {both(gone), both(z), std::pair{gone, z}, std::pair{gone, z}, both(z)},
                        {1, 1, 1, 1, 1}});
        list.push_back({"changed left, deleted right",
                        [](EngineTest& t) {
                            t.put(Side::Left, 2, "z", 20);
                            t.remove(Side::Right, 2);
                        },
                        {both(z), both(gone), std::pair{z, gone}, std::pair{z, gone}, both(z)},
                        {1, 1, 1, 1, 1}});
        return list;
    }();
    return cases;
}

class BidirectionalScenario : public EngineTest,
                              public ::testing::WithParamInterface<std::tuple<int, int, bool>> {};

TEST_P(BidirectionalScenario, EndsAsTheTableSays) {
    const auto [caseIndex, policyIndex, tracking] = GetParam();
    const BiCase& c = biCases()[static_cast<std::size_t>(caseIndex)];
    const auto policy = kPolicies[static_cast<std::size_t>(policyIndex)];
    SCOPED_TRACE(std::string(c.name) + " / " + toString(policy));
    table(Side::Left).changeTracking = table(Side::Right).changeTracking = tracking;
    startInSync();
    c.edit(*this);
    m_document.direction = Direction::Bidirectional;
    m_document.conflictResolution = policy;
    m_document.maxDeletePercent = 100;
    const auto report = run();
    const auto& [left, right] = c.expected[static_cast<std::size_t>(policyIndex)];
    const auto conflicts = c.conflicts[static_cast<std::size_t>(policyIndex)];
    if (policy == ConflictResolution::Fail && conflicts > 0) {
        EXPECT_EQ(report.status, RunStatus::Aborted);
        EXPECT_NE(report.message.find("fail"), std::string::npos) << report.message;
    } else {
        EXPECT_EQ(report.status, RunStatus::Succeeded) << report.message;
        EXPECT_EQ(report.conflicts, conflicts);
    }
    const bool clockWarning =
        std::any_of(report.warnings.begin(), report.warnings.end(),
                    [](const std::string& w) { return w.find("clocks") != std::string::npos; });
    EXPECT_EQ(clockWarning, policy == ConflictResolution::NewestWins);
    EXPECT_EQ(rows(Side::Left), left);
    EXPECT_EQ(rows(Side::Right), right);
    if (tracking && report.status == RunStatus::Succeeded && conflicts > 0 &&
        policy == ConflictResolution::Skip) {
        // A skipped conflict must come up again although neither side changed since.
        EXPECT_EQ(run().conflicts, conflicts);
    }
    if (report.status == RunStatus::Succeeded && conflicts == 0) {
        const auto again = run();
        EXPECT_EQ(again.left.inserted + again.left.updated + again.left.deleted +
                      again.right.inserted + again.right.updated + again.right.deleted,
                  0U);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, BidirectionalScenario,
    ::testing::Combine(::testing::Range(0, 12), ::testing::Range(0, 5), ::testing::Bool()),
    [](const auto& param) {
        std::string name =
            std::string(biCases()[static_cast<std::size_t>(std::get<0>(param.param))].name) + "_" +
            toString(kPolicies[static_cast<std::size_t>(std::get<1>(param.param))]) +
            (std::get<2>(param.param) ? "_delta" : "");
        for (auto& ch : name) {
            if (std::isalnum(static_cast<unsigned char>(ch)) == 0) {
                ch = '_';
            }
        }
        return name;
    });

TEST_F(EngineTest, SkippedConflictStaysOpenUntilDecided) {
    startInSync();
    put(Side::Left, 1, "x", 10);
    put(Side::Right, 1, "y", 10);
    m_document.direction = Direction::Bidirectional;
    auto report = run();
    ASSERT_EQ(report.conflicts, 1U);
    ASSERT_EQ(report.conflictList.size(), 1U);
    EXPECT_EQ(report.conflictList[0].key, "1");
    EXPECT_EQ(report.conflictList[0].columns, std::vector<std::string>{"name"});
    // Decided again on the next run while open.
    report = run();
    EXPECT_EQ(report.conflicts, 1U);
    const auto open = m_store->conflicts("scenario");
    ASSERT_EQ(open.size(), 1U);
    EXPECT_FALSE(open[0].decision.has_value());
    ASSERT_TRUE(m_store->decideConflict("scenario", "1", Side::Right));
    report = run();
    EXPECT_EQ(report.left.updated, 1U);
    EXPECT_EQ(rows(Side::Left), with(kBase, 1, "y", 10));
    EXPECT_EQ(rows(Side::Right), with(kBase, 1, "y", 10));
    EXPECT_TRUE(m_store->conflicts("scenario").empty());
}

TEST_F(EngineTest, FirstRunIntoNonEmptyTargetCorrelatesByKey) {
    load(Side::Left, with(kBase, 4, "d", 40));
    load(Side::Right, with(kBase, 3, "old", 30));
    m_document.direction = Direction::LeftToRight;
    const auto report = run();
    EXPECT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.right.inserted, 1U);
    EXPECT_EQ(report.right.updated, 1U);
    EXPECT_EQ(report.right.unchanged, 2U);
    EXPECT_EQ(rows(Side::Right), with(kBase, 4, "d", 40));
    EXPECT_EQ(m_store->itemCount("scenario"), 4U);
}

TEST_F(EngineTest, RerunWritesNothingAndCountsUnchanged) {
    startInSync();
    const auto report = run();
    EXPECT_EQ(report.right.inserted + report.right.updated + report.right.deleted, 0U);
    EXPECT_EQ(report.left.read, 3U);
    EXPECT_EQ(report.right.unchanged, 3U);
    EXPECT_EQ(table(Side::Right).writeCalls, 1U);  // only the first run wrote
}

TEST_F(EngineTest, DryRunReportsThePlanAndWritesNothing) {
    startInSync();
    put(Side::Left, 4, "d", 40);
    put(Side::Left, 1, "x", 11);
    remove(Side::Left, 3);
    const std::size_t writes = table(Side::Right).writeCalls;
    RunOptions options;
    options.dryRun = true;
    const auto report = run(options);
    EXPECT_TRUE(report.dryRun);
    EXPECT_EQ(report.right.inserted, 1U);
    EXPECT_EQ(report.right.updated, 1U);
    EXPECT_EQ(report.right.deleted, 1U);
    ASSERT_EQ(report.plannedChanges.size(), 3U);
    bool sawUpdate = false;
    for (const auto& change : report.plannedChanges) {
        if (change.kind == ChangeKind::Update) {
            sawUpdate = true;
            EXPECT_EQ(change.key, "1");
            EXPECT_EQ(change.columns, (std::vector<std::string>{"name", "amount"}));
        }
    }
    EXPECT_TRUE(sawUpdate);
    EXPECT_EQ(table(Side::Right).writeCalls, writes);
    EXPECT_EQ(rows(Side::Right), kBase);
    // The real run then does exactly what the dry run said.
    const auto real = run();
    EXPECT_EQ(real.right.inserted, 1U);
    EXPECT_EQ(real.right.updated, 1U);
    EXPECT_EQ(real.right.deleted, 1U);
}

TEST_F(EngineTest, DeleteGuardAbortsUnlessForced) {
    startInSync();
    remove(Side::Left, 1);
    remove(Side::Left, 2);
    auto report = run();
    EXPECT_EQ(report.status, RunStatus::Aborted);
    EXPECT_EQ(report.abortCode, ErrorCode::Aborted);
    EXPECT_NE(report.message.find("delete 2 of 3"), std::string::npos) << report.message;
    EXPECT_EQ(rows(Side::Right), kBase);
    RunOptions force;
    force.force = true;
    report = run(force);
    EXPECT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.right.deleted, 2U);
    EXPECT_EQ(rows(Side::Right), without(without(kBase, 1), 2));
}

TEST_F(EngineTest, OneBadItemNeverStopsTheRun) {
    load(Side::Left, kBase);
    table(Side::Right).failWrite = [](const WriteItem& item) -> std::string {
        return item.values.size() > 1 && item.values[1] == Value("b") ? "value too long" : "";
    };
    const auto report = run();
    EXPECT_EQ(report.status, RunStatus::CompletedWithErrors);
    EXPECT_EQ(report.right.inserted, 2U);
    EXPECT_EQ(report.right.failed, 1U);
    ASSERT_EQ(report.errors.size(), 1U);
    EXPECT_EQ(report.errors[0].key, "2");
    EXPECT_EQ(report.errors[0].side, Side::Right);
    EXPECT_EQ(report.errors[0].message, "value too long");
    EXPECT_EQ(m_store->runErrors(report.runId).size(), 1U);
    // Once the cause is gone, the next run writes just the failed item.
    table(Side::Right).failWrite = nullptr;
    const auto retry = run();
    EXPECT_EQ(retry.status, RunStatus::Succeeded);
    EXPECT_EQ(retry.right.inserted, 1U);
    EXPECT_EQ(rows(Side::Right), kBase);
}

TEST_F(EngineTest, CancelledRunResumesWithoutDuplicates) {
    for (std::int64_t id = 1; id <= 1000; ++id) {
        put(Side::Left, id, "n" + std::to_string(id), id);
    }
    m_document.batchSize = 50;
    std::atomic<bool> cancel{false};
    table(Side::Right).failWrite = [&](const WriteItem&) -> std::string {
        if (table(Side::Right).writeCalls == 4) {
            cancel = true;
        }
        return "";
    };
    RunOptions options;
    options.cancel = &cancel;
    const auto first = run(options);
    EXPECT_EQ(first.status, RunStatus::Cancelled);
    // Cancellation lands between batches: the batch being written when it was asked for (and
    // at most the next one, already in flight) complete, and all of them are remembered.
    EXPECT_GE(first.right.inserted, 200U);
    EXPECT_LE(first.right.inserted, 250U);
    EXPECT_EQ(first.right.inserted % 50, 0U);
    EXPECT_LE(table(Side::Right).maxBatchSeen, 50U);
    EXPECT_EQ(m_store->itemCount("scenario"), first.right.inserted);
    table(Side::Right).failWrite = nullptr;
    const auto second = run();
    EXPECT_EQ(second.status, RunStatus::Succeeded) << second.message;
    EXPECT_EQ(second.right.inserted, 1000U - first.right.inserted);
    EXPECT_EQ(rows(Side::Right), rows(Side::Left));
}

TEST_F(EngineTest, LostStateIsRebuiltByCorrelation) {
    startInSync();
    m_store->forgetConnection("scenario");
    put(Side::Left, 1, "x", 10);
    const auto report = run();
    EXPECT_EQ(report.right.inserted, 0U);
    EXPECT_EQ(report.right.updated, 1U);
    EXPECT_EQ(rows(Side::Right), with(kBase, 1, "x", 10));
}

TEST_F(EngineTest, GeneratedTargetKeysAreRemembered) {
    Schema target;
    target.columns = {column("rid", ValueType::Int, true, true), column("id", ValueType::Int),
                      column("name", ValueType::String), column("amount", ValueType::Int)};
    m_db.create("R", target);
    m_document.right.modifiedColumn.clear();
    load(Side::Left, kBase);
    m_document.direction = Direction::LeftToRight;
    auto report = run();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.right.inserted, 3U);
    put(Side::Left, 2, "bb", 22);
    remove(Side::Left, 3);
    m_document.maxDeletePercent = 100;
    report = run();
    EXPECT_EQ(report.right.updated, 1U);
    EXPECT_EQ(report.right.deleted, 1U);
    std::map<std::int64_t, std::string> names;
    for (const auto& [key, record] : table(Side::Right).rows) {
        EXPECT_GE(record.values[0].asInt(), 1000);
        names[record.values[1].asInt()] = record.values[2].asString();
    }
    EXPECT_EQ(names, (std::map<std::int64_t, std::string>{{1, "a"}, {2, "bb"}}));
}

TEST_F(EngineTest, ProgressIsPublishedAndEndsDone) {
    load(Side::Left, kBase);
    std::vector<RunPhase> phases;
    RunOptions options;
    options.onProgress = [&](const Progress& p) { phases.push_back(p.phase); };
    run(options);
    ASSERT_FALSE(phases.empty());
    EXPECT_EQ(phases.front(), RunPhase::Connecting);
    EXPECT_EQ(phases.back(), RunPhase::Done);
    EXPECT_NE(std::find(phases.begin(), phases.end(), RunPhase::Writing), phases.end());
}

TEST_F(EngineTest, ProgressCountsWritesPerSide) {
    startInSync();
    put(Side::Left, 4, "d", 40);   // insert into the right
    put(Side::Left, 1, "x", 11);   // update on the right
    put(Side::Right, 5, "e", 50);  // insert into the left
    put(Side::Right, 6, "f", 60);  // insert into the left
    remove(Side::Right, 2);        // delete on the left
    table(Side::Right).failWrite = [](const WriteItem& item) -> std::string {
        return !item.values.empty() && item.values[0] == Value(std::int64_t{4}) ? "refused" : "";
    };
    m_document.direction = Direction::Bidirectional;
    m_document.maxDeletePercent = 100;
    std::vector<Progress> snapshots;
    RunOptions options;
    options.onProgress = [&](const Progress& p) { snapshots.push_back(p); };

    // A dry run knows the plan per side and applies nothing.
    options.dryRun = true;
    run(options);
    ASSERT_FALSE(snapshots.empty());
    EXPECT_EQ(snapshots.back().plannedLeft, 3U);
    EXPECT_EQ(snapshots.back().plannedRight, 2U);
    EXPECT_EQ(snapshots.back().plannedChanges, 5U);
    EXPECT_EQ(snapshots.back().appliedLeft + snapshots.back().appliedRight, 0U);

    snapshots.clear();
    options.dryRun = false;
    const auto report = run(options);
    EXPECT_EQ(report.status, RunStatus::CompletedWithErrors) << report.message;
    ASSERT_FALSE(snapshots.empty());
    const Progress& last = snapshots.back();
    EXPECT_EQ(last.phase, RunPhase::Done);
    EXPECT_EQ(last.plannedLeft, 3U);
    EXPECT_EQ(last.plannedRight, 2U);
    // A failed write is answered too: applied counts every outcome, failed ones included.
    EXPECT_EQ(last.appliedLeft, 3U);
    EXPECT_EQ(last.appliedRight, 2U);
    EXPECT_EQ(last.right.failed, 1U);
    EXPECT_EQ(last.plannedChanges, last.plannedLeft + last.plannedRight);
    EXPECT_EQ(last.appliedChanges, last.appliedLeft + last.appliedRight);
    // Every snapshot's per-side counts stay within the plan.
    for (const Progress& p : snapshots) {
        EXPECT_LE(p.appliedLeft, p.plannedLeft);
        EXPECT_LE(p.appliedRight, p.plannedRight);
    }
}

TEST_F(EngineTest, UnknownProviderAbortsWithItsCode) {
    m_document.right.provider = "nope";
    const auto report = run();
    EXPECT_EQ(report.status, RunStatus::Aborted);
    EXPECT_EQ(report.abortCode, ErrorCode::UnknownProvider);
    EXPECT_EQ(m_store->lastRun("scenario")->status, RunStatus::Aborted);
}

TEST_F(EngineTest, ExplicitPairToMissingColumnNamesTheField) {
    load(Side::Left, kBase);
    m_document.mapping.columns = {ColumnPair{"name", "nosuch"}};
    const auto report = run();
    EXPECT_EQ(report.status, RunStatus::Aborted);
    EXPECT_NE(report.message.find("mapping.columns[0].right"), std::string::npos) << report.message;
}

TEST_F(EngineTest, HistoryKeepsEveryRun) {
    startInSync();
    run();
    const auto history = m_store->runs("scenario");
    ASSERT_EQ(history.size(), 2U);
    EXPECT_EQ(history[0].right.inserted, 0U);
    EXPECT_EQ(history[1].right.inserted, 3U);
    EXPECT_GT(history[0].runId, history[1].runId);
}

}  // namespace
}  // namespace ferry

namespace ferry {
namespace {

// Records far apart in the state store's key order: the bounded range scan stops early and the
// remaining keys are looked up one by one; the outcome must be the same.
TEST_F(EngineTest, ChangeTrackingReadsOnlyChangesAfterTheFirstRun) {
    table(Side::Left).changeTracking = table(Side::Right).changeTracking = true;
    for (std::int64_t id = 1; id <= 40; ++id) {
        put(Side::Left, id, "n" + std::to_string(id), id);
    }
    m_document.direction = Direction::LeftToRight;
    ASSERT_EQ(run().status, RunStatus::Succeeded);
    put(Side::Left, 5, "changed", 5);
    remove(Side::Left, 6);
    put(Side::Left, 41, "new", 41);
    const auto report = run();
    EXPECT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.left.read, 2U);  // the update and the insert; the delete came as a key
    EXPECT_EQ(report.right.inserted, 1U);
    EXPECT_EQ(report.right.updated, 1U);
    EXPECT_EQ(report.right.deleted, 1U);
    EXPECT_EQ(report.right.unchanged, 38U);  // counted from what the state store remembers
    EXPECT_EQ(rows(Side::Right), rows(Side::Left));
    EXPECT_EQ(table(Side::Left).fullReads, 1U);
    EXPECT_EQ(table(Side::Left).deltaReads, 1U);
}

TEST_F(EngineTest, ChangeTrackingDeleteGuardMeasuresTheWholeEntity) {
    table(Side::Left).changeTracking = table(Side::Right).changeTracking = true;
    startInSync();
    remove(Side::Left, 2);  // 1 of 3: under the 50 % guard, though the delta read 0 records
    const auto report = run();
    EXPECT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.right.deleted, 1U);
    EXPECT_EQ(rows(Side::Right), without(kBase, 2));
}

TEST_F(EngineTest, ChangeTrackingExpiredTokenFallsBackToAFullRead) {
    table(Side::Left).changeTracking = table(Side::Right).changeTracking = true;
    startInSync();
    remove(Side::Left, 2);
    put(Side::Left, 1, "x", 10);
    table(Side::Left).tokensExpired = true;
    const auto report = run();
    EXPECT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.left.read, 2U);  // a full read of what is there now
    EXPECT_EQ(rows(Side::Right), with(without(kBase, 2), 1, "x", 10));
    EXPECT_EQ(table(Side::Left).deltaReads, 0U);
}

TEST_F(EngineTest, ChangeTrackingKeepsTheTokenWhileAnItemFails) {
    table(Side::Left).changeTracking = table(Side::Right).changeTracking = true;
    startInSync();
    put(Side::Left, 1, "x", 10);
    put(Side::Left, 2, "bad", 20);
    table(Side::Right).failWrite = [](const WriteItem& item) -> std::string {
        return item.values.size() > 1 && item.values[1] == Value("bad") ? "rejected" : "";
    };
    auto report = run();
    EXPECT_EQ(report.status, RunStatus::CompletedWithErrors);
    // The cause goes away; nothing changes on the source, yet the failed item is retried
    // because the delta still starts before it.
    table(Side::Right).failWrite = nullptr;
    report = run();
    EXPECT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.right.updated, 1U);
    EXPECT_EQ(rows(Side::Right), with(with(kBase, 1, "x", 10), 2, "bad", 20));
}

TEST_F(EngineTest, FullReadOptionIgnoresChangeTracking) {
    table(Side::Left).changeTracking = table(Side::Right).changeTracking = true;
    startInSync();
    RunOptions options;
    options.fullRead = true;
    const auto report = run(options);
    EXPECT_EQ(report.left.read, 3U);
    EXPECT_EQ(table(Side::Left).deltaReads, 0U);
    EXPECT_EQ(table(Side::Left).fullReads, 1U);  // the first run; the second used read()
}

TEST_F(EngineTest, InsertsCarryAStableOriginOfTheSourceRecord) {
    load(Side::Left, kBase);
    std::vector<std::string> origins;
    table(Side::Right).failWrite = [&](const WriteItem& item) -> std::string {
        origins.push_back(item.origin);
        return item.values[0] == Value(std::int64_t{2}) ? "rejected" : "";
    };
    run();
    run();  // retries the failed insert of record 2
    ASSERT_EQ(origins.size(), 4U);
    EXPECT_NE(origins[0], origins[1]);
    EXPECT_EQ(origins[1], origins[3]);  // same source record, same origin on every run
    EXPECT_NE(origins[3].find("/left/2"), std::string::npos) << origins[3];
}

TEST_F(EngineTest, UpdatesNameOnlyTheColumnsThatChanged) {
    load(Side::Left, kBase);
    m_document.direction = Direction::LeftToRight;
    ASSERT_EQ(run().status, RunStatus::Succeeded);
    put(Side::Left, 1, "x", 10);   // name only
    put(Side::Left, 2, "bb", 21);  // name and amount
    const auto report = run();
    EXPECT_EQ(report.right.updated, 2U);
    EXPECT_EQ(table(Side::Right).updatedColumns,
              (std::vector<std::string>{"name", "name", "amount"}));
    EXPECT_EQ(rows(Side::Right), with(with(kBase, 1, "x", 10), 2, "bb", 21));
}

// A target that makes its own keys and has no column for the source key (a SharePoint list):
// the connection drops after a batch was applied but before its outcomes were committed.
class CrashedInsertTest : public EngineTest {
public:
    void SetUp() override {
        EngineTest::SetUp();
        Schema target;
        target.columns = {column("rid", ValueType::Int, true, true),
                          column("name", ValueType::String), column("amount", ValueType::Int)};
        m_db.create("R", target);
        m_document.right.modifiedColumn.clear();
        m_document.direction = Direction::LeftToRight;
        for (std::int64_t id = 1; id <= kRows; ++id) {
            put(Side::Left, id, "n" + std::to_string(id), id);
        }
    }

    // Runs into a connection that drops on the second write call, then runs again.
    RunReport crashThenRerun() {
        table(Side::Right).loseConnectionOnWriteCall = 2;
        const auto crashed = run();
        EXPECT_NE(crashed.status, RunStatus::Succeeded);
        EXPECT_GT(table(Side::Right).rows.size(), 100U) << "the second batch was applied";
        table(Side::Right).loseConnectionOnWriteCall = 0;
        return run();
    }

    // How many target records each source name has.
    std::map<std::string, int> copies() {
        std::map<std::string, int> counts;
        for (const auto& [key, record] : table(Side::Right).rows) {
            ++counts[record.values[1].asString()];
        }
        return counts;
    }

    static constexpr std::int64_t kRows = 250;
};

TEST_F(CrashedInsertTest, RerunFindsTheUncommittedRecordsByTheirOrigin) {
    table(Side::Right).recordsOrigin = true;
    const auto report = crashThenRerun();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.right.inserted, 0U) << "the records of the lost batch are found, not copied";
    const auto counts = copies();
    EXPECT_EQ(counts.size(), static_cast<std::size_t>(kRows));
    for (const auto& [name, count] : counts) {
        EXPECT_EQ(count, 1) << name;
    }
    const auto rerun = run();
    EXPECT_EQ(rerun.right.inserted + rerun.right.updated + rerun.right.deleted, 0U);
}

TEST_F(CrashedInsertTest, WithoutOriginsTheUncommittedRecordsAreDuplicated) {
    const auto report = crashThenRerun();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(table(Side::Right).rows.size(), static_cast<std::size_t>(kRows + 100))
        << "what origins prevent: the batch the crash hid is written twice";
}

// Both sides make their own keys and neither holds the other's (Dynamics with ReplicationKey and
// a SharePoint list, both ways): the connection to the left side drops after a batch of inserts
// was applied but before the engine learned their keys.
class CrashedBothWaysTest : public EngineTest {
public:
    void SetUp() override {
        EngineTest::SetUp();
        for (const auto& [name, key] : {std::pair{"L", "accountid"}, std::pair{"R", "ID"}}) {
            Schema schema;
            schema.columns = {column(key, ValueType::Int, true, true),
                              column("name", ValueType::String), column("amount", ValueType::Int),
                              column("modified", ValueType::DateTime, false, true)};
            m_db.create(name, schema);
        }
        m_document.mapping.excludeLeft = {"modified"};
        m_document.left.modifiedColumn.clear();
        m_document.right.modifiedColumn.clear();
        m_document.direction = Direction::Bidirectional;
        table(Side::Right).recordsOrigin = true;
        for (std::int64_t id = 1; id <= kRows; ++id) {
            put(Side::Right, id, "n" + std::to_string(id), id);
        }
    }

    RunReport crashThenRerun() {
        table(Side::Left).loseConnectionOnWriteCall = 2;
        EXPECT_NE(run().status, RunStatus::Succeeded);
        EXPECT_EQ(table(Side::Left).rows.size(), static_cast<std::size_t>(kRows));
        table(Side::Left).loseConnectionOnWriteCall = 0;
        return run();
    }

    static constexpr std::int64_t kRows = 250;
};

TEST_F(CrashedBothWaysTest, RecordsWithKeysDerivedFromTheirOriginAreFoundAgain) {
    table(Side::Left).derivesKeys = true;
    const auto report = crashThenRerun();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.left.inserted + report.right.inserted, 0U);
    EXPECT_EQ(table(Side::Left).rows.size(), static_cast<std::size_t>(kRows));
    EXPECT_EQ(table(Side::Right).rows.size(), static_cast<std::size_t>(kRows));
    const auto rerun = run();
    EXPECT_EQ(rerun.left.inserted + rerun.left.updated + rerun.right.inserted + rerun.right.updated,
              0U);
}

TEST_F(CrashedBothWaysTest, WithoutDerivedKeysBothSidesGetDuplicates) {
    const auto report = crashThenRerun();
    ASSERT_EQ(report.status, RunStatus::Succeeded) << report.message;
    // What derived keys prevent: the lost batch is copied again, and its copies come back.
    EXPECT_EQ(table(Side::Left).rows.size(), static_cast<std::size_t>(kRows + 100));
    EXPECT_EQ(table(Side::Right).rows.size(), static_cast<std::size_t>(kRows + 100));
}

// A one-way rerun whose source reads a delta reads the target only where the delta points.
class KeyedTargetTest : public EngineTest {
public:
    void SetUp() override {
        EngineTest::SetUp();
        table(Side::Left).changeTracking = true;
        table(Side::Right).keyedRead = true;
        for (std::int64_t id = 1; id <= 40; ++id) {
            put(Side::Left, id, "n" + std::to_string(id), id);
        }
        m_document.direction = Direction::LeftToRight;
        const auto first = run();
        ASSERT_EQ(first.status, RunStatus::Succeeded) << first.message;
        ASSERT_EQ(table(Side::Right).keyedReads, 0U);  // nothing remembered yet: a full read
    }
};

TEST_F(KeyedTargetTest, ReadsOnlyTheCounterpartsOfTheSourceChanges) {
    put(Side::Left, 5, "changed", 5);
    remove(Side::Left, 6);
    put(Side::Left, 41, "new", 41);
    put(Side::Left, 42, "new on both", 42);
    put(Side::Right, 42, "old on the target", 0);  // never synced: correlated by key
    const std::size_t plainReads = table(Side::Right).plainReads;
    const auto report = run();
    EXPECT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(table(Side::Right).plainReads, plainReads) << "no full read of the target";
    EXPECT_EQ(table(Side::Right).keysAskedFor, 4U);
    EXPECT_EQ(report.right.read, 3U);  // 5, 6 and 42 exist there
    EXPECT_EQ(report.right.updated, 2U);
    EXPECT_EQ(report.right.deleted, 1U);
    EXPECT_EQ(report.right.inserted, 1U);
    EXPECT_EQ(rows(Side::Right), rows(Side::Left));
}

TEST_F(KeyedTargetTest, ARecordDeletedOnTheTargetMeanwhileIsCreatedAgain) {
    remove(Side::Right, 5);
    put(Side::Left, 5, "changed", 5);
    const auto report = run();
    EXPECT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.right.inserted, 1U);
    EXPECT_EQ(report.right.failed, 0U);
    EXPECT_EQ(rows(Side::Right), rows(Side::Left));
}

TEST_F(KeyedTargetTest, EditsMadeOnlyOnTheTargetWaitForAFullRun) {
    put(Side::Right, 7, "edited on the target", 7);
    EXPECT_EQ(run().right.updated, 0U);  // the delta does not name record 7
    RunOptions full;
    full.fullRead = true;
    const auto report = run(full);
    EXPECT_EQ(report.right.updated, 1U);
    EXPECT_EQ(rows(Side::Right), rows(Side::Left));
}

TEST_F(EngineTest, SparsePagesFindTheirStateItems) {
    for (std::int64_t id = 1; id <= 1000; ++id) {
        put(Side::Left, id, "n" + std::to_string(id), id);
    }
    m_document.direction = Direction::LeftToRight;
    ASSERT_EQ(run().right.inserted, 1000U);
    for (std::int64_t id = 2; id < 1000; ++id) {
        remove(Side::Left, id);
    }
    put(Side::Left, 1000, "changed", 1000);
    RunOptions force;
    force.force = true;
    const auto report = run(force);
    EXPECT_EQ(report.status, RunStatus::Succeeded) << report.message;
    EXPECT_EQ(report.right.deleted, 998U);
    EXPECT_EQ(report.right.updated, 1U);
    EXPECT_EQ(report.right.inserted, 0U);
    EXPECT_EQ(rows(Side::Right), rows(Side::Left));
    EXPECT_EQ(run().right.updated, 0U);
}

TEST(MappingTest, AutoMappingFallsBackToDisplayNames) {
    Schema crm;
    crm.columns = {column("accountid", ValueType::Guid, true),
                   column("accountnumber", ValueType::String), column("name", ValueType::String)};
    Schema list;
    Column number = column("Account_x0020_Number", ValueType::String);
    number.displayName = "Account Number";
    Column named = column("name", ValueType::String);  // a name match wins over a display name
    Column title = column("Title", ValueType::String);
    title.displayName = "Name";
    list.columns = {column("ID", ValueType::Int, true, true), title, number, named};
    MappingConfig mapping;
    const auto pairs = resolveMapping(mapping, crm, list);
    ASSERT_EQ(pairs.size(), 2U);
    EXPECT_EQ(pairs[0].leftName, "name");
    EXPECT_EQ(pairs[0].rightName, "name");
    EXPECT_EQ(pairs[1].leftName, "accountnumber");
    EXPECT_EQ(pairs[1].rightName, "Account_x0020_Number");
}

TEST(MappingTest, ColumnsForANewEntityFollowTheMapping) {
    Schema source = accountSchema();
    source.columns[1].choices = {"x", "y"};
    MappingConfig mapping;
    mapping.columns = {{"name", "Title"}};
    mapping.excludeLeft = {"modified"};
    auto columns = columnsForNewEntity(mapping, source, Side::Left);
    ASSERT_EQ(columns.size(), 3U);
    EXPECT_EQ(columns[0].name, "Title");
    EXPECT_EQ(columns[0].choices, (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(columns[1].name, "id");
    EXPECT_TRUE(columns[1].key);
    EXPECT_EQ(columns[2].name, "amount");

    mapping.autoMap = false;
    EXPECT_EQ(columnsForNewEntity(mapping, source, Side::Left).size(), 1U);
    // Read from the right: the pairs' left names are the new names.
    mapping.columns = {{"label", "name"}};
    columns = columnsForNewEntity(mapping, source, Side::Right);
    ASSERT_EQ(columns.size(), 1U);
    EXPECT_EQ(columns[0].name, "label");
    mapping.columns = {{"name", "missing"}};
    EXPECT_THROW(columnsForNewEntity(mapping, source, Side::Right), Error);
}

}  // namespace
}  // namespace ferry
