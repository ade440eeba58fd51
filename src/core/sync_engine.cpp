// The sync engine: open both sides, index them on disk, compare with the state store, plan,
// then apply in batches whose outcomes are committed to the state store one transaction each.
#include "ferry/sync_engine.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <exception>
#include <future>
#include <map>
#include <random>
#include <thread>

#include "planner.h"
#include "side_index.h"
#include "sqlite_statement.h"
#include "value_codec.h"

namespace ferry {

std::string encodeRunCounts(const SideCounts& left, const SideCounts& right);  // state_store.cpp

std::unique_ptr<Provider> openEntity(const ProviderRegistry& registry, const EntityConfig& entity,
                                     const std::string& password) {
    ProviderSettings settings;
    settings.title = entity.title;
    settings.connectionString = ConnectionString::parse(entity.connectionString);
    settings.select = entity.select;
    settings.primaryKey = entity.primaryKey;
    settings.password = password;
    if (registry.find(entity.provider) == nullptr) {
        return registry.create(entity.provider, settings);  // throws UnknownProvider
    }
    const auto problems = registry.validate(entity.provider, settings.connectionString);
    if (!problems.empty()) {
        std::string message = "the connection string of '" + entity.title + "' is not valid: ";
        for (std::size_t i = 0; i < problems.size(); ++i) {
            message += (i == 0 ? "" : "; ") + problems[i];
        }
        throw Error(ErrorCode::InvalidConnectionString, message);
    }
    return registry.create(entity.provider, settings);
}

namespace {

using Clock = std::chrono::steady_clock;
using engine::coerce;
using engine::ItemInput;
using engine::ItemPlan;
using engine::ItemState;
using engine::StateOp;
using engine::WriteOp;

constexpr std::size_t kMaxListed = 1000;
constexpr std::size_t kMaxPlannedListed = 10000;
constexpr std::size_t kHashSize = 8;

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string randomSuffix() {
    std::random_device device;
    return std::to_string(device()) + std::to_string(device());
}

// One side's row of the planner's join (9 columns starting at `first`).
struct SideRow {
    bool present = false;
    std::optional<std::int64_t> seq;
    std::string key;
    std::string hashes;
    std::string values;
    std::optional<std::int64_t> modified;
    bool deleted = false;
    std::string otherKey;
    std::string stateHashes;
};

SideRow readSideRow(const sqlite::Statement& row, int first) {
    SideRow side;
    if (row.isNull(first + 1)) {
        return side;
    }
    side.present = true;
    if (!row.isNull(first)) {
        side.seq = row.int64(first);
    }
    side.key = std::string(row.blob(first + 1));
    side.hashes = std::string(row.blob(first + 3));
    side.values = std::string(row.blob(first + 4));
    if (!row.isNull(first + 5)) {
        side.modified = row.int64(first + 5);
    }
    side.deleted = row.int64(first + 6) != 0;
    side.otherKey = std::string(row.blob(first + 7));
    side.stateHashes = std::string(row.blob(first + 8));
    return side;
}

// Everything the planner and the executor know about one matched item.
struct MatchedItem {
    SideRow left;
    SideRow right;
    bool known = false;
    std::optional<std::int64_t> seq;
    std::string leftKey;
    std::string rightKey;
    std::string stateHashes;
    ItemInput input;
};

void describeSide(const SideRow& row, bool known, const std::string& stateHashes,
                  engine::SideView& view) {
    if (!row.present) {
        view.state = known ? ItemState::Unchanged : ItemState::Absent;
        return;
    }
    view.modifiedMicros = row.modified;
    if (!known) {
        view.state = ItemState::New;
        view.hashes = row.hashes;
    } else if (row.deleted) {
        view.state = ItemState::Deleted;
    } else {
        view.hashes = row.hashes;
        view.state = row.hashes == stateHashes ? ItemState::Unchanged : ItemState::Changed;
    }
}

void completeItem(MatchedItem& item) {
    item.known = item.left.seq.has_value() || item.right.seq.has_value();
    item.seq = item.left.seq ? item.left.seq : item.right.seq;
    if (item.known) {
        item.stateHashes = item.left.present ? item.left.stateHashes : item.right.stateHashes;
        item.leftKey = item.left.present ? item.left.key : item.right.otherKey;
        item.rightKey = item.right.present ? item.right.key : item.left.otherKey;
    } else {
        item.leftKey = item.left.key;
        item.rightKey = item.right.key;
    }
    describeSide(item.left, item.known, item.stateHashes, item.input.left);
    describeSide(item.right, item.known, item.stateHashes, item.input.right);
    item.input.stateHashes = item.stateHashes;
}

std::string displayKey(const std::string& leftKey, const std::string& rightKey) {
    try {
        return codec::display(codec::decode(leftKey.empty() ? rightKey : leftKey));
    } catch (const Error&) {
        return "?";
    }
}

std::string displayKey(const MatchedItem& item) {
    return displayKey(item.leftKey, item.rightKey);
}

constexpr const char* kNoSide = "NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL";

std::string sideColumns(const char* alias, bool withValues) {
    std::string list;
    for (const char* column : {"seq", "k", "ck", "h", "v", "m", "del", "ok", "sh"}) {
        if (!list.empty()) {
            list += ", ";
        }
        list += (!withValues && std::string(column) == "v") ? std::string("NULL")
                                                            : std::string(alias) + "." + column;
    }
    return list;
}

// Items the state store knows, then never-seen items matched by correlation key. New left items
// are scanned in read order (NOT INDEXED): inserted into the target in the source's order, they
// come back in key order next time, which keeps the state lookups a sequential range scan.
std::string planQuery(bool withValues) {
    const std::string l = sideColumns("a", withValues);
    const std::string r = sideColumns("b", withValues);
    return "SELECT " + l + ", " + r +
           " FROM l.ch a LEFT JOIN r.ch b ON b.seq = a.seq WHERE a.seq IS NOT NULL"
           " UNION ALL SELECT " +
           std::string(kNoSide) + ", " + r +
           " FROM r.ch b WHERE b.seq IS NOT NULL AND NOT EXISTS "
           "(SELECT 1 FROM l.ch a WHERE a.seq = b.seq)"
           " UNION ALL SELECT " +
           l + ", " + r +
           " FROM l.ch a NOT INDEXED LEFT JOIN r.ch b ON b.ck = a.ck AND b.seq IS NULL"
           " WHERE a.seq IS NULL"
           " UNION ALL SELECT " +
           std::string(kNoSide) + ", " + r +
           " FROM r.ch b WHERE b.seq IS NULL AND (b.ck IS NULL OR NOT EXISTS "
           "(SELECT 1 FROM l.ch a WHERE a.ck = b.ck AND a.seq IS NULL))";
}

SideCounts& countsOf(RunReport& report, Side side) {
    return side == Side::Left ? report.left : report.right;
}

ChangeKind changeKind(WriteOp op) {
    return op == WriteOp::Insert
               ? ChangeKind::Insert
               : (op == WriteOp::Update ? ChangeKind::Update : ChangeKind::Delete);
}

// A run of one connection: holds both sides and the scratch index for the run's duration.
class Run {
public:
    Run(const ProviderRegistry& registry, StateStore& store, const ConnectionDocument& document,
        const RunOptions& options)
        : m_registry(registry), m_store(store), m_document(document), m_options(options) {}

