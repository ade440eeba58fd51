// The provider conformance suite: one set of tests that every provider and backend must pass.
#include "provider_conformance.h"

#include <algorithm>
#include <map>
#include <set>

namespace ferry::test {

void ProviderConformance::SetUp() {
    m_backend = GetParam().make();
    ASSERT_NE(m_backend, nullptr);
}

void ProviderConformance::TearDown() {
    m_backend.reset();
}

void PrintTo(const BackendParam& param, std::ostream* out) {
    *out << param.name;
}

std::string backendParamName(const ::testing::TestParamInfo<BackendParam>& info) {
    return info.param.name;
}

namespace {

Value decimal(const std::string& text) {
    auto parsed = parseDecimal(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed ? Value(*parsed) : Value();
}

Value dateTime(const std::string& text) {
    auto parsed = parseDateTime(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed ? Value(*parsed) : Value();
}

// A date-time cut to the fraction digits the backend keeps ("…:59.123456Z" → "…:59Z" for 0).
Value dateTime(std::string text, int fractionDigits) {
    const auto point = text.find('.');
    if (point != std::string::npos) {
        const auto end = text.find_first_not_of("0123456789", point + 1);
        const auto cut = fractionDigits > 0 ? point + 1 + static_cast<std::size_t>(fractionDigits)
                                            : point;  // no fraction: the point goes too
        if (cut < end) {
            text.erase(cut, end - cut);
        }
    }
    return dateTime(text);
}

Value date(const std::string& text) {
    auto parsed = parseDate(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed ? Value(*parsed) : Value();
}

Value guid(const std::string& text) {
    auto parsed = parseGuid(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed ? Value(*parsed) : Value();
}

// An integer read back from a backend that may keep integers as doubles.
std::int64_t integerOf(const Value& value) {
    return value.type() == ValueType::Double ? static_cast<std::int64_t>(value.asDouble())
                                             : value.asInt();
}

std::string show(const Value& value) {
    std::string text = value.isNull() ? std::string("NULL") : value.toDisplay();
    if (text.size() > 80) {
        text = text.substr(0, 80) + "...(" + std::to_string(text.size()) + " bytes)";
    }
    return std::string(toString(value.type())) + " " + text;
}

// Same type (unless null) and same canonical text.
void expectSameValue(const Value& actual, const Value& expected, const std::string& where) {
    if (expected.isNull()) {
        EXPECT_TRUE(actual.isNull()) << where << ": expected NULL, got " << show(actual);
        return;
    }
    EXPECT_EQ(actual.type(), expected.type())
        << where << ": got " << show(actual) << ", expected " << show(expected);
    EXPECT_EQ(actual.canonical(), expected.canonical())
        << where << ": got " << show(actual) << ", expected " << show(expected);
}

void expectSameRows(const std::vector<Row>& actual, const std::vector<Row>& expected,
                    const TableSpec& spec, const std::string& source) {
    ASSERT_EQ(actual.size(), expected.size()) << source;
    for (std::size_t r = 0; r < expected.size(); ++r) {
        ASSERT_EQ(actual[r].size(), spec.columns.size()) << source << " row " << r;
        for (std::size_t c = 0; c < spec.columns.size(); ++c) {
            expectSameValue(
                actual[r][c], expected[r][c],
                source + " row " + std::to_string(r) + " column " + spec.columns[c].name);
        }
    }
}

struct ReadResult {
    std::vector<Row> rows;
    std::vector<std::size_t> pageSizes;
};

ReadResult readAll(Provider& provider, ReadRequest request = {}) {
    ReadResult result;
    provider.read(request, [&result](std::vector<Record>& page) {
        result.pageSizes.push_back(page.size());
        for (auto& record : page) {
            result.rows.push_back(std::move(record.values));
        }
        return true;
    });
    return result;
}

// Provider rows reordered into the spec's column order, sorted by the first column.
std::vector<Row> inSpecOrder(const std::vector<Row>& rows, const Schema& schema,
                             const TableSpec& spec) {
    std::vector<std::size_t> index;
    for (const auto& column : spec.columns) {
        const auto at = schema.indexOf(column.name);
        EXPECT_TRUE(at.has_value()) << "column " << column.name << " missing from describe()";
        index.push_back(at.value_or(0));
    }
    std::vector<Row> out;
    for (const auto& row : rows) {
        Row ordered;
        for (const std::size_t i : index) {
            ordered.push_back(i < row.size() ? row[i] : Value());
        }
        out.push_back(std::move(ordered));
    }
    std::sort(out.begin(), out.end(), [](const Row& a, const Row& b) {
        return a.front().isNull()   ? false
               : b.front().isNull() ? true
                                    : integerOf(a.front()) < integerOf(b.front());
    });
    return out;
}

WriteItem insertItem(Row values) {
    WriteItem item;
    item.kind = WriteKind::Insert;
    item.values = std::move(values);
    return item;
}

WriteItem updateItem(Value key, Row values) {
    WriteItem item;
    item.kind = WriteKind::Update;
    item.key = {std::move(key)};
    item.values = std::move(values);
    return item;
}

WriteItem deleteItem(Value key) {
    WriteItem item;
    item.kind = WriteKind::Delete;
    item.key = {std::move(key)};
    return item;
}

std::vector<std::string> names(const TableSpec& spec, bool skipIdentity) {
    std::vector<std::string> out;
    for (const auto& column : spec.columns) {
        if (!(skipIdentity && column.identity)) {
            out.push_back(column.name);
        }
    }
    return out;
}

// Whether the backend leaves out a column of this type.
bool unsupported(const BackendTraits& traits, const ColumnSpec& column) {
    return (column.type == ValueType::Binary && !traits.binary) ||
           (column.type == ValueType::Date && !traits.dateOnly);
}

// Whether the backend keeps this (non-generated) integer column as doubles.
bool integerAsDouble(const BackendTraits& traits, const ColumnSpec& column) {
    return column.type == ValueType::Int && !column.identity && !traits.integers;
}

// A spec as the backend can store it: unsupported columns left out, the own key column renamed,
// integers as doubles and GUIDs as text where the backend has no such type.
TableSpec adaptSpec(const BackendTraits& traits, const TableSpec& given) {
    TableSpec spec;
    for (ColumnSpec column : given.columns) {
        if (unsupported(traits, column)) {
            continue;
        }
        if (column.key && !column.identity && column.name == "id") {
            column.name = traits.keyColumn;
        }
        if (integerAsDouble(traits, column)) {
            column.type = ValueType::Double;
        }
        if (column.type == ValueType::Guid && !column.identity && !traits.guids) {
            column.type = ValueType::String;
        }
        if (column.type == ValueType::Decimal && !traits.decimalPrecision) {
            column.precision = 0;
            column.scale = 0;
        }
        spec.columns.push_back(column);
    }
    return spec;
}

// Rows aligned with `given` as the backend stores them (see adaptSpec); integers beyond 53 bits
// become the largest a double holds exactly, with their sign.
std::vector<Row> adaptRows(const BackendTraits& traits, const TableSpec& given,
                           const std::vector<Row>& rows) {
    constexpr std::int64_t kLargest = (std::int64_t{1} << 53) - 1;
    std::vector<Row> out;
    for (const auto& row : rows) {
        Row adapted;
        for (std::size_t c = 0; c < given.columns.size() && c < row.size(); ++c) {
            const ColumnSpec& column = given.columns[c];
            const Value& value = row[c];
            if (unsupported(traits, column)) {
                continue;
            }
            if (integerAsDouble(traits, column) && value.type() == ValueType::Int) {
                adapted.emplace_back(
                    static_cast<double>(std::clamp(value.asInt(), -kLargest, kLargest)));
            } else if (!traits.emptyText && value.type() == ValueType::String &&
                       value.asString().empty()) {
                adapted.emplace_back();
            } else if (column.type == ValueType::Guid && !column.identity && !traits.guids &&
                       value.type() == ValueType::Guid) {
                adapted.emplace_back(value.asGuid().text);
            } else {
                adapted.push_back(value);
            }
        }
        out.push_back(std::move(adapted));
    }
    return out;
}

std::string longText(std::size_t characters) {
    // Mixed widths: ASCII, accented, CJK, and emoji outside the BMP (UTF-16 surrogates).
    const std::vector<std::string> pieces = {"a", "é", "東", "😀", "z", "京", "ß", "𝄞"};
    std::string out;
    for (std::size_t i = 0; i < characters; ++i) {
        out += pieces[i % pieces.size()];
    }
    return out;
}

std::string expectErrorCode(const std::function<void()>& action, ErrorCode code) {
    try {
        action();
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), code)
            << "got " << toString(error.code()) << ": " << error.fullText();
        return error.fullText();
    } catch (const std::exception& error) {
        ADD_FAILURE() << "expected ferry::Error " << toString(code) << ", got " << error.what();
        return {};
    }
    ADD_FAILURE() << "expected ferry::Error " << toString(code) << ", nothing was thrown";
    return {};
}

}  // namespace

// --- describe --------------------------------------------------------------------------------

TEST_P(ProviderConformance, DescribeReportsTypesKeysAndLimits) {
    const BackendTraits traits = backend().traits();
    const bool identity = traits.identity();
    const TableSpec given{{
        {"id", ValueType::Int, 0, 0, 0, true, identity, false},
        {"code", ValueType::String, 20, 0, 0, false, false, false},
        {"amount", ValueType::Decimal, 0, 18, 4},
        {"active", ValueType::Bool},
        {"created_at", ValueType::DateTime},
        {"birthday", ValueType::Date},
        {"payload", ValueType::Binary},
        {"ref", ValueType::Guid},
        {"notes", ValueType::String},
        {"ratio", ValueType::Double},
    }};
    const TableSpec spec = adaptSpec(traits, given);
    const std::string id = traits.keyColumn;
    auto provider = backend().open(backend().createTable(spec));
    const Schema& schema = provider->describe();
    // A service's own integer key is a column of every table, generated and read-only.
    const bool serverKey = traits.keyKind == KeyKind::ServerInteger;
    if (serverKey) {
        const Column* own = schema.find(traits.serverKeyName);
        ASSERT_NE(own, nullptr) << traits.serverKeyName;
        EXPECT_EQ(own->type, ValueType::Int);
        EXPECT_TRUE(own->readOnly);
        EXPECT_FALSE(own->key) << "the explicit primary key replaces the service's own";
    }
    ASSERT_EQ(schema.columns.size(), spec.columns.size() + (serverKey ? 1 : 0));
    for (const auto& expected : spec.columns) {
        const Column* column = schema.find(expected.name);
        ASSERT_NE(column, nullptr) << expected.name;
        EXPECT_EQ(column->type, expected.type) << expected.name << " is " << toString(column->type)
                                               << " (" << column->nativeType << ")";
        EXPECT_EQ(column->key, expected.key) << expected.name;
        if (!expected.nullable) {
            EXPECT_FALSE(column->nullable) << expected.name;
        }
    }
    EXPECT_EQ(schema.keyColumns(), std::vector<std::string>{id});
    EXPECT_EQ(schema.find(id)->readOnly, identity);
    EXPECT_FALSE(schema.find("code")->readOnly);
    EXPECT_EQ(schema.find("code")->length, 20);
    EXPECT_EQ(schema.find("notes")->length, traits.unlimitedTextLength)
        << "unlimited text reports the backend's longest length (0 when there is none)";
    const auto amount = std::find_if(spec.columns.begin(), spec.columns.end(),
                                     [](const ColumnSpec& c) { return c.name == "amount"; });
    ASSERT_NE(amount, spec.columns.end());
    EXPECT_EQ(schema.find("amount")->precision, amount->precision);
    EXPECT_EQ(schema.find("amount")->scale, amount->scale);
    EXPECT_TRUE(schema.find("notes")->nullable);
}

// --- paging ----------------------------------------------------------------------------------

TEST_P(ProviderConformance, ReadsEveryRowExactlyOnceInBoundedPages) {
    const BackendTraits traits = backend().traits();
    const TableSpec given{
        {{"id", ValueType::Int, 0, 0, 0, true}, {"label", ValueType::String, 40}}};
    auto settings = backend().createTable(adaptSpec(traits, given));
    constexpr std::int64_t kRows = 12345;
    std::vector<Row> rows;
    for (std::int64_t i = 0; i < kRows; ++i) {
        rows.push_back({Value(i), Value("row " + std::to_string(i))});
    }
    backend().insertRows(adaptRows(traits, given, rows));
    auto provider = backend().open(settings);
    const Schema& schema = provider->describe();
    const std::size_t idColumn = schema.indexOf(traits.keyColumn).value();
    const std::size_t labelColumn = schema.indexOf("label").value();

    ReadRequest request;
    request.pageSize = 1000;
    const ReadResult all = readAll(*provider, request);
    ASSERT_EQ(all.rows.size(), static_cast<std::size_t>(kRows));
    EXPECT_EQ(all.pageSizes.size(), 13u);
    for (const std::size_t size : all.pageSizes) {
        EXPECT_GT(size, 0u);
        EXPECT_LE(size, 1000u);
    }
    std::vector<int> seen(kRows, 0);
    for (const auto& row : all.rows) {
        const std::int64_t id = integerOf(row[idColumn]);
        ASSERT_GE(id, 0);
        ASSERT_LT(id, kRows);
        ++seen[static_cast<std::size_t>(id)];
        EXPECT_EQ(row[labelColumn].asString(), "row " + std::to_string(id));
    }
    EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }))
        << "some row was read twice or not at all";

