// The GUI's item models checked with QAbstractItemModelTester and by their behaviour: the
// chunked preview model with generations, the mapping model over the core's resolveMapping,
// the report tables; plus the in-memory credential store and credential keys.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

#include "credential_store.h"
#include "ferry/state_store.h"
#include "mapping_model.h"
#include "preview_model.h"
#include "report_models.h"

using namespace ferry;
using namespace ferry::gui;

namespace {

Column column(const std::string& name, ValueType type, bool key = false, bool readOnly = false) {
    Column c;
    c.name = name;
    c.displayName = name;
    c.type = type;
    c.key = key;
    c.readOnly = readOnly;
    return c;
}

Record record(std::int64_t id, const std::string& name) {
    Record r;
    r.values = {Value(id), name.empty() ? Value() : Value(name)};
    return r;
}

int findRow(const QAbstractItemModel& model, int column, const QString& text) {
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, column).data(Qt::EditRole).toString() == text) {
            return row;
        }
    }
    return -1;
}

}  // namespace

class GuiModelsTest : public QObject {
    Q_OBJECT
private slots:
    void previewModelAppendsChunksAndDropsStaleGenerations();
    void previewModelHeadersDescribeColumns();
    void previewModelCopiesSelectionAsTsv();
    void mappingModelShowsResolvedPairsAndUnmappedColumns();
    void mappingModelMarksReadOnlyAndTypeMismatches();
    void mappingModelEditsBecomeExplicitPairs();
    void mappingModelUnmapsAutomaticPairByExclusion();
    void mappingModelReportsUnresolvablePairs();
    void reportModelsFillFromCoreTypes();
    void memoryCredentialStoreRoundTripsAndFails();
};

void GuiModelsTest::previewModelAppendsChunksAndDropsStaleGenerations() {
    PreviewModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Schema schema;
    schema.columns = {column("id", ValueType::Int, true), column("name", ValueType::String)};

    const int first = model.restart();
    model.setSchema(first, schema);
    QCOMPARE(model.columnCount(), 2);
    model.appendRows(first, {record(1, "Zoë"), record(2, "")});
    model.appendRows(first, {record(3, "Ana")});
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(0, 1).data().toString(), QStringLiteral("Zoë"));
    // NULL is shown as such, not as an empty string.
    QCOMPARE(model.index(1, 1).data().toString(), QStringLiteral("NULL"));

    const int second = model.restart();
    QVERIFY(second != first);
    QCOMPARE(model.rowCount(), 0);
    model.setSchema(first, schema);  // a late result of the old preview
    model.appendRows(first, {record(9, "stale")});
    QCOMPARE(model.columnCount(), 0);
    QCOMPARE(model.rowCount(), 0);
    model.setSchema(second, schema);
    model.appendRows(second, {record(4, "Björn")});
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("4"));
}

void GuiModelsTest::previewModelHeadersDescribeColumns() {
    PreviewModel model;
    Schema schema;
    Column balance = column("balance", ValueType::Decimal);
    balance.nativeType = "NUMERIC";
    balance.precision = 12;
    balance.scale = 2;
    schema.columns = {column("id", ValueType::Int, true, true), balance};
    model.setSchema(model.restart(), schema);
    const QString idTip = model.headerData(0, Qt::Horizontal, Qt::ToolTipRole).toString();
    QVERIFY2(idTip.contains(QStringLiteral("Type: int")), qPrintable(idTip));
    QVERIFY(idTip.contains(QStringLiteral("Primary key")));
    QVERIFY(idTip.contains(QStringLiteral("Read-only")));
    const QString balanceTip = model.headerData(1, Qt::Horizontal, Qt::ToolTipRole).toString();
    QVERIFY2(balanceTip.contains(QStringLiteral("decimal (NUMERIC(12,2))")),
             qPrintable(balanceTip));
    QVERIFY(!balanceTip.contains(QStringLiteral("Primary key")));
    QVERIFY(balanceTip.contains(QStringLiteral("Writable")));
    QVERIFY(model.headerData(0, Qt::Horizontal).toString().contains(QStringLiteral("(key)")));
}

void GuiModelsTest::previewModelCopiesSelectionAsTsv() {
    PreviewModel model;
    Schema schema;
    schema.columns = {column("id", ValueType::Int, true), column("name", ValueType::String)};
    const int generation = model.restart();
    model.setSchema(generation, schema);
    model.appendRows(generation, {record(1, "a\tb"), record(2, "")});
    const QString all =
        model.toTsv({model.index(0, 0), model.index(0, 1), model.index(1, 0), model.index(1, 1)});
    QCOMPARE(all, QStringLiteral("id\tname\n1\ta b\n2\t\n"));
    const QString one = model.toTsv({model.index(1, 0)});
    QCOMPARE(one, QStringLiteral("id\n2\n"));
}

