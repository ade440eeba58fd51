// The Mappings page's table model, built on the core's resolveMapping.
#include "mapping_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QTimer>
#include <algorithm>
#include <set>

#include "ferry/error.h"
#include "ferry/sync_engine.h"
#include "gui_types.h"

namespace ferry::gui {

namespace {

bool isNumeric(ValueType type) {
    return type == ValueType::Int || type == ValueType::Double || type == ValueType::Decimal;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

void erase(std::vector<std::string>& names, const std::string& name) {
    names.erase(std::remove(names.begin(), names.end(), name), names.end());
}

}  // namespace

MappingModel::MappingModel(QObject* parent) : QAbstractTableModel(parent) {}

void MappingModel::setInputs(const MappingConfig& mapping, const std::optional<Schema>& left,
                             const std::optional<Schema>& right, Direction direction) {
    beginResetModel();
    m_mapping = mapping;
    m_left = left;
    m_right = right;
    m_direction = direction;
    rebuild();
    endResetModel();
}

void MappingModel::rebuild() {
    m_rows.clear();
    m_problem.clear();
    m_pairCount = 0;
    m_warningCount = 0;

    auto explicitOnly = [this](const QString& note) {
        for (const auto& pair : m_mapping.columns) {
            Row row;
            row.origin = Origin::Explicit;
            row.left = toQString(pair.left);
            row.right = toQString(pair.right);
            row.notes << note;
            m_rows.push_back(row);
        }
        m_pairCount = static_cast<int>(m_mapping.columns.size());
    };
    if (!m_left || !m_right) {
        explicitOnly(QStringLiteral("columns not loaded yet"));
        return;
    }
    std::vector<ResolvedPair> pairs;
    try {
        pairs = resolveMapping(m_mapping, *m_left, *m_right);
    } catch (const Error& error) {
        m_problem = UserError::from(error).text();
        explicitOnly(QStringLiteral("cannot be resolved"));
        m_warningCount = static_cast<int>(m_rows.size());
        for (auto& row : m_rows) {
            row.warning = true;
        }
        return;
    }

    std::set<std::size_t> usedLeft;
    std::set<std::size_t> usedRight;
    for (const auto& pair : pairs) {
        Row row;
        row.leftColumn = &m_left->columns[pair.leftIndex];
        row.rightColumn = &m_right->columns[pair.rightIndex];
        row.left = toQString(row.leftColumn->name);
        row.right = toQString(row.rightColumn->name);
        const bool isExplicit =
            std::any_of(m_mapping.columns.begin(), m_mapping.columns.end(), [&](const auto& c) {
                return m_left->indexOf(c.left) == pair.leftIndex &&
                       m_right->indexOf(c.right) == pair.rightIndex;
            });
        row.origin = isExplicit ? Origin::Explicit : Origin::Auto;
        row.notes << (isExplicit ? QStringLiteral("mapped") : QStringLiteral("auto-mapped"));
        if (row.leftColumn->key && row.rightColumn->key) {
            row.notes << QStringLiteral("key");
        }
        const bool key = row.leftColumn->key || row.rightColumn->key;
        if (!pair.writableRight && writesTo(m_direction, Side::Right) && !key) {
            row.notes << QStringLiteral("read-only on Data Entity 2: not written");
            row.warning = true;
        }
        if (!pair.writableLeft && writesTo(m_direction, Side::Left) && !key) {
            row.notes << QStringLiteral("read-only on Data Entity 1: not written");
            row.warning = true;
        }
        const ValueType lt = row.leftColumn->type;
        const ValueType rt = row.rightColumn->type;
        if (lt != rt) {
            const QString types = QStringLiteral("%1 ↔ %2").arg(QString::fromLatin1(toString(lt)),
                                                                QString::fromLatin1(toString(rt)));
            if (isNumeric(lt) && isNumeric(rt)) {
                row.notes << QStringLiteral("%1: compared by numeric value").arg(types);
            } else {
                row.notes << QStringLiteral(
                                 "type mismatch (%1): values are converted; check "
                                 "the preview")
                                 .arg(types);
                row.warning = true;
            }
        }
        usedLeft.insert(pair.leftIndex);
        usedRight.insert(pair.rightIndex);
        m_rows.push_back(row);
        ++m_pairCount;
        if (row.warning) {
            ++m_warningCount;
        }
    }
    for (std::size_t i = 0; i < m_left->columns.size(); ++i) {
        if (usedLeft.count(i) > 0) {
            continue;
        }
        Row row;
        row.origin = Origin::LeftOnly;
        row.leftColumn = &m_left->columns[i];
        row.left = toQString(row.leftColumn->name);
        row.notes << QStringLiteral("not mapped");
        if (contains(m_mapping.excludeLeft, row.leftColumn->name)) {
            row.notes << QStringLiteral("excluded from auto mapping");
        }
        m_rows.push_back(row);
    }
    for (std::size_t i = 0; i < m_right->columns.size(); ++i) {
        if (usedRight.count(i) > 0) {
            continue;
        }
        Row row;
        row.origin = Origin::RightOnly;
        row.rightColumn = &m_right->columns[i];
        row.right = toQString(row.rightColumn->name);
        row.notes << QStringLiteral("not mapped");
        if (contains(m_mapping.excludeRight, row.rightColumn->name)) {
            row.notes << QStringLiteral("excluded from auto mapping");
        }
        m_rows.push_back(row);
    }
}

int MappingModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int MappingModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MappingModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !checkIndex(index, CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Row& row = m_rows[static_cast<std::size_t>(index.row())];
    const bool unmapped = row.origin == Origin::LeftOnly || row.origin == Origin::RightOnly;
    if (role == OriginRole) {
        return static_cast<int>(row.origin);
    }
    if (role == ChoicesRole) {
        QStringList names;
        const auto& schema = index.column() == LeftColumn ? m_left : m_right;
        if (schema) {
            for (const auto& column : schema->columns) {
                names << toQString(column.name);
            }
        }
        return names;
    }
    auto columnTip = [](const Column* column) -> QVariant {
        if (column == nullptr) {
            return {};
        }
        return QStringLiteral("%1: %2%3%4")
            .arg(toQString(column->name), typeText(*column),
                 column->key ? QStringLiteral(", key") : QString(),
                 column->readOnly ? QStringLiteral(", read-only") : QString());
    };
    switch (role) {
        case Qt::DisplayRole:
        case Qt::EditRole:
            switch (index.column()) {
                case LeftColumn:
                    return role == Qt::DisplayRole && row.left.isEmpty()
                               ? QStringLiteral("(not mapped)")
                               : row.left;
                case RightColumn:
                    return role == Qt::DisplayRole && row.right.isEmpty()
                               ? QStringLiteral("(not mapped)")
                               : row.right;
                case LeftType:
                    return row.leftColumn ? typeText(*row.leftColumn) : QString();
                case RightType:
                    return row.rightColumn ? typeText(*row.rightColumn) : QString();
                case Status:
                    return row.notes.join(QStringLiteral("; "));
                default:
                    return {};
            }
        case Qt::ToolTipRole:
            if (index.column() == LeftColumn || index.column() == LeftType) {
                return columnTip(row.leftColumn);
            }
            if (index.column() == RightColumn || index.column() == RightType) {
                return columnTip(row.rightColumn);
            }
            return row.notes.join(QStringLiteral("\n"));
        case Qt::ForegroundRole:
            if (unmapped) {
                return QBrush(QColor(Qt::gray));
            }
            if (row.warning && index.column() == Status) {
                return QBrush(QColor(0xa0, 0x5a, 0x00));
            }
            return {};
        case Qt::BackgroundRole:
            if (row.warning) {
                return QBrush(QColor(0xff, 0xf4, 0xd6));
            }
            return {};
        case Qt::FontRole:
            if (unmapped) {
                QFont font;
                font.setItalic(true);
                return font;
            }
            return {};
        default:
            return {};
    }
}

QVariant MappingModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (section) {
        case LeftColumn:
            return QStringLiteral("Data Entity 1 column");
        case LeftType:
            return QStringLiteral("Type");
        case RightColumn:
            return QStringLiteral("Data Entity 2 column");
        case RightType:
            return QStringLiteral("Type");
        case Status:
            return QStringLiteral("Status");
        default:
            return {};
    }
}

Qt::ItemFlags MappingModel::flags(const QModelIndex& index) const {
    if (!index.isValid() || !checkIndex(index, CheckIndexOption::ParentIsInvalid)) {
        return Qt::NoItemFlags;
    }
    Qt::ItemFlags flags = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    const Row& row = m_rows[static_cast<std::size_t>(index.row())];
    const bool schemas = m_left && m_right;
    if (schemas && index.column() == LeftColumn && row.origin != Origin::LeftOnly) {
        flags |= Qt::ItemIsEditable;
    }
    if (schemas && index.column() == RightColumn && row.origin != Origin::RightOnly) {
        flags |= Qt::ItemIsEditable;
    }
    return flags;
}

bool MappingModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::EditRole || !(flags(index) & Qt::ItemIsEditable)) {
        return false;
    }
    QString name = value.toString();
    if (name == QStringLiteral("(not mapped)")) {
        name.clear();
    }
    const Side side = index.column() == LeftColumn ? Side::Left : Side::Right;
    const Row& row = m_rows[static_cast<std::size_t>(index.row())];
    if (name == (side == Side::Left ? row.left : row.right)) {
        return false;
    }
    assign(index.row(), side, name);
    emit dataChanged(index, index);
    // Rebuild after the view has finished committing the editor (a reset inside setData would
    // destroy the editor that is calling us).
    QTimer::singleShot(0, this, [this] {
        beginResetModel();
        rebuild();
        endResetModel();
        emit mappingEdited();
    });
    return true;
}