    request.maxRows = 2500;
    const ReadResult limited = readAll(*provider, request);
    EXPECT_EQ(limited.rows.size(), 2500u);
    for (const std::size_t size : limited.pageSizes) {
        EXPECT_LE(size, 1000u);
    }

    request.maxRows.reset();
    std::size_t pages = 0;
    provider->read(request, [&pages](std::vector<Record>&) {
        ++pages;
        return false;  // cancel after the first page
    });
    EXPECT_EQ(pages, 1u);

    // The provider stays usable after a cancelled read.
    request.pageSize = 0;  // the provider's default
    EXPECT_EQ(readAll(*provider, request).rows.size(), static_cast<std::size_t>(kRows));
}

// --- value round trip ------------------------------------------------------------------------

TEST_P(ProviderConformance, EveryValueTypeRoundTripsExactly) {
    const BackendTraits traits = backend().traits();
    const int precision = std::min(traits.maxDecimalPrecision, 38);
    const int scale = std::min(traits.maxDecimalScale, 10);
    const TableSpec given{{
        {"id", ValueType::Int, 0, 0, 0, true},
        {"body", ValueType::String},
        {"name", ValueType::String, 100},
        {"amount", ValueType::Decimal, 0, precision, scale},
        {"flag", ValueType::Bool},
        {"at", ValueType::DateTime},
        {"day", ValueType::Date},
        {"data", ValueType::Binary},
        {"ref", ValueType::Guid},
        {"ratio", ValueType::Double},
        {"big", ValueType::Int},
    }};
    // The largest decimal the column holds: all nines, e.g. 28 integer and 10 fraction digits.
    const std::string nines = std::string(static_cast<std::size_t>(precision - scale), '9') + "." +
                              std::string(static_cast<std::size_t>(scale), '9');
    std::vector<std::uint8_t> allBytes(256);
    for (int i = 0; i < 256; ++i) {
        allBytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
    }
    const int digits = traits.dateTimeFractionDigits;
    const std::vector<Row> givenRows = {
        {Value(1), Value("Grüße — 東京 😀 𝄞 ĳ"), Value("plain ASCII"),
         precision == 38 && scale == 10 ? decimal("1234567890123456789012345678.0123456789")
                                        : decimal(nines),
         Value(true), dateTime("2024-02-29T13:45:59.123456Z", digits), date("1999-12-31"),
         Value(Binary{allBytes}), guid("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"),
         Value(3.141592653589793), Value(std::int64_t{9007199254740993})},
        {Value(2), Value(), Value(), Value(), Value(), Value(), Value(), Value(), Value(), Value(),
         Value()},
        {Value(3), Value(longText(100000)), Value(""), decimal("-0.0000000001"), Value(false),
         dateTime("1970-01-01T00:00:00.000001Z", digits), date("2000-02-29"),
         Value(Binary{{0x00, 0xFF, 0x10}}), guid("00000000-0000-0000-0000-000000000001"),
         Value(-0.5), Value(std::int64_t{-9223372036854775807})},
        {Value(4), Value("line\nbreak\ttab 'quote' \"double\" \\ backslash;{}"), Value("ĳ東😀"),
         decimal(nines), Value(true), dateTime("2038-01-19T03:14:08.999999Z", digits),
         date("1900-01-01"), Value(Binary{{0x42}}), guid("ffffffff-ffff-ffff-ffff-ffffffffffff"),
         Value(1e-300), Value(std::int64_t{0})},
        {Value(5), Value("x"), Value("y"), decimal("0"), Value(false),
         dateTime("1999-12-31T23:59:59Z", digits), date("2024-02-29"), Value(Binary{{0x01}}),
         guid("12345678-1234-5678-9abc-def012345678"), Value(-1234567.25), Value(std::int64_t{42})},
        {Value(6), Value("negative"), Value("small"), decimal("-" + nines), Value(true),
         dateTime("2001-09-09T01:46:40.5Z", digits), date("1970-01-01"),
         Value(Binary{{0xAB, 0xCD}}), guid("0f0f0f0f-0000-1111-2222-333333333333"), Value(0.0),
         Value(std::int64_t{-1})},
    };
    const TableSpec spec = adaptSpec(traits, given);
    const std::vector<Row> rows = adaptRows(traits, given, givenRows);
    auto provider = backend().open(backend().createTable(spec));
    WriteBatch batch;
    batch.columns = names(spec, false);
    for (const auto& row : rows) {
        batch.items.push_back(insertItem(row));
    }
    const auto outcomes = provider->write(batch);
    ASSERT_EQ(outcomes.size(), rows.size());
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        EXPECT_TRUE(outcomes[i].ok) << "row " << i << ": " << outcomes[i].error;
        ASSERT_EQ(outcomes[i].key.size(), 1u);
        EXPECT_EQ(outcomes[i].key[0].canonical(), rows[i][0].canonical());
    }
    const Schema& schema = provider->describe();
    expectSameRows(inSpecOrder(readAll(*provider).rows, schema, spec), rows, spec, "provider");
    expectSameRows(backend().readRows(), rows, spec, "native");

    // Updates carry the same values back: write row 1's values over row 5 and compare.
    WriteBatch update;
    update.columns = names(spec, false);
    update.columns.erase(update.columns.begin());  // not the key
    Row values(rows[0].begin() + 1, rows[0].end());
    update.items.push_back(updateItem(Value(5), values));
    const auto updated = provider->write(update);
    ASSERT_EQ(updated.size(), 1u);
    EXPECT_TRUE(updated[0].ok) << updated[0].error;
    std::vector<Row> expected = rows;
    std::copy(rows[0].begin() + 1, rows[0].end(), expected[4].begin() + 1);
    expectSameRows(backend().readRows(), expected, spec, "native after update");
}