void GuiModelsTest::mappingModelShowsResolvedPairsAndUnmappedColumns() {
    MappingModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Schema left;
    left.columns = {column("AccountId", ValueType::Int, true),
                    column("AccountNumber", ValueType::String), column("Notes", ValueType::String)};
    Schema right;
    right.columns = {column("account_id", ValueType::Int, true),
                     column("account_number", ValueType::String),
                     column("region", ValueType::String)};
    MappingConfig mapping;
    model.setInputs(mapping, left, right, Direction::LeftToRight);
    QCOMPARE(model.pairCount(), 2);
    const int pairRow = findRow(model, MappingModel::LeftColumn, QStringLiteral("AccountNumber"));
    QVERIFY(pairRow >= 0);
    QCOMPARE(model.index(pairRow, MappingModel::RightColumn).data().toString(),
             QStringLiteral("account_number"));
    QCOMPARE(model.index(pairRow, 0).data(MappingModel::OriginRole).toInt(),
             static_cast<int>(MappingModel::Origin::Auto));
    const int notes = findRow(model, MappingModel::LeftColumn, QStringLiteral("Notes"));
    QVERIFY(notes >= 0);
    QCOMPARE(model.index(notes, 0).data(MappingModel::OriginRole).toInt(),
             static_cast<int>(MappingModel::Origin::LeftOnly));
    QVERIFY(model.index(notes, MappingModel::Status)
                .data()
                .toString()
                .contains(QStringLiteral("not mapped")));
    QVERIFY(findRow(model, MappingModel::RightColumn, QStringLiteral("region")) >= 0);
    // Without auto mapping nothing pairs.
    mapping.autoMap = false;
    mapping.columns = {{"Notes", "region"}};
    model.setInputs(mapping, left, right, Direction::LeftToRight);
    QCOMPARE(model.pairCount(), 1);
    QCOMPARE(model.index(0, 0).data(MappingModel::OriginRole).toInt(),
             static_cast<int>(MappingModel::Origin::Explicit));
}

void GuiModelsTest::mappingModelMarksReadOnlyAndTypeMismatches() {
    MappingModel model;
    Schema left;
    left.columns = {column("id", ValueType::Int, true), column("total", ValueType::Decimal),
                    column("created", ValueType::String), column("amount", ValueType::Int)};
    Schema right;
    right.columns = {column("id", ValueType::Int, true),
                     column("total", ValueType::Decimal, false, true),
                     column("created", ValueType::DateTime), column("amount", ValueType::Double)};
    model.setInputs(MappingConfig{}, left, right, Direction::LeftToRight);
    const int total = findRow(model, MappingModel::LeftColumn, QStringLiteral("total"));
    QVERIFY(model.index(total, MappingModel::Status)
                .data()
                .toString()
                .contains(QStringLiteral("read-only on Data Entity 2")));
    const int created = findRow(model, MappingModel::LeftColumn, QStringLiteral("created"));
    QVERIFY(model.index(created, MappingModel::Status)
                .data()
                .toString()
                .contains(QStringLiteral("type mismatch")));
    // Numbers of different types compare by value: a note, not a warning.
    const int amount = findRow(model, MappingModel::LeftColumn, QStringLiteral("amount"));
    QVERIFY(!model.index(amount, MappingModel::Status)
                 .data()
                 .toString()
                 .contains(QStringLiteral("mismatch")));
    QCOMPARE(model.warningCount(), 2);
    // Written the other way, the right side's read-only column is no problem.
    model.setInputs(MappingConfig{}, left, right, Direction::RightToLeft);
    QCOMPARE(model.warningCount(), 1);
}

void GuiModelsTest::mappingModelEditsBecomeExplicitPairs() {
    MappingModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Schema left;
    left.columns = {column("id", ValueType::Int, true), column("full_name", ValueType::String)};
    Schema right;
    right.columns = {column("id", ValueType::Int, true), column("name", ValueType::String)};
    model.setInputs(MappingConfig{}, left, right, Direction::LeftToRight);
    QCOMPARE(model.pairCount(), 1);
    const int row = findRow(model, MappingModel::LeftColumn, QStringLiteral("full_name"));
    QVERIFY(row >= 0);
    const QModelIndex rightCell = model.index(row, MappingModel::RightColumn);
    QVERIFY(model.flags(rightCell) & Qt::ItemIsEditable);
    QCOMPARE(rightCell.data(MappingModel::ChoicesRole).toStringList(),
             (QStringList{QStringLiteral("id"), QStringLiteral("name")}));
    QSignalSpy edited(&model, &MappingModel::mappingEdited);
    QVERIFY(model.setData(rightCell, QStringLiteral("name")));
    QVERIFY(edited.wait(2000));
    QCOMPARE(model.mapping().columns.size(), std::size_t{1});
    QCOMPARE(model.mapping().columns[0].left, std::string("full_name"));
    QCOMPARE(model.mapping().columns[0].right, std::string("name"));
    QCOMPARE(model.pairCount(), 2);
}

