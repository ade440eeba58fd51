// Read-only tables of the run toolbox and the connection page (run history, planned changes,
// failed items, conflicts): one small text table model plus the functions that fill it from
// the core's report and state-store types.
#pragma once

#include <QAbstractTableModel>
#include <QStringList>
#include <vector>

#include "ferry/report.h"
#include "ferry/state_store.h"

namespace ferry::gui {

class TextTableModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    // Role returning a row's key (the item key of a conflict, the run id of a run).
    static constexpr int KeyRole = Qt::UserRole + 1;

    explicit TextTableModel(QStringList headers, QObject* parent = nullptr);

    // Replaces every row; `keys` is empty or one per row. `rightAligned` columns hold numbers.
    void setRows(std::vector<QStringList> rows, std::vector<QString> keys = {});
    void setRightAligned(std::vector<int> columns) { m_rightAligned = std::move(columns); }
    QString key(int row) const;
    QString text(int row, int column) const;

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QStringList m_headers;
    std::vector<QStringList> m_rows;
    std::vector<QString> m_keys;
    std::vector<int> m_rightAligned;
};

// Column layouts and fillers.
TextTableModel* newHistoryModel(QObject* parent);
void fillHistory(TextTableModel& model, const std::vector<RunSummary>& runs);

TextTableModel* newPlannedChangesModel(QObject* parent);
void fillPlannedChanges(TextTableModel& model, const std::vector<PlannedChange>& changes);

TextTableModel* newItemErrorsModel(QObject* parent);
void fillItemErrors(TextTableModel& model, const std::vector<ItemError>& errors);

TextTableModel* newConflictsModel(QObject* parent);
void fillConflicts(TextTableModel& model, const std::vector<StoredConflict>& conflicts);

}  // namespace ferry::gui
