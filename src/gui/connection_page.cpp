// The connection page: settings of the whole connection and its run history.
#include "connection_page.h"

#include <QChart>
#include <QChartView>
#include <QHeaderView>
#include <QLineSeries>
#include <QValueAxis>
#include <algorithm>

#include "app_context.h"
#include "connection_session.h"
#include "ferry/state_store.h"
#include "report_models.h"
#include "ui_connection_page.h"

namespace ferry::gui {

ConnectionPage::ConnectionPage(AppContext& context, QWidget* parent)
    : QWidget(parent), m_ui(std::make_unique<Ui::ConnectionPage>()), m_context(context) {
    m_ui->setupUi(this);

    m_ui->directionCombo->addItem(QStringLiteral("Left to right (Data Entity 1 → Data Entity 2)"),
                                  static_cast<int>(Direction::LeftToRight));
    m_ui->directionCombo->addItem(QStringLiteral("Right to left (Data Entity 2 → Data Entity 1)"),
                                  static_cast<int>(Direction::RightToLeft));
    m_ui->directionCombo->addItem(QStringLiteral("Bi-directional (both ways)"),
                                  static_cast<int>(Direction::Bidirectional));
    const std::pair<ConflictResolution, const char*> policies[] = {
        {ConflictResolution::Skip, "Skip: keep both sides as they are and list the item"},
        {ConflictResolution::LeftWins, "Data Entity 1 wins"},
        {ConflictResolution::RightWins, "Data Entity 2 wins"},
        {ConflictResolution::NewestWins, "Newest wins (needs a modified-on column on both sides)"},
        {ConflictResolution::Fail, "Fail: stop the run before anything is written"},
    };
    for (const auto& [policy, text] : policies) {
        m_ui->conflictCombo->addItem(QString::fromUtf8(text), static_cast<int>(policy));
    }
    m_ui->bidirectionalAdvice->hide();

    connect(m_ui->titleEdit, &QLineEdit::textEdited, this, [this](const QString& text) {
        if (!m_updating && m_session) {
            // Stored as typed (trimmed when saved): rewriting the field would eat the space
            // that is being typed.
            m_session->edit([&](ConnectionDocument& d) { d.title = toStd(text); });
        }
    });
    connect(m_ui->directionCombo, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (m_updating || !m_session || index < 0) {
            return;
        }
        const auto direction =
            static_cast<Direction>(m_ui->directionCombo->itemData(index).toInt());
        m_session->edit([&](ConnectionDocument& d) { d.direction = direction; });
        updateAdvice();
    });
    connect(m_ui->conflictCombo, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (m_updating || !m_session || index < 0) {
            return;
        }
        const auto policy =
            static_cast<ConflictResolution>(m_ui->conflictCombo->itemData(index).toInt());
        m_session->edit([&](ConnectionDocument& d) { d.conflictResolution = policy; });
    });
    connect(m_ui->deleteGuardSpin, &QDoubleSpinBox::valueChanged, this, [this](double value) {
        if (!m_updating && m_session) {
            m_session->edit([&](ConnectionDocument& d) { d.maxDeletePercent = value; });
        }
    });
    connect(m_ui->batchSizeSpin, &QSpinBox::valueChanged, this, [this](int value) {
        if (!m_updating && m_session) {
            m_session->edit(
                [&](ConnectionDocument& d) { d.batchSize = static_cast<std::size_t>(value); });
        }
    });

    m_historyModel = newHistoryModel(this);
    m_historyModel->setObjectName(QStringLiteral("historyModel"));
    m_ui->historyTable->setModel(m_historyModel);
    m_ui->historyTable->horizontalHeader()->setStretchLastSection(true);
    m_ui->historyTable->verticalHeader()->hide();

    m_chart = new QChart();
    m_chart->setTitle(QStringLiteral("Duration and rows written per run"));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_durationSeries = new QLineSeries(m_chart);
    m_durationSeries->setName(QStringLiteral("Duration (s)"));
    m_durationSeries->setPointsVisible(true);
    m_rowsSeries = new QLineSeries(m_chart);
    m_rowsSeries->setName(QStringLiteral("Rows written"));
    m_rowsSeries->setPointsVisible(true);
    m_chart->addSeries(m_durationSeries);
    m_chart->addSeries(m_rowsSeries);
    auto* runAxis = new QValueAxis(m_chart);
    runAxis->setTitleText(QStringLiteral("Run"));
    runAxis->setLabelFormat(QStringLiteral("%d"));
    // One tick per run number, not fractions of one.
    runAxis->setTickType(QValueAxis::TicksDynamic);
    runAxis->setTickAnchor(0);
    runAxis->setTickInterval(1);
    auto* durationAxis = new QValueAxis(m_chart);
    durationAxis->setTitleText(QStringLiteral("Seconds"));
    auto* rowsAxis = new QValueAxis(m_chart);
    rowsAxis->setTitleText(QStringLiteral("Rows"));
    rowsAxis->setLabelFormat(QStringLiteral("%d"));
    m_chart->addAxis(runAxis, Qt::AlignBottom);
    m_chart->addAxis(durationAxis, Qt::AlignLeft);
    m_chart->addAxis(rowsAxis, Qt::AlignRight);
    m_durationSeries->attachAxis(runAxis);
    m_durationSeries->attachAxis(durationAxis);
    m_rowsSeries->attachAxis(runAxis);
    m_rowsSeries->attachAxis(rowsAxis);
    m_chartView = new QChartView(m_chart, m_ui->historyChartContainer);
    m_chartView->setObjectName(QStringLiteral("historyChart"));
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_ui->historyChartLayout->addWidget(m_chartView);
    setEnabled(false);
}

ConnectionPage::~ConnectionPage() = default;

