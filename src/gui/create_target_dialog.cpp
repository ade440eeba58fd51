// The Create Target confirmation dialog.
#include "create_target_dialog.h"

#include <QHeaderView>
#include <QPushButton>

#include "gui_types.h"
#include "ui_create_target_dialog.h"

namespace ferry::gui {

namespace {

QString entityCaption(Side side, const EntityConfig& entity) {
    QString caption = sideName(side);
    if (!entity.title.empty()) {
        caption += QStringLiteral(" (%1)").arg(toQString(entity.title));
    }
    return caption.toHtmlEscaped();
}

}  // namespace

CreateTargetDialog::CreateTargetDialog(Side side, const EntityConfig& target,
                                       const QString& targetProvider, const EntityConfig& source,
                                       const std::vector<Column>& columns, QWidget* parent)
    : QDialog(parent),
      m_ui(std::make_unique<Ui::CreateTargetDialog>()),
      m_side(side),
      m_columns(columns) {
    m_ui->setupUi(this);
    setObjectName(QStringLiteral("createTargetDialog"));
    m_createButton =
        m_ui->buttonBox->addButton(QStringLiteral("&Create"), QDialogButtonBox::AcceptRole);
    m_createButton->setObjectName(QStringLiteral("createButton"));
    m_createButton->setDefault(true);
    m_ui->buttonBox->button(QDialogButtonBox::Cancel)
        ->setObjectName(QStringLiteral("cancelButton"));
    connect(m_ui->buttonBox, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_ui->buttonBox, &QDialogButtonBox::rejected, this, &QDialog::reject);

    const int count = static_cast<int>(columns.size());
    m_ui->summaryLabel->setText(
        QStringLiteral("<p>Create <b>%1</b> through %2 with %3 %4 from %5?</p>"
                       "<p>For a table: the table its select statement names; for a "
                       "SharePoint list: the list its URL names. It must not exist yet.</p>")
            .arg(entityCaption(side, target), targetProvider.toHtmlEscaped())
            .arg(count)
            .arg(count == 1 ? QStringLiteral("column") : QStringLiteral("columns"))
            .arg(entityCaption(other(side), source)));

    QTableWidget* table = m_ui->columnsTable;
    table->setRowCount(count);
    for (int row = 0; row < count; ++row) {
        const Column& column = columns[static_cast<std::size_t>(row)];
        table->setItem(row, 0, new QTableWidgetItem(toQString(column.name)));
        table->setItem(row, 1, new QTableWidgetItem(typeText(column)));
        table->setItem(row, 2,
                       new QTableWidgetItem(column.key ? QStringLiteral("key") : QString()));
    }
    table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
}

CreateTargetDialog::~CreateTargetDialog() = default;

}  // namespace ferry::gui
