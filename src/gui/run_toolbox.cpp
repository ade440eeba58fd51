// The run synchronization toolbox.
#include "run_toolbox.h"

#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QTimer>

#include "app_context.h"
#include "connection_session.h"
#include "ferry/state_store.h"
#include "jobs.h"
#include "report_models.h"
#include "ui_run_toolbox.h"

namespace ferry::gui {

namespace {

constexpr std::size_t kMaxLogEntries = 5000;
constexpr std::size_t kErrorsLogged = 20;

QString phaseText(RunPhase phase) {
    switch (phase) {
        case RunPhase::Connecting:
            return QStringLiteral("Connecting to both sides");
        case RunPhase::Describing:
            return QStringLiteral("Reading the columns");
        case RunPhase::Reading:
            return QStringLiteral("Reading both sides");
        case RunPhase::Planning:
            return QStringLiteral("Comparing and planning");
        case RunPhase::Writing:
            return QStringLiteral("Writing changes");
        case RunPhase::Finishing:
            return QStringLiteral("Finishing");
        case RunPhase::Done:
            return QStringLiteral("Done");
    }
    return {};
}

QString grouped(std::uint64_t value) {
    return QLocale::system().toString(static_cast<qulonglong>(value));
}

}  // namespace

RunToolbox::RunToolbox(AppContext& context, QWidget* parent)
    : QWidget(parent), m_ui(std::make_unique<Ui::RunToolbox>()), m_context(context) {
    m_ui->setupUi(this);

    const QStringList countColumns = {QStringLiteral("Read"),      QStringLiteral("Inserted"),
                                      QStringLiteral("Updated"),   QStringLiteral("Deleted"),
                                      QStringLiteral("Unchanged"), QStringLiteral("Failed")};
    m_ui->countsTable->setColumnCount(static_cast<int>(countColumns.size()));
    m_ui->countsTable->setRowCount(2);
    m_ui->countsTable->setHorizontalHeaderLabels(countColumns);
    m_ui->countsTable->setVerticalHeaderLabels(
        {QStringLiteral("Data Entity 1"), QStringLiteral("Data Entity 2")});
    m_ui->countsTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_ui->countsTable->setToolTip(
        QStringLiteral("Inserted, updated and deleted count the rows written into each side"));
    m_conflictsLabel = new QLabel(this);
    m_conflictsLabel->setObjectName(QStringLiteral("conflictsLabel"));
    m_ui->progressLayout->addWidget(m_conflictsLabel, 4, 3);
    showCounts({}, {}, 0);

    m_ui->logLevelCombo->addItem(QStringLiteral("All messages"),
                                 static_cast<int>(LogSeverity::Debug));
    m_ui->logLevelCombo->addItem(QStringLiteral("Information"),
                                 static_cast<int>(LogSeverity::Info));
    m_ui->logLevelCombo->addItem(QStringLiteral("Warnings and errors"),
                                 static_cast<int>(LogSeverity::Warning));
    m_ui->logLevelCombo->addItem(QStringLiteral("Errors"), static_cast<int>(LogSeverity::Error));
    m_ui->logLevelCombo->setCurrentIndex(1);
    connect(m_ui->logLevelCombo, &QComboBox::currentIndexChanged, this, &RunToolbox::rerenderLog);
    connect(m_ui->logFilterEdit, &QLineEdit::textChanged, this, &RunToolbox::rerenderLog);

    m_plannedModel = newPlannedChangesModel(this);
    m_plannedModel->setObjectName(QStringLiteral("plannedChangesModel"));
    m_ui->plannedTable->setModel(m_plannedModel);
    m_errorsModel = newItemErrorsModel(this);
    m_errorsModel->setObjectName(QStringLiteral("itemErrorsModel"));
    m_ui->errorsTable->setModel(m_errorsModel);
    m_conflictsModel = newConflictsModel(this);
    m_conflictsModel->setObjectName(QStringLiteral("conflictsModel"));
    m_ui->conflictsTable->setModel(m_conflictsModel);
    for (QTableView* view : {m_ui->plannedTable, m_ui->errorsTable, m_ui->conflictsTable}) {
        view->horizontalHeader()->setStretchLastSection(true);
        view->verticalHeader()->hide();
    }

    connect(m_ui->cancelButton, &QPushButton::clicked, this, &RunToolbox::cancelRun);
    connect(m_ui->takeLeftButton, &QPushButton::clicked, this,
            [this] { decideSelectedConflict(Side::Left); });
    connect(m_ui->takeRightButton, &QPushButton::clicked, this,
            [this] { decideSelectedConflict(Side::Right); });

    m_clock = new QTimer(this);
    m_clock->setInterval(200);
    connect(m_clock, &QTimer::timeout, this, &RunToolbox::updateElapsed);

    connect(&LogBridge::instance(), &LogBridge::message, this,
            [this](int severity, const QString& text) {
                appendLog(static_cast<LogSeverity>(severity), text);
            });
}

RunToolbox::~RunToolbox() {
    // Nobody reads the result any more; the engine stops at its next check.
    abandonJob(std::move(m_job));
}

bool RunToolbox::startRun(ConnectionSession& session, bool dryRun) {
    if (m_running) {
        return false;
    }
    abandonJob(std::move(m_job));
    ConnectionDocument document = session.document();
    m_dryRun = dryRun;
    m_runTitle = session.displayTitle();
    m_job = std::make_unique<RunJob>(m_context.registry(), m_context.paths().stateStorePath,
                                     document, dryRun, session.password(Side::Left),
                                     session.password(Side::Right));
    connect(m_job.get(), &RunJob::progressed, this, &RunToolbox::onProgress);
    connect(m_job.get(), &RunJob::completed, this, &RunToolbox::onCompleted);
    connect(m_job.get(), &RunJob::failed, this, &RunToolbox::onFailed);

    m_running = true;
    m_phase = RunPhase::Connecting;
    m_lastProgress = Progress{};
    m_lastReport.reset();
    showCounts({}, {}, 0);
    m_errorsModel->setRows({});
    if (dryRun) {
        m_plannedModel->setRows({});
    }
    m_ui->phaseLabel->setText(phaseText(RunPhase::Connecting));
    showSideProgress(m_lastProgress, std::nullopt);
    m_ui->writeProgress->setRange(0, 1);
    m_ui->writeProgress->setValue(0);
    m_ui->throughputLabel->clear();
    m_ui->statusLabel->setText(
        QStringLiteral("<b>%1</b> of <b>%2</b>…")
            .arg(dryRun ? QStringLiteral("Previewing changes") : QStringLiteral("Running"),
                 m_runTitle.toHtmlEscaped()));
    m_ui->cancelButton->setEnabled(true);
    m_ui->takeLeftButton->setEnabled(false);
    m_ui->takeRightButton->setEnabled(false);
    m_ui->tabs->setCurrentWidget(m_ui->progressTab);
    appendLog(LogSeverity::Info,
              QStringLiteral("%1 \"%2\" started")
                  .arg(dryRun ? QStringLiteral("Preview of changes of") : QStringLiteral("Run of"),
                       m_runTitle));
    m_elapsed.start();
    m_clock->start();
    updateElapsed();
    m_job->start();
    emit runStarted();
    return true;
}

void RunToolbox::cancelRun() {
    if (!m_running || !m_job) {
        return;
    }
    m_job->cancel();
    m_ui->cancelButton->setEnabled(false);
    m_ui->statusLabel->setText(
        QStringLiteral("<b>Cancelling…</b> the run stops after the current batch."));
    appendLog(LogSeverity::Info, QStringLiteral("Cancel requested"));
}

void RunToolbox::waitForRun() {
    if (m_job) {
        m_job->wait();
    }
}

void RunToolbox::onProgress(const Progress& progress) {
    if (!m_running) {
        return;
    }
    if (progress.phase != m_phase) {
        m_phase = progress.phase;
        appendLog(LogSeverity::Debug, QStringLiteral("Phase: %1").arg(phaseText(progress.phase)));
    }
    m_lastProgress = progress;
    m_ui->phaseLabel->setText(phaseText(progress.phase));
    const bool reading = progress.phase == RunPhase::Connecting ||
                         progress.phase == RunPhase::Describing ||
                         progress.phase == RunPhase::Reading;
    showSideProgress(progress, std::nullopt);
    if (progress.plannedChanges > 0) {
        const auto planned =
            static_cast<int>(std::min<std::uint64_t>(progress.plannedChanges, INT32_MAX));
        m_ui->writeProgress->setRange(0, planned);
        m_ui->writeProgress->setValue(static_cast<int>(
            std::min<std::uint64_t>(progress.appliedChanges, progress.plannedChanges)));
        m_ui->writeProgress->setFormat(QStringLiteral("%v / %m changes"));
    } else if (!reading) {
        m_ui->writeProgress->setRange(0, 1);
        m_ui->writeProgress->setValue(progress.phase == RunPhase::Done ? 1 : 0);
        m_ui->writeProgress->setFormat(QStringLiteral("no changes"));
    }
    showCounts(progress.left, progress.right, progress.conflicts);
    const double seconds =
        std::max<double>(static_cast<double>(progress.elapsedMs) / 1000.0, 0.001);
    if (progress.phase == RunPhase::Writing) {
        m_ui->throughputLabel->setText(
            QStringLiteral("%1 changes/s")
                .arg(QLocale::system().toString(
                    static_cast<double>(progress.appliedChanges) / seconds, 'f', 0)));
    } else {
        m_ui->throughputLabel->setText(
            QStringLiteral("%1 rows/s read")
                .arg(QLocale::system().toString(
                    static_cast<double>(progress.left.read + progress.right.read) / seconds, 'f',
                    0)));
    }
}

void RunToolbox::onCompleted(const RunReport& report) {
    m_lastReport = report;
    showCounts(report.left, report.right, report.conflicts);
    fillItemErrors(*m_errorsModel, report.errors);
    if (report.dryRun) {
        fillPlannedChanges(*m_plannedModel, report.plannedChanges);
        m_ui->plannedSummary->setText(
            QStringLiteral("%1 planned changes. Nothing was written; Run Now (F5) applies them.")
                .arg(report.plannedChanges.size()));
    }
    showSideProgress(m_lastProgress, report.status);
    QString color = QStringLiteral("#1a7f37");
    if (report.status == RunStatus::CompletedWithErrors) {
        color = QStringLiteral("#a05a00");
    } else if (report.status == RunStatus::Aborted || report.status == RunStatus::Cancelled) {
        color = QStringLiteral("#c62828");
    }
    QString text =
        QStringLiteral("<b>%1</b>: <span style='color:%2'><b>%3</b></span> in %4")
            .arg(m_runTitle.toHtmlEscaped(), color, statusText(report.status, report.dryRun),
                 formatDuration(report.durationMs));
    if (report.runId > 0) {
        text += QStringLiteral(" (run %1)").arg(report.runId);
    }
    if (!report.message.empty()) {
        text += QStringLiteral(" — %1").arg(redacted(report.message).toHtmlEscaped());
    }
    m_ui->statusLabel->setText(text);
    m_ui->phaseLabel->setText(phaseText(RunPhase::Done));
    m_ui->elapsedLabel->setText(formatDuration(report.durationMs));

    appendLog(report.status == RunStatus::Succeeded ? LogSeverity::Info : LogSeverity::Warning,
              QStringLiteral("%1: %2; Data Entity 1 +%3 ~%4 -%5, Data Entity 2 +%6 ~%7 -%8, %9 "
                             "conflicts, %10 failed")
                  .arg(m_runTitle, statusText(report.status, report.dryRun))
                  .arg(report.left.inserted)
                  .arg(report.left.updated)
                  .arg(report.left.deleted)
                  .arg(report.right.inserted)
                  .arg(report.right.updated)
                  .arg(report.right.deleted)
                  .arg(report.conflicts)
                  .arg(report.left.failed + report.right.failed));
    if (!report.message.empty()) {
        appendLog(LogSeverity::Warning, redacted(report.message));
    }
    for (const auto& warning : report.warnings) {
        appendLog(LogSeverity::Warning, redacted(warning));
    }
    for (std::size_t i = 0; i < report.errors.size() && i < kErrorsLogged; ++i) {
        const auto& error = report.errors[i];
        appendLog(LogSeverity::Error,
                  QStringLiteral("%1 %2: %3")
                      .arg(sideName(error.side), toQString(error.key), redacted(error.message)));
    }
    finishRun();
    reloadConflicts();
    if (report.dryRun) {
        m_ui->tabs->setCurrentWidget(m_ui->plannedTab);
    } else if (!report.errors.empty()) {
        m_ui->tabs->setCurrentWidget(m_ui->errorsTab);
    } else if (report.conflicts > 0) {
        m_ui->tabs->setCurrentWidget(m_ui->conflictsTab);
    }
    emit runFinished(report);
}

void RunToolbox::onFailed(const UserError& error) {
    m_ui->statusLabel->setText(
        QStringLiteral("<b>%1</b>: <span style='color:#c62828'><b>could not run</b></span> — %2")
            .arg(m_runTitle.toHtmlEscaped(), error.html()));
    appendLog(LogSeverity::Error, error.text());
    showSideProgress(m_lastProgress, RunStatus::Aborted);
    finishRun();
    emit runFailed(error);
}

void RunToolbox::finishRun() {
    m_running = false;
    m_clock->stop();
    m_ui->cancelButton->setEnabled(false);
    m_ui->takeLeftButton->setEnabled(true);
    m_ui->takeRightButton->setEnabled(true);
}

// One bar per side: busy while the side is read and the plan is made, then the writes planned
// against that side and how many of them are done, failed ones included (the counts table tells
// them apart); a dry run only plans.
void RunToolbox::showSideProgress(const Progress& progress, std::optional<RunStatus> finished) {
    const bool planning =
        !finished &&
        (progress.phase == RunPhase::Connecting || progress.phase == RunPhase::Describing ||
         progress.phase == RunPhase::Reading || progress.phase == RunPhase::Planning);
    const bool nothingWritten =
        finished && (*finished == RunStatus::Aborted || *finished == RunStatus::Cancelled);
    for (const Side side : {Side::Left, Side::Right}) {
        const bool left = side == Side::Left;
        QProgressBar* bar = left ? m_ui->leftProgress : m_ui->rightProgress;
        QLabel* caption = left ? m_ui->leftCaption : m_ui->rightCaption;
        const SideCounts& counts = left ? progress.left : progress.right;
        const std::uint64_t planned = left ? progress.plannedLeft : progress.plannedRight;
        const std::uint64_t applied =
            std::min(left ? progress.appliedLeft : progress.appliedRight, planned);
        QString text = QStringLiteral("%1: %2 read").arg(sideName(side), grouped(counts.read));
        if (planning) {
            bar->setRange(0, 0);  // the totals are not known before the plan
            bar->setFormat(QString());
        } else if (planned == 0) {
            bar->setRange(0, 1);
            bar->setValue(1);
            bar->setFormat(nothingWritten ? QStringLiteral("nothing written")
                                          : QStringLiteral("nothing to write"));
        } else {
            const auto clamp = [](std::uint64_t value) {
                return static_cast<int>(std::min<std::uint64_t>(value, INT32_MAX));
            };
            bar->setRange(0, clamp(planned));
            if (m_dryRun) {
                bar->setValue(0);
                bar->setFormat(QStringLiteral("%m planned"));
                text += QStringLiteral(", %1 planned").arg(grouped(planned));
            } else {
                bar->setValue(clamp(applied));
                bar->setFormat(QStringLiteral("%v / %m done"));
                text += QStringLiteral(", %1 of %2 changes done")
                            .arg(grouped(applied), grouped(planned));
            }
        }
        caption->setText(text);
    }
}

void RunToolbox::showCounts(const SideCounts& left, const SideCounts& right,
                            std::uint64_t conflicts) {
    const SideCounts* sides[] = {&left, &right};
    for (int row = 0; row < 2; ++row) {
        const SideCounts& counts = *sides[row];
        const std::uint64_t values[] = {counts.read,    counts.inserted,  counts.updated,
                                        counts.deleted, counts.unchanged, counts.failed};
        for (int column = 0; column < 6; ++column) {
            auto* item = m_ui->countsTable->item(row, column);
            if (item == nullptr) {
                item = new QTableWidgetItem();
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                m_ui->countsTable->setItem(row, column, item);
            }
            item->setText(grouped(values[column]));
        }
    }
    m_conflictsLabel->setText(QStringLiteral("Conflicts: %1").arg(grouped(conflicts)));
}

void RunToolbox::updateElapsed() {
    if (m_running) {
        m_ui->elapsedLabel->setText(
            QStringLiteral("Elapsed %1").arg(formatDuration(m_elapsed.elapsed())));
    }
}

bool RunToolbox::logAccepts(LogSeverity severity, const QString& text) const {
    const int minimum = m_ui->logLevelCombo->currentData().toInt();
    if (static_cast<int>(severity) < minimum) {
        return false;
    }
    const QString filter = m_ui->logFilterEdit->text().trimmed();
    return filter.isEmpty() || text.contains(filter, Qt::CaseInsensitive);
}

void RunToolbox::appendLog(LogSeverity severity, const QString& text) {
    static const char* const kLevels[] = {"debug", "info", "warning", "error"};
    const QString line =
        QStringLiteral("%1 %2 %3")
            .arg(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss")),
                 QString::fromLatin1(kLevels[static_cast<int>(severity)]), redacted(text));
    m_log.push_back({severity, line});
    if (m_log.size() > kMaxLogEntries) {
        m_log.erase(m_log.begin(),
                    m_log.begin() + static_cast<std::ptrdiff_t>(kMaxLogEntries / 10));
    }
    if (logAccepts(severity, line)) {
        m_ui->logView->appendPlainText(line);
    }
}

void RunToolbox::rerenderLog() {
    QStringList lines;
    for (const auto& entry : m_log) {
        if (logAccepts(entry.severity, entry.text)) {
            lines << entry.text;
        }
    }
    m_ui->logView->setPlainText(lines.join(QLatin1Char('\n')));
}

void RunToolbox::showConflictsOf(const ConnectionDocument* document) {
    if (document == nullptr) {
        m_conflictsConnectionId.reset();
    } else {
        m_conflictsConnectionId = stateId(*document);
    }
    reloadConflicts();
}

void RunToolbox::reloadConflicts() {
    std::vector<StoredConflict> conflicts;
    if (m_conflictsConnectionId && !m_running) {
        try {
            StateStore store(m_context.paths().stateStorePath);
            conflicts = store.conflicts(*m_conflictsConnectionId);
        } catch (const Error& error) {
            appendLog(LogSeverity::Error, UserError::from(error).text());
        }
    }
    fillConflicts(*m_conflictsModel, conflicts);
    m_ui->tabs->setTabText(m_ui->tabs->indexOf(m_ui->conflictsTab),
                           conflicts.empty()
                               ? QStringLiteral("Conflicts")
                               : QStringLiteral("Conflicts (%1)").arg(conflicts.size()));
}

bool RunToolbox::decideSelectedConflict(Side side) {
    if (m_running || !m_conflictsConnectionId) {
        return false;
    }
    const auto rows = m_ui->conflictsTable->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        return false;
    }
    const int row = rows.first().row();
    const QString key = m_conflictsModel->key(row);
    bool decided = false;
    try {
        StateStore store(m_context.paths().stateStorePath);
        decided = store.decideConflict(*m_conflictsConnectionId, toStd(key), side);
    } catch (const Error& error) {
        appendLog(LogSeverity::Error, UserError::from(error).text());
        return false;
    }
    if (decided) {
        appendLog(LogSeverity::Info, QStringLiteral("Conflict %1: %2 will be taken on the next run")
                                         .arg(key, sideName(side)));
    }
    reloadConflicts();
    if (row < m_conflictsModel->rowCount()) {
        m_ui->conflictsTable->selectRow(row);
    }
    return decided;
}

}  // namespace ferry::gui
