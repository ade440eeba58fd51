// The seed's click path through the real window on the offscreen platform, against SQLite
// databases through the SQLite3 ODBC driver: create a connection, fill both data entities,
// verify (success and failures), preview, auto-map, save (the CLI's document, passwords in the
// credential store), preview changes, run and see the counts, decide a conflict, cancel a long
// run, and reopen the app to find the connection again.
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QCompleter>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTextBrowser>
#include <QToolButton>
#include <QTreeWidget>
#include <QtTest>
#include <fstream>
#include <sstream>

#include "connection_page.h"
#include "connection_session.h"
#include "entity_page.h"
#include "ferry/document.h"
#include "ferry/state_store.h"
#include "gui_test_support.h"
#include "main_window.h"
#include "mapping_model.h"
#include "mappings_page.h"
#include "preview_dialog.h"
#include "preview_model.h"
#include "report_models.h"
#include "run_toolbox.h"

using namespace ferry;
using namespace ferry::gui;
using namespace ferry::gui::test;

namespace {

constexpr int kTimeoutMs = 30'000;

QAction* action(MainWindow& window, const char* name) {
    return child<QAction>(window, name);
}

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

QString digits(const QString& text) {
    QString result;
    for (const QChar c : text) {
        if (c.isDigit()) {
            result += c;
        }
    }
    return result;
}

}  // namespace

class GuiSeedPathTest : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void seedPathCreatesVerifiesPreviewsMapsSavesAndRuns();
    void verifyExplainsFailures();
    void providerListIsSearchableForEveryRegisteredProvider();
    void connectionStringOffersProviderKeys();
    void previewChangesListsPlannedChangesAndWritesNothing();
    void conflictsAreDecidedOneByOneForTheNextRun();
    void cancellingALongRunEndsCancelled();
    void unsavedChangesAreGuardedOnClose();
    void unavailableCredentialStoreKeepsPasswordForTheSession();
    void actionsPaneFollowsTheSelection();
    void duplicateExportAndImportConnectionDocuments();

private:
    // Creates a connection through the UI with both sides on the given SQLite files.
    ConnectionSession* createConnection(MainWindow& window, const QString& title,
                                        const std::filesystem::path& left,
                                        const std::filesystem::path& right,
                                        const QString& leftPassword = {});
    void fillEntity(MainWindow& window, ConnectionSession* session, Side side, const QString& title,
                    const QString& connectionString, const QString& password = {});
    bool verify(MainWindow& window);
    RunReport run(MainWindow& window, bool dryRun);
    std::unique_ptr<MainWindow> openWindow();

    std::unique_ptr<TestApp> m_app;
    std::shared_ptr<ScriptedPrompter::Script> m_script;
};

void GuiSeedPathTest::init() {
    m_app = std::make_unique<TestApp>();
    m_script = std::make_shared<ScriptedPrompter::Script>();
}

void GuiSeedPathTest::cleanup() {
    m_app.reset();
}

std::unique_ptr<MainWindow> GuiSeedPathTest::openWindow() {
    auto window = std::make_unique<MainWindow>(m_app->context(),
                                               std::make_unique<ScriptedPrompter>(m_script));
    window->resize(1280, 860);
    window->show();
    return window;
}

void GuiSeedPathTest::fillEntity(MainWindow& window, ConnectionSession* session, Side side,
                                 const QString& title, const QString& connectionString,
                                 const QString& password) {
    window.selectNode(session, side == Side::Left ? MainWindow::NodeKind::LeftEntity
                                                  : MainWindow::NodeKind::RightEntity);
    EntityPage* page = window.entityPage();
    QVERIFY(page->isVisible());
    typeInto(child<QLineEdit>(*page, "titleEdit"), title);
    typeInto(child<QLineEdit>(*page, "connectionStringEdit"), connectionString);
    if (!password.isEmpty()) {
        typeInto(child<QLineEdit>(*page, "passwordEdit"), password);
    }
    typeInto(child<QPlainTextEdit>(*page, "selectEdit"), QStringLiteral("SELECT * FROM customers"));
    const EntityConfig& entity = session->entity(side);
    QCOMPARE(toQString(entity.title), title);
    QCOMPARE(toQString(entity.connectionString), connectionString);
    QCOMPARE(entity.select, std::string("SELECT * FROM customers"));
    QCOMPARE(entity.provider, std::string("odbc"));
}

