// The mappings page: Enable Auto Mapping and the editable table of column pairs, with the
// columns of both sides read through describe().
#pragma once

#include <QPointer>
#include <QStyledItemDelegate>
#include <QWidget>
#include <memory>

#include "ferry/document.h"

namespace Ui {
class MappingsPage;
}

namespace ferry::gui {

class AppContext;
class ConnectionSession;
class DescribeJob;
class MappingModel;

// A drop-down of one side's columns (plus "(not mapped)") for a mapping cell.
class ColumnComboDelegate final : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& option,
                          const QModelIndex& index) const override;
    void setEditorData(QWidget* editor, const QModelIndex& index) const override;
    void setModelData(QWidget* editor, QAbstractItemModel* model,
                      const QModelIndex& index) const override;
};

class MappingsPage final : public QWidget {
    Q_OBJECT
public:
    explicit MappingsPage(AppContext& context, QWidget* parent = nullptr);
    ~MappingsPage() override;

    void setSession(ConnectionSession* session);
    // Reads the columns of the sides not described yet (both when `force`).
    void loadColumns(bool force = false);
    bool isLoadingColumns() const;
    MappingModel* model() const { return m_model; }

private:
    void refresh();
    void refreshSummary();

    std::unique_ptr<Ui::MappingsPage> m_ui;
    AppContext& m_context;
    QPointer<ConnectionSession> m_session;
    MappingModel* m_model = nullptr;
    bool m_updating = false;
    std::unique_ptr<DescribeJob> m_jobs[2];
    QString m_loadErrors[2];
    bool m_loading[2] = {false, false};  // until the job's last signal arrived
};

}  // namespace ferry::gui
