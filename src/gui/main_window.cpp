// The main window: connection manager, pages, actions pane, run toolbox, menus and shortcuts.
#include "main_window.h"

#include <QCloseEvent>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QToolButton>
#include <QTreeWidgetItem>
#include <algorithm>

#include "app_context.h"
#include "connection_page.h"
#include "connection_session.h"
#include "create_target_dialog.h"
#include "entity_page.h"
#include "ferry/connection_string.h"
#include "ferry/create_target.h"
#include "jobs.h"
#include "mappings_page.h"
#include "preview_dialog.h"
#include "prompter.h"
#include "run_toolbox.h"
#include "ui_main_window.h"

namespace ferry::gui {

namespace {

constexpr int kStatusTimeoutMs = 8000;

QString fileSlug(const std::string& title) {
    QString slug;
    bool dash = false;
    for (const QChar c : toQString(title).toLower()) {
        if (c.isLetterOrNumber() && c.unicode() < 128) {
            slug += c;
            dash = false;
        } else if (!dash && !slug.isEmpty()) {
            slug += QLatin1Char('-');
            dash = true;
        }
    }
    while (slug.endsWith(QLatin1Char('-'))) {
        slug.chop(1);
    }
    return slug.isEmpty() ? QStringLiteral("connection") : slug.left(60);
}

QIcon icon(const QString& resource, QStyle::StandardPixmap fallback, const QStyle* style) {
    QIcon result(resource);
    return result.isNull() || result.availableSizes().isEmpty() ? style->standardIcon(fallback)
                                                                : result;
}

}  // namespace

MainWindow::MainWindow(AppContext& context, std::unique_ptr<Prompter> prompter, QWidget* parent)
    : QMainWindow(parent),
      m_ui(std::make_unique<Ui::MainWindow>()),
      m_context(context),
      m_prompter(prompter ? std::move(prompter) : std::make_unique<DialogPrompter>()) {
    m_ui->setupUi(this);
    setWindowIcon(QIcon(QStringLiteral(":/icons/ferry.png")));
    LogBridge::instance().install();

    m_connectionPage = new ConnectionPage(context, m_ui->pageStack);
    m_connectionPage->setObjectName(QStringLiteral("connectionPage"));
    m_entityPage = new EntityPage(context, m_ui->pageStack);
    m_entityPage->setObjectName(QStringLiteral("entityPage"));
    m_mappingsPage = new MappingsPage(context, m_ui->pageStack);
    m_mappingsPage->setObjectName(QStringLiteral("mappingsPage"));
    // Pages scroll instead of squeezing their fields when the window is small.
    for (QWidget* page :
         {static_cast<QWidget*>(m_connectionPage), static_cast<QWidget*>(m_entityPage),
          static_cast<QWidget*>(m_mappingsPage)}) {
        auto* scroll = new QScrollArea(m_ui->pageStack);
        scroll->setObjectName(page->objectName() + QStringLiteral("Scroll"));
        scroll->setWidgetResizable(true);
        scroll->setFrameShape(QFrame::NoFrame);
        scroll->setWidget(page);
        m_ui->pageStack->addWidget(scroll);
    }

    m_runToolbox = new RunToolbox(context, m_ui->runDockContents);
    m_runToolbox->setObjectName(QStringLiteral("runToolbox"));
    m_ui->runDockLayout->addWidget(m_runToolbox);

    setupActions();
    connect(m_ui->connectionTree, &QTreeWidget::currentItemChanged, this,
            &MainWindow::onSelectionChanged);
    connect(m_ui->welcomeNewButton, &QPushButton::clicked, this, &MainWindow::newConnection);
    connect(m_runToolbox, &RunToolbox::runFinished, this, [this](const RunReport& report) {
        m_runningSession = nullptr;
        statusBar()->showMessage(
            QStringLiteral("%1: %2").arg(toQString(report.connectionTitle),
                                         statusText(report.status, report.dryRun)),
            kStatusTimeoutMs);
        m_connectionPage->refreshHistory();
        updateActions();
    });
    connect(m_runToolbox, &RunToolbox::runFailed, this, [this](const UserError& error) {
        m_runningSession = nullptr;
        statusBar()->showMessage(error.message, kStatusTimeoutMs);
        updateActions();
    });

    loadConnections();
    restoreWindowState();
    updateActions();
}

MainWindow::~MainWindow() {
    abandonJob(std::move(m_verifyJob));
    abandonJob(std::move(m_targetJob));
    // Pages refer to sessions; detach them before the sessions go.
    m_connectionPage->setSession(nullptr);
    m_entityPage->setSession(nullptr, Side::Left);
    m_mappingsPage->setSession(nullptr);
}

PreviewDialog* MainWindow::previewDialog() const {
    return m_previewDialog.data();
}

CreateTargetDialog* MainWindow::createTargetDialog() const {
    return m_targetDialog.data();
}

bool MainWindow::isCreatingTarget() const {
    return m_targetSession != nullptr;
}

void MainWindow::setupActions() {
    const QStyle* s = style();
    m_ui->actionNewConnection->setIcon(
        icon(QStringLiteral(":/icons/new.png"), QStyle::SP_FileIcon, s));
    m_ui->actionSave->setIcon(
        icon(QStringLiteral(":/icons/save.png"), QStyle::SP_DialogSaveButton, s));
    m_ui->actionDiscard->setIcon(s->standardIcon(QStyle::SP_DialogResetButton));
    m_ui->actionVerify->setIcon(
        icon(QStringLiteral(":/icons/verify.png"), QStyle::SP_DialogApplyButton, s));
    m_ui->actionPreview->setIcon(
        icon(QStringLiteral(":/icons/preview.png"), QStyle::SP_FileDialogContentsView, s));
    m_ui->actionCreateTarget->setIcon(s->standardIcon(QStyle::SP_FileDialogDetailedView));
    m_ui->actionRunNow->setIcon(icon(QStringLiteral(":/icons/run.png"), QStyle::SP_MediaPlay, s));
    m_ui->actionPreviewChanges->setIcon(s->standardIcon(QStyle::SP_FileDialogInfoView));
    m_ui->actionCancelRun->setIcon(s->standardIcon(QStyle::SP_BrowserStop));
    m_ui->actionDuplicate->setIcon(s->standardIcon(QStyle::SP_FileDialogNewFolder));
    m_ui->actionDelete->setIcon(s->standardIcon(QStyle::SP_TrashIcon));
    m_ui->actionImport->setIcon(s->standardIcon(QStyle::SP_DialogOpenButton));
    m_ui->actionExport->setIcon(s->standardIcon(QStyle::SP_ArrowRight));

    connect(m_ui->actionNewConnection, &QAction::triggered, this, &MainWindow::newConnection);
    connect(m_ui->actionSave, &QAction::triggered, this, [this] { saveSession(currentSession()); });
    connect(m_ui->actionDiscard, &QAction::triggered, this, &MainWindow::discardSelection);
    connect(m_ui->actionVerify, &QAction::triggered, this, &MainWindow::verifySelection);
    connect(m_ui->actionPreview, &QAction::triggered, this, &MainWindow::previewSelection);
    connect(m_ui->actionCreateTarget, &QAction::triggered, this,
            &MainWindow::createTargetSelection);
    connect(m_ui->actionRunNow, &QAction::triggered, this, [this] { runSelection(false); });
    connect(m_ui->actionPreviewChanges, &QAction::triggered, this, [this] { runSelection(true); });
    connect(m_ui->actionCancelRun, &QAction::triggered, m_runToolbox, &RunToolbox::cancelRun);
    connect(m_ui->actionDuplicate, &QAction::triggered, this, &MainWindow::duplicateSelection);
    connect(m_ui->actionDelete, &QAction::triggered, this, &MainWindow::deleteSelection);
    connect(m_ui->actionImport, &QAction::triggered, this, &MainWindow::importDocument);
    connect(m_ui->actionExport, &QAction::triggered, this, &MainWindow::exportSelection);
    connect(m_ui->actionQuit, &QAction::triggered, this, &QWidget::close);
    connect(m_ui->actionAbout, &QAction::triggered, this, &MainWindow::showAbout);

    for (QAction* action :
         {m_ui->actionNewConnection, m_ui->actionSave, m_ui->actionDiscard, m_ui->actionVerify,
          m_ui->actionPreview, m_ui->actionCreateTarget, m_ui->actionRunNow,
          m_ui->actionPreviewChanges, m_ui->actionCancelRun, m_ui->actionDuplicate,
          m_ui->actionDelete, m_ui->actionImport, m_ui->actionExport}) {
        addPaneButton(action);
    }
    m_ui->menuView->addAction(m_ui->connectionsDock->toggleViewAction());
    m_ui->menuView->addAction(m_ui->actionsDock->toggleViewAction());
    m_ui->menuView->addAction(m_ui->runDock->toggleViewAction());
    m_ui->menuView->addAction(m_ui->mainToolBar->toggleViewAction());
    m_ui->connectionsDock->toggleViewAction()->setObjectName(
        QStringLiteral("actionShowConnections"));
    m_ui->actionsDock->toggleViewAction()->setObjectName(QStringLiteral("actionShowActions"));
    m_ui->runDock->toggleViewAction()->setObjectName(QStringLiteral("actionShowRunToolbox"));
    m_ui->mainToolBar->toggleViewAction()->setObjectName(QStringLiteral("actionShowToolbar"));
}

void MainWindow::addPaneButton(QAction* action) {
    auto* button = new QToolButton(m_ui->actionsPane);
    button->setObjectName(QStringLiteral("pane_") + action->objectName());
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    button->setAutoRaise(true);
    // Before the spacer at the end of the pane.
    m_ui->actionsLayout->insertWidget(m_ui->actionsLayout->count() - 1, button);
    m_paneButtons.emplace_back(action, button);
}

void MainWindow::loadConnections() {
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (const auto& entry :
         std::filesystem::directory_iterator(m_context.paths().connectionsDirectory, error)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        try {
            ConnectionDocument document = loadDocument(file);
            // The CLI keys state by stateId(); keep the same identity when the app saves it.
            document.id = stateId(document);
            addSession(std::move(document), file, false);
        } catch (const Error& e) {
            const QString problem = QStringLiteral("%1: %2").arg(
                toQString(file.filename().string()), UserError::from(e).text());
            m_loadProblems << problem;
            m_runToolbox->appendLog(LogSeverity::Error,
                                    QStringLiteral("Could not load %1").arg(problem));
        }
    }
    if (!m_loadProblems.isEmpty()) {
        statusBar()->showMessage(
            QStringLiteral("%1 connection document(s) could not be loaded; see the log.")
                .arg(m_loadProblems.size()));
    }
}

ConnectionSession* MainWindow::addSession(ConnectionDocument document, std::filesystem::path path,
                                          bool modified) {
    auto owned = std::make_unique<ConnectionSession>(std::move(document), std::move(path),
                                                     m_context.credentials());
    ConnectionSession* session = owned.get();
    m_sessions.push_back(std::move(owned));
    session->setModified(modified);

    auto* item = new QTreeWidgetItem(m_ui->connectionTree);
    item->setData(0, SerialRole, session->serial());
    item->setData(0, KindRole, static_cast<int>(NodeKind::Connection));
    item->setIcon(0,
                  icon(QStringLiteral(":/icons/connection.png"), QStyle::SP_DriveNetIcon, style()));
    const std::pair<NodeKind, QString> children[] = {
        {NodeKind::LeftEntity, QStringLiteral("Data Entity 1")},
        {NodeKind::RightEntity, QStringLiteral("Data Entity 2")},
        {NodeKind::Mappings, QStringLiteral("Mappings")},
    };
    for (const auto& [kind, text] : children) {
        auto* child = new QTreeWidgetItem(item, QStringList{text});
        child->setData(0, SerialRole, session->serial());
        child->setData(0, KindRole, static_cast<int>(kind));
        child->setIcon(
            0, kind == NodeKind::Mappings
                   ? icon(QStringLiteral(":/icons/mapping.png"), QStyle::SP_FileDialogDetailedView,
                          style())
                   : icon(QStringLiteral(":/icons/entity.png"), QStyle::SP_DirIcon, style()));
    }
    item->setExpanded(true);
    connect(session, &ConnectionSession::changed, this, [this, session] {
        refreshItem(session);
        updateActions();
    });
    connect(session, &ConnectionSession::modifiedChanged, this, [this, session] {
        refreshItem(session);
        updateActions();
    });
    refreshItem(session);
    return session;
}

QTreeWidgetItem* MainWindow::itemFor(const ConnectionSession* session) const {
    for (int i = 0; i < m_ui->connectionTree->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = m_ui->connectionTree->topLevelItem(i);
        if (session != nullptr && item->data(0, SerialRole).toULongLong() == session->serial()) {
            return item;
        }
    }
    return nullptr;
}

ConnectionSession* MainWindow::sessionFor(const QTreeWidgetItem* item) const {
    if (item == nullptr) {
        return nullptr;
    }
    const quint64 serial = item->data(0, SerialRole).toULongLong();
    for (const auto& session : m_sessions) {
        if (session->serial() == serial) {
            return session.get();
        }
    }
    return nullptr;
}

ConnectionSession* MainWindow::findSession(const QString& title) const {
    for (const auto& session : m_sessions) {
        if (toQString(session->document().title).compare(title, Qt::CaseInsensitive) == 0) {
            return session.get();
        }
    }
    return nullptr;
}

void MainWindow::refreshItem(ConnectionSession* session) {
    QTreeWidgetItem* item = itemFor(session);
    if (item == nullptr) {
        return;
    }
    QString text = session->displayTitle();
    QFont font = item->font(0);
    font.setBold(session->isModified());
    item->setFont(0, font);
    if (session->isModified()) {
        text += QStringLiteral(" *");
    }
    item->setText(0, text);
    item->setToolTip(0, session->isNew() ? QStringLiteral("Not saved yet")
                                         : toQString(session->path().string()));
    for (int i = 0; i < item->childCount(); ++i) {
        QTreeWidgetItem* child = item->child(i);
        const auto kind = static_cast<NodeKind>(child->data(0, KindRole).toInt());
        if (kind == NodeKind::LeftEntity || kind == NodeKind::RightEntity) {
            const Side side = kind == NodeKind::LeftEntity ? Side::Left : Side::Right;
            const auto& title = session->entity(side).title;
            child->setToolTip(0, title.empty()
                                     ? sideName(side)
                                     : sideName(side) + QStringLiteral(": ") + toQString(title));
        }
    }
    const bool anyModified = std::any_of(m_sessions.begin(), m_sessions.end(),
                                         [](const auto& s) { return s->isModified(); });
    setWindowModified(anyModified);
}

ConnectionSession* MainWindow::currentSession() const {
    return sessionFor(m_ui->connectionTree->currentItem());
}

MainWindow::NodeKind MainWindow::currentKind() const {
    const QTreeWidgetItem* item = m_ui->connectionTree->currentItem();
    return item == nullptr ? NodeKind::Connection
                           : static_cast<NodeKind>(item->data(0, KindRole).toInt());
}

void MainWindow::selectNode(ConnectionSession* session, NodeKind kind) {
    QTreeWidgetItem* item = itemFor(session);
    if (item == nullptr) {
        return;
    }
    if (kind != NodeKind::Connection) {
        item = item->child(static_cast<int>(kind) - 1);
    }
    m_ui->connectionTree->setCurrentItem(item);
}

void MainWindow::onSelectionChanged() {
    ConnectionSession* session = currentSession();
    if (session == nullptr) {
        m_ui->pageStack->setCurrentWidget(m_ui->welcomePage);
        m_runToolbox->showConflictsOf(nullptr);
        updateActions();
        return;
    }
    switch (currentKind()) {
        case NodeKind::Connection:
            m_connectionPage->setSession(session);
            showPage(m_connectionPage);
            break;
        case NodeKind::LeftEntity:
        case NodeKind::RightEntity:
            m_entityPage->setSession(
                session, currentKind() == NodeKind::LeftEntity ? Side::Left : Side::Right);
            showPage(m_entityPage);
            break;
        case NodeKind::Mappings: {
            m_mappingsPage->setSession(session);
            showPage(m_mappingsPage);
            const auto& document = session->document();
            const bool configured =
                !document.left.connectionString.empty() && !document.right.connectionString.empty();
            if (configured) {
                m_mappingsPage->loadColumns(false);
            }
            break;
        }
    }
    m_runToolbox->showConflictsOf(&session->document());
    updateActions();
}

void MainWindow::showPage(QWidget* page) {
    // Each page sits in a scroll area (its parent's parent is the stack's child).
    for (int i = 0; i < m_ui->pageStack->count(); ++i) {
        auto* scroll = qobject_cast<QScrollArea*>(m_ui->pageStack->widget(i));
        if (scroll != nullptr && scroll->widget() == page) {
            m_ui->pageStack->setCurrentIndex(i);
            return;
        }
    }
}

void MainWindow::updateActions() {
    ConnectionSession* session = currentSession();
    const NodeKind kind = currentKind();
    const bool running = m_runToolbox->isRunning();
    const bool has = session != nullptr;
    const bool onConnection = has && kind == NodeKind::Connection;
    const bool onEntity = has && (kind == NodeKind::LeftEntity || kind == NodeKind::RightEntity);
    // The jobs of the selected connection: one at a time, so a run never meets a half-made
    // target and Create Target never plans against a side a run is writing.
    const bool runningHere = has && running && m_runningSession == session;
    const bool targetHere = has && m_targetSession == session;
    const bool verifyingHere = has && m_verifying && session->isChecking();

    struct Rule {
        QAction* action;
        bool applicable;
        bool enabled;
    };
    const Rule rules[] = {
        {m_ui->actionNewConnection, true, true},
        {m_ui->actionImport, true, true},
        {m_ui->actionSave, has, has && session->isModified()},
        {m_ui->actionDiscard, has, has && session->isModified()},
        {m_ui->actionVerify, has, has && !m_verifying},
        {m_ui->actionPreview, onConnection || onEntity, true},
        {m_ui->actionCreateTarget, has, !isCreatingTarget() && !runningHere && !verifyingHere},
        {m_ui->actionRunNow, has, !running && !targetHere},
        {m_ui->actionPreviewChanges, has, !running && !targetHere},
        {m_ui->actionCancelRun, running, running},
        {m_ui->actionDuplicate, onConnection, true},
        {m_ui->actionDelete, onConnection, !runningHere && !targetHere},
        {m_ui->actionExport, onConnection, true},
    };
    for (const Rule& rule : rules) {
        rule.action->setEnabled(rule.applicable && rule.enabled);
        for (auto& [action, button] : m_paneButtons) {
            if (action == rule.action) {
                button->setVisible(rule.applicable);
            }
        }
    }
    if (onEntity) {
        m_ui->actionPreview->setText(QStringLiteral("&Preview Data"));
    } else if (onConnection) {
        m_ui->actionPreview->setText(QStringLiteral("&Preview Data (Data Entity 1)"));
    }
}

ConnectionSession* MainWindow::newConnection() {
    ConnectionDocument document;
    document.id = newId();
    document.title = toStd(uniqueTitle(QStringLiteral("New connection")));
    document.left.provider = "odbc";
    document.right.provider = "odbc";
    if (m_context.registry().find("odbc") == nullptr && !m_context.registry().all().empty()) {
        document.left.provider = m_context.registry().all().front()->name;
        document.right.provider = document.left.provider;
    }
    ConnectionSession* session = addSession(std::move(document), {}, true);
    selectNode(session, NodeKind::Connection);
    statusBar()->showMessage(
        QStringLiteral("New connection: give it a title, then fill in Data Entity 1 and 2."),
        kStatusTimeoutMs);
    return session;
}

QString MainWindow::uniqueTitle(const QString& wanted) const {
    QString title = wanted;
    for (int n = 2; findSession(title) != nullptr; ++n) {
        title = QStringLiteral("%1 (%2)").arg(wanted).arg(n);
    }
    return title;
}

std::filesystem::path MainWindow::pathForNew(const std::string& title) const {
    const auto& directory = m_context.paths().connectionsDirectory;
    const QString slug = fileSlug(title);
    std::filesystem::path path = directory / (toStd(slug) + ".json");
    for (int n = 2; std::filesystem::exists(path); ++n) {
        path = directory / (toStd(slug) + "-" + std::to_string(n) + ".json");
    }
    return path;
}

bool MainWindow::saveSession(ConnectionSession* session) {
    if (session == nullptr) {
        return false;
    }
    const QString trimmedTitle = toQString(session->document().title).trimmed();
    if (trimmedTitle != toQString(session->document().title)) {
        session->edit([&](ConnectionDocument& d) { d.title = toStd(trimmedTitle); });
    }
    ConnectionDocument document = session->document();
    QStringList problems;
    for (const auto& problem : validateDocument(document)) {
        problems << toQString(problem);
    }
    for (const auto& other : m_sessions) {
        if (other.get() != session && !document.title.empty() &&
            toQString(other->document().title)
                    .compare(toQString(document.title), Qt::CaseInsensitive) == 0) {
            problems << QStringLiteral(
                            "another connection is already called \"%1\": titles "
                            "must be unique so that `ferry run <title>` finds one")
                            .arg(toQString(document.title));
        }
    }
    if (!problems.isEmpty()) {
        const QString text =
            QStringLiteral("\"%1\" cannot be saved yet:\n\n• %2")
                .arg(session->displayTitle(), problems.join(QStringLiteral("\n• ")));
        statusBar()->showMessage(QStringLiteral("Cannot save: %1").arg(problems.first()),
                                 kStatusTimeoutMs);
        m_prompter->warn(this, QStringLiteral("Cannot save"), text);
        return false;
    }
    const std::filesystem::path path =
        session->isNew() ? pathForNew(document.title) : session->path();
    try {
        std::error_code ignored;
        std::filesystem::create_directories(path.parent_path(), ignored);
        saveDocument(document, path);
    } catch (const Error& e) {
        m_prompter->warn(this, QStringLiteral("Cannot save"), UserError::from(e).text());
        return false;
    }
    if (document.id != session->document().id) {
        session->edit([&](ConnectionDocument& d) { d.id = document.id; });
    }
    const bool credentialsOk = session->markSaved(path);
    if (credentialsOk) {
        statusBar()->showMessage(
            QStringLiteral("Saved %1").arg(toQString(path.filename().string())), kStatusTimeoutMs);
    } else {
        statusBar()->showMessage(
            QStringLiteral("Saved %1, but the credential store is not available: the password "
                           "is kept for this session only.")
                .arg(toQString(path.filename().string())),
            kStatusTimeoutMs);
    }
    if (m_connectionPage->session() == session) {
        m_connectionPage->setSession(session);
    }
    updateActions();
    return true;
}

void MainWindow::discardSelection() {
    ConnectionSession* session = currentSession();
    if (session == nullptr || !session->isModified()) {
        return;
    }
    if (session->isNew()) {
        if (m_prompter->confirm(this, QStringLiteral("Discard Changes"),
                                QStringLiteral("\"%1\" was never saved. Discard it?")
                                    .arg(session->displayTitle()))) {
            removeSession(session);
        }
        return;
    }
    session->discardChanges();
    onSelectionChanged();
}

void MainWindow::removeSession(ConnectionSession* session) {
    if (m_connectionPage->session() == session) {
        m_connectionPage->setSession(nullptr);
    }
    if (m_entityPage->session() == session) {
        m_entityPage->setSession(nullptr, Side::Left);
    }
    m_mappingsPage->setSession(nullptr);
    delete itemFor(session);
    m_sessions.erase(std::remove_if(m_sessions.begin(), m_sessions.end(),
                                    [session](const auto& s) { return s.get() == session; }),
                     m_sessions.end());
    refreshItem(nullptr);
    const bool anyModified = std::any_of(m_sessions.begin(), m_sessions.end(),
                                         [](const auto& s) { return s->isModified(); });
    setWindowModified(anyModified);
    onSelectionChanged();
}

void MainWindow::deleteSelection() {
    ConnectionSession* session = currentSession();
    if (session == nullptr || (m_runToolbox->isRunning() && m_runningSession == session) ||
        m_targetSession == session) {
        return;
    }
    const QString text =
        session->isNew()
            ? QStringLiteral("Delete the unsaved connection \"%1\"?").arg(session->displayTitle())
            : QStringLiteral(
                  "Delete the connection \"%1\"?\n\nIts document %2 and its stored "
                  "passwords are removed. Its run history stays in the state store. "
                  "Neither data entity is changed.")
                  .arg(session->displayTitle(), toQString(session->path().string()));
    if (!m_prompter->confirm(this, QStringLiteral("Delete connection"), text)) {
        return;
    }
    if (!session->isNew()) {
        std::error_code error;
        std::filesystem::remove(session->path(), error);
        if (error) {
            m_prompter->warn(this, QStringLiteral("Delete connection"),
                             QStringLiteral("The document could not be removed: %1")
                                 .arg(QString::fromLocal8Bit(error.message().c_str())));
            return;
        }
        session->removeStoredPasswords();
    }
    statusBar()->showMessage(QStringLiteral("Deleted %1").arg(session->displayTitle()),
                             kStatusTimeoutMs);
    removeSession(session);
}

void MainWindow::duplicateSelection() {
    ConnectionSession* source = currentSession();
    if (source == nullptr) {
        return;
    }
    ConnectionDocument copy = source->document();
    copy.id = newId();
    copy.title = toStd(uniqueTitle(QStringLiteral("Copy of %1").arg(source->displayTitle())));
    const QString passwords[] = {source->password(Side::Left), source->password(Side::Right)};
    ConnectionSession* session = addSession(std::move(copy), {}, true);
    if (!passwords[0].isEmpty()) {
        session->setPassword(Side::Left, passwords[0]);
    }
    if (!passwords[1].isEmpty()) {
        session->setPassword(Side::Right, passwords[1]);
    }
    selectNode(session, NodeKind::Connection);
}

void MainWindow::importDocument() {
    const QString file = m_prompter->openFile(this, QStringLiteral("Import Connection Document"),
                                              QStringLiteral("Connection documents (*.json)"));
    if (file.isEmpty()) {
        return;
    }
    ConnectionDocument document;
    try {
        document = loadDocument(std::filesystem::path(toStd(file)));
    } catch (const Error& e) {
        m_prompter->warn(
            this, QStringLiteral("Import Connection Document"),
            QStringLiteral("%1 cannot be imported:\n\n%2").arg(file, UserError::from(e).text()));
        return;
    }
    document.id = stateId(document);
    const bool idTaken = std::any_of(m_sessions.begin(), m_sessions.end(), [&](const auto& s) {
        return stateId(s->document()) == document.id;
    });
    if (idTaken) {
        document.id = newId();
    }
    document.title = toStd(uniqueTitle(toQString(document.title)));
    ConnectionSession* session = addSession(std::move(document), {}, true);
    selectNode(session, NodeKind::Connection);
    statusBar()->showMessage(
        QStringLiteral("Imported %1: save it to add it to your connections.").arg(file),
        kStatusTimeoutMs);
}

void MainWindow::exportSelection() {
    ConnectionSession* session = currentSession();
    if (session == nullptr) {
        return;
    }
    const QString suggested =
        QDir::home().filePath(fileSlug(session->document().title) + QStringLiteral(".json"));
    const QString file =
        m_prompter->saveFile(this, QStringLiteral("Export Connection Document"), suggested,
                             QStringLiteral("Connection documents (*.json)"));
    if (file.isEmpty()) {
        return;
    }
    ConnectionDocument document = session->document();
    try {
        saveDocument(document, std::filesystem::path(toStd(file)));
    } catch (const Error& e) {
        m_prompter->warn(this, QStringLiteral("Export Connection Document"),
                         UserError::from(e).text());
        return;
    }
    statusBar()->showMessage(QStringLiteral("Exported to %1 (without passwords)").arg(file),
                             kStatusTimeoutMs);
}

void MainWindow::verifySelection() {
    ConnectionSession* session = currentSession();
    if (session == nullptr || m_verifying) {
        return;
    }
    std::vector<Side> sides;
    switch (currentKind()) {
        case NodeKind::LeftEntity:
            sides = {Side::Left};
            break;
        case NodeKind::RightEntity:
            sides = {Side::Right};
            break;
        default:
            sides = {Side::Left, Side::Right};
            break;
    }
    abandonJob(std::move(m_verifyJob));
    m_verifyJob =
        std::make_unique<VerifyJob>(m_context.registry(), session->document(), sides,
                                    session->password(Side::Left), session->password(Side::Right));
    QPointer<ConnectionSession> target = session;
    connect(m_verifyJob.get(), &VerifyJob::sideChecked, this, [target](const SideCheck& check) {
        if (target) {
            target->setCheck(check);
        }
    });
    connect(m_verifyJob.get(), &VerifyJob::mappingChecked, this,
            [target](bool, const QString& text) {
                if (target) {
                    target->setMappingCheck(text);
                }
            });
    auto done = [this, target](const QString& message) {
        m_verifying = false;
        if (target) {
            target->setChecking(false);
        }
        statusBar()->showMessage(message, kStatusTimeoutMs);
        updateActions();
        emit verifyFinished();
    };
    connect(m_verifyJob.get(), &VerifyJob::finished, this, [done, target] {
        bool ok = target != nullptr;
        for (const Side side : {Side::Left, Side::Right}) {
            if (target && target->check(side) && !target->check(side)->ok) {
                ok = false;
            }
        }
        done(ok ? QStringLiteral("Verification passed") : QStringLiteral("Verification failed"));
    });
    connect(m_verifyJob.get(), &VerifyJob::failed, this,
            [done](const UserError& error) { done(error.message); });
    m_verifying = true;
    session->setChecking(true);
    statusBar()->showMessage(QStringLiteral("Verifying…"));
    updateActions();
    m_verifyJob->start();
}

void MainWindow::previewSelection() {
    ConnectionSession* session = currentSession();
    if (session == nullptr) {
        return;
    }
    const Side side = currentKind() == NodeKind::RightEntity ? Side::Right : Side::Left;
    const EntityConfig& entity = session->entity(side);
    QString caption = sideName(side);
    if (!entity.title.empty()) {
        caption += QStringLiteral(" (%1)").arg(toQString(entity.title));
    }
    auto* dialog = new PreviewDialog(m_context, entity, session->password(side), caption, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_previewDialog = dialog;
    dialog->show();
}

void MainWindow::runSelection(bool dryRun) {
    ConnectionSession* session = currentSession();
    if (session == nullptr || m_runToolbox->isRunning()) {
        return;
    }
    m_ui->runDock->show();
    m_ui->runDock->raise();
    if (m_runToolbox->startRun(*session, dryRun)) {
        m_runningSession = session;
        if (session->isModified()) {
            statusBar()->showMessage(QStringLiteral("Running the edited, unsaved version of \"%1\"")
                                         .arg(session->displayTitle()),
                                     kStatusTimeoutMs);
        }
    }
    updateActions();
}

void MainWindow::createTargetSelection() {
    ConnectionSession* session = currentSession();
    if (session == nullptr || isCreatingTarget() ||
        (m_runToolbox->isRunning() && m_runningSession == session) ||
        (m_verifying && session->isChecking())) {
        return;
    }
    const NodeKind kind = currentKind();
    const Side side = kind == NodeKind::LeftEntity ? Side::Left
                      : kind == NodeKind::RightEntity
                          ? Side::Right
                          : defaultTargetSide(session->document().direction);
    // The plan and the creation use this snapshot: the dialog lists what will be made even if
    // the pages are edited meanwhile.
    ConnectionDocument document = session->document();
    const QString leftPassword = session->password(Side::Left);
    const QString rightPassword = session->password(Side::Right);

    abandonJob(std::move(m_targetJob));
    auto job = std::make_unique<PlanTargetJob>(m_context.registry(), document, side, leftPassword,
                                               rightPassword);
    connect(job.get(), &PlanTargetJob::planned, this,
            [this, document, leftPassword, rightPassword](Side planned,
                                                          const std::vector<Column>& columns) {
                confirmTarget(document, planned, columns, leftPassword, rightPassword);
            });
    connect(job.get(), &Job::failed, this, &MainWindow::createTargetFailed);
    m_targetJob = std::move(job);
    m_targetSession = session;
    statusBar()->showMessage(
        QStringLiteral("Create Target: reading the columns of %1…").arg(sideName(other(side))));
    updateActions();
    m_targetJob->start();
}

void MainWindow::confirmTarget(ConnectionDocument document, Side side,
                               const std::vector<Column>& columns, const QString& leftPassword,
                               const QString& rightPassword) {
    if (m_targetSession == nullptr) {
        endCreateTarget(false, QStringLiteral("Create Target: the connection was closed"));
        return;
    }
    const EntityConfig& target = side == Side::Left ? document.left : document.right;
    const EntityConfig& source = side == Side::Left ? document.right : document.left;
    const ProviderInfo* info = m_context.registry().find(target.provider);
    const QString provider =
        info != nullptr ? toQString(info->displayName) : toQString(target.provider);
    auto* dialog = new CreateTargetDialog(side, target, provider, source, columns, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_targetDialog = dialog;
    connect(dialog, &QDialog::accepted, this,
            [this, document, side, columns, leftPassword, rightPassword] {
                m_targetDialog = nullptr;  // closed; deleted later
                startCreateTarget(document, side, columns, leftPassword, rightPassword);
            });
    connect(dialog, &QDialog::rejected, this, [this] {
        m_targetDialog = nullptr;
        endCreateTarget(false, QStringLiteral("Create Target cancelled: nothing was created"));
    });
    statusBar()->showMessage(QStringLiteral("Create Target: confirm the columns"));
    dialog->open();
}

void MainWindow::startCreateTarget(ConnectionDocument document, Side side,
                                   std::vector<Column> columns, const QString& leftPassword,
                                   const QString& rightPassword) {
    const EntityConfig& target = side == Side::Left ? document.left : document.right;
    QString caption = sideName(side);
    if (!target.title.empty()) {
        caption += QStringLiteral(" (%1)").arg(toQString(target.title));
    }
    abandonJob(std::move(m_targetJob));
    auto job = std::make_unique<CreateTargetJob>(m_context.registry(), std::move(document), side,
                                                 std::move(columns), leftPassword, rightPassword);
    connect(
        job.get(), &CreateTargetJob::created, this,
        [this, caption](Side, const CreatedEntity& entity) {
            const QString name = toQString(entity.name);
            QStringList lines;
            for (const auto& line : entity.columns) {
                lines << toQString(line);
            }
            QStringList notes;
            for (const auto& note : entity.notes) {
                notes << toQString(note);
            }
            const QString summary =
                QStringLiteral("Created %1 for %2 with %3 %4")
                    .arg(name, caption)
                    .arg(lines.size())
                    .arg(lines.size() == 1 ? QStringLiteral("column") : QStringLiteral("columns"));
            m_runToolbox->appendLog(
                LogSeverity::Info,
                QStringLiteral("%1: %2").arg(summary, lines.join(QStringLiteral("; "))));
            for (const QString& note : notes) {
                m_runToolbox->appendLog(LogSeverity::Warning,
                                        QStringLiteral("Create Target: %1").arg(note));
            }
            endCreateTarget(true, summary);
            QString text = summary + QStringLiteral(":\n\n• ") + lines.join(QStringLiteral("\n• "));
            if (!notes.isEmpty()) {
                text += QStringLiteral("\n\nNote: ") + notes.join(QStringLiteral("\nNote: "));
            }
            text += QStringLiteral(
                "\n\nNext: check the Mappings page, then Preview Changes or Run Now.");
            m_prompter->inform(this, QStringLiteral("Create Target"), text);
        });
    connect(job.get(), &Job::failed, this, &MainWindow::createTargetFailed);
    m_targetJob = std::move(job);
    statusBar()->showMessage(QStringLiteral("Creating %1…").arg(caption));
    updateActions();
    m_targetJob->start();
}

void MainWindow::endCreateTarget(bool created, const QString& status) {
    m_targetSession = nullptr;
    statusBar()->showMessage(status, kStatusTimeoutMs);
    updateActions();
    emit createTargetFinished(created);
}

void MainWindow::createTargetFailed(const UserError& error) {
    endCreateTarget(false, error.message);
    m_runToolbox->appendLog(LogSeverity::Error,
                            QStringLiteral("Create Target: %1").arg(error.text()));
    m_prompter->warn(this, QStringLiteral("Create Target"), error.text());
}

void MainWindow::showAbout() {
    QMessageBox::about(
        this, QStringLiteral("About Ferry"),
        QStringLiteral("<h3>Ferry</h3><p>Keeps two data entities in sync: Dynamics 365, "
                       "SharePoint lists and SQL databases.</p><p>Connections: %1<br>State and "
                       "history: %2</p>")
            .arg(toQString(m_context.paths().connectionsDirectory.string()).toHtmlEscaped(),
                 toQString(m_context.paths().stateStorePath.string()).toHtmlEscaped()));
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (m_runToolbox->isRunning()) {
        if (!m_prompter->confirm(this, QStringLiteral("A run is in progress"),
                                 QStringLiteral("Cancel the run and quit? What was written so "
                                                "far is kept, and the next run continues."))) {
            event->ignore();
            return;
        }
        m_runToolbox->cancelRun();
        m_runToolbox->waitForRun();
    }
    QStringList modified;
    for (const auto& session : m_sessions) {
        if (session->isModified()) {
            modified << session->displayTitle();
        }
    }
    if (!modified.isEmpty()) {
        const auto choice = m_prompter->askSave(
            this, QStringLiteral("These connections have unsaved changes:\n\n• %1\n\nSave them?")
                      .arg(modified.join(QStringLiteral("\n• "))));
        if (choice == Prompter::SaveChoice::Cancel) {
            event->ignore();
            return;
        }
        if (choice == Prompter::SaveChoice::Save) {
            for (const auto& session : m_sessions) {
                if (session->isModified() && !saveSession(session.get())) {
                    selectNode(session.get(), NodeKind::Connection);
                    event->ignore();
                    return;
                }
            }
        }
    }
    saveWindowState();
    event->accept();
}

void MainWindow::saveWindowState() {
    QSettings settings(toQString(m_context.paths().settingsFile.string()), QSettings::IniFormat);
    settings.setValue(QStringLiteral("mainWindow/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("mainWindow/state"), saveState());
    ConnectionSession* session = currentSession();
    settings.setValue(
        QStringLiteral("mainWindow/selected"),
        session && !session->isNew() ? toQString(session->path().string()) : QString());
}

void MainWindow::restoreWindowState() {
    QSettings settings(toQString(m_context.paths().settingsFile.string()), QSettings::IniFormat);
    const QByteArray state = settings.value(QStringLiteral("mainWindow/state")).toByteArray();
    restoreGeometry(settings.value(QStringLiteral("mainWindow/geometry")).toByteArray());
    if (state.isEmpty() || !restoreState(state)) {
        // First start: the pages get most of the height, the toolbox a strip at the bottom.
        resizeDocks({m_ui->runDock}, {240}, Qt::Vertical);
        resizeDocks({m_ui->connectionsDock, m_ui->actionsDock}, {240, 240}, Qt::Horizontal);
    }
    const QString selected = settings.value(QStringLiteral("mainWindow/selected")).toString();
    for (const auto& session : m_sessions) {
        if (!selected.isEmpty() && toQString(session->path().string()) == selected) {
            selectNode(session.get(), NodeKind::Connection);
            return;
        }
    }
    if (!m_sessions.empty()) {
        selectNode(m_sessions.front().get(), NodeKind::Connection);
    } else {
        onSelectionChanged();
    }
}

}  // namespace ferry::gui
