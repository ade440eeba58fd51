// Long work off the GUI thread: verify, describe, preview, run and create target.
#include "jobs.h"

#include <algorithm>
#include <exception>

#include "ferry/connection_string.h"
#include "ferry/state_store.h"
#include "ferry/sync_engine.h"

namespace ferry::gui {

namespace {

QString joined(const std::vector<std::string>& items) {
    QStringList list;
    for (const auto& item : items) {
        list << toQString(item);
    }
    return list.join(QStringLiteral(", "));
}

std::size_t sideIndex(Side side) {
    return side == Side::Left ? 0 : 1;
}

// What the confirmation dialog showed: the columns' names, types and keys.
bool sameColumns(const std::vector<Column>& a, const std::vector<Column>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Column& x, const Column& y) {
        return x.name == y.name && x.type == y.type && x.key == y.key;
    });
}

}  // namespace

// --- Job -------------------------------------------------------------------------------------

Job::Job(QObject* parent) : QObject(parent) {}

Job::~Job() {
    stopAndWait();
}

void Job::start() {
    if (m_thread) {
        return;
    }
    m_thread.reset(QThread::create([this] {
        emit started();
        try {
            work();
        } catch (const Error& error) {
            emit failed(UserError::from(error));
            return;
        } catch (const std::exception& error) {
            emit failed(UserError::internal(QString::fromLocal8Bit(error.what())));
            return;
        } catch (...) {
            emit failed(UserError::internal(QStringLiteral("unknown exception")));
            return;
        }
        emit finished();
    }));
    m_thread->setObjectName(QStringLiteral("ferry-job"));
    m_thread->start();
}

bool Job::isRunning() const {
    return m_thread && m_thread->isRunning();
}

void Job::wait() {
    if (m_thread) {
        m_thread->wait();
    }
}

void Job::stopAndWait() {
    cancel();
    wait();
}

void abandonJob(std::unique_ptr<Job> job) {
    if (!job) {
        return;
    }
    job->cancel();
    job->disconnect();  // nobody listens any more
    Job* orphan = job.release();
    orphan->setParent(nullptr);
    QObject::connect(orphan, &Job::finished, orphan, &QObject::deleteLater);
    QObject::connect(orphan, &Job::failed, orphan, &QObject::deleteLater);
    if (!orphan->isRunning()) {
        orphan->deleteLater();
    }
}

// --- VerifyJob -------------------------------------------------------------------------------

VerifyJob::VerifyJob(const ProviderRegistry& registry, ConnectionDocument document,
                     std::vector<Side> sides, QString leftPassword, QString rightPassword,
                     QObject* parent)
    : Job(parent),
      m_registry(registry),
      m_document(std::move(document)),
      m_sides(std::move(sides)),
      m_passwords{toStd(leftPassword), toStd(rightPassword)} {}

VerifyJob::~VerifyJob() {
    stopAndWait();
}

void VerifyJob::work() {
    std::vector<SideCheck> checks;
    for (const Side side : m_sides) {
        if (isCancelRequested()) {
            return;
        }
        checks.push_back(checkSide(side));
        emit sideChecked(checks.back());
    }
    const bool bothPassed =
        checks.size() == 2 &&
        std::all_of(checks.begin(), checks.end(), [](const SideCheck& c) { return c.ok; });
    if (!bothPassed) {
        return;
    }
    try {
        const auto pairs = resolveMapping(m_document.mapping, checks[0].schema, checks[1].schema);
        if (pairs.empty()) {
            emit mappingChecked(false, QStringLiteral("No column of Data Entity 1 matches a column "
                                                      "of Data Entity 2: pair them on the "
                                                      "Mappings page."));
            return;
        }
        emit mappingChecked(true, QStringLiteral("%1 column pairs").arg(pairs.size()));
    } catch (const Error& error) {
        emit mappingChecked(false, UserError::from(error).text());
    }
}

