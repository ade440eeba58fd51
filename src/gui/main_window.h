// The main window: the connection manager tree (connections with Data Entity 1, Data Entity 2
// and Mappings), the selected node's page, the actions pane with the actions that fit the
// selection, and the run synchronization toolbox docked at the bottom.
#pragma once

#include <QMainWindow>
#include <QPointer>
#include <filesystem>
#include <memory>
#include <vector>

#include "ferry/document.h"
#include "gui_types.h"
#include "prompter.h"

class QAction;
class QToolButton;
class QTreeWidgetItem;

namespace Ui {
class MainWindow;
}

namespace ferry::gui {

class AppContext;
class ConnectionPage;
class ConnectionSession;
class CreateTargetDialog;
class EntityPage;
class Job;
class MappingsPage;
class PreviewDialog;
class RunToolbox;
class VerifyJob;

class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    enum class NodeKind { Connection = 0, LeftEntity = 1, RightEntity = 2, Mappings = 3 };
    static constexpr int SerialRole = Qt::UserRole + 1;  // tree item -> session serial
    static constexpr int KindRole = Qt::UserRole + 2;    // tree item -> NodeKind

    // Loads every connection document of the context's connections folder. `prompter` answers
    // the window's questions (nullptr: message boxes and file dialogs).
    explicit MainWindow(AppContext& context, std::unique_ptr<Prompter> prompter = nullptr,
                        QWidget* parent = nullptr);
    ~MainWindow() override;

    const std::vector<std::unique_ptr<ConnectionSession>>& sessions() const { return m_sessions; }
    ConnectionSession* findSession(const QString& title) const;  // case-insensitive
    ConnectionSession* currentSession() const;
    NodeKind currentKind() const;
    void selectNode(ConnectionSession* session, NodeKind kind);
    // Documents that could not be loaded, each "file: reason".
    const QStringList& loadProblems() const { return m_loadProblems; }

    ConnectionPage* connectionPage() const { return m_connectionPage; }
    EntityPage* entityPage() const { return m_entityPage; }
    MappingsPage* mappingsPage() const { return m_mappingsPage; }
    RunToolbox* runToolbox() const { return m_runToolbox; }
    // The most recently opened Preview Data dialog (nullptr once closed).
    PreviewDialog* previewDialog() const;
    bool isVerifying() const { return m_verifying; }
    // The open Create Target confirmation (nullptr when none is shown).
    CreateTargetDialog* createTargetDialog() const;
    // Create Target is planning, waiting for confirmation or creating.
    bool isCreatingTarget() const;

    // The actions (also reachable through their object names).
    ConnectionSession* newConnection();
    bool saveSession(ConnectionSession* session);
    void verifySelection();
    void previewSelection();
    void runSelection(bool dryRun);
    // Create Target: the side of the selected entity node, else the connection's target side.
    void createTargetSelection();

signals:
    // A Verify Connection String ended (its results are in the session).
    void verifyFinished();
    // A Create Target ended: `created` is false when it failed or was cancelled.
    void createTargetFinished(bool created);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void setupActions();
    void addPaneButton(QAction* action);
    void loadConnections();
    ConnectionSession* addSession(ConnectionDocument document, std::filesystem::path path,
                                  bool modified);
    QTreeWidgetItem* itemFor(const ConnectionSession* session) const;
    ConnectionSession* sessionFor(const QTreeWidgetItem* item) const;
    void refreshItem(ConnectionSession* session);
    void onSelectionChanged();
    void updateActions();
    void showPage(QWidget* page);
    void discardSelection();
    void deleteSelection();
    void duplicateSelection();
    void importDocument();
    void exportSelection();
    void removeSession(ConnectionSession* session);
    std::filesystem::path pathForNew(const std::string& title) const;
    QString uniqueTitle(const QString& wanted) const;
    void showAbout();
    void confirmTarget(ConnectionDocument document, Side side, const std::vector<Column>& columns,
                       const QString& leftPassword, const QString& rightPassword);
    void startCreateTarget(ConnectionDocument document, Side side, std::vector<Column> columns,
                           const QString& leftPassword, const QString& rightPassword);
    void endCreateTarget(bool created, const QString& status);
    // Reports a failed plan or creation: status bar, log and a warning.
    void createTargetFailed(const UserError& error);
    void saveWindowState();
    void restoreWindowState();

    std::unique_ptr<Ui::MainWindow> m_ui;
    AppContext& m_context;
    std::unique_ptr<Prompter> m_prompter;
    std::vector<std::unique_ptr<ConnectionSession>> m_sessions;
    ConnectionPage* m_connectionPage = nullptr;
    EntityPage* m_entityPage = nullptr;
    MappingsPage* m_mappingsPage = nullptr;
    RunToolbox* m_runToolbox = nullptr;
    std::vector<std::pair<QAction*, QToolButton*>> m_paneButtons;
    QPointer<PreviewDialog> m_previewDialog;
    std::unique_ptr<VerifyJob> m_verifyJob;
    bool m_verifying = false;
    QPointer<ConnectionSession> m_runningSession;
    std::unique_ptr<Job> m_targetJob;  // planning or creating
    QPointer<ConnectionSession> m_targetSession;
    QPointer<CreateTargetDialog> m_targetDialog;
    QStringList m_loadProblems;
};

}  // namespace ferry::gui
