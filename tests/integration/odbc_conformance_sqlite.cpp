// The provider conformance suite for the ODBC provider against SQLite (the SQLite3 ODBC driver).
#include <sqlite3.h>

#include <map>
#include <stdexcept>

#include "odbc/odbc_provider.h"
#include "provider_conformance.h"
#include "test_support.h"

namespace ferry::test {

namespace {

// SQLite stores DECIMAL/NUMERIC columns with NUMERIC affinity, which turns '1.5000000001…' into
// a REAL (15 significant digits), and the SQLite ODBC driver never reports SQL_DECIMAL. So
// decimal columns are declared "DECIMAL TEXT(p,s)": the word TEXT gives them TEXT affinity
// (SQLite keeps the exact digits) and the ODBC provider recognises the declared DECIMAL.
std::string declaredType(const ColumnSpec& column) {
    switch (column.type) {
        case ValueType::Int:
            return "INTEGER";
        case ValueType::Bool:
            return "BOOLEAN";
        case ValueType::Double:
            return "DOUBLE";
        case ValueType::Decimal:
            return "DECIMAL TEXT(" + std::to_string(column.precision) + "," +
                   std::to_string(column.scale) + ")";
        case ValueType::DateTime:
            return "TIMESTAMP";
        case ValueType::Date:
            return "DATE";
        case ValueType::Guid:
            return "UUID";
        case ValueType::Binary:
            return "BLOB";
        default:
            return column.length > 0 ? "VARCHAR(" + std::to_string(column.length) + ")" : "TEXT";
    }
}

std::string quote(const std::string& name) {
    return "\"" + name + "\"";
}

class SqliteBackend final : public ConformanceBackend {
public:
    SqliteBackend() : m_file(m_dir / "conformance.db") {
        if (sqlite3_open(m_file.string().c_str(), &m_db) != SQLITE_OK) {
            throw std::runtime_error("cannot open " + m_file.string());
        }
    }
    ~SqliteBackend() override { sqlite3_close(m_db); }

    BackendTraits traits() const override { return {}; }

    ProviderSettings createTable(const TableSpec& spec) override {
        m_spec = spec;
        m_table = "t" + std::to_string(++m_tables);
        std::string sql = "CREATE TABLE " + quote(m_table) + " (";
        std::vector<std::string> keys;
        for (std::size_t i = 0; i < spec.columns.size(); ++i) {
            const auto& column = spec.columns[i];
            sql += (i > 0 ? ", " : "") + quote(column.name) + " " + declaredType(column);
            if (column.identity) {
                sql += " PRIMARY KEY AUTOINCREMENT";
            } else if (column.key) {
                keys.push_back(quote(column.name));
            }
            if (!column.nullable) {
                sql += " NOT NULL";
            }
        }
        if (!keys.empty()) {
            sql += ", PRIMARY KEY (";
            for (std::size_t i = 0; i < keys.size(); ++i) {
                sql += (i > 0 ? ", " : "") + keys[i];
            }
            sql += ")";
        }
        sql += ")";
        exec(sql);
        return settingsFor("SELECT * FROM " + m_table);
    }

    std::unique_ptr<Provider> open(const ProviderSettings& settings) override {
        return odbc::providerInfo().factory(settings);
    }