// Names beyond plain identifiers; where names must be ASCII (Dataverse), the most a name can
// hold there: a publisher prefix, an underscore and digits. The values stay non-ASCII.
TEST_P(ProviderConformance, NonAsciiColumnNamesWork) {
    const BackendTraits traits = backend().traits();
    const bool nonAscii = traits.nonAsciiNames;
    const std::string first = nonAscii ? "名前" : "ferry_name_1";
    const std::string second = nonAscii ? "straße" : "ferry_2nd_strasse";
    const TableSpec given{{{"id", ValueType::Int, 0, 0, 0, true},
                           {first, ValueType::String, 10},
                           {second, ValueType::String}}};
    const TableSpec spec = adaptSpec(traits, given);
    auto provider = backend().open(backend().createTable(spec));
    ASSERT_NE(provider->describe().find(first), nullptr);
    EXPECT_EQ(provider->describe().find(first)->length, 10);
    WriteBatch batch;
    batch.columns = names(spec, false);
    batch.items.push_back(insertItem({Value(1), Value("東京"), Value("ä")}));
    const auto inserted = provider->write(batch);
    ASSERT_TRUE(inserted.at(0).ok) << inserted.at(0).error;
    WriteBatch update;
    update.columns = {first};
    update.items.push_back(updateItem(Value(1), {Value("大阪😀")}));
    const auto updated = provider->write(update);
    ASSERT_TRUE(updated.at(0).ok) << updated.at(0).error;
    const std::vector<Row> expected =
        adaptRows(traits, given, {{Value(1), Value("大阪😀"), Value("ä")}});
    expectSameRows(inSpecOrder(readAll(*provider).rows, provider->describe(), spec), expected, spec,
                   "provider");
    expectSameRows(backend().readRows(), expected, spec, "native");
}

// --- insert, update, delete outcomes ---------------------------------------------------------

TEST_P(ProviderConformance, InsertReturnsGivenKeysAndUpdatesAndDeletesReportPerItem) {
    const BackendTraits traits = backend().traits();
    const TableSpec given{{{"id", ValueType::Int, 0, 0, 0, true}, {"name", ValueType::String, 50}}};
    const TableSpec spec = adaptSpec(traits, given);
    auto provider = backend().open(backend().createTable(spec));
    WriteBatch inserts;
    inserts.columns = {traits.keyColumn, "name"};
    for (int id : {10, 20, 30}) {
        inserts.items.push_back(insertItem({Value(id), Value("n" + std::to_string(id))}));
    }
    const auto inserted = provider->write(inserts);
    ASSERT_EQ(inserted.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        ASSERT_TRUE(inserted[i].ok) << inserted[i].error;
        ASSERT_EQ(inserted[i].key.size(), 1u);
        EXPECT_EQ(integerOf(inserted[i].key[0]), (static_cast<std::int64_t>(i) + 1) * 10);
    }

    WriteBatch changes;
    changes.columns = {"name"};
    changes.items.push_back(updateItem(Value(10), {Value("changed")}));
    changes.items.push_back(updateItem(Value(999999), {Value("ghost")}));
    changes.items.push_back(deleteItem(Value(30)));
    changes.items.push_back(deleteItem(Value(888888)));
    const auto outcomes = provider->write(changes);
    ASSERT_EQ(outcomes.size(), 4u);
    EXPECT_TRUE(outcomes[0].ok) << outcomes[0].error;
    EXPECT_FALSE(outcomes[1].ok) << "updating a missing row must fail that item";
    EXPECT_NE(outcomes[1].error.find("no longer exists"), std::string::npos) << outcomes[1].error;
    EXPECT_TRUE(outcomes[2].ok) << outcomes[2].error;
    EXPECT_TRUE(outcomes[3].ok) << "deleting a row that is already gone is fine: "
                                << outcomes[3].error;

    const std::vector<Row> expected =
        adaptRows(traits, given, {{Value(10), Value("changed")}, {Value(20), Value("n20")}});
    expectSameRows(backend().readRows(), expected, spec, "native");
}

