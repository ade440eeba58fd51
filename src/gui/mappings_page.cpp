// The mappings page: Enable Auto Mapping and the editable table of column pairs.
#include "mappings_page.h"

#include <QComboBox>
#include <QHeaderView>

#include "app_context.h"
#include "connection_session.h"
#include "jobs.h"
#include "mapping_model.h"
#include "ui_mappings_page.h"

namespace ferry::gui {

namespace {
const QString kNotMapped = QStringLiteral("(not mapped)");
}

QWidget* ColumnComboDelegate::createEditor(QWidget* parent, const QStyleOptionViewItem&,
                                           const QModelIndex& index) const {
    auto* combo = new QComboBox(parent);
    combo->setObjectName(QStringLiteral("columnCombo"));
    combo->addItem(kNotMapped);
    combo->addItems(index.data(MappingModel::ChoicesRole).toStringList());
    return combo;
}

void ColumnComboDelegate::setEditorData(QWidget* editor, const QModelIndex& index) const {
    auto* combo = static_cast<QComboBox*>(editor);
    const QString current = index.data(Qt::EditRole).toString();
    const int found = combo->findText(current);
    combo->setCurrentIndex(found < 0 ? 0 : found);
}

void ColumnComboDelegate::setModelData(QWidget* editor, QAbstractItemModel* model,
                                       const QModelIndex& index) const {
    auto* combo = static_cast<QComboBox*>(editor);
    const QString text = combo->currentIndex() <= 0 ? QString() : combo->currentText();
    model->setData(index, text, Qt::EditRole);
}

MappingsPage::MappingsPage(AppContext& context, QWidget* parent)
    : QWidget(parent), m_ui(std::make_unique<Ui::MappingsPage>()), m_context(context) {
    m_ui->setupUi(this);
    m_model = new MappingModel(this);
    m_model->setObjectName(QStringLiteral("mappingModel"));
    m_ui->mappingTable->setModel(m_model);
    auto* delegate = new ColumnComboDelegate(m_ui->mappingTable);
    m_ui->mappingTable->setItemDelegateForColumn(MappingModel::LeftColumn, delegate);
    m_ui->mappingTable->setItemDelegateForColumn(MappingModel::RightColumn, delegate);
    m_ui->mappingTable->horizontalHeader()->setStretchLastSection(true);
    m_ui->mappingTable->verticalHeader()->hide();

    connect(m_model, &MappingModel::mappingEdited, this, [this] {
        if (!m_session) {
            return;
        }
        const MappingConfig mapping = m_model->mapping();
        m_updating = true;
        m_session->edit([&](ConnectionDocument& d) { d.mapping = mapping; });
        m_updating = false;
        refreshSummary();
    });
    connect(m_ui->autoMapCheck, &QCheckBox::toggled, this, [this](bool on) {
        if (!m_updating && m_session) {
            m_session->edit([&](ConnectionDocument& d) { d.mapping.autoMap = on; });
        }
    });
    connect(m_ui->unmapButton, &QPushButton::clicked, this, [this] {
        const auto rows = m_ui->mappingTable->selectionModel()->selectedRows();
        if (!rows.isEmpty()) {
            m_model->unmapRow(rows.first().row());
        }
    });
    connect(m_ui->resetMappingButton, &QPushButton::clicked, this, [this] {
        if (m_session) {
            m_session->edit([](ConnectionDocument& d) {
                d.mapping.columns.clear();
                d.mapping.excludeLeft.clear();
                d.mapping.excludeRight.clear();
                d.mapping.autoMap = true;
            });
        }
    });
    connect(m_ui->refreshColumnsButton, &QPushButton::clicked, this, [this] { loadColumns(true); });
    setEnabled(false);
}

MappingsPage::~MappingsPage() = default;

void MappingsPage::setSession(ConnectionSession* session) {
    if (m_session) {
        disconnect(m_session, nullptr, this, nullptr);
    }
    m_jobs[0].reset();
    m_jobs[1].reset();
    m_loadErrors[0].clear();
    m_loadErrors[1].clear();
    m_loading[0] = m_loading[1] = false;
    m_session = session;
    setEnabled(session != nullptr);
    if (session != nullptr) {
        connect(session, &ConnectionSession::changed, this, [this] {
            if (!m_updating) {
                refresh();
            }
        });
        connect(session, &ConnectionSession::sideInfoChanged, this, [this] { refresh(); });
    }
    refresh();
}

void MappingsPage::refresh() {
    if (!m_session) {
        m_model->setInputs(MappingConfig{}, std::nullopt, std::nullopt, Direction::LeftToRight);
        return;
    }
    m_updating = true;
    const ConnectionDocument& document = m_session->document();
    m_ui->headingLabel->setText(QStringLiteral("Mappings of %1").arg(m_session->displayTitle()));
    m_ui->autoMapCheck->setChecked(document.mapping.autoMap);
    m_model->setInputs(document.mapping, m_session->schema(Side::Left),
                       m_session->schema(Side::Right), document.direction);
    m_ui->mappingTable->resizeColumnsToContents();
    m_updating = false;
    refreshSummary();
}

void MappingsPage::refreshSummary() {
    QString html;
    if (isLoadingColumns()) {
        html = QStringLiteral("<i>Reading the columns of both sides…</i>");
    } else if (!m_loadErrors[0].isEmpty() || !m_loadErrors[1].isEmpty()) {
        for (int i = 0; i < 2; ++i) {
            if (!m_loadErrors[i].isEmpty()) {
                html += QStringLiteral("<span style='color:#c62828'>%1: %2</span><br>")
                            .arg(sideName(i == 0 ? Side::Left : Side::Right),
                                 m_loadErrors[i].toHtmlEscaped());
            }
        }
    } else if (m_session && (!m_session->schema(Side::Left) || !m_session->schema(Side::Right))) {
        html = QStringLiteral("The columns are not loaded yet: press <b>Load columns</b>.");
    } else if (!m_model->problem().isEmpty()) {
        html = QStringLiteral("<span style='color:#c62828'>%1</span>")
                   .arg(m_model->problem().toHtmlEscaped());
    } else {
        html = QStringLiteral("<b>%1</b> column pairs").arg(m_model->pairCount());
        if (m_model->warningCount() > 0) {
            html += QStringLiteral(", <span style='color:#a05a00'>%1 need attention</span>")
                        .arg(m_model->warningCount());
        }
        if (m_model->pairCount() == 0) {
            html += QStringLiteral(
                " — nothing to synchronize: enable auto mapping or pair "
                "columns.");
        }
    }
    m_ui->mappingSummary->setText(html);
}

void MappingsPage::loadColumns(bool force) {
    if (!m_session) {
        return;
    }
    for (const Side side : {Side::Left, Side::Right}) {
        const int i = side == Side::Left ? 0 : 1;
        if ((m_session->schema(side) && !force) || m_loading[i]) {
            continue;
        }
        m_loadErrors[i].clear();
        m_jobs[i] = std::make_unique<DescribeJob>(m_context.registry(), m_session->entity(side),
                                                  side, m_session->password(side));
        QPointer<ConnectionSession> session = m_session;
        connect(m_jobs[i].get(), &DescribeJob::described, this,
                [session](Side describedSide, const Schema& schema) {
                    if (session) {
                        session->setSchema(describedSide, schema);
                    }
                });
        connect(m_jobs[i].get(), &DescribeJob::finished, this, [this, i] {
            m_loading[i] = false;
            refreshSummary();
        });
        connect(m_jobs[i].get(), &DescribeJob::failed, this, [this, i](const UserError& error) {
            m_loading[i] = false;
            m_loadErrors[i] = error.text();
            refreshSummary();
        });
        m_loading[i] = true;
        m_jobs[i]->start();
    }
    refreshSummary();
}

bool MappingsPage::isLoadingColumns() const {
    return m_loading[0] || m_loading[1];
}

}  // namespace ferry::gui