ConnectionSession* GuiSeedPathTest::createConnection(MainWindow& window, const QString& title,
                                                     const std::filesystem::path& left,
                                                     const std::filesystem::path& right,
                                                     const QString& leftPassword) {
    action(window, "actionNewConnection")->trigger();
    ConnectionSession* session = window.currentSession();
    if (session == nullptr) {
        return nullptr;
    }
    auto* titleEdit = child<QLineEdit>(*window.connectionPage(), "titleEdit");
    typeInto(titleEdit, title);
    fillEntity(window, session, Side::Left, QStringLiteral("CRM"), sqliteConnectionString(left),
               leftPassword);
    fillEntity(window, session, Side::Right, QStringLiteral("Warehouse"),
               sqliteConnectionString(right));
    return session;
}

bool GuiSeedPathTest::verify(MainWindow& window) {
    QSignalSpy done(&window, &MainWindow::verifyFinished);
    action(window, "actionVerify")->trigger();
    return done.count() > 0 || done.wait(kTimeoutMs);
}

RunReport GuiSeedPathTest::run(MainWindow& window, bool dryRun) {
    QSignalSpy finished(window.runToolbox(), &RunToolbox::runFinished);
    action(window, dryRun ? "actionPreviewChanges" : "actionRunNow")->trigger();
    if (!finished.wait(kTimeoutMs)) {
        return RunReport{};
    }
    return qvariant_cast<RunReport>(finished.takeFirst().at(0));
}