// A wide table in full batches: multi-row statements must stay within what the driver and
// protocol accept (psqlodbc/libpq once failed past ~7,500 parameters and lost the connection).
TEST_P(ProviderConformance, WideTablesInsertInFullBatches) {
    const BackendTraits traits = backend().traits();
    TableSpec spec = adaptSpec(traits, {{{"id", ValueType::Int, 0, 0, 0, true}}});
    WriteBatch batch;
    batch.columns = {traits.keyColumn};
    for (int c = 1; c <= 40; ++c) {
        spec.columns.push_back({"c" + std::to_string(c), ValueType::String, 20});
        batch.columns.push_back("c" + std::to_string(c));
    }
    auto provider = backend().open(backend().createTable(spec));
    const std::size_t rows = provider->capabilities().maxBatchSize;
    for (std::size_t id = 1; id <= rows; ++id) {
        std::vector<Value> values = {Value(static_cast<std::int64_t>(id))};
        for (int c = 1; c <= 40; ++c) {
            values.emplace_back("r" + std::to_string(id) + "c" + std::to_string(c));
        }
        batch.items.push_back(insertItem(std::move(values)));
    }
    const auto outcomes = provider->write(batch);
    ASSERT_EQ(outcomes.size(), rows);
    for (const auto& outcome : outcomes) {
        ASSERT_TRUE(outcome.ok) << outcome.error;
    }
    EXPECT_EQ(readAll(*provider).rows.size(), rows);
}