    RunReport execute();

private:
    void open();
    void prepareSides();
    void loadConnectionState();
    bool indexSides();
    bool fetchDriftValues();
    bool plan();
    ItemPlan planRow(const sqlite::Statement& rows, MatchedItem& item) const;
    void apply();
    void applyItem(MatchedItem& item, const ItemPlan& plan);
    std::vector<bool> changedPairs(const MatchedItem& item, Side side, std::string agreed,
                                   const ItemPlan& plan) const;
    void flush();
    void land();
    void recordConflict(const MatchedItem& item, const ItemPlan& plan, bool open);
    void saveRun();
    void publish(RunPhase phase, bool force = false);
    void abort(ErrorCode code, const std::string& message);
    bool cancelled() const { return m_options.cancel != nullptr && m_options.cancel->load(); }
    sqlite3* db() const { return m_store.handle(); }
    std::vector<std::string> pairNames(Side side) const;

    const ProviderRegistry& m_registry;
    StateStore& m_store;
    const ConnectionDocument& m_document;
    const RunOptions& m_options;
    RunReport m_report;
    Clock::time_point m_started;
    Clock::time_point m_lastProgress;
    Progress m_progress;

    std::unique_ptr<Provider> m_left;
    std::unique_ptr<Provider> m_right;
    std::vector<ResolvedPair> m_pairs;
    engine::SideSetup m_leftSetup;
    engine::SideSetup m_rightSetup;
    std::int64_t m_connection = 0;
    std::int64_t m_maxItemId = 0;
    std::uint64_t m_stateItems = 0;
    std::string m_stateId;
    std::map<std::string, Side> m_decisions;

    std::filesystem::path m_scratchDir;
    std::unique_ptr<engine::SideIndex> m_leftIndex;
    std::unique_ptr<engine::SideIndex> m_rightIndex;
    sqlite3* m_plan = nullptr;

