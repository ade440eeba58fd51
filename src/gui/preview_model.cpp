// The Preview Data grid model, fed in chunks with generation numbers.
#include "preview_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <algorithm>
#include <map>

#include "gui_types.h"

namespace ferry::gui {

namespace {

bool isNumeric(ValueType type) {
    return type == ValueType::Int || type == ValueType::Double || type == ValueType::Decimal;
}

}  // namespace

PreviewModel::PreviewModel(QObject* parent) : QAbstractTableModel(parent) {}

int PreviewModel::restart() {
    beginResetModel();
    ++m_generation;
    m_schema = Schema{};
    m_rows.clear();
    endResetModel();
    return m_generation;
}

void PreviewModel::setSchema(int generation, const Schema& schema) {
    if (generation != m_generation) {
        return;
    }
    beginResetModel();
    m_schema = schema;
    m_rows.clear();
    endResetModel();
}

void PreviewModel::appendRows(int generation, const std::vector<Record>& rows) {
    if (generation != m_generation || rows.empty()) {
        return;
    }
    const int first = static_cast<int>(m_rows.size());
    beginInsertRows(QModelIndex(), first, first + static_cast<int>(rows.size()) - 1);
    for (const auto& record : rows) {
        std::vector<QString> cells;
        cells.reserve(m_schema.columns.size());
        for (std::size_t c = 0; c < m_schema.columns.size(); ++c) {
            if (c < record.values.size() && !record.values[c].isNull()) {
                cells.push_back(toQString(record.values[c].toDisplay()));
            } else {
                cells.emplace_back();
            }
        }
        m_rows.push_back(std::move(cells));
    }
    endInsertRows();
}

int PreviewModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int PreviewModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_schema.columns.size());
}

QVariant PreviewModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !checkIndex(index, CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const QString& cell =
        m_rows[static_cast<std::size_t>(index.row())][static_cast<std::size_t>(index.column())];
    const Column& column = m_schema.columns[static_cast<std::size_t>(index.column())];
    switch (role) {
        case Qt::DisplayRole:
            return cell.isNull() ? QStringLiteral("NULL") : cell;
        case Qt::ToolTipRole:
            return cell.isNull() ? QStringLiteral("NULL (no value)") : cell;
        case Qt::ForegroundRole:
            if (cell.isNull()) {
                return QBrush(QColor(Qt::gray));
            }
            return {};
        case Qt::FontRole:
            if (cell.isNull()) {
                QFont font;
                font.setItalic(true);
                return font;
            }
            return {};
        case Qt::TextAlignmentRole:
            return isNumeric(column.type) ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                          : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
        default:
            return {};
    }
}

QVariant PreviewModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Vertical) {
        if (role == Qt::DisplayRole && section >= 0 && section < rowCount()) {
            return section + 1;
        }
        return {};
    }
    if (section < 0 || section >= columnCount()) {
        return {};
    }
    const Column& column = m_schema.columns[static_cast<std::size_t>(section)];
    switch (role) {
        case Qt::DisplayRole: {
            QString name = toQString(column.displayName.empty() ? column.name : column.displayName);
            if (column.key) {
                name += QStringLiteral(" (key)");
            }
            return name;
        }
        case Qt::ToolTipRole: {
            QStringList lines;
            lines << QStringLiteral("<b>%1</b>").arg(toQString(column.name).toHtmlEscaped());
            lines << QStringLiteral("Type: %1").arg(typeText(column).toHtmlEscaped());
            if (column.key) {
                lines << QStringLiteral("Primary key");
            }
            lines << (column.readOnly ? QStringLiteral("Read-only: Ferry never writes it")
                                      : QStringLiteral("Writable"));
            lines << (column.nullable ? QStringLiteral("Can be empty (NULL)")
                                      : QStringLiteral("Required (NOT NULL)"));
            return lines.join(QStringLiteral("<br>"));
        }
        case Qt::FontRole:
            if (column.key) {
                QFont font;
                font.setBold(true);
                return font;
            }
            return {};
        default:
            return {};
    }
}

QString PreviewModel::toTsv(const QModelIndexList& indexes) const {
    std::map<int, std::map<int, QString>> cells;
    std::map<int, bool> columns;
    for (const auto& index : indexes) {
        if (index.isValid() && index.model() == this) {
            const auto& raw = m_rows[static_cast<std::size_t>(index.row())]
                                    [static_cast<std::size_t>(index.column())];
            cells[index.row()][index.column()] = raw;  // NULL copies as an empty cell
            columns[index.column()] = true;
        }
    }
    if (cells.empty()) {
        return {};
    }
    auto clean = [](QString text) {
        text.replace(QLatin1Char('\t'), QLatin1Char(' '));
        text.replace(QLatin1Char('\n'), QLatin1Char(' '));
        return text;
    };
    QStringList lines;
    QStringList header;
    for (const auto& [column, unused] : columns) {
        header << toQString(m_schema.columns[static_cast<std::size_t>(column)].name);
    }
    lines << header.join(QLatin1Char('\t'));
    for (const auto& [row, rowCells] : cells) {
        QStringList line;
        for (const auto& [column, unused] : columns) {
            auto it = rowCells.find(column);
            line << (it == rowCells.end() ? QString() : clean(it->second));
        }
        lines << line.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

}  // namespace ferry::gui