void MappingModel::unmapRow(int rowIndex) {
    if (rowIndex < 0 || rowIndex >= rowCount()) {
        return;
    }
    const Row& row = m_rows[static_cast<std::size_t>(rowIndex)];
    if (row.origin == Origin::LeftOnly || row.origin == Origin::RightOnly) {
        return;
    }
    assign(rowIndex, Side::Right, QString());
    beginResetModel();
    rebuild();
    endResetModel();
    emit mappingEdited();
}

void MappingModel::assign(int rowIndex, Side side, const QString& column) {
    Row& row = m_rows[static_cast<std::size_t>(rowIndex)];
    const std::string oldLeft = toStd(row.left);
    const std::string oldRight = toStd(row.right);
    auto& pairs = m_mapping.columns;
    auto removePair = [&pairs](const std::string& left, const std::string& right) {
        pairs.erase(
            std::remove_if(pairs.begin(), pairs.end(),
                           [&](const ColumnPair& p) { return p.left == left && p.right == right; }),
            pairs.end());
    };
    if (column.isEmpty()) {
        if (row.origin == Origin::Explicit) {
            removePair(oldLeft, oldRight);
        } else if (row.origin == Origin::Auto) {
            // Excluding one column is enough to keep the automatic pair from coming back.
            if (side == Side::Left) {
                m_mapping.excludeLeft.push_back(oldLeft);
            } else {
                m_mapping.excludeRight.push_back(oldRight);
            }
        }
        (side == Side::Left ? row.left : row.right).clear();
        return;
    }
    const std::string newLeft = side == Side::Left ? toStd(column) : oldLeft;
    const std::string newRight = side == Side::Right ? toStd(column) : oldRight;
    if (row.origin == Origin::Explicit) {
        removePair(oldLeft, oldRight);
    }
    // A column belongs to one pair only.
    pairs.erase(std::remove_if(
                    pairs.begin(), pairs.end(),
                    [&](const ColumnPair& p) { return p.left == newLeft || p.right == newRight; }),
                pairs.end());
    pairs.push_back(ColumnPair{newLeft, newRight});
    erase(m_mapping.excludeLeft, newLeft);
    erase(m_mapping.excludeRight, newRight);
    row.left = toQString(newLeft);
    row.right = toQString(newRight);
    row.origin = Origin::Explicit;
}

}  // namespace ferry::gui