    // The executor's open batches and the state updates waiting on them.
    struct Pending {
        std::optional<std::int64_t> seq;
        std::string leftKey;
        std::string rightKey;
        std::string hashes;
        StateOp state = StateOp::Keep;
        bool failed = false;
    };
    struct SideBatch {
        WriteBatch batch;
        std::vector<std::size_t> owners;  // index into m_pending per item
    };
    struct Flight {
        SideBatch left;
        SideBatch right;
        std::vector<Pending> pending;
        std::future<std::pair<std::vector<WriteOutcome>, std::vector<WriteOutcome>>> outcomes;
    };
    void recordOutcomes(Side side, const SideBatch& batch,
                        const std::vector<WriteOutcome>& outcomes, std::vector<Pending>& items);
    void commitState(const std::vector<Pending>& items);
    bool readsTargetByKey() const;
    bool indexSourceThenTargetByKey(std::atomic<std::uint64_t>& leftRead,
                                    std::atomic<std::uint64_t>& rightRead);
    bool finishIndexing();
    std::uint64_t entitySize(Side side) const;
    void saveDeltaTokens();
    std::vector<Pending> m_pending;
    std::unique_ptr<Flight> m_inFlight;  // written by a worker while the next batch is prepared
    SideBatch m_leftBatch;
    SideBatch m_rightBatch;
    std::size_t m_batchSize = 500;
    std::uint64_t m_ignoredOneSided = 0;
};

void Run::abort(ErrorCode code, const std::string& message) {
    m_report.status = RunStatus::Aborted;
    m_report.abortCode = code;
    m_report.message = message;
}

void Run::publish(RunPhase phase, bool force) {
    if (!m_options.onProgress) {
        return;
    }
    const auto now = Clock::now();
    if (!force && phase == m_progress.phase &&
        now - m_lastProgress < std::chrono::milliseconds(200)) {
        return;
    }
    m_lastProgress = now;
    m_progress.phase = phase;
    m_progress.left = m_report.left;
    m_progress.right = m_report.right;
    m_progress.conflicts = m_report.conflicts;
    m_progress.elapsedMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - m_started).count();
    m_options.onProgress(m_progress);
}

void Run::open() {
    publish(RunPhase::Connecting, true);
    m_left = openEntity(m_registry, m_document.left, m_options.leftPassword);
    m_right = openEntity(m_registry, m_document.right, m_options.rightPassword);
    publish(RunPhase::Describing, true);
    m_left->describe();
    m_right->describe();
}

std::vector<std::string> Run::pairNames(Side side) const {
    std::vector<std::string> names;
    for (const auto& pair : m_pairs) {
        names.push_back(side == Side::Left ? pair.leftName : pair.rightName);
    }
    return names;
}

void Run::prepareSides() {
    const Schema& left = m_left->describe();
    const Schema& right = m_right->describe();
    auto pairs = resolveMapping(m_document.mapping, left, right);

    // A column that cannot be written on a side the run writes to would differ forever.
    const bool writesLeft = writesTo(m_document.direction, Side::Left);
    const bool writesRight = writesTo(m_document.direction, Side::Right);
    for (const auto& pair : pairs) {
        const bool blocked =
            (writesRight && !pair.writableRight) || (writesLeft && !pair.writableLeft);
        const bool isKey = left.columns[pair.leftIndex].key || right.columns[pair.rightIndex].key;
        if (blocked && !isKey) {
            m_report.warnings.push_back("column '" + pair.leftName + "' ↔ '" + pair.rightName +
                                        "' is read-only on a side this run writes to; it is not "
                                        "synchronized");
            continue;
        }
        m_pairs.push_back(pair);
    }
    if (m_pairs.empty()) {
        throw Error(ErrorCode::InvalidDocument, "no columns are mapped between the two entities",
                    {}, "Enable auto mapping or add column pairs to the mapping.");
    }

    for (auto* setup : {&m_leftSetup, &m_rightSetup}) {
        const bool isLeft = setup == &m_leftSetup;
        const Schema& schema = isLeft ? left : right;
        const EntityConfig& entity = isLeft ? m_document.left : m_document.right;
        setup->side = isLeft ? Side::Left : Side::Right;
        setup->provider = isLeft ? m_left.get() : m_right.get();
        setup->schema = &schema;
        for (std::size_t i = 0; i < schema.columns.size(); ++i) {
            if (schema.columns[i].key) {
                setup->keyColumns.push_back(i);
            }
        }
        if (setup->keyColumns.empty()) {
            throw Error(ErrorCode::InvalidDocument,
                        "field '" + std::string(isLeft ? "left" : "right") +
                            ".primaryKey': the entity '" + entity.title + "' has no primary key",
                        {}, "Name the column(s) that identify a record in primaryKey.");
        }
        for (const auto& pair : m_pairs) {
            setup->pairColumns.push_back(isLeft ? pair.leftIndex : pair.rightIndex);
        }
        if (!entity.modifiedColumn.empty()) {
            setup->modifiedColumn = schema.indexOf(entity.modifiedColumn);
            if (!setup->modifiedColumn) {
                throw Error(ErrorCode::InvalidDocument,
                            "field '" + std::string(isLeft ? "left" : "right") +
                                ".modifiedColumn': no column '" + entity.modifiedColumn + "'");
            }
        }
        setup->storeValues = isLeft ? writesRight : writesLeft;
    }
    for (const auto& pair : m_pairs) {
        const auto type = engine::compareType(left.columns[pair.leftIndex].type,
                                              right.columns[pair.rightIndex].type);
        m_leftSetup.compareTypes.push_back(type);
        m_rightSetup.compareTypes.push_back(type);
    }

    // Never-seen items are matched across sides by the mapped primary key of either side.
    for (const auto* keySide : {&m_leftSetup, &m_rightSetup}) {
        std::vector<std::size_t> correlation;
        for (const auto column : keySide->keyColumns) {
            for (std::size_t p = 0; p < m_pairs.size(); ++p) {
                if (keySide->pairColumns[p] == column) {
                    correlation.push_back(p);
                }
            }
        }
        if (correlation.size() == keySide->keyColumns.size()) {
            m_leftSetup.correlationPairs = m_rightSetup.correlationPairs = correlation;
            break;
        }
    }
    if (m_document.conflictResolution == ConflictResolution::NewestWins &&
        m_document.direction == Direction::Bidirectional) {
        m_report.warnings.push_back(
            "newest-wins compares the modified-on times of two servers whose clocks can "
            "disagree; a conflict between edits made close together may go either way");
    }
    if (m_leftSetup.correlationPairs.empty()) {
        // Without a mapped key, a side that keeps origins still lets a rerun after a crash find
        // the records it made but never committed to the state store.
        const auto leftCaps = m_left->capabilities();
        const auto rightCaps = m_right->capabilities();
        const bool origins =
            (writesLeft && (leftCaps.recordsOrigin || leftCaps.derivesKeysFromOrigin)) ||
            (writesRight && (rightCaps.recordsOrigin || rightCaps.derivesKeysFromOrigin));
        if (origins) {
            m_leftSetup.originStateId = m_rightSetup.originStateId = stateId(m_document);
            // One side deriving its keys: the other side's records look their copies up by key.
            // (Both deriving would make each side look for the other's: neither would match.)
            if (leftCaps.derivesKeysFromOrigin != rightCaps.derivesKeysFromOrigin) {
                if (leftCaps.derivesKeysFromOrigin) {
                    m_rightSetup.otherDerivesKeys = m_left.get();
                } else {
                    m_leftSetup.otherDerivesKeys = m_right.get();
                }
            }
        }
        m_report.warnings.push_back(
            origins ? "neither side's primary key is mapped: items never synchronized before are "
                      "matched across sides only when Ferry created them, so a first run into a "
                      "non-empty target may duplicate the others"
                    : "neither side's primary key is mapped: items never synchronized before "
                      "cannot be matched across sides, so a first run into a non-empty target "
                      "may duplicate them");
    }

    // Sides this run may write must be writable.
    for (const auto& [writes, provider, entity] :
         {std::tuple{writesLeft, m_left.get(), &m_document.left},
          std::tuple{writesRight, m_right.get(), &m_document.right}}) {
        const auto caps = provider->capabilities();
        auto& setup = provider == m_left.get() ? m_leftSetup : m_rightSetup;
        setup.changeTracking = caps.supportsChangeTracking && !m_options.fullRead;
        if (writes && !caps.writable) {
            throw Error(ErrorCode::NotUpdatable,
                        "'" + entity->title + "' cannot be written: " + caps.whyNotWritable);
        }
    }
    m_batchSize = std::max<std::size_t>(
        1, std::min({m_document.batchSize, m_left->capabilities().maxBatchSize,
                     m_right->capabilities().maxBatchSize}));
}

void Run::loadConnectionState() {
    const std::string id = stateId(m_document);
    m_stateId = id;
    {
        sqlite::Statement upsert(db(),
                                 "INSERT INTO connections(id, title) VALUES(?, ?) "
                                 "ON CONFLICT(id) DO UPDATE SET title=excluded.title");
        upsert.bind(1, id).bind(2, m_document.title).run();
    }
    std::string storedSignature;
    {
        sqlite::Statement query(db(), "SELECT num, mapping_signature FROM connections WHERE id=?");
        query.bind(1, id);
        query.step();
        m_connection = query.int64(0);
        storedSignature = query.text(1);
    }
    // The remembered hashes are only meaningful for the same pairs and keys.
    std::string signature;
    for (const auto& pair : m_pairs) {
        signature += pair.leftName + "=" + pair.rightName + ";";
    }
    for (const auto* setup : {&m_leftSetup, &m_rightSetup}) {
        signature += "|";
        for (const auto c : setup->keyColumns) {
            signature += setup->schema->columns[c].name + ";";
        }
        signature += "|";
        for (const auto t : setup->compareTypes) {
            signature += std::string(toString(t)) + ";";
        }
    }
    if (signature != storedSignature) {
        if (!storedSignature.empty() && !m_options.dryRun) {
            m_report.warnings.push_back(
                "the mapping or the keys changed since the last run: every item is compared "
                "afresh and matched by its key");
        }
        if (!m_options.dryRun) {
            sqlite::Transaction transaction(db());
            sqlite::Statement clear(db(), "DELETE FROM items WHERE conn=?");
            clear.bind(1, m_connection).run();
            sqlite::Statement save(db(),
                                   "UPDATE connections SET mapping_signature=?, left_token=NULL, "
                                   "right_token=NULL WHERE num=?");
            save.bind(1, signature).bind(2, m_connection).run();
            transaction.commit();
        } else if (!storedSignature.empty()) {
            m_report.warnings.push_back(
                "the mapping changed since the last run: this dry run compares every item afresh");
        }
    }
    {
        sqlite::Statement query(db(), "SELECT COUNT(*) FROM items WHERE conn=?");
        query.bind(1, m_connection);
        query.step();
        m_stateItems = static_cast<std::uint64_t>(query.int64(0));
        sqlite::Statement maxId(db(), "SELECT COALESCE(MAX(id), 0) FROM items");
        maxId.step();
        m_maxItemId = maxId.int64(0);
    }
    if (signature != storedSignature && m_options.dryRun) {
        m_stateItems = 0;  // a dry run with a changed mapping must not read stale hashes
    }
    // A delta since the last run only means something against what that run remembered.
    if (m_stateItems > 0) {
        sqlite::Statement query(db(),
                                "SELECT left_token, right_token FROM connections WHERE num=?");
        query.bind(1, m_connection);
        query.step();
        if (m_leftSetup.changeTracking) {
            m_leftSetup.deltaToken = query.text(0);
        }
        if (m_rightSetup.changeTracking) {
            m_rightSetup.deltaToken = query.text(1);
        }
    }
    {
        sqlite::Statement query(db(),
                                "SELECT item_key, decision FROM conflicts WHERE connection_id=? "
                                "AND decision IS NOT NULL");
        query.bind(1, id);
        while (query.step()) {
            m_decisions[query.text(0)] = query.text(1) == "left" ? Side::Left : Side::Right;
        }
    }
}

bool Run::indexSides() {
    publish(RunPhase::Reading, true);
    m_scratchDir = m_options.scratchDirectory.empty() ? m_store.path().parent_path()
                                                      : m_options.scratchDirectory;
    if (m_scratchDir.empty()) {
        m_scratchDir = std::filesystem::temp_directory_path();
    }
    std::filesystem::create_directories(m_scratchDir);
    const std::string suffix = randomSuffix();
    const std::int64_t maxId = m_stateItems == 0 ? 0 : m_maxItemId;
    const std::int64_t connection = m_stateItems == 0 ? -1 : m_connection;  // -1: no lookups hit
    m_leftIndex = std::make_unique<engine::SideIndex>(
        m_leftSetup, m_scratchDir / ("ferry-run-" + suffix + "-left.db"), m_store.path(),
        connection, maxId);
    m_rightIndex = std::make_unique<engine::SideIndex>(
        m_rightSetup, m_scratchDir / ("ferry-run-" + suffix + "-right.db"), m_store.path(),
        connection, maxId);

    std::atomic<std::uint64_t> leftRead{0};
    std::atomic<std::uint64_t> rightRead{0};
    if (readsTargetByKey()) {
        return indexSourceThenTargetByKey(leftRead, rightRead) && finishIndexing();
    }
    // Both sides are read at once: each waits mostly on its own server or driver.
    auto rightDone = std::async(std::launch::async,
                                [&] { return m_rightIndex->read(m_options.cancel, rightRead); });
    bool leftComplete = false;
    std::exception_ptr leftError;
    try {
        leftComplete = m_leftIndex->read(m_options.cancel, leftRead);
    } catch (...) {
        leftError = std::current_exception();
    }
    while (rightDone.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
        m_report.left.read = leftRead;
        m_report.right.read = rightRead;
        publish(RunPhase::Reading);
    }
    const bool rightComplete = rightDone.get();  // rethrows the right side's error
    if (leftError) {
        std::rethrow_exception(leftError);
    }
    m_report.left.read = leftRead;
    m_report.right.read = rightRead;
    publish(RunPhase::Reading, true);
    if (!leftComplete || !rightComplete) {
        return false;
    }
    return finishIndexing();
}

// A one-way run whose source reads through change tracking reads the target only for the
// records the delta names (when the target can read by key and its key is mapped): a rerun
// after a few changes then costs a few changes, not a full read of the target. Edits made on
// the target alone are restored by full runs (`--full`, or any run whose token expired).
bool Run::readsTargetByKey() const {
    if (m_document.direction == Direction::Bidirectional || m_options.fullRead ||
        m_stateItems == 0) {
        return false;
    }
    const bool fromLeft = m_document.direction == Direction::LeftToRight;
    const auto& source = fromLeft ? m_leftSetup : m_rightSetup;
    const auto& target = fromLeft ? m_rightSetup : m_leftSetup;
    const auto& targetProvider = fromLeft ? *m_right : *m_left;
    if (!source.changeTracking || source.deltaToken.empty() || target.changeTracking ||
        !targetProvider.capabilities().supportsKeyedRead) {
        return false;
    }
    return std::all_of(target.keyColumns.begin(), target.keyColumns.end(), [&](std::size_t c) {
        return std::find(target.pairColumns.begin(), target.pairColumns.end(), c) !=
               target.pairColumns.end();
    });
}

bool Run::indexSourceThenTargetByKey(std::atomic<std::uint64_t>& leftRead,
                                     std::atomic<std::uint64_t>& rightRead) {
    const bool fromLeft = m_document.direction == Direction::LeftToRight;
    engine::SideIndex& source = fromLeft ? *m_leftIndex : *m_rightIndex;
    engine::SideIndex& target = fromLeft ? *m_rightIndex : *m_leftIndex;
    auto& sourceRead = fromLeft ? leftRead : rightRead;
    auto& targetRead = fromLeft ? rightRead : leftRead;
    const auto publishCounts = [&] {
        m_report.left.read = leftRead;
        m_report.right.read = rightRead;
        publish(RunPhase::Reading, true);
    };
    if (!source.read(m_options.cancel, sourceRead)) {
        return false;
    }
    publishCounts();
    bool complete = true;
    if (source.deltaRead()) {
        const auto keys = source.counterpartKeys(fromLeft ? m_rightSetup : m_leftSetup);
        spdlog::info("{}: reading the {} record(s) the source's changes name",
                     fromLeft ? m_document.right.title : m_document.left.title, keys.size());
        complete = target.readKeys(keys, m_options.cancel, targetRead);
    } else {
        complete = target.read(m_options.cancel, targetRead);  // the token expired: in full
    }
    publishCounts();
    return complete;
}

// Deletions of full reads, the planner's indexes, and the drift values of one-way runs.
bool Run::finishIndexing() {
    // Only a complete read may conclude that something was deleted.
    if (m_stateItems > 0) {
        for (auto* index : {m_leftIndex.get(), m_rightIndex.get()}) {
            if (index->deltaRead()) {
                spdlog::info(
                    "{}: read {} changed record(s) and {} deletion(s), not the whole entity",
                    index == m_leftIndex.get() ? m_document.left.title : m_document.right.title,
                    index == m_leftIndex.get() ? m_report.left.read : m_report.right.read,
                    index->deletedCount());
            } else if (index->seenCount() < m_stateItems) {
                index->addDeletions(db());
            }
        }
    }
    m_leftIndex->finish();
    m_rightIndex->finish();

    m_plan = sqlite::open(":memory:");
    sqlite::Statement attachLeft(m_plan, "ATTACH DATABASE ? AS l");
    attachLeft.bind(1, m_leftIndex->file().string()).run();
    sqlite::Statement attachRight(m_plan, "ATTACH DATABASE ? AS r");
    attachRight.bind(1, m_rightIndex->file().string()).run();
    sqlite::exec(m_plan, "PRAGMA temp_store=FILE; PRAGMA cache_size=-8000;");
    return fetchDriftValues();
}

// In a one-way run, a target that changed on its own is restored from the source, which needs
// the source's values of items that did not change there: read those again, and only those.
bool Run::fetchDriftValues() {
    if (m_document.direction == Direction::Bidirectional) {
        return true;
    }
    const bool fromLeft = m_document.direction == Direction::LeftToRight;
    engine::SideIndex& source = fromLeft ? *m_leftIndex : *m_rightIndex;
    // One statement on the planning connection: the side's own connection may not write while
    // another connection reads the same scratch file.
    const std::string insert =
        fromLeft
            ? "INSERT OR IGNORE INTO l.need(k, seq, sh) SELECT b.ok, b.seq, b.sh FROM r.ch b "
              "WHERE b.seq IS NOT NULL AND NOT EXISTS (SELECT 1 FROM l.ch a WHERE a.seq = b.seq)"
            : "INSERT OR IGNORE INTO r.need(k, seq, sh) SELECT a.ok, a.seq, a.sh FROM l.ch a "
              "WHERE a.seq IS NOT NULL AND NOT EXISTS (SELECT 1 FROM r.ch b WHERE b.seq = a.seq)";
    sqlite::exec(m_plan, insert);
    source.setNeeded(static_cast<std::uint64_t>(sqlite3_changes(m_plan)));
    if (source.neededCount() == 0) {
        return true;
    }
    spdlog::info(
        "{} item(s) changed on the target since the last run; reading their source "
        "values again",
        source.neededCount());
    return source.readNeeded(m_options.cancel);
}

// One row of the planner's join: the matched item and what to do with it.
ItemPlan Run::planRow(const sqlite::Statement& rows, MatchedItem& item) const {
    item.left = readSideRow(rows, 0);
    item.right = readSideRow(rows, 9);
    completeItem(item);
    if (!m_decisions.empty()) {
        if (auto decision = m_decisions.find(displayKey(item)); decision != m_decisions.end()) {
            item.input.decision = decision->second;
        }
    }
    return engine::planItem(item.input, m_document.direction, m_document.conflictResolution,
                            m_pairs.size());
}

// Pass 1: classify every item without writing: counts for the delete guard, the `fail` policy
// and dry runs.
bool Run::plan() {
    publish(RunPhase::Planning, true);
    std::uint64_t deletes[2] = {0, 0};
    std::uint64_t planned = 0;
    SideCounts plannedLeft;
    SideCounts plannedRight;
    std::uint64_t conflicts = 0;
    sqlite::Statement rows(m_plan, planQuery(false));
    while (rows.step()) {
        MatchedItem item;
        const ItemPlan plan = planRow(rows, item);
        if (plan.conflict) {
            ++conflicts;
            if (plan.resolution == "fail") {
                abort(ErrorCode::Aborted,
                      "conflict on item " + displayKey(item) + " (" + plan.reason +
                          ") and the connection's conflict resolution is 'fail'; nothing was "
                          "written");
                return false;
            }
            if (m_options.dryRun) {
                recordConflict(item, plan, false);
            }
        }
        for (const auto& [op, side] :
             {std::pair{plan.toLeft, Side::Left}, std::pair{plan.toRight, Side::Right}}) {
            if (op == WriteOp::None) {
                continue;
            }
            ++planned;
            SideCounts& counts = side == Side::Left ? plannedLeft : plannedRight;
            if (op == WriteOp::Insert) {
                ++counts.inserted;
            } else if (op == WriteOp::Update) {
                ++counts.updated;
            } else {
                ++counts.deleted;
                ++deletes[side == Side::Left ? 0 : 1];
            }
            if (m_options.dryRun && m_report.plannedChanges.size() < kMaxPlannedListed) {
                PlannedChange change;
                change.target = side;
                change.kind = changeKind(op);
                change.key = displayKey(item);
                if (op == WriteOp::Update) {
                    const auto& names = pairNames(side);
                    const std::string_view from =
                        side == Side::Left ? item.input.right.hashes : item.input.left.hashes;
                    const std::string_view to =
                        side == Side::Left
                            ? (item.input.left.hashes.empty() ? item.input.stateHashes
                                                              : item.input.left.hashes)
                            : (item.input.right.hashes.empty() ? item.input.stateHashes
                                                               : item.input.right.hashes);
                    for (std::size_t p = 0; p < m_pairs.size(); ++p) {
                        if (from.size() >= (p + 1) * kHashSize &&
                            to.size() >= (p + 1) * kHashSize &&
                            from.substr(p * kHashSize, kHashSize) !=
                                to.substr(p * kHashSize, kHashSize)) {
                            change.columns.push_back(names[p]);
                        }
                    }
                }
                m_report.plannedChanges.push_back(std::move(change));
            }
        }
        if (cancelled()) {
            return false;
        }
    }
    m_progress.plannedChanges = planned;
    m_progress.plannedLeft = plannedLeft.inserted + plannedLeft.updated + plannedLeft.deleted;
    m_progress.plannedRight = plannedRight.inserted + plannedRight.updated + plannedRight.deleted;

    // The delete guard: a run that would delete more than the allowed share of a side aborts.
    for (const Side side : {Side::Left, Side::Right}) {
        const std::uint64_t count = deletes[side == Side::Left ? 0 : 1];
        const std::uint64_t size = std::max(entitySize(side), count);
        if (count == 0 || m_options.force || m_options.dryRun) {
            continue;
        }
        const double share = 100.0 * static_cast<double>(count) / static_cast<double>(size);
        if (share > m_document.maxDeletePercent) {
            const auto& title = side == Side::Left ? m_document.left.title : m_document.right.title;
            abort(ErrorCode::Aborted,
                  fmt::format("the run would delete {} of {} items in '{}' ({:.0f}%), more than "
                              "the connection allows ({:.0f}%); nothing was written. Check the "
                              "source, then run with --force or raise maxDeletePercent.",
                              count, size, title, share, m_document.maxDeletePercent));
            return false;
        }
    }
    if (m_options.dryRun) {
        m_report.conflicts = conflicts;
        m_report.left.inserted = plannedLeft.inserted;
        m_report.left.updated = plannedLeft.updated;
        m_report.left.deleted = plannedLeft.deleted;
        m_report.right.inserted = plannedRight.inserted;
        m_report.right.updated = plannedRight.updated;
        m_report.right.deleted = plannedRight.deleted;
    }
    return true;
}

void Run::recordConflict(const MatchedItem& item, const ItemPlan& plan, bool open) {
    ++m_report.conflicts;
    ConflictEntry entry;
    entry.key = displayKey(item);
    entry.reason = plan.reason;
    entry.resolution = plan.resolution;
    for (const auto p : plan.conflictPairs) {
        entry.columns.push_back(m_pairs[p].leftName == m_pairs[p].rightName
                                    ? m_pairs[p].leftName
                                    : m_pairs[p].leftName + "/" + m_pairs[p].rightName);
    }
    if (open && !m_options.dryRun) {
        const std::string columns = nlohmann::json(entry.columns).dump();
        const std::string id = stateId(m_document);
        sqlite::Statement insert(
            db(),
            "INSERT INTO conflicts(connection_id, item_key, reason, columns, "
            "decision, seen_at) VALUES(?,?,?,?,NULL,?) ON CONFLICT(connection_id, "
            "item_key) DO UPDATE SET reason=excluded.reason, "
            "columns=excluded.columns, seen_at=excluded.seen_at");
        insert.bind(1, id)
            .bind(2, entry.key)
            .bind(3, entry.reason)
            .bind(4, columns)
            .bind(5, nowMs());
        insert.run();
    }
    if (m_report.conflictList.size() < kMaxListed) {
        m_report.conflictList.push_back(std::move(entry));
    }
}

// Pass 2: classify again and apply.
void Run::apply() {
    publish(RunPhase::Writing, true);
    const std::string id = stateId(m_document);
    {
        // Open conflicts are found again below; decided ones are applied and disappear.
        sqlite::Statement clear(db(), "DELETE FROM conflicts WHERE connection_id=?");
        clear.bind(1, id).run();
    }
    m_leftBatch.batch.columns.clear();
    m_rightBatch.batch.columns.clear();
    for (const auto& pair : m_pairs) {
        m_leftBatch.batch.columns.push_back(pair.leftName);
        m_rightBatch.batch.columns.push_back(pair.rightName);
    }
    sqlite::Statement rows(m_plan, planQuery(true));
    while (rows.step()) {
        MatchedItem item;
        const ItemPlan plan = planRow(rows, item);
        if (plan.ignoredOneSided) {
            ++m_ignoredOneSided;
        }
        if (plan.conflict) {
            recordConflict(item, plan, plan.state == StateOp::Keep);
        }
        applyItem(item, plan);
        if (m_leftBatch.batch.items.size() >= m_batchSize ||
            m_rightBatch.batch.items.size() >= m_batchSize || m_pending.size() >= 4 * m_batchSize) {
            flush();
            publish(RunPhase::Writing);
            if (cancelled()) {
                land();
                return;
            }
        }
    }
    flush();
    land();
    if (m_ignoredOneSided > 0) {
        const bool leftOnly = m_document.direction == Direction::RightToLeft;
        m_report.warnings.push_back(fmt::format(
            "{} item(s) exist only on the {} and were never synchronized; a one-way run leaves "
            "them as they are",
            m_ignoredOneSided, leftOnly ? "left" : "right"));
    }
}

// Which pairs an update changes on `side`: those whose hash there differs from the agreed one.
// Empty (= all) when the hashes are not at hand.
std::vector<bool> Run::changedPairs(const MatchedItem& item, Side side, std::string agreed,
                                    const ItemPlan& plan) const {
    const std::size_t pairCount = m_pairs.size();
    if (agreed.empty()) {
        agreed = engine::agreedHashes(item.input, plan, pairCount);
    }
    std::string_view current =
        side == Side::Left ? item.input.left.hashes : item.input.right.hashes;
    if (current.empty()) {
        current = item.input.stateHashes;  // unchanged since the last run
    }
    if (current.size() != pairCount * 8 || agreed.size() != pairCount * 8) {
        return {};
    }
    std::vector<bool> changed(pairCount);
    for (std::size_t p = 0; p < pairCount; ++p) {
        changed[p] = current.compare(p * 8, 8, agreed, p * 8, 8) != 0;
    }
    return changed;
}

void Run::applyItem(MatchedItem& item, const ItemPlan& plan) {
    if (plan.state == StateOp::Keep && plan.toLeft == WriteOp::None &&
        plan.toRight == WriteOp::None) {
        return;
    }
    Pending pending;
    pending.seq = item.seq;
    pending.leftKey = item.leftKey;
    pending.rightKey = item.rightKey;
    pending.state = plan.state;
    if (plan.state == StateOp::Upsert) {
        pending.hashes = engine::agreedHashes(item.input, plan, m_pairs.size());
    }
    const std::size_t owner = m_pending.size();
    m_pending.push_back(std::move(pending));

    std::vector<Value> leftValues;
    std::vector<Value> rightValues;
    try {
        if (plan.needsLeftValues && !item.left.values.empty()) {
            leftValues = codec::decode(item.left.values);
        }
        if (plan.needsRightValues && !item.right.values.empty()) {
            rightValues = codec::decode(item.right.values);
        }
    } catch (const Error&) {
        m_pending[owner].failed = true;
        return;
    }
    for (const auto& [op, side] :
         {std::pair{plan.toLeft, Side::Left}, std::pair{plan.toRight, Side::Right}}) {
        if (op == WriteOp::None) {
            continue;
        }
        SideBatch& batch = side == Side::Left ? m_leftBatch : m_rightBatch;
        const Schema& schema = *(side == Side::Left ? m_leftSetup : m_rightSetup).schema;
        const auto& columns = (side == Side::Left ? m_leftSetup : m_rightSetup).pairColumns;
        WriteItem write;
        write.kind = op == WriteOp::Insert   ? WriteKind::Insert
                     : op == WriteOp::Update ? WriteKind::Update
                                             : WriteKind::Delete;
        if (op != WriteOp::Insert) {
            write.key = codec::decode(side == Side::Left ? item.leftKey : item.rightKey);
        } else {
            // The source record's identity, stable across runs (see WriteItem::origin).
            const bool fromLeft = side == Side::Right;
            write.origin = engine::originOf(m_stateId, fromLeft ? Side::Left : Side::Right,
                                            codec::decode(fromLeft ? item.leftKey : item.rightKey));
        }
        if (op != WriteOp::Delete) {
            const std::size_t pairCount = m_pairs.size();
            write.values.reserve(pairCount);
            for (std::size_t p = 0; p < pairCount; ++p) {
                const bool fromRight = !plan.takeFrom.empty() && plan.takeFrom[p] == 1;
                const auto& source = fromRight ? rightValues : leftValues;
                if (source.size() != pairCount) {
                    m_pending[owner].failed = true;
                    ItemError error{side,
                                    displayKey(m_pending[owner].leftKey, m_pending[owner].rightKey),
                                    "internal error: the values to write were not indexed"};
                    if (m_report.errors.size() < kMaxListed) {
                        m_report.errors.push_back(std::move(error));
                    }
                    ++countsOf(m_report, side).failed;
                    return;
                }
                write.values.push_back(coerce(source[p], schema.columns[columns[p]].type));
            }
        }
        if (op == WriteOp::Update) {
            write.changed = changedPairs(item, side, m_pending[owner].hashes, plan);
        }
        batch.batch.items.push_back(std::move(write));
        batch.owners.push_back(owner);
    }
}

std::vector<WriteOutcome> writeBatch(Provider& provider, const WriteBatch& batch) {
    if (batch.items.empty()) {
        return {};
    }
    try {
        return provider.write(batch);
    } catch (const Error& e) {
        // The whole batch could not be attempted: every item in it failed, the run goes on.
        std::vector<WriteOutcome> outcomes(batch.items.size());
        for (auto& outcome : outcomes) {
            outcome.errorCode = e.code();
            outcome.error = e.message();
        }
        return outcomes;
    }
}

// Hands the open batches to a writer thread, after landing the previous ones: the providers
// write batch N while this thread prepares batch N+1 and remembers batch N-1.
void Run::flush() {
    auto flight = std::make_unique<Flight>();
    flight->left = std::move(m_leftBatch);
    flight->right = std::move(m_rightBatch);
    flight->pending = std::move(m_pending);
    m_leftBatch = SideBatch{};
    m_rightBatch = SideBatch{};
    m_pending.clear();
    m_leftBatch.batch.columns = flight->left.batch.columns;
    m_rightBatch.batch.columns = flight->right.batch.columns;
    land();
    if (flight->pending.empty()) {
        return;
    }
    Flight* f = flight.get();
    f->outcomes = std::async(std::launch::async, [this, f] {
        auto left = writeBatch(*m_left, f->left.batch);
        auto right = writeBatch(*m_right, f->right.batch);
        return std::pair{std::move(left), std::move(right)};
    });
    m_inFlight = std::move(flight);
}

// Waits for the batches in flight, counts their outcomes and remembers them.
void Run::land() {
    if (!m_inFlight) {
        return;
    }
    auto [left, right] = m_inFlight->outcomes.get();
    recordOutcomes(Side::Left, m_inFlight->left, left, m_inFlight->pending);
    recordOutcomes(Side::Right, m_inFlight->right, right, m_inFlight->pending);
    commitState(m_inFlight->pending);
    m_inFlight.reset();
}

void Run::recordOutcomes(Side side, const SideBatch& batch,
                         const std::vector<WriteOutcome>& outcomes, std::vector<Pending>& items) {
    SideCounts& counts = countsOf(m_report, side);
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        Pending& pending = items[batch.owners[i]];
        const WriteOutcome& outcome = outcomes[i];
        if (!outcome.ok) {
            pending.failed = true;
            ++counts.failed;
            if (m_report.errors.size() < kMaxListed) {
                m_report.errors.push_back(
                    ItemError{side, displayKey(pending.leftKey, pending.rightKey), outcome.error});
            }
            continue;
        }
        switch (batch.batch.items[i].kind) {
            case WriteKind::Insert:
                ++counts.inserted;
                if (outcome.key.empty()) {
                    pending.failed = true;  // inserted, but it cannot be remembered
                    m_report.warnings.push_back("the provider returned no key for " +
                                                displayKey(pending.leftKey, pending.rightKey));
                } else {
                    (side == Side::Left ? pending.leftKey : pending.rightKey) =
                        codec::encode(outcome.key);
                }
                break;
            case WriteKind::Update:
                ++counts.updated;
                break;
            case WriteKind::Delete:
                ++counts.deleted;
                break;
        }
    }
    m_progress.appliedChanges += outcomes.size();
    (side == Side::Left ? m_progress.appliedLeft : m_progress.appliedRight) += outcomes.size();
}

