// The data entity page: edits one side of a connection (title, provider, connection string,
// password, select statement, primary key) and shows what Verify found.
#pragma once

#include <QPointer>
#include <QWidget>
#include <memory>

#include "ferry/document.h"

class QCompleter;
class QStringListModel;

namespace Ui {
class EntityPage;
}

namespace ferry::gui {

class AppContext;
class ConnectionSession;
class DescribeJob;

class EntityPage final : public QWidget {
    Q_OBJECT
public:
    explicit EntityPage(AppContext& context, QWidget* parent = nullptr);
    ~EntityPage() override;

    // Shows `side` of `session` (nullptr: nothing). The page edits the session directly.
    void setSession(ConnectionSession* session, Side side);
    ConnectionSession* session() const { return m_session; }
    Side side() const { return m_side; }

    // Connects and fills the primary key chooser from describe() (Load columns).
    void loadColumns();
    bool isLoadingColumns() const;

private:
    void fillProviders();
    void refresh();          // everything from the session
    void refreshSideInfo();  // key list, verification result
    void refreshPasswordState();
    void refreshKeysHelp();
    void refreshProblems();
    void onProviderChosen(int index);
    void onConnectionStringEdited(const QString& text);
    void insertKeyCompletion(const QString& completion);
    void editEntity(const std::function<void(EntityConfig&)>& change, bool invalidatesSchema);

    std::unique_ptr<Ui::EntityPage> m_ui;
    AppContext& m_context;
    QPointer<ConnectionSession> m_session;
    Side m_side = Side::Left;
    bool m_updating = false;  // refresh() is filling the widgets: not a user edit
    QCompleter* m_keyCompleter = nullptr;
    QStringListModel* m_keyModel = nullptr;
    std::unique_ptr<DescribeJob> m_describeJob;
    bool m_loadingColumns = false;  // until the job's last signal arrived
};

}  // namespace ferry::gui
