// Seed 001 clicked through the real window against the Dynamics 365 Web API emulator (in process,
// real HTTP) and a SQLite table through the SQLite3 ODBC driver: OData found by searching the
// provider list, the password typed into the masked field, Verify (success and a wrong password),
// Preview Data of `$top=5`, auto mapping, save, Run Now one way, then bi-directional with an edit
// on each side, each arriving on the other.
#include <httplib.h>
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTextBrowser>
#include <QtTest>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "connection_page.h"
#include "connection_session.h"
#include "dynamics_emulator.h"
#include "entity_page.h"
#include "ferry/document.h"
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
constexpr int kAccounts = 200;
const QString kPassword = QStringLiteral("Passw0rd!");
const QString kWrongPassword = QStringLiteral("Not-the-Passw0rd");
const QString kSelect = QStringLiteral("accounts?$select=name,accountnumber&$top=5");

QAction* action(MainWindow& window, const char* name) {
    return child<QAction>(window, name);
}

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The CRM side as an administrator's other tools see it: a token from the emulator's token
// endpoint, then plain Web API requests, independent of Ferry's OData code.
class CrmWebApi {
public:
    explicit CrmWebApi(const emulator::DynamicsEmulator& crm)
        : m_client("127.0.0.1", crm.port()), m_root(crm.rootUrl()), m_base(crm.baseUrl()) {
        m_client.set_read_timeout(30, 0);
        const httplib::Params form = {{"grant_type", "password"},
                                      {"client_id", "51f81489-12ee-4a9e-aaae-a2591f45987d"},
                                      {"username", "admin@contoso.com"},
                                      {"password", kPassword.toStdString()},
                                      {"scope", m_root + "/.default"}};
        auto result = m_client.Post(crm.tokenEndpoint().substr(m_root.size()), form);
        if (!result || result->status != 200) {
            throw std::runtime_error("no token from the emulator");
        }
        m_token = QJsonDocument::fromJson(QByteArray::fromStdString(result->body))
                      .object()
                      .value(QStringLiteral("access_token"))
                      .toString()
                      .toStdString();
    }

    QJsonObject get(const std::string& resource) {
        auto result = m_client.Get(path(resource), headers({}));
        expectStatus(result, 200, "GET " + resource);
        return QJsonDocument::fromJson(QByteArray::fromStdString(result->body)).object();
    }

    void patch(const std::string& resource, const QJsonObject& body) {
        auto result =
            m_client.Patch(path(resource), headers({{"If-Match", "*"}}),
                           QJsonDocument(body).toJson().toStdString(), "application/json");
        expectStatus(result, 204, "PATCH " + resource);
    }

private:
    std::string path(const std::string& resource) const {
        return m_base.substr(m_root.size()) + resource;
    }

    httplib::Headers headers(httplib::Headers extra) const {
        extra.emplace("Authorization", "Bearer " + m_token);
        extra.emplace("Accept", "application/json");
        extra.emplace("OData-Version", "4.0");
        extra.emplace("OData-MaxVersion", "4.0");
        return extra;
    }

    static void expectStatus(const httplib::Result& result, int status, const std::string& what) {
        if (!result || result->status != status) {
            throw std::runtime_error(what + ": HTTP " +
                                     (result ? std::to_string(result->status) + " " + result->body
                                             : std::string("no answer")));
        }
    }

    httplib::Client m_client;
    std::string m_root;
    std::string m_base;
    std::string m_token;
};

}  // namespace

class GuiDynamicsSeedTest : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void seedPathAgainstDynamics();

private:
    bool verify(MainWindow& window);
    RunReport run(MainWindow& window);
    QString verifyText(MainWindow& window);

    std::unique_ptr<TestApp> m_app;
    std::shared_ptr<ScriptedPrompter::Script> m_script;
    std::unique_ptr<emulator::DynamicsEmulator> m_crm;
};

void GuiDynamicsSeedTest::init() {
    m_app = std::make_unique<TestApp>();
    m_script = std::make_shared<ScriptedPrompter::Script>();
    emulator::DynamicsOptions options;
    options.accounts = kAccounts;
    m_crm = std::make_unique<emulator::DynamicsEmulator>(options);
    m_crm->start();
}