    void insertRows(const std::vector<Row>& rows) override {
        std::string sql = "INSERT INTO " + quote(m_table) + " VALUES (";
        for (std::size_t i = 0; i < m_spec.columns.size(); ++i) {
            sql += i > 0 ? ", ?" : "?";
        }
        sql += ")";
        exec("BEGIN");
        sqlite3_stmt* statement = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(m_db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
            << sqlite3_errmsg(m_db);
        for (const auto& row : rows) {
            for (std::size_t i = 0; i < row.size(); ++i) {
                bind(statement, static_cast<int>(i + 1), row[i]);
            }
            ASSERT_EQ(sqlite3_step(statement), SQLITE_DONE) << sqlite3_errmsg(m_db);
            sqlite3_reset(statement);
        }
        sqlite3_finalize(statement);
        exec("COMMIT");
    }

    std::vector<Row> readRows() override {
        std::string sql = "SELECT ";
        for (std::size_t i = 0; i < m_spec.columns.size(); ++i) {
            sql += (i > 0 ? ", " : "") + quote(m_spec.columns[i].name);
        }
        sql += " FROM " + quote(m_table) + " ORDER BY 1";
        sqlite3_stmt* statement = nullptr;
        std::vector<Row> rows;
        EXPECT_EQ(sqlite3_prepare_v2(m_db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
            << sqlite3_errmsg(m_db);
        while (sqlite3_step(statement) == SQLITE_ROW) {
            Row row;
            for (std::size_t i = 0; i < m_spec.columns.size(); ++i) {
                row.push_back(column(statement, static_cast<int>(i), m_spec.columns[i].type));
            }
            rows.push_back(std::move(row));
        }
        sqlite3_finalize(statement);
        return rows;
    }

    ReadOnlySelect readOnlySelect() override {
        exec("CREATE TABLE IF NOT EXISTS other (id INTEGER PRIMARY KEY, note TEXT)");
        return {settingsFor("SELECT a.id, a.name, b.note FROM " + m_table +
                            " a JOIN other b ON a.id = b.id"),
                "joins"};
    }

    std::optional<ProviderSettings> wrongPassword() override { return std::nullopt; }

    ProviderSettings unreachable() override {
        ProviderSettings settings = settingsFor("SELECT * FROM t1");
        settings.connectionString =
            ConnectionString::parse("Driver={Ferry No Such Driver};Database=" + m_file.string());
        return settings;
    }

    ProviderSettings missingTable() override { return settingsFor("SELECT * FROM no_such_table"); }

private:
    ProviderSettings settingsFor(const std::string& select) const {
        ProviderSettings settings;
        settings.title = "conformance " + m_table;
        settings.connectionString = ConnectionString::parse(sqliteConnectionString(m_file));
        settings.select = select;
        return settings;
    }

    void exec(const std::string& sql) {
        char* message = nullptr;
        if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            const std::string text = message != nullptr ? message : "?";
            sqlite3_free(message);
            throw std::runtime_error(sql + ": " + text);
        }
    }

    static void bind(sqlite3_stmt* statement, int index, const Value& value) {
        switch (value.type()) {
            case ValueType::Null:
                sqlite3_bind_null(statement, index);
                break;
            case ValueType::Bool:
                sqlite3_bind_int(statement, index, value.asBool() ? 1 : 0);
                break;
            case ValueType::Int:
                sqlite3_bind_int64(statement, index, value.asInt());
                break;
            case ValueType::Double:
                sqlite3_bind_double(statement, index, value.asDouble());
                break;
            case ValueType::Binary: {
                const auto& bytes = value.asBinary().bytes;
                sqlite3_bind_blob(statement, index, bytes.data(), static_cast<int>(bytes.size()),
                                  SQLITE_TRANSIENT);
                break;
            }
            case ValueType::DateTime: {
                std::string text = formatDateTime(value.asDateTime());
                text[10] = ' ';
                text.pop_back();  // 'Z'
                sqlite3_bind_text(statement, index, text.c_str(), -1, SQLITE_TRANSIENT);
                break;
            }
            default: {
                const std::string text = value.toDisplay();
                sqlite3_bind_text(statement, index, text.c_str(), -1, SQLITE_TRANSIENT);
                break;
            }
        }
    }

    static Value column(sqlite3_stmt* statement, int index, ValueType type) {
        if (sqlite3_column_type(statement, index) == SQLITE_NULL) {
            return {};
        }
        const auto text = [&] {
            const auto* bytes = sqlite3_column_text(statement, index);
            return std::string(reinterpret_cast<const char*>(bytes),
                               static_cast<std::size_t>(sqlite3_column_bytes(statement, index)));
        };
        switch (type) {
            case ValueType::Bool:
                return Value(sqlite3_column_int64(statement, index) != 0);
            case ValueType::Int:
                return Value(static_cast<std::int64_t>(sqlite3_column_int64(statement, index)));
            case ValueType::Double:
                return Value(sqlite3_column_double(statement, index));
            case ValueType::Decimal:
                EXPECT_EQ(sqlite3_column_type(statement, index), SQLITE_TEXT)
                    << "decimals must be stored as text to stay exact";
                return Value(parseDecimal(text()).value());
            case ValueType::DateTime:
                return Value(parseDateTime(text()).value());
            case ValueType::Date:
                return Value(parseDate(text()).value());
            case ValueType::Guid:
                return Value(parseGuid(text()).value());
            case ValueType::Binary: {
                const auto* bytes =
                    static_cast<const std::uint8_t*>(sqlite3_column_blob(statement, index));
                const int size = sqlite3_column_bytes(statement, index);
                return Value(Binary{std::vector<std::uint8_t>(bytes, bytes + size)});
            }
            default:
                return Value(text());
        }
    }

    TempDir m_dir;
    std::filesystem::path m_file;
    sqlite3* m_db = nullptr;
    TableSpec m_spec;
    std::string m_table;
    int m_tables = 0;
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Odbc, ProviderConformance,
                         ::testing::Values(BackendParam{
                             "Sqlite", [] { return std::make_unique<SqliteBackend>(); }}),
                         backendParamName);

// SQLite keeps text longer than its declared size; the provider binds text columns at the
// measured width for fast reads, and must still return every value whole.
TEST(SqliteOdbcReads, TextLongerThanDeclaredComesBackWhole) {
    SqliteBackend backend;
    TableSpec spec;
    spec.columns = {ColumnSpec{"id", ValueType::Int, 0, 0, 0, true},
                    ColumnSpec{"code", ValueType::String, 5}, ColumnSpec{"note", ValueType::String},
                    ColumnSpec{"data", ValueType::Binary, 4}};
    const ProviderSettings settings = backend.createTable(spec);
    std::vector<Row> rows;
    for (std::int64_t id = 1; id <= 2500; ++id) {
        std::string code = id % 7 == 0 ? std::string(static_cast<std::size_t>(id), 'x') : "ab";
        std::string note = id % 11 == 0 ? "" : "h\xc3\xa9llo " + std::to_string(id);
        Value binary = id % 13 == 0 ? Value(Binary{std::vector<std::uint8_t>(300, 0xab)})
                                    : Value(Binary{{1, 2}});
        rows.push_back({Value(id), Value(code), id % 17 == 0 ? Value() : Value(note), binary});
    }
    backend.insertRows(rows);
    auto provider = backend.open(settings);
    std::vector<Row> read;
    ReadRequest request;
    request.pageSize = 300;
    provider->read(request, [&](std::vector<Record>& page) {
        for (auto& record : page) {
            read.push_back(record.values);
        }
        return true;
    });
    ASSERT_EQ(read.size(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        ASSERT_EQ(read[i], rows[i]) << "row " << i + 1;
    }
}

// readKeys() reads just the named records, in statements of a bounded number of keys.
TEST(SqliteOdbcReads, ReadKeysReturnsExactlyTheNamedRecords) {
    SqliteBackend backend;
    TableSpec spec;
    spec.columns = {ColumnSpec{"id", ValueType::Int, 0, 0, 0, true},
                    ColumnSpec{"name", ValueType::String, 40}};
    const ProviderSettings settings = backend.createTable(spec);
    std::vector<Row> rows;
    for (std::int64_t id = 1; id <= 3000; ++id) {
        rows.push_back({Value(id), Value("n" + std::to_string(id))});
    }
    backend.insertRows(rows);
    auto provider = backend.open(settings);
    ASSERT_TRUE(provider->capabilities().supportsKeyedRead);
    std::vector<std::vector<Value>> keys;
    for (std::int64_t id = 2; id <= 2400; id += 2) {
        keys.push_back({Value(id)});  // 1,200 keys: more than one statement's worth
    }
    keys.push_back({Value(std::int64_t{999999})});  // names no record
    keys.push_back({Value("not a number")});        // cannot be an id: matches nothing
    std::map<std::int64_t, std::string> read;
    provider->readKeys(keys, [&](std::vector<Record>& page) {
        for (const auto& record : page) {
            read[record.values[0].asInt()] = record.values[1].asString();
        }
        return true;
    });
    ASSERT_EQ(read.size(), 1200U);
    EXPECT_EQ(read.begin()->first, 2);
    EXPECT_EQ(read.rbegin()->first, 2400);
    EXPECT_EQ(read[1234], "n1234");
}

}  // namespace ferry::test

// SQLite has no credentials: the authentication part of the suite does not apply.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AuthenticatedProviderConformance);
