// The Preview Data dialog.
#include "preview_dialog.h"

#include <QApplication>
#include <QClipboard>
#include <QHeaderView>
#include <QKeySequence>
#include <QShortcut>

#include "app_context.h"
#include "jobs.h"
#include "preview_model.h"
#include "ui_preview_dialog.h"

namespace ferry::gui {

namespace {
constexpr std::size_t kChunkRows = 25;
}

PreviewDialog::PreviewDialog(AppContext& context, EntityConfig entity, QString password,
                             const QString& caption, QWidget* parent, std::size_t maxRows)
    : QDialog(parent),
      m_ui(std::make_unique<Ui::PreviewDialog>()),
      m_context(context),
      m_entity(std::move(entity)),
      m_password(std::move(password)),
      m_caption(caption),
      m_maxRows(maxRows) {
    m_ui->setupUi(this);
    setObjectName(QStringLiteral("previewDialog"));
    setWindowTitle(QStringLiteral("Preview Data — %1").arg(caption));
    m_model = new PreviewModel(this);
    m_model->setObjectName(QStringLiteral("previewModel"));
    m_ui->previewTable->setModel(m_model);
    m_ui->previewTable->horizontalHeader()->setSectionsMovable(true);
    m_ui->previewTable->verticalHeader()->setDefaultSectionSize(22);

    connect(m_ui->copyButton, &QPushButton::clicked, this, &PreviewDialog::copyToClipboard);
    connect(m_ui->reloadButton, &QPushButton::clicked, this, &PreviewDialog::reload);
    connect(m_ui->cancelButton, &QPushButton::clicked, this, &PreviewDialog::cancelLoading);
    connect(m_ui->closeButton, &QPushButton::clicked, this, &QDialog::close);
    auto* copy = new QShortcut(QKeySequence::Copy, m_ui->previewTable);
    connect(copy, &QShortcut::activated, this, &PreviewDialog::copyToClipboard);
    reload();
}

PreviewDialog::~PreviewDialog() {
    abandonJob(std::move(m_job));
}

void PreviewDialog::setLoading(bool loading) {
    m_loading = loading;
    m_ui->busyIndicator->setVisible(loading);
    m_ui->cancelButton->setEnabled(loading);
    m_ui->reloadButton->setEnabled(!loading);
    if (!loading) {
        emit loadingEnded();
    }
}

void PreviewDialog::reload() {
    // The old job (if any) is cancelled and waited for; its queued results carry an old
    // generation and are dropped by the model.
    abandonJob(std::move(m_job));
    const int generation = m_model->restart();
    m_job = std::make_unique<PreviewJob>(m_context.registry(), m_entity, m_password, generation,
                                         m_maxRows, kChunkRows);
    m_ui->statusLabel->setText(
        QStringLiteral("Connecting to <b>%1</b>…").arg(m_caption.toHtmlEscaped()));
    connect(m_job.get(), &PreviewJob::schemaReady, this, [this](int gen, const Schema& schema) {
        m_model->setSchema(gen, schema);
        if (gen == m_model->generation()) {
            m_ui->statusLabel->setText(QStringLiteral("Reading the first rows…"));
        }
    });
    connect(m_job.get(), &PreviewJob::rowsReady, this,
            [this](int gen, const std::vector<Record>& rows) {
                m_model->appendRows(gen, rows);
                if (gen == m_model->generation()) {
                    m_ui->statusLabel->setText(
                        QStringLiteral("Reading… %1 rows").arg(m_model->rowCount()));
                }
            });
    connect(m_job.get(), &PreviewJob::completed, this, [this](int gen, bool more) {
        if (gen != m_model->generation()) {
            return;
        }
        QString text = QStringLiteral("<b>%1</b> rows, %2 columns")
                           .arg(m_model->rowCount())
                           .arg(m_model->columnCount());
        if (more) {
            text += QStringLiteral(" (the first %1; the entity has more)").arg(m_maxRows);
        }
        text += QStringLiteral(". Hover over a column header for its type.");
        m_ui->statusLabel->setText(text);
        m_ui->previewTable->resizeColumnsToContents();
    });
    connect(m_job.get(), &PreviewJob::finished, this, [this] { setLoading(false); });
    connect(m_job.get(), &PreviewJob::failed, this, [this](const UserError& error) {
        if (error.code == ErrorCode::Cancelled) {
            m_ui->statusLabel->setText(
                QStringLiteral("Cancelled after %1 rows.").arg(m_model->rowCount()));
        } else {
            m_ui->statusLabel->setText(
                QStringLiteral("<span style='color:#c62828'><b>The preview failed.</b></span> %1")
                    .arg(error.html()));
        }
        setLoading(false);
    });
    setLoading(true);
    m_job->start();
}

void PreviewDialog::cancelLoading() {
    if (m_job && m_loading) {
        m_job->cancel();
        m_ui->statusLabel->setText(QStringLiteral("Cancelling…"));
    }
}

void PreviewDialog::copyToClipboard() {
    QModelIndexList indexes = m_ui->previewTable->selectionModel()->selectedIndexes();
    if (indexes.isEmpty()) {
        for (int row = 0; row < m_model->rowCount(); ++row) {
            for (int column = 0; column < m_model->columnCount(); ++column) {
                indexes << m_model->index(row, column);
            }
        }
    }
    QApplication::clipboard()->setText(m_model->toTsv(indexes));
}

}  // namespace ferry::gui