// Remembers the outcomes of one flight in one transaction, so a killed run loses at most the
// memory of the batches in flight, which the next run re-correlates by key.
void Run::commitState(const std::vector<Pending>& items) {
    sqlite::Transaction transaction(db());
    sqlite::Statement update(db(),
                             "UPDATE items SET left_key=?, right_key=?, hashes=?, row_hash=? "
                             "WHERE id=?");
    sqlite::Statement insert(db(),
                             "INSERT OR REPLACE INTO items(conn, left_key, right_key, hashes, "
                             "row_hash) VALUES(?,?,?,?,?)");
    sqlite::Statement remove(db(), "DELETE FROM items WHERE id=?");
    for (const Pending& pending : items) {
        if (pending.failed || pending.state == StateOp::Keep) {
            continue;
        }
        if (pending.state == StateOp::Remove) {
            if (pending.seq) {
                remove.bind(1, *pending.seq).run();
            }
            continue;
        }
        const auto rowHash = static_cast<std::int64_t>(hashText(pending.hashes));
        if (pending.seq) {
            update.bindBlob(1, pending.leftKey).bindBlob(2, pending.rightKey);
            update.bindBlob(3, pending.hashes).bind(4, rowHash).bind(5, *pending.seq).run();
        } else {
            insert.bind(1, m_connection).bindBlob(2, pending.leftKey).bindBlob(3, pending.rightKey);
            insert.bindBlob(4, pending.hashes).bind(5, rowHash).run();
        }
    }
    transaction.commit();
}