// Keys the backend generates: identity integers, or the GUIDs of a service's own keys.
TEST_P(ProviderConformance, InsertReturnsGeneratedKeys) {
    const BackendTraits traits = backend().traits();
    const ValueType keyType =
        traits.keyKind == KeyKind::ServerGuid ? ValueType::Guid : ValueType::Int;
    TableSpec spec{{{"id", keyType, 0, 0, 0, true, true, false}, {"name", ValueType::String, 50}}};
    auto provider = backend().open(backend().createTable(spec));
    const Schema& schema = provider->describe();
    ASSERT_EQ(schema.keyColumns().size(), 1u);
    const Column* key = schema.find(schema.keyColumns().front());
    ASSERT_NE(key, nullptr);
    EXPECT_EQ(key->type, keyType);
    if (traits.identity()) {
        EXPECT_EQ(key->name, "id");
        EXPECT_TRUE(key->readOnly);
    }
    WriteBatch batch;
    batch.columns = {"name"};
    for (const char* name : {"first", "second", "third"}) {
        batch.items.push_back(insertItem({Value(name)}));
    }
    const auto outcomes = provider->write(batch);
    ASSERT_EQ(outcomes.size(), 3u);
    std::set<std::string> keys;
    for (const auto& outcome : outcomes) {
        ASSERT_TRUE(outcome.ok) << outcome.error;
        ASSERT_EQ(outcome.key.size(), 1u);
        ASSERT_EQ(outcome.key[0].type(), keyType);
        keys.insert(outcome.key[0].canonical());
    }
    EXPECT_EQ(keys.size(), 3u);
    const auto rows = backend().readRows();
    ASSERT_EQ(rows.size(), 3u);
    std::map<std::string, std::string> stored;
    for (const auto& row : rows) {
        stored[row[0].canonical()] = row[1].asString();
    }
    EXPECT_EQ(stored[outcomes[0].key[0].canonical()], "first");
    EXPECT_EQ(stored[outcomes[1].key[0].canonical()], "second");
    EXPECT_EQ(stored[outcomes[2].key[0].canonical()], "third");
}