void GuiModelsTest::mappingModelUnmapsAutomaticPairByExclusion() {
    MappingModel model;
    Schema left;
    left.columns = {column("id", ValueType::Int, true), column("city", ValueType::String)};
    Schema right = left;
    model.setInputs(MappingConfig{}, left, right, Direction::LeftToRight);
    QCOMPARE(model.pairCount(), 2);
    QSignalSpy edited(&model, &MappingModel::mappingEdited);
    model.unmapRow(findRow(model, MappingModel::LeftColumn, QStringLiteral("city")));
    QCOMPARE(edited.count(), 1);
    QCOMPARE(model.pairCount(), 1);
    QCOMPARE(model.mapping().excludeRight, std::vector<std::string>{"city"});
    const int row = findRow(model, MappingModel::LeftColumn, QStringLiteral("city"));
    QCOMPARE(model.index(row, 0).data(MappingModel::OriginRole).toInt(),
             static_cast<int>(MappingModel::Origin::LeftOnly));
}

void GuiModelsTest::mappingModelReportsUnresolvablePairs() {
    MappingModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Schema left;
    left.columns = {column("id", ValueType::Int, true)};
    Schema right = left;
    MappingConfig mapping;
    mapping.columns = {{"id", "no_such_column"}};
    model.setInputs(mapping, left, right, Direction::LeftToRight);
    QVERIFY(!model.problem().isEmpty());
    QVERIFY(model.problem().contains(QStringLiteral("no_such_column")));
    // Without the schemas the explicit pairs are still listed.
    model.setInputs(mapping, std::nullopt, std::nullopt, Direction::LeftToRight);
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(model.index(0, MappingModel::Status)
                .data()
                .toString()
                .contains(QStringLiteral("not loaded")));
}

void GuiModelsTest::reportModelsFillFromCoreTypes() {
    auto* history = newHistoryModel(this);
    QAbstractItemModelTester historyTester(history,
                                           QAbstractItemModelTester::FailureReportingMode::QtTest);
    RunSummary run;
    run.runId = 7;
    run.durationMs = 1500;
    run.status = RunStatus::CompletedWithErrors;
    run.left.read = 10;
    run.right.read = 8;
    run.right.inserted = 2;
    run.right.failed = 1;
    run.message = "connection string Pwd=hunter2 was rejected";
    fillHistory(*history, {run});
    QCOMPARE(history->rowCount(), 1);
    QCOMPARE(history->text(0, 0), QStringLiteral("7"));
    QCOMPARE(history->text(0, 3), QStringLiteral("1.5 s"));
    QCOMPARE(history->text(0, 4), QStringLiteral("18"));
    QCOMPARE(history->text(0, 5), QStringLiteral("2"));
    QCOMPARE(history->key(0), QStringLiteral("7"));
    // Messages from drivers never show a secret.
    QVERIFY(!history->text(0, 2).contains(QStringLiteral("hunter2")));

    auto* planned = newPlannedChangesModel(this);
    QAbstractItemModelTester plannedTester(planned,
                                           QAbstractItemModelTester::FailureReportingMode::QtTest);
    PlannedChange change;
    change.target = Side::Right;
    change.kind = ChangeKind::Update;
    change.key = "42";
    change.columns = {"city", "name"};
    fillPlannedChanges(*planned, {change});
    QCOMPARE(planned->text(0, 0), QStringLiteral("Update"));
    QCOMPARE(planned->text(0, 1), QStringLiteral("Data Entity 2"));
    QCOMPARE(planned->text(0, 3), QStringLiteral("city, name"));

    auto* conflicts = newConflictsModel(this);
    QAbstractItemModelTester conflictsTester(
        conflicts, QAbstractItemModelTester::FailureReportingMode::QtTest);
    StoredConflict conflict;
    conflict.key = "5";
    conflict.reason = "changed on both sides";
    conflict.columns = {"city"};
    StoredConflict decided = conflict;
    decided.key = "6";
    decided.decision = Side::Left;
    fillConflicts(*conflicts, {conflict, decided});
    QCOMPARE(conflicts->rowCount(), 2);
    QCOMPARE(conflicts->key(1), QStringLiteral("6"));
    QCOMPARE(conflicts->text(0, 3), QStringLiteral("undecided"));
    QVERIFY(conflicts->text(1, 3).contains(QStringLiteral("Data Entity 1")));
    fillConflicts(*conflicts, {});
    QCOMPARE(conflicts->rowCount(), 0);
}

void GuiModelsTest::memoryCredentialStoreRoundTripsAndFails() {
    QCOMPARE(credentialKey(QStringLiteral("crm.json"), Side::Left),
             QStringLiteral("crm.json/left"));
    QCOMPARE(credentialKey(QStringLiteral("crm.json"), Side::Right),
             QStringLiteral("crm.json/right"));
    MemoryCredentialStore store;
    QVERIFY(store.write(QStringLiteral("k"), QStringLiteral("secret")).ok);
    auto read = store.read(QStringLiteral("k"));
    QVERIFY(read.ok && read.found);
    QCOMPARE(read.password, QStringLiteral("secret"));
    QVERIFY(store.remove(QStringLiteral("k")).ok);
    QVERIFY(!store.read(QStringLiteral("k")).found);
    store.setFailure(QStringLiteral("no keyring"));
    const auto failed = store.write(QStringLiteral("k"), QStringLiteral("x"));
    QVERIFY(!failed.ok);
    QCOMPARE(failed.error, QStringLiteral("no keyring"));
}

QTEST_MAIN(GuiModelsTest)
#include "gui_models_test.moc"
