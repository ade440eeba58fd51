// The Preview Data grid: a table model fed in chunks from a PreviewJob; results of an older
// generation (a preview that was restarted or closed) are dropped.
#pragma once

#include <QAbstractTableModel>
#include <QModelIndexList>
#include <vector>

#include "ferry/schema.h"

namespace ferry::gui {

class PreviewModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit PreviewModel(QObject* parent = nullptr);

    // Starts a new generation: clears the rows and columns; returns the generation number that
    // the new job's results must carry.
    int restart();
    int generation() const { return m_generation; }

    // Results from the job; ignored unless `generation` is the current one.
    void setSchema(int generation, const Schema& schema);
    void appendRows(int generation, const std::vector<Record>& rows);

    const Schema& schema() const { return m_schema; }

    // Tab-separated text of the selected cells (a header line first), rows in view order.
    QString toTsv(const QModelIndexList& indexes) const;

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    int m_generation = 0;
    Schema m_schema;
    std::vector<std::vector<QString>> m_rows;  // display text; null is a null QString
};

}  // namespace ferry::gui
