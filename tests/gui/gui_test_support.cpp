// Helpers of the GUI tests: temporary app, SQLite sample data, scripted prompter.
#include "gui_test_support.h"

#include <sqlite3.h>
#include <QTest>

#include <stdexcept>

namespace ferry::gui::test {

void typeInto(QLineEdit* edit, const QString& text) {
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
}

void typeInto(QPlainTextEdit* edit, const QString& text) {
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
}

void execSql(const std::filesystem::path& database, const std::string& sql) {
    sqlite3* db = nullptr;
    if (sqlite3_open(database.string().c_str(), &db) != SQLITE_OK) {
        const std::string message = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + database.string() + ": " + message);
    }
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    const std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    if (rc != SQLITE_OK) {
        throw std::runtime_error("SQL failed on " + database.string() + ": " + message);
    }
}

std::string querySql(const std::filesystem::path& database, const std::string& sql) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(database.string().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
        SQLITE_OK) {
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + database.string());
    }
    sqlite3_stmt* statement = nullptr;
    std::string result;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
        const std::string message = sqlite3_errmsg(db);
        sqlite3_close(db);
        throw std::runtime_error("bad query: " + message);
    }
    if (sqlite3_step(statement) == SQLITE_ROW) {
        if (const unsigned char* text = sqlite3_column_text(statement, 0); text != nullptr) {
            result = reinterpret_cast<const char*>(text);
        }
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return result;
}

namespace {

const char* const kColumns = R"((
    id INTEGER PRIMARY KEY,
    account_number VARCHAR(20) NOT NULL,
    name VARCHAR(100) NOT NULL,
    email VARCHAR(200),
    city VARCHAR(60),
    balance NUMERIC(12,2),
    rating DOUBLE,
    active BOOLEAN,
    customer_since DATE,
    last_contact TIMESTAMP
))";

}  // namespace

void createCustomers(const std::filesystem::path& database, int rows) {
    execSql(database, std::string("CREATE TABLE customers ") + kColumns + ";" +
                          "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq "
                          "WHERE i < " +
                          std::to_string(rows) +
                          ") INSERT INTO customers SELECT i, printf('ACC-%05d', i), "
                          "'Customer ' || i, CASE WHEN i % 9 = 0 THEN NULL ELSE 'customer' || i "
                          "|| '@example.com' END, CASE i % 3 WHEN 0 THEN 'Zürich' WHEN 1 THEN "
                          "'Kraków' ELSE 'Dublin' END, (i * 7919 % 2500000) / 100.0, (i % 40) / "
                          "8.0, i % 5 <> 0, date('2015-01-01', '+' || (i % 3650) || ' days'), "
                          "datetime('2025-01-01 08:00:00', '+' || i || ' seconds') FROM seq;");
}

void createEmptyCustomers(const std::filesystem::path& database) {
    execSql(database, std::string("CREATE TABLE customers ") + kColumns + ";");
}

QString sqliteConnectionString(const std::filesystem::path& database) {
    return QStringLiteral("Driver=SQLite3;Database=%1;")
        .arg(QString::fromStdString(database.string()));
}

TestApp::TestApp() {
    if (!m_dir.isValid()) {
        throw std::runtime_error("no temporary folder");
    }
    auto credentials = std::make_unique<MemoryCredentialStore>();
    m_credentials = credentials.get();
    m_context = std::make_unique<AppContext>(AppPaths::under(root()), std::move(credentials));
}

std::filesystem::path TestApp::root() const {
    return std::filesystem::path(m_dir.path().toStdString());
}

bool ScriptedPrompter::confirm(QWidget*, const QString&, const QString& text) {
    m_script->asked << text;
    if (m_script->confirms.empty()) {
        return false;
    }
    const bool answer = m_script->confirms.front();
    m_script->confirms.pop_front();
    return answer;
}

Prompter::SaveChoice ScriptedPrompter::askSave(QWidget*, const QString& text) {
    m_script->asked << text;
    if (m_script->saves.empty()) {
        return SaveChoice::Cancel;
    }
    const SaveChoice answer = m_script->saves.front();
    m_script->saves.pop_front();
    return answer;
}

void ScriptedPrompter::warn(QWidget*, const QString&, const QString& text) {
    m_script->warnings << text;
}

void ScriptedPrompter::inform(QWidget*, const QString&, const QString& text) {
    m_script->informations << text;
}

QString ScriptedPrompter::openFile(QWidget*, const QString& title, const QString&) {
    m_script->asked << title;
    if (m_script->files.empty()) {
        return {};
    }
    const QString file = m_script->files.front();
    m_script->files.pop_front();
    return file;
}

QString ScriptedPrompter::saveFile(QWidget* parent, const QString& title, const QString&,
                                   const QString& filter) {
    return openFile(parent, title, filter);
}

}  // namespace ferry::gui::test
