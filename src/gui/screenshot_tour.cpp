// The hidden `--screenshot-tour DIR` mode: the seed's click path, one PNG per step.
#include "screenshot_tour.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QComboBox>
#include <QCompleter>
#include <QDeadlineTimer>
#include <QDir>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QTabWidget>
#include <QThread>
#include <QTreeWidget>

#include "connection_page.h"
#include "connection_session.h"
#include "create_target_dialog.h"
#include "entity_page.h"
#include "main_window.h"
#include "mapping_model.h"
#include "mappings_page.h"
#include "preview_dialog.h"
#include "run_toolbox.h"

namespace ferry::gui {

namespace {

// Spins the event loop until `done` or the deadline; true when done.
bool waitUntil(const std::function<bool()>& done, int timeoutMs = 60'000) {
    QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired()) {
            return false;
        }
        QApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(10);
    }
    return true;
}

// Lets layouts and repaints settle before a grab.
void settle() {
    for (int i = 0; i < 10; ++i) {
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(20);
    }
}

bool grab(QWidget& widget, const QString& directory, const QString& name) {
    settle();
    return widget.grab().save(QDir(directory).filePath(name + QStringLiteral(".png")));
}

// The screen's pixels where the window is: includes popups (the completer's list), which
// QWidget::grab() does not. Falls back to grab() where the platform cannot read the screen.
bool grabScreen(QWidget& window, const QString& directory, const QString& name) {
    settle();
    QScreen* screen = window.screen();
    const QRect frame = window.frameGeometry();
    QPixmap pixmap = screen != nullptr ? screen->grabWindow(0, frame.x(), frame.y(), frame.width(),
                                                            frame.height())
                                       : QPixmap();
    if (pixmap.isNull()) {
        pixmap = window.grab();
    }
    return pixmap.save(QDir(directory).filePath(name + QStringLiteral(".png")));
}

// Scrolls the current page so `name` (a child of the page) is in view.
void reveal(QWidget& window, const char* scroll, const char* name) {
    auto* area = window.findChild<QScrollArea*>(QString::fromLatin1(scroll));
    auto* target = area ? area->findChild<QWidget*>(QString::fromLatin1(name)) : nullptr;
    if (target != nullptr) {
        area->ensureWidgetVisible(target);
    }
}

}  // namespace

QString runScreenshotTour(MainWindow& window, const TourSettings& settings) {
    QDir().mkpath(settings.outputDirectory);
    const QString& out = settings.outputDirectory;
    settle();
    if (!grab(window, out, QStringLiteral("01-start"))) {
        return QStringLiteral("cannot write PNG files into %1").arg(out);
    }

    // Step 2: Create New Connection and name it.
    window.findChild<QAction*>(QStringLiteral("actionNewConnection"))->trigger();
    ConnectionSession* session = window.currentSession();
    if (session == nullptr) {
        return QStringLiteral("Create New Connection did not add a connection");
    }
    session->edit([](ConnectionDocument& d) { d.title = "Demo customers"; });
    window.selectNode(session, MainWindow::NodeKind::Connection);
    grab(window, out, QStringLiteral("02-new-connection"));

    // Step 3: Data Entity 1, with the provider list searched for "SQL".
    auto fillEntity = [&](Side side, const QString& title, const QString& connectionString) {
        session->edit([&](ConnectionDocument& d) {
            EntityConfig& entity = side == Side::Left ? d.left : d.right;
            entity.title = toStd(title);
            entity.provider = "odbc";
            entity.connectionString = toStd(connectionString);
            entity.select = toStd(settings.select);
            entity.primaryKey = {toStd(settings.key)};
        });
        window.selectNode(session, side == Side::Left ? MainWindow::NodeKind::LeftEntity
                                                      : MainWindow::NodeKind::RightEntity);
    };
    fillEntity(Side::Left, QStringLiteral("CRM accounts (SQLite)"), settings.leftConnectionString);
    auto* providerCombo = window.findChild<QComboBox*>(QStringLiteral("providerCombo"));
    providerCombo->setFocus();
    providerCombo->completer()->setCompletionPrefix(QStringLiteral("SQL"));
    providerCombo->completer()->complete();
    settle();
    grabScreen(window, out, QStringLiteral("03-provider-search"));
    providerCombo->completer()->popup()->hide();

    // Step 4: Verify Connection String on Data Entity 1.
    window.findChild<QAction*>(QStringLiteral("actionVerify"))->trigger();
    if (!waitUntil([&] { return !window.isVerifying(); })) {
        return QStringLiteral("Verify did not finish");
    }
    window.entityPage()->loadColumns();
    waitUntil([&] { return !window.entityPage()->isLoadingColumns(); });
    reveal(window, "entityPageScroll", "verifyResult");
    grab(window, out, QStringLiteral("04-data-entity-1-verified"));

    // Step 5: Data Entity 2.
    fillEntity(Side::Right, QStringLiteral("Warehouse copy (SQLite)"),
               settings.rightConnectionString);
    window.findChild<QAction*>(QStringLiteral("actionVerify"))->trigger();
    waitUntil([&] { return !window.isVerifying(); });
    reveal(window, "entityPageScroll", "verifyResult");
    grab(window, out, QStringLiteral("05-data-entity-2-verified"));

    // Step 6: Preview Data of Data Entity 1.
    window.selectNode(session, MainWindow::NodeKind::LeftEntity);
    window.findChild<QAction*>(QStringLiteral("actionPreview"))->trigger();
    PreviewDialog* dialog = window.previewDialog();
    if (dialog == nullptr) {
        return QStringLiteral("Preview Data did not open a dialog");
    }
    if (!waitUntil([&] { return !dialog->isLoading(); })) {
        return QStringLiteral("the preview did not finish");
    }
    dialog->resize(1100, 560);
    grab(*dialog, out, QStringLiteral("06-preview-data"));
    dialog->close();
    settle();

    // Step 7: Mappings.
    window.selectNode(session, MainWindow::NodeKind::Mappings);
    waitUntil([&] { return !window.mappingsPage()->isLoadingColumns(); });
    grab(window, out, QStringLiteral("07-mappings"));

    // Step 8: Save.
    window.selectNode(session, MainWindow::NodeKind::Connection);
    if (!window.saveSession(session)) {
        return QStringLiteral("saving the connection failed");
    }
    grab(window, out, QStringLiteral("08-saved"));

    // Step 9: Preview Changes (dry run).
    window.findChild<QAction*>(QStringLiteral("actionPreviewChanges"))->trigger();
    if (!waitUntil([&] { return !window.runToolbox()->isRunning(); })) {
        return QStringLiteral("the dry run did not finish");
    }
    grab(window, out, QStringLiteral("09-preview-changes"));

    // Step 10: Run Now.
    window.findChild<QAction*>(QStringLiteral("actionRunNow"))->trigger();
    if (!waitUntil([&] { return !window.runToolbox()->isRunning(); })) {
        return QStringLiteral("the run did not finish");
    }
    grab(window, out, QStringLiteral("10-run-finished"));

    // Step 11: a second run (nothing changed) and the history with its chart.
    window.findChild<QAction*>(QStringLiteral("actionRunNow"))->trigger();
    waitUntil([&] { return !window.runToolbox()->isRunning(); });
    auto* tabs = window.runToolbox()->findChild<QTabWidget*>(QStringLiteral("tabs"));
    // The history with its chart, given the whole height: the toolbox is hidden for this one.
    auto* runDock = window.findChild<QWidget*>(QStringLiteral("runDock"));
    runDock->hide();
    settle();
    if (auto* area = window.findChild<QScrollArea*>(QStringLiteral("connectionPageScroll"))) {
        area->verticalScrollBar()->setValue(area->verticalScrollBar()->maximum());
    }
    grab(window, out, QStringLiteral("11-run-history"));
    runDock->show();
    tabs->setCurrentIndex(1);  // the log
    grab(window, out, QStringLiteral("12-run-log"));

    // Step 12: bi-directional advice shown on a connection that never ran one way.
    window.findChild<QAction*>(QStringLiteral("actionDuplicate"))->trigger();
    ConnectionSession* copy = window.currentSession();
    copy->edit([](ConnectionDocument& d) { d.direction = Direction::Bidirectional; });
    window.selectNode(copy, MainWindow::NodeKind::Connection);
    grab(window, out, QStringLiteral("13-bidirectional-advice"));

    // Step 13: Create Target's confirmation for a table that does not exist yet (cancelled).
    copy->edit([](ConnectionDocument& d) {
        d.right.title = "Warehouse archive";
        d.right.select = "SELECT * FROM customers_archive";
    });
    window.selectNode(copy, MainWindow::NodeKind::Connection);
    window.findChild<QAction*>(QStringLiteral("actionCreateTarget"))->trigger();
    if (!waitUntil([&] { return window.createTargetDialog() != nullptr; })) {
        return QStringLiteral("Create Target did not open its confirmation");
    }
    CreateTargetDialog* confirmation = window.createTargetDialog();
    confirmation->resize(760, 520);
    grab(*confirmation, out, QStringLiteral("14-create-target"));
    confirmation->reject();
    waitUntil([&] { return !window.isCreatingTarget(); });
    copy->setModified(false);
    return {};
}

}  // namespace ferry::gui
