// Read-only tables of the run toolbox and the connection page.
#include "report_models.h"

#include <algorithm>

#include "gui_types.h"

namespace ferry::gui {

namespace {

QString number(std::uint64_t value) {
    return QString::number(value);
}

QString joinedColumns(const std::vector<std::string>& columns) {
    QStringList list;
    for (const auto& column : columns) {
        list << toQString(column);
    }
    return list.join(QStringLiteral(", "));
}

QString entityOf(Side side) {
    return sideName(side);
}

}  // namespace

TextTableModel::TextTableModel(QStringList headers, QObject* parent)
    : QAbstractTableModel(parent), m_headers(std::move(headers)) {}

void TextTableModel::setRows(std::vector<QStringList> rows, std::vector<QString> keys) {
    beginResetModel();
    m_rows = std::move(rows);
    m_keys = std::move(keys);
    for (auto& row : m_rows) {
        while (row.size() < m_headers.size()) {
            row << QString();
        }
    }
    endResetModel();
}

QString TextTableModel::key(int row) const {
    if (row < 0 || static_cast<std::size_t>(row) >= m_keys.size()) {
        return {};
    }
    return m_keys[static_cast<std::size_t>(row)];
}

QString TextTableModel::text(int row, int column) const {
    if (row < 0 || row >= rowCount() || column < 0 || column >= columnCount()) {
        return {};
    }
    return m_rows[static_cast<std::size_t>(row)].at(column);
}

int TextTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int TextTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_headers.size());
}

QVariant TextTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !checkIndex(index, CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    switch (role) {
        case Qt::DisplayRole:
        case Qt::ToolTipRole:
            return text(index.row(), index.column());
        case KeyRole:
            return key(index.row());
        case Qt::TextAlignmentRole: {
            const bool right = std::find(m_rightAligned.begin(), m_rightAligned.end(),
                                         index.column()) != m_rightAligned.end();
            return right ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                         : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
        }
        default:
            return {};
    }
}

QVariant TextTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section >= 0 &&
        section < m_headers.size()) {
        return m_headers.at(section);
    }
    return QAbstractTableModel::headerData(section, orientation, role);
}

TextTableModel* newHistoryModel(QObject* parent) {
    auto* model = new TextTableModel(
        {QStringLiteral("Run"), QStringLiteral("Started"), QStringLiteral("Status"),
         QStringLiteral("Duration"), QStringLiteral("Read"), QStringLiteral("Written"),
         QStringLiteral("Failed"), QStringLiteral("Conflicts")},
        parent);
    model->setRightAligned({0, 4, 5, 6, 7});
    return model;
}

void fillHistory(TextTableModel& model, const std::vector<RunSummary>& runs) {
    std::vector<QStringList> rows;
    std::vector<QString> keys;
    for (const auto& run : runs) {
        const auto written = run.left.inserted + run.left.updated + run.left.deleted +
                             run.right.inserted + run.right.updated + run.right.deleted;
        QString status = statusText(run.status, run.dryRun);
        if (!run.message.empty()) {
            status += QStringLiteral(": ") + redacted(run.message);
        }
        rows.push_back({QString::number(run.runId), formatTimestamp(run.startedAtMs), status,
                        formatDuration(run.durationMs), number(run.left.read + run.right.read),
                        number(written), number(run.left.failed + run.right.failed),
                        number(run.conflicts)});
        keys.push_back(QString::number(run.runId));
    }
    model.setRows(std::move(rows), std::move(keys));
}

TextTableModel* newPlannedChangesModel(QObject* parent) {
    return new TextTableModel({QStringLiteral("Change"), QStringLiteral("Into"),
                               QStringLiteral("Key"), QStringLiteral("Columns")},
                              parent);
}

void fillPlannedChanges(TextTableModel& model, const std::vector<PlannedChange>& changes) {
    std::vector<QStringList> rows;
    std::vector<QString> keys;
    for (const auto& change : changes) {
        QString kind;
        switch (change.kind) {
            case ChangeKind::Insert:
                kind = QStringLiteral("Insert");
                break;
            case ChangeKind::Update:
                kind = QStringLiteral("Update");
                break;
            case ChangeKind::Delete:
                kind = QStringLiteral("Delete");
                break;
        }
        rows.push_back(
            {kind, entityOf(change.target), toQString(change.key), joinedColumns(change.columns)});
        keys.push_back(toQString(change.key));
    }
    model.setRows(std::move(rows), std::move(keys));
}

TextTableModel* newItemErrorsModel(QObject* parent) {
    return new TextTableModel(
        {QStringLiteral("Into"), QStringLiteral("Key"), QStringLiteral("Reason")}, parent);
}

void fillItemErrors(TextTableModel& model, const std::vector<ItemError>& errors) {
    std::vector<QStringList> rows;
    std::vector<QString> keys;
    for (const auto& error : errors) {
        rows.push_back({entityOf(error.side), toQString(error.key), redacted(error.message)});
        keys.push_back(toQString(error.key));
    }
    model.setRows(std::move(rows), std::move(keys));
}

TextTableModel* newConflictsModel(QObject* parent) {
    return new TextTableModel(
        {QStringLiteral("Key"), QStringLiteral("Reason"), QStringLiteral("Columns"),
         QStringLiteral("Decision"), QStringLiteral("Seen")},
        parent);
}

void fillConflicts(TextTableModel& model, const std::vector<StoredConflict>& conflicts) {
    std::vector<QStringList> rows;
    std::vector<QString> keys;
    for (const auto& conflict : conflicts) {
        QString decision = QStringLiteral("undecided");
        if (conflict.decision) {
            decision = *conflict.decision == Side::Left
                           ? QStringLiteral("take Data Entity 1 on the next run")
                           : QStringLiteral("take Data Entity 2 on the next run");
        }
        rows.push_back({toQString(conflict.key), toQString(conflict.reason),
                        joinedColumns(conflict.columns), decision,
                        formatTimestamp(conflict.seenAtMs)});
        keys.push_back(toQString(conflict.key));
    }
    model.setRows(std::move(rows), std::move(keys));
}

}  // namespace ferry::gui