// The number of records a side holds: what a full read saw, or for a delta read what the
// state store remembers (a delta reads only the changes).
std::uint64_t Run::entitySize(Side side) const {
    const auto* index = side == Side::Left ? m_leftIndex.get() : m_rightIndex.get();
    const std::uint64_t read = side == Side::Left ? m_report.left.read : m_report.right.read;
    if (index != nullptr && index->deltaRead()) {
        return std::max(read, m_stateItems);
    }
    return read;
}

// A side's change-tracking token moves forward only after a run that left nothing to redo:
// a failed item or a skipped conflict must come up again, and a delta from the new token
// would not show it (the old token's delta still does).
void Run::saveDeltaTokens() {
    const bool clean =
        m_report.status == RunStatus::Succeeded &&
        !(m_document.conflictResolution == ConflictResolution::Skip && m_report.conflicts > 0);
    if (!clean) {
        return;
    }
    for (const auto* index : {m_leftIndex.get(), m_rightIndex.get()}) {
        if (index == nullptr || index->nextDeltaToken().empty()) {
            continue;
        }
        const bool left = index == m_leftIndex.get();
        sqlite::Statement save(db(), left ? "UPDATE connections SET left_token=? WHERE num=?"
                                          : "UPDATE connections SET right_token=? WHERE num=?");
        save.bind(1, index->nextDeltaToken()).bind(2, m_connection).run();
    }
}

