// Create Target through the real window on the offscreen platform: a connection from a SQLite
// `customers` table (through the SQLite3 ODBC driver) to a SQLite database without that table.
// The action plans on a worker, the confirmation lists the columns, Create makes the table
// (checked with SQLite's own API), and a second Create Target reports that it exists and changes
// nothing; Cancel creates nothing.
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableWidget>
#include <QtTest>

#include "connection_session.h"
#include "create_target_dialog.h"
#include "ferry/document.h"
#include "gui_test_support.h"
#include "main_window.h"
#include "run_toolbox.h"

using namespace ferry;
using namespace ferry::gui;
using namespace ferry::gui::test;

namespace {

constexpr int kTimeoutMs = 30'000;

// The columns of `customers` in tests/gui/gui_test_support.cpp, in order.
const char* const kCustomerColumns =
    "id,account_number,name,email,city,balance,rating,active,customer_since,last_contact";

QAction* action(MainWindow& window, const char* name) {
    return child<QAction>(window, name);
}

std::string tableColumns(const std::filesystem::path& database, const std::string& table) {
    return querySql(database,
                    "SELECT group_concat(name, ',') FROM (SELECT name FROM "
                    "pragma_table_info('" +
                        table + "') ORDER BY cid)");
}

std::string tableSql(const std::filesystem::path& database, const std::string& table) {
    return querySql(
        database, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'");
}

}  // namespace

class GuiCreateTargetTest : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void createsTheMissingTableAndRefusesASecondTime();
    void cancelCreatesNothing();
    void actionFollowsSelectionAndBusyState();

private:
    // Saves a connection document CRM (customers, 5 rows) -> warehouse (no customers table)
    // into the app's connections folder, for the window to load.
    void writeConnection();
    std::unique_ptr<MainWindow> openWindow();
    // Triggers Create Target and waits for the confirmation dialog.
    CreateTargetDialog* openConfirmation(MainWindow& window);

    std::unique_ptr<TestApp> m_app;
    std::shared_ptr<ScriptedPrompter::Script> m_script;
    std::filesystem::path m_crm;
    std::filesystem::path m_warehouse;
};

void GuiCreateTargetTest::init() {
    m_app = std::make_unique<TestApp>();
    m_script = std::make_shared<ScriptedPrompter::Script>();
    m_crm = m_app->root() / "crm.db";
    m_warehouse = m_app->root() / "warehouse.db";
}

void GuiCreateTargetTest::cleanup() {
    m_app.reset();
}

void GuiCreateTargetTest::writeConnection() {
    createCustomers(m_crm, 5);
    execSql(m_warehouse, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);");
    ConnectionDocument document;
    document.title = "Customers to warehouse";
    document.direction = Direction::LeftToRight;
    document.left.title = "CRM";
    document.left.provider = "odbc";
    document.left.connectionString = toStd(sqliteConnectionString(m_crm));
    document.left.select = "SELECT * FROM customers";
    document.right.title = "Warehouse";
    document.right.provider = "odbc";
    document.right.connectionString = toStd(sqliteConnectionString(m_warehouse));
    document.right.select = "SELECT * FROM customers";
    saveDocument(document, m_app->context().paths().connectionsDirectory / "customers.json");
}

std::unique_ptr<MainWindow> GuiCreateTargetTest::openWindow() {
    auto window = std::make_unique<MainWindow>(m_app->context(),
                                               std::make_unique<ScriptedPrompter>(m_script));
    window->resize(1280, 860);
    window->show();
    return window;
}

CreateTargetDialog* GuiCreateTargetTest::openConfirmation(MainWindow& window) {
    action(window, "actionCreateTarget")->trigger();
    // Planning opens both sides on a worker: nothing is shown yet, and the action waits.
    if (window.createTargetDialog() != nullptr || !window.isCreatingTarget() ||
        action(window, "actionCreateTarget")->isEnabled()) {
        return nullptr;
    }
    // The dialog opens when the plan's queued signal arrives.
    if (!QTest::qWaitFor([&] { return window.createTargetDialog() != nullptr; }, kTimeoutMs)) {
        return nullptr;
    }
    return window.createTargetDialog();
}