void ConnectionPage::setSession(ConnectionSession* session) {
    if (m_session) {
        disconnect(m_session, nullptr, this, nullptr);
    }
    m_session = session;
    setEnabled(session != nullptr);
    if (session != nullptr) {
        connect(session, &ConnectionSession::changed, this, [this] {
            if (!m_updating) {
                refresh();
            }
        });
        connect(session, &ConnectionSession::sideInfoChanged, this,
                &ConnectionPage::refreshVerification);
    }
    refresh();
    refreshHistory();
}

void ConnectionPage::refresh() {
    if (!m_session) {
        return;
    }
    m_updating = true;
    const ConnectionDocument& document = m_session->document();
    m_ui->headingLabel->setText(m_session->displayTitle());
    if (m_ui->titleEdit->text() != toQString(document.title)) {
        m_ui->titleEdit->setText(toQString(document.title));
    }
    m_ui->directionCombo->setCurrentIndex(
        m_ui->directionCombo->findData(static_cast<int>(document.direction)));
    m_ui->conflictCombo->setCurrentIndex(
        m_ui->conflictCombo->findData(static_cast<int>(document.conflictResolution)));
    m_ui->deleteGuardSpin->setValue(document.maxDeletePercent);
    m_ui->batchSizeSpin->setValue(static_cast<int>(document.batchSize));
    if (m_session->isNew()) {
        m_ui->documentPathLabel->setText(
            QStringLiteral("Not saved yet. Save Changes (Ctrl+S) writes it to %1, where the "
                           "<tt>ferry</tt> command line finds it too.")
                .arg(toQString(m_context.paths().connectionsDirectory.string()).toHtmlEscaped()));
    } else {
        m_ui->documentPathLabel->setText(
            QStringLiteral("Saved as %1<br>Command line: <tt>ferry run \"%2\"</tt>")
                .arg(toQString(m_session->path().string()).toHtmlEscaped(),
                     toQString(document.title).toHtmlEscaped()));
    }
    m_updating = false;
    updateAdvice();
    refreshVerification();
}

void ConnectionPage::refreshVerification() {
    if (!m_session) {
        return;
    }
    if (m_session->isChecking()) {
        m_ui->connectionVerifyResult->setText(QStringLiteral("<i>Verifying…</i>"));
        return;
    }
    QString html;
    bool any = false;
    for (const Side side : {Side::Left, Side::Right}) {
        const auto& check = m_session->check(side);
        html += QStringLiteral("<b>%1:</b> ").arg(sideName(side));
        if (!check) {
            html += QStringLiteral("not verified<br>");
            continue;
        }
        any = true;
        if (check->ok) {
            html += QStringLiteral("<span style='color:#1a7f37'>✔ %1</span><br>")
                        .arg(check->summary.toHtmlEscaped());
        } else {
            html += QStringLiteral("<span style='color:#c62828'>✘</span> %1<br>")
                        .arg(check->error.html());
        }
    }
    if (!m_session->mappingCheck().isEmpty()) {
        html += QStringLiteral("<b>Mapping:</b> %1").arg(m_session->mappingCheck().toHtmlEscaped());
    }
    if (!any) {
        html +=
            QStringLiteral("<i>Verify Connection String checks both sides and the mapping.</i>");
    }
    m_ui->connectionVerifyResult->setText(html);
}

void ConnectionPage::updateAdvice() {
    const bool show =
        m_session && m_session->document().direction == Direction::Bidirectional && !m_hasOneWayRun;
    m_ui->bidirectionalAdvice->setVisible(show);
}

void ConnectionPage::refreshHistory() {
    std::vector<RunSummary> runs;
    if (m_session) {
        try {
            StateStore store(m_context.paths().stateStorePath);
            runs = store.runs(stateId(m_session->document()), 50);
        } catch (const Error&) {
            // No history to show is better than a page that does not open; runs report the
            // state store's problem when they start.
            runs.clear();
        }
    }
    fillHistory(*m_historyModel, runs);
    m_hasOneWayRun = std::any_of(runs.begin(), runs.end(), [](const RunSummary& run) {
        return !run.dryRun &&
               (run.status == RunStatus::Succeeded || run.status == RunStatus::CompletedWithErrors);
    });
    updateAdvice();

    QList<QPointF> durations;
    QList<QPointF> rows;
    double maxSeconds = 1;
    double maxRows = 10;
    // The store lists newest first; the chart reads left to right in time.
    for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
        if (it->dryRun) {
            continue;
        }
        const double x = static_cast<double>(it->runId);
        const double seconds = static_cast<double>(it->durationMs) / 1000.0;
        const auto written = it->left.inserted + it->left.updated + it->left.deleted +
                             it->right.inserted + it->right.updated + it->right.deleted;
        durations.append(QPointF(x, seconds));
        rows.append(QPointF(x, static_cast<double>(written)));
        maxSeconds = std::max(maxSeconds, seconds);
        maxRows = std::max(maxRows, static_cast<double>(written));
    }
    m_durationSeries->replace(durations);
    m_rowsSeries->replace(rows);
    const auto horizontal = m_chart->axes(Qt::Horizontal);
    const auto vertical = m_chart->axes(Qt::Vertical);
    if (!horizontal.isEmpty()) {
        const double first = durations.isEmpty() ? 0 : durations.first().x();
        const double last = durations.isEmpty() ? 1 : durations.last().x();
        horizontal.first()->setRange(first - 0.5, std::max(last, first + 1) + 0.5);
    }
    if (vertical.size() == 2) {
        vertical.at(0)->setRange(0, maxSeconds * 1.15);
        vertical.at(1)->setRange(0, maxRows * 1.15);
    }
}

}  // namespace ferry::gui
