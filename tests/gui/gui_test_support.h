// Helpers of the GUI tests: a temporary app (folders, in-memory credentials), SQLite sample
// databases made through SQLite's own API, and a prompter that answers from a script.
#pragma once

#include <QLineEdit>
#include <QObject>
#include <QPlainTextEdit>
#include <QStringList>
#include <QTemporaryDir>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>

#include "app_context.h"
#include "credential_store.h"
#include "prompter.h"

namespace ferry::gui::test {

// The named child of `parent`; a missing one ends the test run (the UI lost an object name).
template <typename T>
T* child(QObject& parent, const char* name) {
    T* found = parent.findChild<T*>(QString::fromLatin1(name));
    if (found == nullptr) {
        qFatal("no child %s", name);
    }
    return found;
}

// Replaces an editor's text by typing, as a user does.
void typeInto(QLineEdit* edit, const QString& text);
void typeInto(QPlainTextEdit* edit, const QString& text);

// Runs SQL on a SQLite database file (created when missing); throws std::runtime_error.
void execSql(const std::filesystem::path& database, const std::string& sql);
// The first column of the first row of a query, as text ("" for NULL or no row).
std::string querySql(const std::filesystem::path& database, const std::string& sql);

// A `customers` table with `rows` accounts (ids 1..rows) like scripts/demo.sh makes.
void createCustomers(const std::filesystem::path& database, int rows);
// An empty `customers` table of the same shape.
void createEmptyCustomers(const std::filesystem::path& database);

// The ODBC connection string of a SQLite file through the SQLite3 driver.
QString sqliteConnectionString(const std::filesystem::path& database);

// A temporary root with the app's folders, an AppContext over it and an in-memory credential
// store that outlives windows (so a reopened window finds the passwords).
class TestApp {
public:
    TestApp();
    std::filesystem::path root() const;
    AppContext& context() { return *m_context; }
    MemoryCredentialStore& credentials() { return *m_credentials; }

private:
    QTemporaryDir m_dir;
    MemoryCredentialStore* m_credentials = nullptr;  // owned by m_context
    std::unique_ptr<AppContext> m_context;
};

// Answers the window's questions from queues and records what was asked.
class ScriptedPrompter final : public Prompter {
public:
    struct Script {
        std::deque<bool> confirms;
        std::deque<SaveChoice> saves;
        std::deque<QString> files;
        QStringList asked;  // every question's text, in order
        QStringList warnings;
        QStringList informations;  // inform()'s texts
    };
    explicit ScriptedPrompter(std::shared_ptr<Script> script) : m_script(std::move(script)) {}

    bool confirm(QWidget* parent, const QString& title, const QString& text) override;
    SaveChoice askSave(QWidget* parent, const QString& text) override;
    void warn(QWidget* parent, const QString& title, const QString& text) override;
    void inform(QWidget* parent, const QString& title, const QString& text) override;
    QString openFile(QWidget* parent, const QString& title, const QString& filter) override;
    QString saveFile(QWidget* parent, const QString& title, const QString& suggested,
                     const QString& filter) override;

private:
    std::shared_ptr<Script> m_script;
};

}  // namespace ferry::gui::test