void GuiSeedPathTest::seedPathCreatesVerifiesPreviewsMapsSavesAndRuns() {
    const auto crm = m_app->root() / "crm.db";
    const auto warehouse = m_app->root() / "warehouse.db";
    createCustomers(crm, 1000);
    createEmptyCustomers(warehouse);
    auto window = openWindow();

    // Ctrl+N creates a connection; the tree shows it with its three nodes, marked unsaved.
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    window->activateWindow();
    QCOMPARE(action(*window, "actionNewConnection")->shortcut(),
             QKeySequence(QStringLiteral("Ctrl+N")));
    QCOMPARE(action(*window, "actionSave")->shortcut(), QKeySequence(QStringLiteral("Ctrl+S")));
    QCOMPARE(action(*window, "actionRunNow")->shortcut(), QKeySequence(QStringLiteral("F5")));
    ConnectionSession* session = createConnection(*window, QStringLiteral("Customers to warehouse"),
                                                  crm, warehouse, QStringLiteral("s3cret-Pw"));
    QVERIFY(session != nullptr);
    auto* tree = child<QTreeWidget>(*window, "connectionTree");
    QCOMPARE(tree->topLevelItemCount(), 1);
    QTreeWidgetItem* item = tree->topLevelItem(0);
    QCOMPARE(item->childCount(), 3);
    QCOMPARE(item->child(0)->text(0), QStringLiteral("Data Entity 1"));
    QCOMPARE(item->child(1)->text(0), QStringLiteral("Data Entity 2"));
    QCOMPARE(item->child(2)->text(0), QStringLiteral("Mappings"));
    QVERIFY(item->text(0).endsWith(QLatin1Char('*')));
    QVERIFY(window->isWindowModified());

    // Verify Connection String on Data Entity 1: success, and the key chooser is filled.
    window->selectNode(session, MainWindow::NodeKind::LeftEntity);
    QVERIFY(verify(*window));
    QVERIFY(session->check(Side::Left) && session->check(Side::Left)->ok);
    auto* verifyResult = child<QLabel>(*window->entityPage(), "verifyResult");
    QVERIFY2(verifyResult->text().contains(QStringLiteral("Connected")),
             qPrintable(verifyResult->text()));
    auto* keys = child<QListWidget>(*window->entityPage(), "primaryKeyList");
    QCOMPARE(keys->count(), 10);
    QListWidgetItem* idItem = keys->item(0);
    QCOMPARE(idItem->data(Qt::UserRole).toString(), QStringLiteral("id"));
    idItem->setCheckState(Qt::Checked);
    QCOMPARE(session->entity(Side::Left).primaryKey, std::vector<std::string>{"id"});

    // Data Entity 2: Load columns (describe) fills its chooser too.
    window->selectNode(session, MainWindow::NodeKind::RightEntity);
    QTest::mouseClick(child<QPushButton>(*window->entityPage(), "loadColumnsButton"),
                      Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!window->entityPage()->isLoadingColumns(), kTimeoutMs);
    QTRY_COMPARE(keys->count(), 10);
    keys->item(0)->setCheckState(Qt::Checked);
    QCOMPARE(session->entity(Side::Right).primaryKey, std::vector<std::string>{"id"});

    // Preview Data: the first 100 rows, typed headers, copy to clipboard.
    window->selectNode(session, MainWindow::NodeKind::LeftEntity);
    action(*window, "actionPreview")->trigger();
    PreviewDialog* dialog = window->previewDialog();
    QVERIFY(dialog != nullptr);
    QAbstractItemModelTester tester(dialog->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->isLoading(), kTimeoutMs);
    QCOMPARE(dialog->model()->rowCount(), 100);
    QCOMPARE(dialog->model()->columnCount(), 10);
    QVERIFY(dialog->model()
                ->headerData(0, Qt::Horizontal, Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("Type: int")));
    QVERIFY(child<QLabel>(*dialog, "statusLabel")->text().contains(QStringLiteral("has more")));
    QTest::mouseClick(child<QPushButton>(*dialog, "copyButton"), Qt::LeftButton);
    const QString copied = QApplication::clipboard()->text();
    QVERIFY2(copied.startsWith(QStringLiteral("id\taccount_number\tname")),
             qPrintable(copied.left(80)));
    QVERIFY(copied.contains(QStringLiteral("\n1\tACC-00001\tCustomer 1\t")));
    QCOMPARE(copied.count(QLatin1Char('\n')), 101);
    dialog->close();
    QTRY_VERIFY(window->previewDialog() == nullptr);

    // Mappings: auto mapping pairs the ten columns; switching it off leaves none.
    window->selectNode(session, MainWindow::NodeKind::Mappings);
    MappingModel* mapping = window->mappingsPage()->model();
    QAbstractItemModelTester mappingTester(mapping,
                                           QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE_WITH_TIMEOUT(mapping->pairCount(), 10, kTimeoutMs);
    auto* autoMap = child<QCheckBox>(*window->mappingsPage(), "autoMapCheck");
    QVERIFY(autoMap->isChecked());
    autoMap->click();
    QVERIFY(!session->document().mapping.autoMap);
    QCOMPARE(mapping->pairCount(), 0);
    autoMap->click();
    QCOMPARE(mapping->pairCount(), 10);

    // Verify the whole connection: both sides and the mapping.
    window->selectNode(session, MainWindow::NodeKind::Connection);
    QVERIFY(verify(*window));
    QVERIFY(session->check(Side::Right) && session->check(Side::Right)->ok);
    QCOMPARE(session->mappingCheck(), QStringLiteral("10 column pairs"));

    // Save (Ctrl+S): the CLI's document in the connections folder, no password in it.
    action(*window, "actionSave")->trigger();
    QVERIFY2(m_script->warnings.isEmpty(), qPrintable(m_script->warnings.join(QLatin1Char('\n'))));
    QVERIFY(!session->isModified());
    QVERIFY(!item->text(0).endsWith(QLatin1Char('*')));
    QVERIFY(!window->isWindowModified());
    const auto directory = m_app->context().paths().connectionsDirectory;
    const auto path = resolveDocument("Customers to warehouse", directory);
    QCOMPARE(path, session->path());
    const ConnectionDocument saved = loadDocument(path);
    QCOMPARE(saved.left.connectionString, toStd(sqliteConnectionString(crm)));
    QCOMPARE(saved.right.primaryKey, std::vector<std::string>{"id"});
    QVERIFY(saved.mapping.autoMap);
    QVERIFY(readFile(path).find("s3cret-Pw") == std::string::npos);
    const QString key = credentialKey(QString::fromStdString(path.filename().string()), Side::Left);
    QCOMPARE(m_app->credentials().entries().value(key), QStringLiteral("s3cret-Pw"));

    // Run Now (F5): every account is copied; the toolbox shows the counts.
    const RunReport report = run(*window, false);
    QCOMPARE(report.status, RunStatus::Succeeded);
    QCOMPARE(report.right.inserted, std::uint64_t{1000});
    QCOMPARE(report.left.read, std::uint64_t{1000});
    QCOMPARE(querySql(warehouse, "SELECT count(*) FROM customers"), std::string("1000"));
    QCOMPARE(querySql(warehouse, "SELECT name FROM customers WHERE id = 42"),
             std::string("Customer 42"));
    auto* counts = child<QTableWidget>(*window->runToolbox(), "countsTable");
    QCOMPARE(digits(counts->item(1, 1)->text()), QStringLiteral("1000"));  // right, inserted
    QCOMPARE(digits(counts->item(0, 0)->text()), QStringLiteral("1000"));  // left, read
    // One bar per side: every planned write into Data Entity 2 done, none into Data Entity 1.
    auto* leftBar = child<QProgressBar>(*window->runToolbox(), "leftProgress");
    auto* rightBar = child<QProgressBar>(*window->runToolbox(), "rightProgress");
    QCOMPARE(rightBar->maximum(), 1000);
    QCOMPARE(rightBar->value(), 1000);
    QVERIFY2(rightBar->text().endsWith(QStringLiteral(" done")), qPrintable(rightBar->text()));
    QCOMPARE(leftBar->text(), QStringLiteral("nothing to write"));
    QVERIFY(child<QLabel>(*window->runToolbox(), "statusLabel")
                ->text()
                .contains(QStringLiteral("Succeeded")));

    // The history of the connection: a row and a point in the chart.
    QTRY_COMPARE(window->connectionPage()->historyModel()->rowCount(), 1);
    QCOMPARE(window->connectionPage()->rowsSeries()->count(), 1);
    QCOMPARE(window->connectionPage()->rowsSeries()->at(0).y(), 1000.0);

    // Reopen the app over the same folders: the connection, its password and history are back.
    window.reset();
    auto reopened = openWindow();
    ConnectionSession* found = reopened->findSession(QStringLiteral("customers TO warehouse"));
    QVERIFY(found != nullptr);
    QVERIFY(!found->isModified());
    QCOMPARE(child<QTreeWidget>(*reopened, "connectionTree")->topLevelItemCount(), 1);
    QCOMPARE(reopened->currentSession(), found);
    QCOMPARE(reopened->connectionPage()->historyModel()->rowCount(), 1);
    reopened->selectNode(found, MainWindow::NodeKind::LeftEntity);
    auto* password = child<QLineEdit>(*reopened->entityPage(), "passwordEdit");
    QCOMPARE(password->text(), QStringLiteral("s3cret-Pw"));
    QCOMPARE(password->echoMode(), QLineEdit::Password);
    // An incremental run from the reopened app writes nothing.
    const RunReport again = run(*reopened, false);
    QCOMPARE(again.status, RunStatus::Succeeded);
    QCOMPARE(again.right.inserted + again.right.updated + again.right.deleted, std::uint64_t{0});
    QCOMPARE(again.right.unchanged, std::uint64_t{1000});
}

void GuiSeedPathTest::verifyExplainsFailures() {
    const auto crm = m_app->root() / "crm.db";
    createCustomers(crm, 5);
    auto window = openWindow();
    ConnectionSession* session = createConnection(*window, QStringLiteral("Broken"),
                                                  m_app->root() / "no-such-folder" / "crm.db", crm);
    QVERIFY(session != nullptr);

    // A database path whose folder does not exist.
    window->selectNode(session, MainWindow::NodeKind::LeftEntity);
    QVERIFY(verify(*window));
    QVERIFY(session->check(Side::Left));
    QVERIFY(!session->check(Side::Left)->ok);
    QVERIFY(!session->check(Side::Left)->error.message.isEmpty());
    const QString text = child<QLabel>(*window->entityPage(), "verifyResult")->text();
    QVERIFY2(text.contains(QStringLiteral("Failed")), qPrintable(text));

    // A table that does not exist: the diagnosis says so in plain language.
    window->selectNode(session, MainWindow::NodeKind::RightEntity);
    typeInto(child<QPlainTextEdit>(*window->entityPage(), "selectEdit"),
             QStringLiteral("SELECT * FROM no_such_table"));
    QVERIFY(verify(*window));
    QVERIFY(session->check(Side::Right));
    QVERIFY(!session->check(Side::Right)->ok);
    QCOMPARE(session->check(Side::Right)->error.code, ErrorCode::EntityNotFound);
    QVERIFY(child<QLabel>(*window->entityPage(), "verifyResult")
                ->text()
                .contains(QStringLiteral("no_such_table")));

    // A provider that does not exist is explained too, naming the ones that do.
    session->edit([](ConnectionDocument& d) { d.right.provider = "carrier-pigeon"; });
    QVERIFY(verify(*window));
    QCOMPARE(session->check(Side::Right)->error.code, ErrorCode::UnknownProvider);
    QVERIFY(session->check(Side::Right)->error.hint.contains(QStringLiteral("odbc")));

    // Fixing the select makes it pass.
    session->edit([](ConnectionDocument& d) { d.right.provider = "odbc"; });
    window->selectNode(session, MainWindow::NodeKind::RightEntity);
    typeInto(child<QPlainTextEdit>(*window->entityPage(), "selectEdit"),
             QStringLiteral("SELECT * FROM customers"));
    QVERIFY(verify(*window));
    QVERIFY(session->check(Side::Right)->ok);
}

void GuiSeedPathTest::providerListIsSearchableForEveryRegisteredProvider() {
    auto window = openWindow();
    action(*window, "actionNewConnection")->trigger();
    ConnectionSession* session = window->currentSession();
    window->selectNode(session, MainWindow::NodeKind::LeftEntity);
    auto* combo = child<QComboBox>(*window->entityPage(), "providerCombo");
    const auto providers = m_app->context().registry().all();
    QVERIFY(!providers.empty());
    QCOMPARE(combo->count(), static_cast<int>(providers.size()));
    for (const ProviderInfo* info : providers) {
        // Typed in another case ("ODATA", "ODBC"): the completer offers that provider.
        const QString typed = toQString(info->name).toUpper();
        combo->setFocus();
        combo->lineEdit()->selectAll();
        QTest::keyClick(combo->lineEdit(), Qt::Key_Backspace);
        QTest::keyClicks(combo->lineEdit(), typed);
        QCompleter* completer = combo->completer();
        QVERIFY2(completer->completionCount() >= 1, qPrintable(typed));
        bool offered = false;
        for (int row = 0; row < completer->completionCount(); ++row) {
            completer->setCurrentRow(row);
            if (completer->currentCompletion().contains(toQString(info->name))) {
                offered = true;
                completer->popup()->setCurrentIndex(completer->currentIndex());
                break;
            }
        }
        QVERIFY2(offered, qPrintable(typed));
        QTest::keyClick(completer->popup(), Qt::Key_Return);
        QTRY_COMPARE(session->entity(Side::Left).provider, info->name);
    }
}

void GuiSeedPathTest::connectionStringOffersProviderKeys() {
    auto window = openWindow();
    action(*window, "actionNewConnection")->trigger();
    ConnectionSession* session = window->currentSession();
    window->selectNode(session, MainWindow::NodeKind::LeftEntity);
    auto* edit = child<QLineEdit>(*window->entityPage(), "connectionStringEdit");
    auto* completer =
        window->entityPage()->findChild<QCompleter*>(QStringLiteral("connectionKeyCompleter"));
    QVERIFY(completer != nullptr);
    typeInto(edit, QStringLiteral("Driver=SQLite3;Datab"));
    QTRY_VERIFY(completer->popup()->isVisible());
    QCOMPARE(completer->currentCompletion(), QStringLiteral("Database="));
    QTest::keyClick(completer->popup(), Qt::Key_Return);
    QCOMPARE(edit->text(), QStringLiteral("Driver=SQLite3;Database="));
    QCOMPARE(session->entity(Side::Left).connectionString, std::string("Driver=SQLite3;Database="));
    // The help lists the keys the provider declares.
    const QString help =
        child<QTextBrowser>(*window->entityPage(), "connectionKeysHelp")->toPlainText();
    const ProviderInfo* odbc = m_app->context().registry().find("odbc");
    QVERIFY(odbc != nullptr);
    for (const auto& key : odbc->keys) {
        QVERIFY2(help.contains(toQString(key.name)), qPrintable(toQString(key.name)));
    }
    // A password typed into the connection string is flagged.
    typeInto(edit, QStringLiteral("Driver=SQLite3;Database=x.db;Pwd=oops;"));
    auto* problems = child<QLabel>(*window->entityPage(), "connectionStringProblems");
    QVERIFY(problems->isVisible());
    QVERIFY(problems->text().contains(QStringLiteral("Password field")));
}

void GuiSeedPathTest::previewChangesListsPlannedChangesAndWritesNothing() {
    const auto crm = m_app->root() / "crm.db";
    const auto warehouse = m_app->root() / "warehouse.db";
    createCustomers(crm, 50);
    createEmptyCustomers(warehouse);
    auto window = openWindow();
    ConnectionSession* session = createConnection(*window, QStringLiteral("Dry"), crm, warehouse);
    QVERIFY(session != nullptr);
    window->selectNode(session, MainWindow::NodeKind::Connection);
    QCOMPARE(run(*window, false).right.inserted, std::uint64_t{50});

    execSql(crm,
            "UPDATE customers SET city = 'Tromsø' WHERE id = 7; DELETE FROM customers "
            "WHERE id = 50;");
    const RunReport dry = run(*window, true);
    QCOMPARE(dry.status, RunStatus::Succeeded);
    QVERIFY(dry.dryRun);
    // The bar of Data Entity 2 shows the two planned changes, none written.
    auto* rightBar = child<QProgressBar>(*window->runToolbox(), "rightProgress");
    QCOMPARE(rightBar->maximum(), 2);
    QCOMPARE(rightBar->value(), 0);
    QCOMPARE(rightBar->text(), QStringLiteral("2 planned"));
    TextTableModel* planned = window->runToolbox()->plannedModel();
    QAbstractItemModelTester tester(planned,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(planned->rowCount(), 2);
    QStringList kinds;
    for (int row = 0; row < planned->rowCount(); ++row) {
        kinds << planned->text(row, 0) + QLatin1Char(' ') + planned->text(row, 2) +
                     QLatin1Char(' ') + planned->text(row, 3);
    }
    kinds.sort();
    QCOMPARE(kinds, (QStringList{QStringLiteral("Delete 50 "), QStringLiteral("Update 7 city")}));
    // Nothing was written.
    QCOMPARE(querySql(warehouse, "SELECT city FROM customers WHERE id = 7"), std::string("Kraków"));
    QCOMPARE(querySql(warehouse, "SELECT count(*) FROM customers"), std::string("50"));

    const RunReport real = run(*window, false);
    QCOMPARE(real.right.updated, std::uint64_t{1});
    QCOMPARE(real.right.deleted, std::uint64_t{1});
    QCOMPARE(querySql(warehouse, "SELECT city FROM customers WHERE id = 7"), std::string("Tromsø"));
}

void GuiSeedPathTest::conflictsAreDecidedOneByOneForTheNextRun() {
    const auto crm = m_app->root() / "crm.db";
    const auto warehouse = m_app->root() / "warehouse.db";
    createCustomers(crm, 10);
    createEmptyCustomers(warehouse);
    auto window = openWindow();
    ConnectionSession* session =
        createConnection(*window, QStringLiteral("Both ways"), crm, warehouse);
    QVERIFY(session != nullptr);
    window->selectNode(session, MainWindow::NodeKind::Connection);
    auto* direction = child<QComboBox>(*window->connectionPage(), "directionCombo");
    auto* advice = child<QLabel>(*window->connectionPage(), "bidirectionalAdvice");

    // Before any one-way run, switching to bi-directional shows the seed's advice.
    direction->setCurrentIndex(direction->findData(static_cast<int>(Direction::Bidirectional)));
    QCOMPARE(session->document().direction, Direction::Bidirectional);
    QVERIFY(advice->isVisible());
    QVERIFY(advice->text().contains(QStringLiteral("Run the connection one way first")));
    direction->setCurrentIndex(direction->findData(static_cast<int>(Direction::LeftToRight)));
    QVERIFY(!advice->isVisible());
    QCOMPARE(run(*window, false).right.inserted, std::uint64_t{10});
    direction->setCurrentIndex(direction->findData(static_cast<int>(Direction::Bidirectional)));
    QVERIFY(!advice->isVisible());

    // The same column changed on both sides: a conflict, skipped by the default policy.
    execSql(crm, "UPDATE customers SET city = 'Left city' WHERE id IN (3, 4);");
    execSql(warehouse, "UPDATE customers SET city = 'Right city' WHERE id IN (3, 4);");
    const RunReport first = run(*window, false);
    QCOMPARE(first.conflicts, std::uint64_t{2});
    TextTableModel* conflicts = window->runToolbox()->conflictsModel();
    QAbstractItemModelTester tester(conflicts,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(conflicts->rowCount(), 2);

    // Decide them one by one: item 3 takes Data Entity 1, item 4 takes Data Entity 2.
    auto* table = child<QTableView>(*window->runToolbox(), "conflictsTable");
    for (int row = 0; row < conflicts->rowCount(); ++row) {
        table->selectRow(row);
        const bool left = conflicts->key(row) == QStringLiteral("3");
        QTest::mouseClick(
            child<QPushButton>(*window->runToolbox(), left ? "takeLeftButton" : "takeRightButton"),
            Qt::LeftButton);
    }
    StateStore store(m_app->context().paths().stateStorePath);
    const auto stored = store.conflicts(stateId(session->document()));
    QCOMPARE(stored.size(), std::size_t{2});
    for (const auto& conflict : stored) {
        QVERIFY(conflict.decision.has_value());
        QCOMPARE(*conflict.decision, conflict.key == "3" ? Side::Left : Side::Right);
    }

    // The next run applies the decisions (the report still lists the items, as decided).
    const RunReport second = run(*window, false);
    QCOMPARE(second.status, RunStatus::Succeeded);
    QCOMPARE(second.conflictList.size(), std::size_t{2});
    for (const auto& conflict : second.conflictList) {
        QVERIFY2(conflict.resolution.rfind("decided", 0) == 0, conflict.resolution.c_str());
    }
    QCOMPARE(querySql(warehouse, "SELECT city FROM customers WHERE id = 3"),
             std::string("Left city"));
    QCOMPARE(querySql(crm, "SELECT city FROM customers WHERE id = 4"), std::string("Right city"));
    QCOMPARE(conflicts->rowCount(), 0);
}

void GuiSeedPathTest::cancellingALongRunEndsCancelled() {
    const auto big = m_app->root() / "big.db";
    const auto copy = m_app->root() / "copy.db";
    createCustomers(big, 200'000);
    createEmptyCustomers(copy);
    auto window = openWindow();
    ConnectionSession* session = createConnection(*window, QStringLiteral("Big"), big, copy);
    QVERIFY(session != nullptr);
    window->selectNode(session, MainWindow::NodeKind::Connection);

    QSignalSpy finished(window->runToolbox(), &RunToolbox::runFinished);
    // F5 = Run Now.
    window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(window.get()));
    QTest::keyClick(window.get(), Qt::Key_F5);
    QVERIFY(window->runToolbox()->isRunning());
    QVERIFY(action(*window, "actionCancelRun")->isEnabled());
    QVERIFY(!action(*window, "actionRunNow")->isEnabled());
    // The window stays responsive: progress arrives while the run reads.
    auto* phase = child<QLabel>(*window->runToolbox(), "phaseLabel");
    QTRY_VERIFY_WITH_TIMEOUT(phase->text() == QStringLiteral("Reading both sides"), kTimeoutMs);
    QTest::mouseClick(child<QPushButton>(*window->runToolbox(), "cancelButton"), Qt::LeftButton);
    QVERIFY(finished.wait(kTimeoutMs));
    const auto report = qvariant_cast<RunReport>(finished.takeFirst().at(0));
    QCOMPARE(report.status, RunStatus::Cancelled);
    QVERIFY(child<QLabel>(*window->runToolbox(), "statusLabel")
                ->text()
                .contains(QStringLiteral("Cancelled")));
    QVERIFY(!window->runToolbox()->isRunning());
    QVERIFY(action(*window, "actionRunNow")->isEnabled());
}

void GuiSeedPathTest::unsavedChangesAreGuardedOnClose() {
    auto window = openWindow();
    action(*window, "actionNewConnection")->trigger();
    QVERIFY(window->currentSession()->isModified());

    m_script->saves.push_back(Prompter::SaveChoice::Cancel);
    QVERIFY(!window->close());
    QVERIFY(window->isVisible());
    QCOMPARE(m_script->asked.size(), 1);
    QVERIFY(m_script->asked.first().contains(QStringLiteral("New connection")));

    // Save with an incomplete document: the problems are listed and the window stays open.
    m_script->saves.push_back(Prompter::SaveChoice::Save);
    QVERIFY(!window->close());
    QCOMPARE(m_script->warnings.size(), 1);
    QVERIFY(m_script->warnings.first().contains(QStringLiteral("connectionString")));

    m_script->saves.push_back(Prompter::SaveChoice::Discard);
    QVERIFY(window->close());
    // Nothing was written, and the window state was remembered.
    QVERIFY(std::filesystem::is_empty(m_app->context().paths().connectionsDirectory));
    QVERIFY(std::filesystem::exists(m_app->context().paths().settingsFile));
}

void GuiSeedPathTest::unavailableCredentialStoreKeepsPasswordForTheSession() {
    const auto crm = m_app->root() / "crm.db";
    const auto warehouse = m_app->root() / "warehouse.db";
    createCustomers(crm, 3);
    createEmptyCustomers(warehouse);
    m_app->credentials().setFailure(
        QStringLiteral("the credential store is not available: no "
                       "keyring daemon"));
    auto window = openWindow();
    ConnectionSession* session = createConnection(*window, QStringLiteral("No keyring"), crm,
                                                  warehouse, QStringLiteral("pw-123"));
    QVERIFY(session != nullptr);
    QCOMPARE(session->document().title, std::string("No keyring"));
    QVERIFY(window->saveSession(session));
    QVERIFY(m_script->warnings.isEmpty());
    window->selectNode(session, MainWindow::NodeKind::LeftEntity);
    const QString status = child<QLabel>(*window->entityPage(), "passwordStatus")->text();
    QVERIFY2(status.contains(QStringLiteral("session only")), qPrintable(status));
    QVERIFY(status.contains(QStringLiteral("no keyring daemon")));
    QCOMPARE(session->password(Side::Left), QStringLiteral("pw-123"));
    QVERIFY(m_app->credentials().entries().isEmpty());
    QVERIFY(readFile(session->path()).find("pw-123") == std::string::npos);
    // The session's password still reaches the provider: the run works.
    QCOMPARE(run(*window, false).status, RunStatus::Succeeded);
}

void GuiSeedPathTest::actionsPaneFollowsTheSelection() {
    auto window = openWindow();
    auto* pane = child<QWidget>(*window, "actionsPane");
    auto visible = [&](const char* name) { return child<QToolButton>(*pane, name)->isVisible(); };
    QVERIFY(visible("pane_actionNewConnection"));
    QVERIFY(!visible("pane_actionRunNow"));
    // Ctrl+N from the keyboard creates a connection.
    window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(window.get()));
    QTest::keyClick(window.get(), Qt::Key_N, Qt::ControlModifier);
    QCOMPARE(window->sessions().size(), std::size_t{1});
    ConnectionSession* session = window->currentSession();
    QVERIFY(session != nullptr);
    QVERIFY(visible("pane_actionRunNow"));
    QVERIFY(visible("pane_actionDelete"));
    QVERIFY(visible("pane_actionDuplicate"));
    QVERIFY(visible("pane_actionSave"));
    QVERIFY(action(*window, "actionSave")->isEnabled());
    window->selectNode(session, MainWindow::NodeKind::Mappings);
    QVERIFY(!visible("pane_actionDelete"));
    QVERIFY(!visible("pane_actionPreview"));
    QVERIFY(visible("pane_actionVerify"));
    window->selectNode(session, MainWindow::NodeKind::RightEntity);
    QVERIFY(visible("pane_actionPreview"));

    // Delete asks first; a "no" keeps the connection.
    window->selectNode(session, MainWindow::NodeKind::Connection);
    m_script->confirms.push_back(false);
    action(*window, "actionDelete")->trigger();
    QCOMPARE(window->sessions().size(), std::size_t{1});
    m_script->confirms.push_back(true);
    action(*window, "actionDelete")->trigger();
    QCOMPARE(window->sessions().size(), std::size_t{0});
    QVERIFY(!visible("pane_actionRunNow"));
}

void GuiSeedPathTest::duplicateExportAndImportConnectionDocuments() {
    const auto crm = m_app->root() / "crm.db";
    const auto warehouse = m_app->root() / "warehouse.db";
    createCustomers(crm, 3);
    createEmptyCustomers(warehouse);
    auto window = openWindow();
    ConnectionSession* session =
        createConnection(*window, QStringLiteral("Original"), crm, warehouse, QStringLiteral("pw"));
    QVERIFY(session != nullptr);
    QVERIFY(window->saveSession(session));
    window->selectNode(session, MainWindow::NodeKind::Connection);

    // Duplicate: a new, unsaved connection with its own identity and the same settings.
    action(*window, "actionDuplicate")->trigger();
    ConnectionSession* copy = window->currentSession();
    QVERIFY(copy != session);
    QVERIFY(copy->isNew() && copy->isModified());
    QCOMPARE(copy->document().title, std::string("Copy of Original"));
    QVERIFY(copy->document().id != session->document().id);
    QCOMPARE(copy->document().left.connectionString, session->document().left.connectionString);
    QCOMPARE(copy->password(Side::Left), QStringLiteral("pw"));

    // Export writes the CLI's document (no password); import reads it back as a new one.
    window->selectNode(session, MainWindow::NodeKind::Connection);
    const QString exported = QString::fromStdString((m_app->root() / "exported.json").string());
    m_script->files.push_back(exported);
    action(*window, "actionExport")->trigger();
    const ConnectionDocument written = loadDocument(toStd(exported));
    QCOMPARE(written.title, std::string("Original"));
    QVERIFY(readFile(toStd(exported)).find("\"pw\"") == std::string::npos);
    m_script->files.push_back(exported);
    action(*window, "actionImport")->trigger();
    ConnectionSession* imported = window->currentSession();
    QCOMPARE(window->sessions().size(), std::size_t{3});
    QCOMPARE(imported->document().title, std::string("Original (2)"));
    QVERIFY(imported->document().id != session->document().id);
    QVERIFY(imported->isModified());
    // A broken document is refused with the reason.
    const auto broken = m_app->root() / "broken.json";
    std::ofstream(broken) << "{\"title\": \"x\", \"direction\": \"sideways\"}";
    m_script->files.push_back(QString::fromStdString(broken.string()));
    action(*window, "actionImport")->trigger();
    QCOMPARE(window->sessions().size(), std::size_t{3});
    QCOMPARE(m_script->warnings.size(), 1);
    QVERIFY(m_script->warnings.first().contains(QStringLiteral("direction")));
}

QTEST_MAIN(GuiSeedPathTest)
#include "gui_seed_path_test.moc"