// --- per-item errors -------------------------------------------------------------------------

TEST_P(ProviderConformance, ATooLongValueFailsOnlyItsItem) {
    const BackendTraits traits = backend().traits();
    const TableSpec spec =
        adaptSpec(traits, {{{"id", ValueType::Int, 0, 0, 0, true},
                            {"name", ValueType::String, 20, 0, 0, false, false, false}}});
    auto provider = backend().open(backend().createTable(spec));
    WriteBatch batch;
    batch.columns = {traits.keyColumn, "name"};
    for (int id = 1; id <= 5; ++id) {
        const std::string name = id == 3 ? std::string(25, 'x') : "name " + std::to_string(id);
        batch.items.push_back(insertItem({Value(id), Value(name)}));
    }
    const auto outcomes = provider->write(batch);
    ASSERT_EQ(outcomes.size(), 5u);
    for (std::size_t i = 0; i < 5; ++i) {
        if (i == 2) {
            EXPECT_FALSE(outcomes[i].ok);
            EXPECT_EQ(outcomes[i].errorCode, ErrorCode::ValueTooLong)
                << toString(outcomes[i].errorCode) << ": " << outcomes[i].error;
            EXPECT_NE(outcomes[i].error.find("name"), std::string::npos) << outcomes[i].error;
        } else {
            EXPECT_TRUE(outcomes[i].ok) << "item " << i << ": " << outcomes[i].error;
        }
    }
    const auto rows = backend().readRows();
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(integerOf(rows[2][0]), 4);

    // Twenty characters, some outside the BMP, fit exactly.
    WriteBatch fits;
    fits.columns = {traits.keyColumn, "name"};
    fits.items.push_back(insertItem({Value(6), Value(std::string("😀東") + std::string(18, 'a'))}));
    const auto fitted = provider->write(fits);
    EXPECT_TRUE(fitted.at(0).ok) << fitted.at(0).error;

    // Updates are checked the same way.
    WriteBatch update;
    update.columns = {"name"};
    update.items.push_back(updateItem(Value(1), {Value(std::string(21, 'y'))}));
    update.items.push_back(updateItem(Value(2), {Value("short")}));
    const auto updated = provider->write(update);
    ASSERT_EQ(updated.size(), 2u);
    EXPECT_EQ(updated[0].errorCode, ErrorCode::ValueTooLong) << updated[0].error;
    EXPECT_FALSE(updated[0].ok);
    EXPECT_TRUE(updated[1].ok) << updated[1].error;
}

TEST_P(ProviderConformance, AConstraintViolationFailsOnlyItsItem) {
    const BackendTraits traits = backend().traits();
    const TableSpec given{{{"id", ValueType::Int, 0, 0, 0, true},
                           {"name", ValueType::String, 20, 0, 0, false, false, false}}};
    const TableSpec spec = adaptSpec(traits, given);
    auto provider = backend().open(backend().createTable(spec));
    backend().insertRows(adaptRows(traits, given, {{Value(1), Value("existing")}}));
    WriteBatch batch;
    batch.columns = {traits.keyColumn, "name"};
    batch.items.push_back(insertItem({Value(2), Value("two")}));
    // Without unique keys, the second violation is another required column left empty.
    batch.items.push_back(traits.uniqueKeys ? insertItem({Value(1), Value("duplicate key")})
                                            : insertItem({Value(5), Value()}));
    batch.items.push_back(insertItem({Value(3), Value()}));  // NOT NULL
    batch.items.push_back(insertItem({Value(4), Value("four")}));
    const auto outcomes = provider->write(batch);
    ASSERT_EQ(outcomes.size(), 4u);
    EXPECT_TRUE(outcomes[0].ok) << outcomes[0].error;
    EXPECT_FALSE(outcomes[1].ok);
    EXPECT_EQ(outcomes[1].errorCode, ErrorCode::ConstraintViolation) << outcomes[1].error;
    EXPECT_FALSE(outcomes[2].ok);
    EXPECT_EQ(outcomes[2].errorCode, ErrorCode::ConstraintViolation) << outcomes[2].error;
    EXPECT_TRUE(outcomes[3].ok) << outcomes[3].error;
    const std::vector<Row> expected = adaptRows(
        traits, given,
        {{Value(1), Value("existing")}, {Value(2), Value("two")}, {Value(4), Value("four")}});
    expectSameRows(backend().readRows(), expected, spec, "native");
}