SideCheck VerifyJob::checkSide(Side side) const {
    SideCheck check;
    check.side = side;
    const EntityConfig& entity = side == Side::Left ? m_document.left : m_document.right;
    const ProviderInfo* info = m_registry.find(entity.provider);
    if (info == nullptr) {
        QStringList names;
        for (const auto* known : m_registry.all()) {
            names << toQString(known->name);
        }
        check.error.code = ErrorCode::UnknownProvider;
        check.error.message =
            entity.provider.empty()
                ? QStringLiteral("No provider is chosen.")
                : QStringLiteral("Unknown provider '%1'.").arg(toQString(entity.provider));
        check.error.hint =
            QStringLiteral("Choose one of: %1.").arg(names.join(QStringLiteral(", ")));
        return check;
    }
    ConnectionString connectionString;
    try {
        connectionString = ConnectionString::parse(entity.connectionString);
    } catch (const Error& error) {
        check.error = UserError::from(error);
        check.error.message =
            QStringLiteral("The connection string cannot be read: %1").arg(check.error.message);
        return check;
    }
    const auto problems = m_registry.validate(entity.provider, connectionString);
    if (!problems.empty()) {
        check.error.code = ErrorCode::InvalidConnectionString;
        check.error.message =
            QStringLiteral("The connection string has %1 %2.")
                .arg(problems.size())
                .arg(problems.size() == 1 ? QStringLiteral("problem") : QStringLiteral("problems"));
        for (const auto& problem : problems) {
            check.problems << redacted(problem);
        }
        check.error.detail = check.problems.join(QStringLiteral("; "));
        check.error.hint = QStringLiteral(
            "The help next to the connection string lists the keys "
            "this provider understands.");
        return check;
    }
    try {
        auto provider = openEntity(m_registry, entity, m_passwords[sideIndex(side)]);
        provider->verify();
        const Schema schema = provider->describe();
        const ProviderCapabilities capabilities = provider->capabilities();
        const auto keys = schema.keyColumns();
        if (keys.empty()) {
            check.error.code = ErrorCode::InvalidDocument;
            check.error.message =
                QStringLiteral("No primary key: the entity has none and none is chosen.");
            check.error.hint = QStringLiteral(
                "Tick the column(s) that identify a row under "
                "Primary key (Load columns fills the list).");
            return check;
        }
        if (writesTo(m_document.direction, side) && !capabilities.writable) {
            check.error.code = ErrorCode::NotUpdatable;
            check.error.message = QStringLiteral("This side is written to but cannot be: %1.")
                                      .arg(toQString(capabilities.whyNotWritable));
            check.error.hint = QStringLiteral(
                "Select the columns of a single table, without joins or expressions.");
            return check;
        }
        check.ok = true;
        check.summary = QStringLiteral("%1, %2 columns, key %3")
                            .arg(toQString(info->displayName))
                            .arg(schema.columns.size())
                            .arg(joined(keys));
        if (!capabilities.writable) {
            check.summary +=
                QStringLiteral(", read-only (%1)").arg(toQString(capabilities.whyNotWritable));
        }
        check.schema = schema;
    } catch (const Error& error) {
        check.error = UserError::from(error);
    }
    return check;
}

// --- DescribeJob -----------------------------------------------------------------------------

DescribeJob::DescribeJob(const ProviderRegistry& registry, EntityConfig entity, Side side,
                         QString password, QObject* parent)
    : Job(parent),
      m_registry(registry),
      m_entity(std::move(entity)),
      m_side(side),
      m_password(toStd(password)) {}

DescribeJob::~DescribeJob() {
    stopAndWait();
}

void DescribeJob::work() {
    auto provider = openEntity(m_registry, m_entity, m_password);
    const Schema schema = provider->describe();
    emit described(m_side, schema);
}

// --- PreviewJob ------------------------------------------------------------------------------

PreviewJob::PreviewJob(const ProviderRegistry& registry, EntityConfig entity, QString password,
                       int generation, std::size_t maxRows, std::size_t chunkRows, QObject* parent)
    : Job(parent),
      m_registry(registry),
      m_entity(std::move(entity)),
      m_password(toStd(password)),
      m_generation(generation),
      m_maxRows(maxRows),
      m_chunkRows(std::max<std::size_t>(chunkRows, 1)) {}

PreviewJob::~PreviewJob() {
    stopAndWait();
}

void PreviewJob::work() {
    auto provider = openEntity(m_registry, m_entity, m_password);
    const Schema schema = provider->describe();
    emit schemaReady(m_generation, schema);

    ReadRequest request;
    request.maxRows = m_maxRows + 1;  // one extra row tells whether there are more
    request.pageSize = std::min<std::size_t>(m_chunkRows, m_maxRows + 1);
    std::size_t delivered = 0;
    bool more = false;
    std::vector<Record> chunk;
    provider->read(request, [&](std::vector<Record>& page) {
        for (auto& record : page) {
            if (delivered == m_maxRows) {
                more = true;
                return false;
            }
            chunk.push_back(std::move(record));
            ++delivered;
        }
        if (chunk.size() >= m_chunkRows) {
            emit rowsReady(m_generation, chunk);
            chunk.clear();
        }
        return !isCancelRequested();
    });
    if (!chunk.empty()) {
        emit rowsReady(m_generation, chunk);
    }
    if (isCancelRequested()) {
        throw Error(ErrorCode::Cancelled, "The preview was cancelled.");
    }
    emit completed(m_generation, more);
}

// --- RunJob ----------------------------------------------------------------------------------

RunJob::RunJob(const ProviderRegistry& registry, std::filesystem::path stateStorePath,
               ConnectionDocument document, bool dryRun, QString leftPassword,
               QString rightPassword, QObject* parent)
    : Job(parent),
      m_registry(registry),
      m_stateStorePath(std::move(stateStorePath)),
      m_document(std::move(document)),
      m_dryRun(dryRun),
      m_passwords{toStd(leftPassword), toStd(rightPassword)} {}

RunJob::~RunJob() {
    stopAndWait();
}

void RunJob::work() {
    std::error_code ignored;
    std::filesystem::create_directories(m_stateStorePath.parent_path(), ignored);
    StateStore store(m_stateStorePath);
    SyncEngine engine(m_registry, store);
    RunOptions options;
    options.dryRun = m_dryRun;
    options.leftPassword = m_passwords[0];
    options.rightPassword = m_passwords[1];
    options.cancel = cancelFlag();
    options.onProgress = [this](const Progress& progress) { emit progressed(progress); };
    const RunReport report = engine.run(m_document, options);
    emit completed(report);
}

// --- PlanTargetJob ---------------------------------------------------------------------------

PlanTargetJob::PlanTargetJob(const ProviderRegistry& registry, ConnectionDocument document,
                             Side side, QString leftPassword, QString rightPassword,
                             QObject* parent)
    : Job(parent),
      m_registry(registry),
      m_document(std::move(document)),
      m_side(side),
      m_passwords{toStd(leftPassword), toStd(rightPassword)} {}

PlanTargetJob::~PlanTargetJob() {
    stopAndWait();
}

void PlanTargetJob::work() {
    const TargetPlan plan =
        planTarget(m_registry, m_document, m_side, m_passwords[0], m_passwords[1]);
    emit planned(plan.side, plan.columns);
}

// --- CreateTargetJob -------------------------------------------------------------------------

CreateTargetJob::CreateTargetJob(const ProviderRegistry& registry, ConnectionDocument document,
                                 Side side, std::vector<Column> confirmedColumns,
                                 QString leftPassword, QString rightPassword, QObject* parent)
    : Job(parent),
      m_registry(registry),
      m_document(std::move(document)),
      m_side(side),
      m_confirmedColumns(std::move(confirmedColumns)),
      m_passwords{toStd(leftPassword), toStd(rightPassword)} {}

CreateTargetJob::~CreateTargetJob() {
    stopAndWait();
}

void CreateTargetJob::work() {
    TargetPlan plan = planTarget(m_registry, m_document, m_side, m_passwords[0], m_passwords[1]);
    if (!sameColumns(plan.columns, m_confirmedColumns)) {
        throw Error(ErrorCode::Aborted,
                    "the source columns changed since they were listed; nothing was created", {},
                    "Choose Create Target again to see the current columns.");
    }
    if (isCancelRequested()) {
        throw Error(ErrorCode::Cancelled, "Create Target was cancelled; nothing was created.");
    }
    const CreatedEntity entity = createTarget(plan);
    emit created(plan.side, entity);
}

}  // namespace ferry::gui
