// The run synchronization toolbox (docked at the bottom): starts Run Now and Preview Changes on
// a worker thread and shows phase, progress per side, live counts, throughput, elapsed time, a
// filtered live log, Cancel, and the final report (failed items, conflicts, planned changes).
#pragma once

#include <QElapsedTimer>
#include <QPointer>
#include <QWidget>
#include <memory>
#include <optional>
#include <vector>

#include "ferry/report.h"
#include "gui_types.h"
#include "log_bridge.h"

class QTimer;
class QLabel;

namespace Ui {
class RunToolbox;
}

namespace ferry::gui {

class AppContext;
class ConnectionSession;
class RunJob;
class TextTableModel;

class RunToolbox final : public QWidget {
    Q_OBJECT
public:
    explicit RunToolbox(AppContext& context, QWidget* parent = nullptr);
    ~RunToolbox() override;

    // Runs the session's current document (a dry run writes nothing and lists the planned
    // changes). Returns false when a run is already going on.
    bool startRun(ConnectionSession& session, bool dryRun);
    bool isRunning() const { return m_running; }
    void cancelRun();
    // Blocks until a cancelled run has stopped (closing the window).
    void waitForRun();
    // The connection whose open conflicts the Conflicts tab shows.
    void showConflictsOf(const ConnectionDocument* document);
    // Records a decision for the selected conflict (take Data Entity 1 / 2) in the state store.
    bool decideSelectedConflict(Side side);

    const std::optional<RunReport>& lastReport() const { return m_lastReport; }
    TextTableModel* plannedModel() const { return m_plannedModel; }
    TextTableModel* errorsModel() const { return m_errorsModel; }
    TextTableModel* conflictsModel() const { return m_conflictsModel; }

    void appendLog(LogSeverity severity, const QString& text);

signals:
    void runStarted();
    // A run ended with a report (any status).
    void runFinished(const ferry::RunReport& report);
    // A run could not start (an invalid document, the state store could not be opened).
    void runFailed(const ferry::gui::UserError& error);

private:
    void onProgress(const Progress& progress);
    void onCompleted(const RunReport& report);
    void onFailed(const UserError& error);
    void finishRun();
    // `finished`: the run's final status, once it has ended.
    void showSideProgress(const Progress& progress, std::optional<RunStatus> finished);
    void showCounts(const SideCounts& left, const SideCounts& right, std::uint64_t conflicts);
    void updateElapsed();
    void rerenderLog();
    bool logAccepts(LogSeverity severity, const QString& text) const;
    void reloadConflicts();

    struct LogEntry {
        LogSeverity severity;
        QString text;
    };

    std::unique_ptr<Ui::RunToolbox> m_ui;
    AppContext& m_context;
    std::unique_ptr<RunJob> m_job;
    bool m_running = false;
    bool m_dryRun = false;
    QString m_runTitle;
    QElapsedTimer m_elapsed;
    QTimer* m_clock = nullptr;
    RunPhase m_phase = RunPhase::Connecting;
    Progress m_lastProgress;
    std::optional<RunReport> m_lastReport;
    std::vector<LogEntry> m_log;
    std::optional<std::string> m_conflictsConnectionId;
    QLabel* m_conflictsLabel = nullptr;
    TextTableModel* m_plannedModel = nullptr;
    TextTableModel* m_errorsModel = nullptr;
    TextTableModel* m_conflictsModel = nullptr;
};

}  // namespace ferry::gui