void GuiDynamicsSeedTest::cleanup() {
    m_app.reset();
    m_crm.reset();
}

bool GuiDynamicsSeedTest::verify(MainWindow& window) {
    QSignalSpy done(&window, &MainWindow::verifyFinished);
    action(window, "actionVerify")->trigger();
    return done.count() > 0 || done.wait(kTimeoutMs);
}

RunReport GuiDynamicsSeedTest::run(MainWindow& window) {
    QSignalSpy finished(window.runToolbox(), &RunToolbox::runFinished);
    action(window, "actionRunNow")->trigger();
    if (!finished.wait(kTimeoutMs)) {
        RunReport timedOut;
        timedOut.status = RunStatus::Aborted;
        timedOut.message = "the run did not finish in time";
        return timedOut;
    }
    return qvariant_cast<RunReport>(finished.takeFirst().at(0));
}

QString GuiDynamicsSeedTest::verifyText(MainWindow& window) {
    return child<QLabel>(*window.entityPage(), "verifyResult")->text();
}

void GuiDynamicsSeedTest::seedPathAgainstDynamics() {
    const auto warehouse = m_app->root() / "warehouse.db";
    execSql(warehouse,
            "CREATE TABLE accounts (accountid TEXT PRIMARY KEY, name VARCHAR(160), "
            "accountnumber VARCHAR(20));");
    const QString crmConnectionString =
        QStringLiteral(
            "URL=%1;Authentication=microsoft_modern_crm;User=admin@contoso.com;"
            "Authority=%2;")
            .arg(QString::fromStdString(m_crm->baseUrl()),
                 QString::fromStdString(m_crm->authority()));

    auto window = std::make_unique<MainWindow>(m_app->context(),
                                               std::make_unique<ScriptedPrompter>(m_script));
    window->resize(1280, 860);
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));

    // Create New Connection, titled.
    action(*window, "actionNewConnection")->trigger();
    ConnectionSession* session = window->currentSession();
    QVERIFY(session != nullptr);
    typeInto(child<QLineEdit>(*window->connectionPage(), "titleEdit"),
             QStringLiteral("CRM accounts to warehouse"));

    // Data Entity 1: the provider is found by typing "OData" into the searchable list.
    window->selectNode(session, MainWindow::NodeKind::LeftEntity);
    EntityPage* page = window->entityPage();
    typeInto(child<QLineEdit>(*page, "titleEdit"), QStringLiteral("Dynamics accounts"));
    auto* providers = child<QComboBox>(*page, "providerCombo");
    providers->setFocus();
    providers->lineEdit()->selectAll();
    QTest::keyClick(providers->lineEdit(), Qt::Key_Backspace);
    QTest::keyClicks(providers->lineEdit(), QStringLiteral("OData"));
    QCompleter* completer = providers->completer();
    QTRY_VERIFY(completer->popup()->isVisible());
    bool offered = false;
    for (int row = 0; row < completer->completionCount() && !offered; ++row) {
        completer->setCurrentRow(row);
        if (completer->currentCompletion().contains(QStringLiteral("(odata)"))) {
            completer->popup()->setCurrentIndex(completer->currentIndex());
            offered = true;
        }
    }
    QVERIFY2(offered, "typing OData does not offer the odata provider");
    QTest::keyClick(completer->popup(), Qt::Key_Return);
    QTRY_COMPARE(session->entity(Side::Left).provider, std::string("odata"));
    // The help now lists the OData keys.
    const QString help = child<QTextBrowser>(*page, "connectionKeysHelp")->toPlainText();
    QVERIFY2(help.contains(QStringLiteral("Authority")), qPrintable(help));

    // The connection string, the password in the masked field, the select statement.
    typeInto(child<QLineEdit>(*page, "connectionStringEdit"), crmConnectionString);
    QCOMPARE(session->entity(Side::Left).connectionString, crmConnectionString.toStdString());
    QVERIFY2(!child<QLabel>(*page, "connectionStringProblems")->isVisible(),
             qPrintable(child<QLabel>(*page, "connectionStringProblems")->text()));
    auto* password = child<QLineEdit>(*page, "passwordEdit");
    QCOMPARE(password->echoMode(), QLineEdit::Password);
    typeInto(password, kPassword);
    QCOMPARE(session->password(Side::Left), kPassword);
    typeInto(child<QPlainTextEdit>(*page, "selectEdit"), kSelect);
    QCOMPARE(session->entity(Side::Left).select, kSelect.toStdString());

    // Verify Connection String: connected, and the key chooser offers accountid.
    QVERIFY(verify(*window));
    QVERIFY(session->check(Side::Left).has_value());
    QVERIFY2(session->check(Side::Left)->ok, qPrintable(verifyText(*window)));
    QVERIFY2(verifyText(*window).contains(QStringLiteral("Connected")),
             qPrintable(verifyText(*window)));

    // A wrong password: the plain-language diagnosis, without the password in it.
    typeInto(password, kWrongPassword);
    QVERIFY(verify(*window));
    QVERIFY(session->check(Side::Left).has_value());
    QVERIFY(!session->check(Side::Left)->ok);
    QCOMPARE(session->check(Side::Left)->error.code, ErrorCode::AuthenticationFailed);
    const QString failure = verifyText(*window);
    QVERIFY2(failure.contains(QStringLiteral("Failed")), qPrintable(failure));
    QVERIFY2(failure.contains(QStringLiteral("user name or password was not accepted")),
             qPrintable(failure));
    QVERIFY2(!failure.contains(kWrongPassword), qPrintable(failure));
    QVERIFY(!session->check(Side::Left)->error.text().contains(kWrongPassword));
    QVERIFY(window->isVisible());

    // The right password again; then the primary key.
    typeInto(password, kPassword);
    QVERIFY(verify(*window));
    QVERIFY2(session->check(Side::Left)->ok, qPrintable(verifyText(*window)));
    auto* keys = child<QListWidget>(*page, "primaryKeyList");
    QListWidgetItem* accountId = nullptr;
    for (int i = 0; i < keys->count(); ++i) {
        if (keys->item(i)->data(Qt::UserRole).toString() == QStringLiteral("accountid")) {
            accountId = keys->item(i);
        }
    }
    QVERIFY2(accountId != nullptr, "accountid is not offered as a key");
    QVERIFY2(accountId->text().contains(QStringLiteral("guid")), qPrintable(accountId->text()));
    accountId->setCheckState(Qt::Checked);
    QCOMPARE(session->entity(Side::Left).primaryKey, std::vector<std::string>{"accountid"});

    // Preview Data: the five rows of $top=5, typed column headers, accountid a GUID key.
    action(*window, "actionPreview")->trigger();
    PreviewDialog* dialog = window->previewDialog();
    QVERIFY(dialog != nullptr);
    QAbstractItemModelTester tester(dialog->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->isLoading(), kTimeoutMs);
    QCOMPARE(dialog->model()->rowCount(), 5);
    QMap<QString, QString> tooltips;
    for (int column = 0; column < dialog->model()->columnCount(); ++column) {
        const QString tip =
            dialog->model()->headerData(column, Qt::Horizontal, Qt::ToolTipRole).toString();
        const QString name =
            tip.section(QStringLiteral("</b>"), 0, 0).remove(QStringLiteral("<b>"));
        tooltips.insert(name, tip);
    }
    QVERIFY2(tooltips.contains(QStringLiteral("accountid")) &&
                 tooltips.contains(QStringLiteral("name")) &&
                 tooltips.contains(QStringLiteral("accountnumber")),
             qPrintable(QStringList(tooltips.keys()).join(QLatin1Char(','))));
    QVERIFY2(tooltips[QStringLiteral("accountid")].contains(QStringLiteral("Type: guid")),
             qPrintable(tooltips[QStringLiteral("accountid")]));
    QVERIFY(tooltips[QStringLiteral("accountid")].contains(QStringLiteral("Primary key")));
    QVERIFY2(tooltips[QStringLiteral("name")].contains(QStringLiteral("Type: string")),
             qPrintable(tooltips[QStringLiteral("name")]));
    QVERIFY(!tooltips[QStringLiteral("name")].contains(QStringLiteral("Primary key")));
    dialog->close();
    QTRY_VERIFY(window->previewDialog() == nullptr);

    // Data Entity 2: the SQLite table; Load columns fills its key chooser.
    window->selectNode(session, MainWindow::NodeKind::RightEntity);
    typeInto(child<QLineEdit>(*page, "titleEdit"), QStringLiteral("Warehouse accounts"));
    QCOMPARE(session->entity(Side::Right).provider, std::string("odbc"));
    typeInto(child<QLineEdit>(*page, "connectionStringEdit"), sqliteConnectionString(warehouse));
    typeInto(child<QPlainTextEdit>(*page, "selectEdit"), QStringLiteral("SELECT * FROM accounts"));
    QTest::mouseClick(child<QPushButton>(*page, "loadColumnsButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!page->isLoadingColumns(), kTimeoutMs);
    QTRY_COMPARE(keys->count(), 3);
    for (int i = 0; i < keys->count(); ++i) {
        if (keys->item(i)->data(Qt::UserRole).toString() == QStringLiteral("accountid")) {
            keys->item(i)->setCheckState(Qt::Checked);
        }
    }
    QCOMPARE(session->entity(Side::Right).primaryKey, std::vector<std::string>{"accountid"});

    // Mappings: auto mapping pairs the three columns by name.
    window->selectNode(session, MainWindow::NodeKind::Mappings);
    MappingModel* mapping = window->mappingsPage()->model();
    QAbstractItemModelTester mappingTester(mapping,
                                           QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(child<QCheckBox>(*window->mappingsPage(), "autoMapCheck")->isChecked());
    QTRY_COMPARE_WITH_TIMEOUT(mapping->pairCount(), 3, kTimeoutMs);
    std::set<std::pair<QString, QString>> pairs;
    for (int row = 0; row < mapping->rowCount(); ++row) {
        if (mapping->index(row, 0).data(MappingModel::OriginRole).toInt() ==
            static_cast<int>(MappingModel::Origin::Auto)) {
            pairs.emplace(mapping->index(row, MappingModel::LeftColumn).data().toString(),
                          mapping->index(row, MappingModel::RightColumn).data().toString());
        }
    }
    const std::set<std::pair<QString, QString>> expectedPairs = {
        {QStringLiteral("accountid"), QStringLiteral("accountid")},
        {QStringLiteral("accountnumber"), QStringLiteral("accountnumber")},
        {QStringLiteral("name"), QStringLiteral("name")}};
    QVERIFY(pairs == expectedPairs);

    // Save: the CLI's document, the password in the credential store only.
    window->selectNode(session, MainWindow::NodeKind::Connection);
    action(*window, "actionSave")->trigger();
    QVERIFY2(m_script->warnings.isEmpty(), qPrintable(m_script->warnings.join(QLatin1Char('\n'))));
    QVERIFY(!session->isModified());
    const ConnectionDocument saved = loadDocument(session->path());
    QCOMPARE(saved.left.provider, std::string("odata"));
    QCOMPARE(saved.left.select, kSelect.toStdString());
    QCOMPARE(saved.left.primaryKey, std::vector<std::string>{"accountid"});
    QVERIFY(readFile(session->path()).find(kPassword.toStdString()) == std::string::npos);
    const QString key =
        credentialKey(QString::fromStdString(session->path().filename().string()), Side::Left);
    QCOMPARE(m_app->credentials().entries().value(key), kPassword);

    // Run Now: the five accounts arrive in the warehouse.
    CrmWebApi api(*m_crm);
    const QJsonArray firstFive =
        api.get(kSelect.toStdString()).value(QStringLiteral("value")).toArray();
    QCOMPARE(firstFive.size(), 5);
    const RunReport first = run(*window);
    QVERIFY2(first.status == RunStatus::Succeeded, first.message.c_str());
    QCOMPARE(first.left.read, std::uint64_t{5});
    QCOMPARE(first.right.inserted, std::uint64_t{5});
    QCOMPARE(querySql(warehouse, "SELECT count(*) FROM accounts"), std::string("5"));
    for (const auto& value : firstFive) {
        const QJsonObject account = value.toObject();
        const std::string id = account.value(QStringLiteral("accountid")).toString().toStdString();
        QCOMPARE(querySql(warehouse, "SELECT name FROM accounts WHERE accountid = '" + id + "'"),
                 account.value(QStringLiteral("name")).toString().toStdString());
        QCOMPARE(querySql(warehouse,
                          "SELECT accountnumber FROM accounts WHERE accountid = '" + id + "'"),
                 account.value(QStringLiteral("accountnumber")).toString().toStdString());
    }
    // One bar per side: five writes into Data Entity 2, none into Data Entity 1.
    auto* leftBar = child<QProgressBar>(*window->runToolbox(), "leftProgress");
    auto* rightBar = child<QProgressBar>(*window->runToolbox(), "rightProgress");
    QCOMPARE(rightBar->maximum(), 5);
    QCOMPARE(rightBar->value(), 5);
    QCOMPARE(rightBar->text(), QStringLiteral("5 / 5 done"));
    QCOMPARE(leftBar->text(), QStringLiteral("nothing to write"));
    QVERIFY(child<QLabel>(*window->runToolbox(), "rightCaption")
                ->text()
                .contains(QStringLiteral("5 of 5 changes done")));

    // Bi-directional: after a successful one-way run the advice does not appear.
    QTRY_COMPARE(window->connectionPage()->historyModel()->rowCount(), 1);
    auto* direction = child<QComboBox>(*window->connectionPage(), "directionCombo");
    direction->setCurrentIndex(direction->findData(static_cast<int>(Direction::Bidirectional)));
    QCOMPARE(session->document().direction, Direction::Bidirectional);
    QVERIFY(!child<QLabel>(*window->connectionPage(), "bidirectionalAdvice")->isVisible());

    // An edit on each side: the warehouse renames one account, the CRM another.
    const std::string editedInSql =
        firstFive.at(0).toObject().value(QStringLiteral("accountid")).toString().toStdString();
    const std::string editedInCrm =
        firstFive.at(3).toObject().value(QStringLiteral("accountid")).toString().toStdString();
    execSql(warehouse,
            "UPDATE accounts SET name = 'Renamed in the warehouse', accountnumber = 'WH-1' "
            "WHERE accountid = '" +
                editedInSql + "';");
    api.patch("accounts(" + editedInCrm + ")",
              QJsonObject{{QStringLiteral("name"), QStringLiteral("Renamed in CRM")}});

    const RunReport second = run(*window);
    QVERIFY2(second.status == RunStatus::Succeeded, second.message.c_str());
    QCOMPARE(second.conflicts, std::uint64_t{0});
    QCOMPARE(second.left.updated, std::uint64_t{1});
    QCOMPARE(second.right.updated, std::uint64_t{1});
    QCOMPARE(
        second.left.inserted + second.left.deleted + second.right.inserted + second.right.deleted,
        std::uint64_t{0});
    const QJsonObject crmAccount =
        api.get("accounts(" + editedInSql + ")?$select=name,accountnumber");
    QCOMPARE(crmAccount.value(QStringLiteral("name")).toString(),
             QStringLiteral("Renamed in the warehouse"));
    QCOMPARE(crmAccount.value(QStringLiteral("accountnumber")).toString(), QStringLiteral("WH-1"));
    QCOMPARE(
        querySql(warehouse, "SELECT name FROM accounts WHERE accountid = '" + editedInCrm + "'"),
        std::string("Renamed in CRM"));
    QCOMPARE(querySql(warehouse, "SELECT count(*) FROM accounts"), std::string("5"));
    // The bars: one write into each side, done.
    QCOMPARE(leftBar->maximum(), 1);
    QCOMPARE(leftBar->value(), 1);
    QCOMPARE(rightBar->maximum(), 1);
    QCOMPARE(rightBar->value(), 1);
    QCOMPARE(leftBar->text(), QStringLiteral("1 / 1 done"));

    // A rerun finds both sides equal.
    const RunReport third = run(*window);
    QVERIFY2(third.status == RunStatus::Succeeded, third.message.c_str());
    QCOMPARE(third.left.inserted + third.left.updated + third.left.deleted + third.right.inserted +
                 third.right.updated + third.right.deleted,
             std::uint64_t{0});
}

QTEST_MAIN(GuiDynamicsSeedTest)
#include "gui_dynamics_seed_test.moc"
