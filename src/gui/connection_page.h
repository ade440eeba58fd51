// The connection page: title, direction (with the advice to run one way first), conflict
// resolution, delete guard, verification summary, and the run history as a table and a chart.
#pragma once

#include <QPointer>
#include <QWidget>
#include <memory>

class QChart;
class QChartView;
class QLineSeries;

namespace Ui {
class ConnectionPage;
}

namespace ferry::gui {

class AppContext;
class ConnectionSession;
class TextTableModel;

class ConnectionPage final : public QWidget {
    Q_OBJECT
public:
    explicit ConnectionPage(AppContext& context, QWidget* parent = nullptr);
    ~ConnectionPage() override;

    void setSession(ConnectionSession* session);
    ConnectionSession* session() const { return m_session; }
    // Reloads the history from the state store (after a run, or when shown).
    void refreshHistory();

    TextTableModel* historyModel() const { return m_historyModel; }
    QLineSeries* durationSeries() const { return m_durationSeries; }
    QLineSeries* rowsSeries() const { return m_rowsSeries; }

private:
    void refresh();
    void refreshVerification();
    void updateAdvice();

    std::unique_ptr<Ui::ConnectionPage> m_ui;
    AppContext& m_context;
    QPointer<ConnectionSession> m_session;
    bool m_updating = false;
    bool m_hasOneWayRun = false;
    TextTableModel* m_historyModel = nullptr;
    QChart* m_chart = nullptr;
    QChartView* m_chartView = nullptr;
    QLineSeries* m_durationSeries = nullptr;
    QLineSeries* m_rowsSeries = nullptr;
};

}  // namespace ferry::gui
