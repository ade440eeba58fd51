// The Mappings page's table: the column pairs the core resolves (explicit and automatic), the
// columns left unmapped on each side, read-only and type-mismatch marks. Editing a cell turns
// the row into an explicit pair (or unmaps it); the core's resolveMapping does the rest.
#pragma once

#include <QAbstractTableModel>
#include <QStringList>
#include <optional>
#include <vector>

#include "ferry/document.h"
#include "ferry/schema.h"

namespace ferry::gui {

class MappingModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum ColumnIndex { LeftColumn, LeftType, RightColumn, RightType, Status, ColumnCount };
    enum class Origin { Explicit, Auto, LeftOnly, RightOnly };
    // Role returning the row's Origin as an int (tests and the delegate).
    static constexpr int OriginRole = Qt::UserRole + 1;
    // Role returning the column names a cell can choose from (QStringList), for the delegate.
    static constexpr int ChoicesRole = Qt::UserRole + 2;

    explicit MappingModel(QObject* parent = nullptr);

    // Everything the table shows; rebuilds the rows through resolveMapping.
    void setInputs(const MappingConfig& mapping, const std::optional<Schema>& left,
                   const std::optional<Schema>& right, Direction direction);
    const MappingConfig& mapping() const { return m_mapping; }

    // Unmaps the row: an explicit pair is removed, an automatic one excluded from auto mapping.
    void unmapRow(int row);

    // Why the mapping cannot be resolved (an explicit pair naming a missing column); empty if ok.
    const QString& problem() const { return m_problem; }
    int pairCount() const { return m_pairCount; }
    int warningCount() const { return m_warningCount; }

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

signals:
    // The user changed the mapping in the table; the new configuration is mapping().
    void mappingEdited();

private:
    struct Row {
        Origin origin = Origin::Auto;
        QString left;
        QString right;
        const Column* leftColumn = nullptr;
        const Column* rightColumn = nullptr;
        QStringList notes;
        bool warning = false;
    };
    void rebuild();
    void assign(int row, Side side, const QString& column);

    MappingConfig m_mapping;
    std::optional<Schema> m_left;
    std::optional<Schema> m_right;
    Direction m_direction = Direction::LeftToRight;
    std::vector<Row> m_rows;
    QString m_problem;
    int m_pairCount = 0;
    int m_warningCount = 0;
};

}  // namespace ferry::gui