void GuiCreateTargetTest::createsTheMissingTableAndRefusesASecondTime() {
    writeConnection();
    auto window = openWindow();
    ConnectionSession* session = window->findSession(QStringLiteral("Customers to warehouse"));
    QVERIFY(session != nullptr);
    window->selectNode(session, MainWindow::NodeKind::Connection);
    QVERIFY(action(*window, "actionCreateTarget")->isEnabled());
    QCOMPARE(tableSql(m_warehouse, "customers"), std::string());

    QSignalSpy finished(window.get(), &MainWindow::createTargetFinished);
    CreateTargetDialog* dialog = openConfirmation(*window);
    QVERIFY(dialog != nullptr);
    QVERIFY(dialog->isVisible());
    // The one-way connection's target: Data Entity 2, with every column of Data Entity 1.
    QCOMPARE(dialog->side(), Side::Right);
    auto* summary = child<QLabel>(*dialog, "summaryLabel");
    QVERIFY2(summary->text().contains(QStringLiteral("Data Entity 2 (Warehouse)")),
             qPrintable(summary->text()));
    QVERIFY2(summary->text().contains(QStringLiteral("from Data Entity 1 (CRM)")),
             qPrintable(summary->text()));
    auto* table = child<QTableWidget>(*dialog, "columnsTable");
    const QStringList expected = QString::fromLatin1(kCustomerColumns).split(QLatin1Char(','));
    QCOMPARE(table->rowCount(), expected.size());
    for (int row = 0; row < table->rowCount(); ++row) {
        QCOMPARE(table->item(row, 0)->text(), expected.at(row));
        QCOMPARE(table->item(row, 2)->text(), row == 0 ? QStringLiteral("key") : QString());
    }
    QVERIFY(table->item(0, 1)->text().startsWith(QStringLiteral("int")));
    QCOMPARE(tableSql(m_warehouse, "customers"), std::string());  // nothing made yet

    QTest::mouseClick(dialog->createButton(), Qt::LeftButton);
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.takeFirst().at(0).toBool(), true);
    QVERIFY(!window->isCreatingTarget());
    QVERIFY(window->createTargetDialog() == nullptr);
    QVERIFY2(m_script->warnings.isEmpty(), qPrintable(m_script->warnings.join(QLatin1Char('\n'))));

    // SQLite itself now has the table, with the columns in order and `id` as its key.
    QCOMPARE(tableColumns(m_warehouse, "customers"), std::string(kCustomerColumns));
    QCOMPARE(querySql(m_warehouse,
                      "SELECT group_concat(name, ',') FROM pragma_table_info('customers') "
                      "WHERE pk > 0"),
             std::string("id"));
    QCOMPARE(querySql(m_warehouse, "SELECT count(*) FROM customers"), std::string("0"));
    const std::string created = tableSql(m_warehouse, "customers");

    // The result: a message with the created columns, the status bar and the run log.
    QCOMPARE(m_script->informations.size(), 1);
    const QString message = m_script->informations.first();
    QVERIFY2(message.contains(QStringLiteral("Created table")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("customers")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("id → ")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("primary key")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("last_contact → ")), qPrintable(message));
    QVERIFY(window->statusBar()->currentMessage().startsWith(QStringLiteral("Created table")));
    auto* log = child<QPlainTextEdit>(*window.get()->runToolbox(), "logView");
    QVERIFY2(log->toPlainText().contains(QStringLiteral("Created table")),
             qPrintable(log->toPlainText()));
    QVERIFY(action(*window, "actionCreateTarget")->isEnabled());

    // Again: the plan finds the table and says so; no dialog, nothing changes.
    action(*window, "actionCreateTarget")->trigger();
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.takeFirst().at(0).toBool(), false);
    QVERIFY(window->createTargetDialog() == nullptr);
    QCOMPARE(m_script->warnings.size(), 1);
    QVERIFY2(m_script->warnings.first().contains(QStringLiteral("already exists")),
             qPrintable(m_script->warnings.first()));
    QVERIFY2(window->statusBar()->currentMessage().contains(QStringLiteral("already exists")),
             qPrintable(window->statusBar()->currentMessage()));
    QCOMPARE(m_script->informations.size(), 1);
    QCOMPARE(tableSql(m_warehouse, "customers"), created);
    QCOMPARE(querySql(m_warehouse, "SELECT count(*) FROM customers"), std::string("0"));
    QVERIFY(action(*window, "actionCreateTarget")->isEnabled());
}