void Run::saveRun() {
    const std::string id = stateId(m_document);
    sqlite::Transaction transaction(db());
    sqlite::Statement insert(
        db(),
        "INSERT INTO runs(connection_id, title, started_at, duration_ms, "
        "status, dry_run, counts, conflicts, message) VALUES(?,?,?,?,?,?,?,?,?)");
    insert.bind(1, id).bind(2, m_document.title).bind(3, m_report.startedAtMs);
    insert.bind(4, m_report.durationMs).bind(5, std::string(toString(m_report.status)));
    insert.bind(6, std::int64_t{m_report.dryRun ? 1 : 0});
    insert.bind(7, encodeRunCounts(m_report.left, m_report.right));
    insert.bind(8, static_cast<std::int64_t>(m_report.conflicts)).bind(9, m_report.message);
    insert.run();
    m_report.runId = sqlite3_last_insert_rowid(db());
    sqlite::Statement error(
        db(), "INSERT INTO run_errors(run_id, side, item_key, message) VALUES(?,?,?,?)");
    for (const auto& e : m_report.errors) {
        error.bind(1, m_report.runId).bind(2, std::string(toString(e.side))).bind(3, e.key);
        error.bind(4, e.message).run();
    }
    transaction.commit();
}

RunReport Run::execute() {
    m_started = Clock::now();
    m_report.startedAtMs = nowMs();
    m_report.connectionTitle = m_document.title;
    m_report.dryRun = m_options.dryRun;
    bool proceed = true;
    try {
        open();
        prepareSides();
        loadConnectionState();
        if (!indexSides()) {
            m_report.status = RunStatus::Cancelled;
            m_report.message = "cancelled while reading; nothing was written";
            proceed = false;
        }
        if (proceed && !plan()) {
            if (m_report.status != RunStatus::Aborted) {
                m_report.status = RunStatus::Cancelled;
                m_report.message = "cancelled while planning; nothing was written";
            }
            proceed = false;
        }
        if (proceed && !m_options.dryRun) {
            apply();
            if (cancelled()) {
                m_report.status = RunStatus::Cancelled;
                m_report.message = "cancelled; the changes written so far are remembered";
            }
        }
    } catch (const Error& e) {
        if (e.code() == ErrorCode::StateStore) {
            throw;
        }
        abort(e.code(), e.fullText());
    }
    if (m_plan != nullptr) {
        sqlite3_close(m_plan);
        m_plan = nullptr;
    }
    if (m_report.status == RunStatus::Succeeded &&
        (m_report.left.failed > 0 || m_report.right.failed > 0)) {
        m_report.status = RunStatus::CompletedWithErrors;
    }
    if (!m_options.dryRun && m_report.status != RunStatus::Aborted) {
        for (const Side side : {Side::Left, Side::Right}) {
            auto& counts = side == Side::Left ? m_report.left : m_report.right;
            const std::uint64_t touched = counts.updated + counts.deleted + counts.failed;
            const std::uint64_t size = entitySize(side);
            counts.unchanged = size > touched ? size - touched : 0;
        }
        saveDeltaTokens();
    }
    m_leftIndex.reset();
    m_rightIndex.reset();
    m_report.durationMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_started).count();
    saveRun();
    publish(RunPhase::Done, true);
    spdlog::info("run of '{}' {}: left +{} ~{} -{}, right +{} ~{} -{}, {} conflict(s), {} ms",
                 m_document.title, toString(m_report.status), m_report.left.inserted,
                 m_report.left.updated, m_report.left.deleted, m_report.right.inserted,
                 m_report.right.updated, m_report.right.deleted, m_report.conflicts,
                 m_report.durationMs);
    return m_report;
}

}  // namespace

SyncEngine::SyncEngine(const ProviderRegistry& registry, StateStore& store)
    : m_registry(registry), m_store(store) {}

RunReport SyncEngine::run(const ConnectionDocument& document, const RunOptions& options) {
    const auto problems = validateDocument(document);
    if (!problems.empty()) {
        std::string message;
        for (const auto& problem : problems) {
            message += (message.empty() ? "" : "\n") + problem;
        }
        throw Error(ErrorCode::InvalidDocument, message);
    }
    Run run(m_registry, m_store, document, options);
    return run.execute();
}

}  // namespace ferry