// --- select statements that cannot be written ------------------------------------------------

// A join in SQL, an $expand in OData: the rows are not records of one table.
TEST_P(ProviderConformance, AReadOnlySelectIsReadableButNotUpdatable) {
    const BackendTraits traits = backend().traits();
    const TableSpec given{{{"id", ValueType::Int, 0, 0, 0, true}, {"name", ValueType::String, 20}}};
    const ProviderSettings settings = backend().createTable(adaptSpec(traits, given));
    backend().insertRows(adaptRows(traits, given, {{Value(1), Value("one")}}));
    if (!traits.readOnlySelects) {
        auto provider = backend().open(settings);
        const ProviderCapabilities capabilities = provider->capabilities();
        EXPECT_TRUE(capabilities.writable) << capabilities.whyNotWritable;
        EXPECT_TRUE(capabilities.whyNotWritable.empty()) << capabilities.whyNotWritable;
        EXPECT_EQ(readAll(*provider).rows.size(), 1u);
        return;
    }
    const ReadOnlySelect select = backend().readOnlySelect();
    ASSERT_FALSE(select.reason.empty());
    auto provider = backend().open(select.settings);
    const ProviderCapabilities capabilities = provider->capabilities();
    EXPECT_FALSE(capabilities.writable);
    EXPECT_NE(capabilities.whyNotWritable.find(select.reason), std::string::npos)
        << "expected a reason naming '" << select.reason
        << "', got: " << capabilities.whyNotWritable;
    EXPECT_NO_THROW(provider->describe());
    EXPECT_NO_THROW(readAll(*provider));
    WriteBatch batch;
    batch.columns = {provider->describe().columns.front().name};
    batch.items.push_back(insertItem({Value(2)}));
    const std::string text =
        expectErrorCode([&] { provider->write(batch); }, ErrorCode::NotUpdatable);
    EXPECT_NE(text.find(capabilities.whyNotWritable), std::string::npos) << text;
}

// --- verify ----------------------------------------------------------------------------------

TEST_P(ProviderConformance, VerifyAcceptsAGoodEntity) {
    const TableSpec spec =
        adaptSpec(backend().traits(),
                  {{{"id", ValueType::Int, 0, 0, 0, true}, {"name", ValueType::String, 20}}});
    auto provider = backend().open(backend().createTable(spec));
    EXPECT_NO_THROW(provider->verify());
}

TEST_P(AuthenticatedProviderConformance, VerifyDiagnosesAWrongPassword) {
    backend().createTable(adaptSpec(backend().traits(), {{{"id", ValueType::Int, 0, 0, 0, true}}}));
    auto settings = backend().wrongPassword();
    ASSERT_TRUE(settings.has_value()) << "an authenticated backend must offer a wrong password";
    auto provider = backend().open(*settings);
    const std::string text =
        expectErrorCode([&] { provider->verify(); }, ErrorCode::AuthenticationFailed);
    for (const auto& [key, value] : settings->connectionString.entries()) {
        if (equalsIgnoreCase(key, "PWD") || equalsIgnoreCase(key, "Password")) {
            EXPECT_EQ(text.find(value), std::string::npos) << "the password leaked: " << text;
        }
    }
    if (!settings->password.empty()) {
        EXPECT_EQ(text.find(settings->password), std::string::npos) << "password leaked: " << text;
    }
}

TEST_P(ProviderConformance, VerifyDiagnosesAnUnreachableBackend) {
    auto provider = backend().open(backend().unreachable());
    expectErrorCode([&] { provider->verify(); }, ErrorCode::ConnectionFailed);
}

TEST_P(ProviderConformance, VerifyDiagnosesAMissingTable) {
    auto provider = backend().open(backend().missingTable());
    expectErrorCode([&] { provider->verify(); }, ErrorCode::EntityNotFound);
    expectErrorCode([&] { provider->describe(); }, ErrorCode::EntityNotFound);
}

}  // namespace ferry::test