void GuiCreateTargetTest::cancelCreatesNothing() {
    writeConnection();
    auto window = openWindow();
    ConnectionSession* session = window->findSession(QStringLiteral("Customers to warehouse"));
    QVERIFY(session != nullptr);
    // On an entity node the action creates that side.
    window->selectNode(session, MainWindow::NodeKind::RightEntity);

    QSignalSpy finished(window.get(), &MainWindow::createTargetFinished);
    CreateTargetDialog* dialog = openConfirmation(*window);
    QVERIFY(dialog != nullptr);
    QCOMPARE(dialog->side(), Side::Right);
    QTest::mouseClick(child<QPushButton>(*dialog, "cancelButton"), Qt::LeftButton);
    QVERIFY(finished.count() > 0 || finished.wait(kTimeoutMs));
    QCOMPARE(finished.takeFirst().at(0).toBool(), false);
    QCOMPARE(tableSql(m_warehouse, "customers"), std::string());
    QVERIFY(m_script->warnings.isEmpty());
    QVERIFY(m_script->informations.isEmpty());
    QVERIFY(action(*window, "actionCreateTarget")->isEnabled());

    // Data Entity 1 exists: creating it is refused before any dialog.
    window->selectNode(session, MainWindow::NodeKind::LeftEntity);
    action(*window, "actionCreateTarget")->trigger();
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.takeFirst().at(0).toBool(), false);
    QVERIFY(window->createTargetDialog() == nullptr);
    QCOMPARE(m_script->warnings.size(), 1);
    QVERIFY2(m_script->warnings.first().contains(QStringLiteral("already exists")),
             qPrintable(m_script->warnings.first()));
    QCOMPARE(querySql(m_crm, "SELECT count(*) FROM customers"), std::string("5"));
}

void GuiCreateTargetTest::actionFollowsSelectionAndBusyState() {
    {
        auto empty = openWindow();
        QVERIFY(!action(*empty, "actionCreateTarget")->isEnabled());
        QVERIFY(!child<QWidget>(*empty, "pane_actionCreateTarget")->isVisibleTo(empty.get()));
    }
    writeConnection();
    auto window = openWindow();
    ConnectionSession* session = window->findSession(QStringLiteral("Customers to warehouse"));
    QVERIFY(session != nullptr);
    window->selectNode(session, MainWindow::NodeKind::Mappings);
    QVERIFY(action(*window, "actionCreateTarget")->isEnabled());
    QVERIFY(child<QWidget>(*window, "pane_actionCreateTarget")->isVisibleTo(window.get()));

    // While the confirmation is open, the connection's other jobs wait.
    QSignalSpy finished(window.get(), &MainWindow::createTargetFinished);
    CreateTargetDialog* dialog = openConfirmation(*window);
    QVERIFY(dialog != nullptr);
    QVERIFY(!action(*window, "actionCreateTarget")->isEnabled());
    QVERIFY(!action(*window, "actionRunNow")->isEnabled());
    QVERIFY(!action(*window, "actionPreviewChanges")->isEnabled());
    dialog->reject();
    QVERIFY(finished.count() > 0 || finished.wait(kTimeoutMs));
    QVERIFY(action(*window, "actionCreateTarget")->isEnabled());
    QVERIFY(action(*window, "actionRunNow")->isEnabled());
}

QTEST_MAIN(GuiCreateTargetTest)
#include "gui_create_target_test.moc"
