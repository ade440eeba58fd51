// The ODBC provider: verify, describe, streaming reads and transactional batch writes.
#include "odbc_provider.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include <spdlog/spdlog.h>

#include "odbc_connection_string.h"
#include "odbc_dialect.h"
#include "odbc_handles.h"
#include "odbc_select.h"
#include "odbc_values.h"

namespace ferry::odbc {

namespace {

constexpr std::size_t kDefaultPageSize = 5000;
constexpr std::size_t kMaxRowsPerFetch = 1000;

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += separator;
        }
        out += item;
    }
    return out;
}

std::string tableDisplay(const SelectStatement& select) {
    return select.table.parts.empty() ? std::string("the table")
                                      : "'" + join(select.table.parts, ".") + "'";
}

// The first message that says something (SQLSTATE 01000 records are informational).
std::string firstMessage(const DriverError& error) {
    for (const auto& record : error.records()) {
        if (record.state != "01000" && !record.message.empty()) {
            // psqlodbc appends ";\nError while executing the query" and prefixes "ERROR:".
            std::string message = record.message.substr(0, record.message.find('\n'));
            while (!message.empty() && (message.back() == ';' || message.back() == ' ')) {
                message.pop_back();
            }
            for (const std::string_view prefix : {"ERROR:", "FATAL:"}) {
                if (message.compare(0, prefix.size(), prefix) == 0) {
                    message.erase(0, message.find_first_not_of(' ', prefix.size()));
                }
            }
            if (message.size() > 300) {
                message = message.substr(0, 300) + "…";
            }
            return message;
        }
    }
    return error.what();
}

bool connectionLost(const DriverError& error) {
    return error.hasState("08S01") || error.hasState("08003") || error.hasState("08007") ||
           error.mentions("server closed the connection") ||
           error.mentions("no connection to the server") ||
           error.mentions("could not send data to server");
}

Error connectionLostError(std::string detail) {
    return Error(ErrorCode::ConnectionFailed, "the connection to the database was lost",
                 std::move(detail), "check the network and the server, then run again", true);
}

bool isInstalled(const DriverCatalog& catalog, const std::string& driver) {
    return std::any_of(
        catalog.drivers.begin(), catalog.drivers.end(),
        [&driver](const std::string& name) { return equalsIgnoreCase(name, driver); });
}

bool isTextual(ValueType type) {
    return type == ValueType::String || type == ValueType::Binary;
}

WriteOutcome failure(const ItemProblem& problem) {
    WriteOutcome outcome;
    outcome.ok = false;
    outcome.errorCode = problem.code;
    outcome.error = problem.message;
    return outcome;
}

WriteOutcome success(std::vector<Value> key) {
    WriteOutcome outcome;
    outcome.ok = true;
    outcome.key = std::move(key);
    return outcome;
}

// Declared type of a SQLite column, e.g. "VARCHAR(20)", "DECIMAL TEXT(38,10)".
void parseDeclaredType(const std::string& declared, ColumnPlan& column) {
    std::string lowered = declared;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    int first = 0;
    int second = -1;
    const auto open = lowered.find('(');
    if (open != std::string::npos) {
        const auto close = lowered.find(')', open);
        const std::string inside = lowered.substr(
            open + 1, close == std::string::npos ? std::string::npos : close - open - 1);
        const auto comma = inside.find(',');
        try {
            first = std::stoi(inside.substr(0, comma));
            if (comma != std::string::npos) {
                second = std::stoi(inside.substr(comma + 1));
            }
        } catch (const std::exception&) {
            first = 0;
            second = -1;
        }
    }
    if (column.type == ValueType::Decimal) {
        column.precision = first;
        column.scale = std::max(second, 0);
    } else if (isTextual(column.type)) {
        // SQLite enforces no length; only an explicit VARCHAR(n) states one.
        column.length = first > 0 ? first : 0;
    }
}

}  // namespace

struct OdbcProvider::WritePlan {
    std::vector<std::size_t> columnIndex;  // batch column -> schema column
    std::vector<std::string> columnNames;  // table column names for the batch columns
    std::vector<std::size_t> keyIndex;     // schema columns of the key
    std::vector<std::string> keyNames;
    std::vector<int> keyInBatch;  // per key column: its batch column, or -1
    bool keysWritten = false;
    bool generateKeys = false;
    std::size_t rowsPerInsert = 1;
};

// --- construction ----------------------------------------------------------------------------

OdbcProvider::OdbcProvider(ProviderSettings settings)
    : m_settings(std::move(settings)), m_params(std::make_unique<ParameterBuffer>()) {
    try {
        m_select = std::make_unique<SelectStatement>(parseSelect(m_settings.select));
    } catch (const Error& error) {
        m_selectError = std::make_unique<Error>(error);
    }
}

OdbcProvider::~OdbcProvider() = default;

ProviderCapabilities OdbcProvider::capabilities() const {
    ProviderCapabilities capabilities;
    capabilities.supportsTransactions = true;
    capabilities.maxBatchSize = 1000;
    capabilities.defaultPageSize = kDefaultPageSize;
    if (m_selectError) {
        capabilities.writable = false;
        capabilities.whyNotWritable = m_selectError->message();
    } else {
        capabilities.writable = m_select->writable;
        capabilities.whyNotWritable = m_select->whyNotWritable;
        capabilities.supportsKeyedRead = true;
        capabilities.canCreateEntity = m_select->writable;
    }
    return capabilities;
}

const SelectStatement& OdbcProvider::select() const {
    if (m_selectError) {
        throw *m_selectError;
    }
    return *m_select;
}

std::string OdbcProvider::redact(std::string text) const {
    std::vector<std::string> secrets;
    if (m_settings.password.size() >= 3) {
        secrets.push_back(m_settings.password);
    }
    for (const auto& [key, value] : m_settings.connectionString.entries()) {
        if ((equalsIgnoreCase(key, "PWD") || equalsIgnoreCase(key, "Password")) &&
            value.size() >= 3) {
            secrets.push_back(value);
        }
    }
    for (const auto& secret : secrets) {
        for (auto pos = text.find(secret); pos != std::string::npos;
             pos = text.find(secret, pos + 3)) {
            text.replace(pos, secret.size(), "***");
        }
    }
    return text;
}

// --- connecting ------------------------------------------------------------------------------

void OdbcProvider::ensureConnected() {
    if (m_connection && m_connection->connected()) {
        return;
    }
    m_statements.clear();
    const DriverCatalog catalog = installedDrivers();
    m_translated = std::make_unique<TranslatedConnection>(translateConnectionString(
        m_settings.connectionString, m_settings.password, catalog, kDefaultPageSize));
    spdlog::debug("odbc: connecting to '{}' with {}", m_settings.title, m_translated->redacted);

    auto connection = std::make_unique<Connection>();
#ifndef _WIN32
    // The SQLite ODBC driver has no Unicode entry points on unixODBC (see Connection::setNarrow).
    connection->setNarrow(m_translated->driver.find("SQLite") != std::string::npos ||
                          m_translated->driver.find("sqlite") != std::string::npos);
#endif
    try {
        connection->connect(m_translated->text);
    } catch (const DriverError& error) {
        const TranslatedConnection& tc = *m_translated;
        const std::string detail = redact(error.detail());
        // unixODBC reports an unknown Driver= name as a library it cannot open (01000).
        if (error.hasState("IM002") || error.hasState("IM003") ||
            error.mentions("can't open lib")) {
            std::string hint =
                "installed ODBC drivers: " +
                (catalog.drivers.empty() ? std::string("none") : join(catalog.drivers, ", "));
            if (tc.adoNet) {
                hint +=
                    "; for SQL Server install FreeTDS (Debian/Ubuntu: apt install tdsodbc) "
                    "or the Microsoft ODBC Driver 18 for SQL Server";
            }
            if (!tc.dsn.empty() && tc.driver.empty()) {
                std::vector<std::string> names;
                for (const auto& source : catalog.dataSources) {
                    names.push_back(source.first);
                }
                throw Error(ErrorCode::ConnectionFailed,
                            "the ODBC data source '" + tc.dsn + "' is not configured", detail,
                            "configured data sources: " +
                                (names.empty() ? std::string("none") : join(names, ", ")) + "; " +
                                hint);
            }
            throw Error(ErrorCode::ConnectionFailed,
                        error.hasState("IM003") || isInstalled(catalog, tc.driver)
                            ? "the ODBC driver '" + tc.driver + "' could not be loaded"
                            : "the ODBC driver '" + tc.driver + "' is not installed",
                        detail, hint);
        }
        if (error.hasState("28") || error.mentions("authentication failed") ||
            error.mentions("login failed") || error.mentions("access denied") ||
            error.mentions("no password supplied") || error.mentions("password is incorrect")) {
            throw Error(ErrorCode::AuthenticationFailed,
                        tc.user.empty() ? std::string("authentication failed")
                                        : "authentication failed for user '" + tc.user + "'",
                        detail,
                        "check the user name and the password (kept in the credential store, not "
                        "in the connection string)");
        }
        const std::string where =
            tc.server.empty() ? std::string("the database") : "'" + tc.server + "'";
        throw Error(ErrorCode::ConnectionFailed, "could not connect to " + where, detail,
                    "check the server name, port and database, and that the server accepts "
                    "connections from this computer",
                    error.hasState("08"));
    }
    m_dialect =
        std::make_unique<Dialect>(Dialect::forDbmsName(connection->infoText(SQL_DBMS_NAME)));
    m_getDataAnyColumn = (connection->infoNumber(SQL_GETDATA_EXTENSIONS) & SQL_GD_ANY_COLUMN) != 0;
    spdlog::debug("odbc: connected to {} ({} dialect)", connection->infoText(SQL_DBMS_NAME),
                  m_dialect->displayName());
    for (const auto& sql : m_dialect->sessionSetup()) {
        Statement statement(*connection);
        try {
            statement.execDirect(sql);
        } catch (const DriverError& error) {
            spdlog::warn("odbc: '{}' failed: {}", sql, redact(error.detail()));
        }
    }
    m_connection = std::move(connection);
}

Statement& OdbcProvider::prepared(const std::string& sql) {
    auto it = m_statements.find(sql);
    if (it != m_statements.end()) {
        return *it->second;
    }
    auto statement = std::make_unique<Statement>(*m_connection);
    statement->prepare(sql);
    return *m_statements.emplace(sql, std::move(statement)).first->second;
}

// --- verify and describe ---------------------------------------------------------------------

namespace {

Error queryError(const DriverError& error, const SelectStatement& select, std::string detail) {
    if (connectionLost(error)) {
        return connectionLostError(std::move(detail));
    }
    if (error.hasState("42S02") || error.hasState("42P01") || error.mentions("no such table") ||
        error.mentions("invalid object name") ||
        (error.mentions("relation") && error.mentions("does not exist")) ||
        (error.mentions("table") && error.mentions("doesn't exist"))) {
        return Error(ErrorCode::EntityNotFound,
                     "the table " + tableDisplay(select) + " does not exist", std::move(detail),
                     "check the table name (and its schema) in the select statement");
    }
    if (error.hasState("42S22") || error.hasState("42703") || error.mentions("no such column") ||
        error.mentions("invalid column name")) {
        return Error(
            ErrorCode::QueryFailed,
            "the select statement names a column that does not exist: " + firstMessage(error),
            std::move(detail), "check the column names in the select statement");
    }
    if (error.hasState("42501") || error.mentions("permission denied")) {
        return Error(ErrorCode::QueryFailed,
                     "the user may not read " + tableDisplay(select) + ": " + firstMessage(error),
                     std::move(detail), "ask the database administrator for SELECT permission");
    }
    return Error(ErrorCode::QueryFailed, "the select statement failed: " + firstMessage(error),
                 std::move(detail), "check the select statement's syntax for this database");
}

}  // namespace

void OdbcProvider::doVerify() {
    ensureConnected();
    const SelectStatement& statement = select();
    Statement probe(*m_connection);
    try {
        probe.execDirect(m_dialect->limitedSelect(statement.sql, 0));
        probe.describeColumns();
    } catch (const DriverError& error) {
        throw queryError(error, statement, redact(error.detail()));
    }
    probe.closeCursor();
    describe();  // checks the primary key columns too
}

bool OdbcProvider::doEntityExists() {
    ensureConnected();
    const SelectStatement& statement = select();
    Statement probe(*m_connection);
    try {
        probe.execDirect(
            m_dialect->limitedSelect("SELECT * FROM " + m_dialect->quoteTable(statement.table), 0));
    } catch (const DriverError& error) {
        const Error problem = queryError(error, statement, redact(error.detail()));
        if (problem.code() == ErrorCode::EntityNotFound) {
            return false;
        }
        throw problem;
    }
    probe.closeCursor();
    return true;
}

CreatedEntity OdbcProvider::doCreateEntity(const std::vector<Column>& columns) {
    if (doEntityExists()) {
        throw Error(ErrorCode::InvalidArgument,
                    "the table " + tableDisplay(select()) + " already exists");
    }
    const SelectStatement& statement = select();
    CreatedEntity created;
    created.name = "table " + tableDisplay(statement);
    for (const auto& column : columns) {
        created.columns.push_back(column.name + " → " + m_dialect->columnType(column) +
                                  (column.key ? ", primary key" : ""));
    }
    const std::string sql = m_dialect->createTableStatement(statement.table, columns);
    Statement create(*m_connection);
    try {
        create.execDirect(sql);
    } catch (const DriverError& error) {
        throw Error(
            ErrorCode::QueryFailed,
            "could not create the table " + tableDisplay(statement) + ": " + firstMessage(error),
            redact(error.detail()), "check that the user may create tables there");
    }
    spdlog::info("odbc: created the table {} ({} columns)", tableDisplay(statement),
                 columns.size());
    return created;
}

Schema OdbcProvider::doDescribe() {
    ensureConnected();
    const SelectStatement& statement = select();
    std::vector<ColumnInfo> infos;
    {
        Statement probe(*m_connection);
        try {
            probe.execDirect(m_dialect->limitedSelect(statement.sql, 0));
            infos = probe.describeColumns();
        } catch (const DriverError& error) {
            throw queryError(error, statement, redact(error.detail()));
        }
        probe.closeCursor();
    }
    m_columns.clear();
    for (auto& info : infos) {
        ColumnPlan plan;
        plan.type = valueTypeFor(info, *m_dialect);
        plan.length = declaredLength(info, plan.type);
        if (plan.type == ValueType::Decimal) {
            plan.precision = static_cast<int>(std::min<SQLULEN>(info.size, 1000));
            plan.scale = info.digits;
        }
        plan.info = std::move(info);
        m_columns.push_back(std::move(plan));
    }
    if (m_dialect->kind() == DialectKind::Sqlite) {
        refineSqliteColumns();
    }
    Schema schema;
    for (const auto& plan : m_columns) {
        Column column;
        column.name = plan.info.name;
        column.displayName = plan.info.name;
        column.type = plan.type;
        column.readOnly = plan.info.autoUnique;
        column.nullable = plan.info.nullable;
        column.length = plan.length;
        column.precision = plan.precision;
        column.scale = plan.scale;
        column.nativeType = plan.info.typeName;
        schema.columns.push_back(std::move(column));
    }
    readPrimaryKeys(schema);
    return schema;
}

void OdbcProvider::refineSqliteColumns() {
    const SelectStatement& statement = select();
    if (statement.table.parts.empty()) {
        return;
    }
    const auto& parts = statement.table.parts;
    std::string sql = "PRAGMA ";
    if (parts.size() > 1) {
        sql += m_dialect->quoteIdentifier(parts[parts.size() - 2]) + ".";
    }
    sql += "table_info(" + m_dialect->quoteIdentifier(parts.back()) + ")";
    Statement pragma(*m_connection);
    try {
        pragma.execDirect(sql);
        std::string name;
        std::string declared;
        std::string notNull;
        while (pragma.fetch()) {
            pragma.getText(2, false, name);
            pragma.getText(3, false, declared);
            pragma.getText(4, false, notNull);
            const std::string base = name;
            for (auto& column : m_columns) {
                if (equalsIgnoreCase(statement.baseColumn(column.info.name), base)) {
                    parseDeclaredType(declared, column);
                    column.info.nullable = notNull != "1";
                }
            }
        }
    } catch (const DriverError& error) {
        spdlog::debug("odbc: {} failed: {}", sql, error.detail());
    }
    pragma.closeCursor();
}

void OdbcProvider::readPrimaryKeys(Schema& schema) {
    const SelectStatement& statement = select();
    if (!m_settings.primaryKey.empty()) {
        for (const auto& name : m_settings.primaryKey) {
            const auto index = schema.indexOf(name);
            if (!index) {
                std::vector<std::string> names;
                for (const auto& column : schema.columns) {
                    names.push_back(column.name);
                }
                throw Error(ErrorCode::QueryFailed,
                            "the primary key column '" + name +
                                "' is not among the columns of the select statement",
                            {}, "columns: " + join(names, ", "));
            }
            schema.columns[*index].key = true;
        }
        return;
    }
    if (statement.table.parts.empty()) {
        return;
    }
    const std::vector<std::string> parts = m_dialect->storedParts(statement.table);
    struct KeyPart {
        std::string schema;
        int sequence = 0;
        std::string column;
    };
    std::vector<KeyPart> found;
    Statement keys(*m_connection);
    try {
        keys.primaryKeys(parts.size() >= 3 ? parts[parts.size() - 3] : std::string(),
                         parts.size() >= 2 ? parts[parts.size() - 2] : std::string(), parts.back());
        std::string text;
        while (keys.fetch()) {
            KeyPart part;
            const bool wide = !m_connection->narrow();
            keys.getText(2, wide, part.schema);
            keys.getText(4, wide, part.column);
            keys.getText(5, wide, text);
            part.sequence = std::atoi(text.c_str());
            found.push_back(std::move(part));
        }
    } catch (const DriverError& error) {
        spdlog::debug("odbc: SQLPrimaryKeys for {} failed: {}", join(parts, "."), error.detail());
        return;
    }
    keys.closeCursor();
    if (found.empty()) {
        return;
    }
    // Without a schema in the select, a same-named table may exist in several schemas: take the
    // usual default schema when present, else the first.
    std::string chosen = found.front().schema;
    for (const auto& part : found) {
        if (part.schema == "public" || part.schema == "dbo" || part.schema == "main") {
            chosen = part.schema;
            break;
        }
    }
    std::sort(found.begin(), found.end(),
              [](const KeyPart& a, const KeyPart& b) { return a.sequence < b.sequence; });
    for (const auto& part : found) {
        if (part.schema != chosen) {
            continue;
        }
        for (auto& column : schema.columns) {
            if (equalsIgnoreCase(statement.baseColumn(column.name), part.column)) {
                column.key = true;
            }
        }
    }
}

// --- reading ---------------------------------------------------------------------------------

std::string OdbcProvider::readStatement() const {
    const SelectStatement& statement = select();
    const bool anyDouble = std::any_of(m_columns.begin(), m_columns.end(), [](const ColumnPlan& c) {
        return c.type == ValueType::Double;
    });
    if (m_dialect->kind() != DialectKind::Sqlite || !anyDouble || !statement.writable ||
        statement.fromOffset == 0) {
        return statement.sql;
    }
    // The SQLite ODBC driver hands REAL values over as text with 15 significant digits, which
    // loses the last digits of a double. Asking SQLite for 17 digits keeps every double exact
    // (the driver parses the text back into SQL_C_DOUBLE).
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
        const std::string name = m_dialect->quoteIdentifier(m_columns[i].info.name);
        const std::string column =
            m_dialect->quoteIdentifier(statement.baseColumn(m_columns[i].info.name));
        sql += i > 0 ? ", " : "";
        if (m_columns[i].type == ValueType::Double) {
            sql += "CASE WHEN typeof(" + column + ") = 'real' THEN printf('%!.17g', " + column +
                   ") ELSE " + column + " END AS " + name;
        } else {
            sql += column + " AS " + name;
        }
    }
    return sql + " " + statement.sql.substr(statement.fromOffset);
}

void OdbcProvider::doRead(const ReadRequest& request, const PageSink& sink) {
    describe();
    const SelectStatement& statement = select();
    const std::size_t pageSize = request.pageSize > 0 ? request.pageSize : kDefaultPageSize;
    const std::size_t limit = request.maxRows.value_or(std::numeric_limits<std::size_t>::max());
    if (limit == 0) {
        return;
    }
    const std::string base = readStatement();
    const std::string sql = request.maxRows ? m_dialect->limitedSelect(base, limit) : base;
    Statement cursor(*m_connection);
    try {
        cursor.execDirect(sql);
        if (static_cast<std::size_t>(cursor.resultColumns()) != m_columns.size()) {
            throw Error(
                ErrorCode::QueryFailed,
                "the columns of " + tableDisplay(statement) + " changed while Ferry was reading it",
                {}, "run again");
        }
        // SQLite text has no enforced size: measure the longest values so those columns can be
        // bound for many rows per fetch (a preview reads too few rows to be worth it).
        const std::vector<std::size_t> measured =
            request.maxRows ? std::vector<std::size_t>{} : measureSqliteColumns(base);
        RowReader reader(cursor, m_columns, *m_dialect, std::min(pageSize, kMaxRowsPerFetch),
                         m_getDataAnyColumn, measured);
        std::vector<Record> page;
        page.reserve(std::min<std::size_t>(pageSize, 65536));
        std::size_t used = 0;
        std::size_t total = 0;
        const auto deliver = [&]() {
            page.resize(used);
            used = 0;
            return sink(page);
        };
        while (total < limit) {
            const std::size_t rows = reader.fetch();
            if (rows == 0) {
                break;
            }
            for (std::size_t row = 0; row < rows && total < limit; ++row, ++total) {
                // Reuse the records (and their value vectors) of the previous page when the sink
                // left them in place.
                if (used == page.size()) {
                    page.emplace_back();
                }
                reader.read(row, page[used].values);
                ++used;
                if (used == pageSize && !deliver()) {
                    cursor.closeCursor();
                    return;
                }
            }
        }
        if (used > 0) {
            deliver();
        }
    } catch (const DriverError& error) {
        throw queryError(error, statement, redact(error.detail()));
    }
    cursor.closeCursor();
}

// The longest value, in bytes, of each SQLite text or binary column of the select (0 = not
// measured). One aggregate scan, cheap next to reading rows one at a time; any failure (e.g.
// duplicate column names in a hand-written select) just leaves the columns unmeasured.
std::vector<std::size_t> OdbcProvider::measureSqliteColumns(const std::string& selectSql) {
    std::vector<std::size_t> sizes(m_columns.size(), 0);
    if (m_dialect->kind() != DialectKind::Sqlite) {
        return sizes;
    }
    std::string sql;
    std::vector<std::size_t> measuredColumns;
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
        if (m_columns[i].type != ValueType::String && m_columns[i].type != ValueType::Binary) {
            continue;
        }
        sql += sql.empty() ? "SELECT " : ", ";
        sql +=
            "MAX(LENGTH(CAST(" + m_dialect->quoteIdentifier(m_columns[i].info.name) + " AS BLOB)))";
        measuredColumns.push_back(i);
    }
    if (measuredColumns.empty()) {
        return sizes;
    }
    sql += " FROM (" + selectSql + ") AS ferry_measure";
    try {
        Statement query(*m_connection);
        query.execDirect(sql);
        if (query.fetch()) {
            std::string text;
            for (std::size_t m = 0; m < measuredColumns.size(); ++m) {
                if (query.getText(static_cast<SQLUSMALLINT>(m + 1), false, text)) {
                    // An empty column still needs room for the terminator.
                    sizes[measuredColumns[m]] = std::max<std::size_t>(1, std::stoull(text));
                } else {
                    sizes[measuredColumns[m]] = 1;  // no rows, or only NULLs
                }
            }
        }
        query.closeCursor();
    } catch (const DriverError& error) {
        spdlog::debug("could not measure SQLite column sizes: {}", redact(error.detail()));
        return std::vector<std::size_t>(m_columns.size(), 0);
    } catch (const std::exception&) {
        return std::vector<std::size_t>(m_columns.size(), 0);
    }
    return sizes;
}

void OdbcProvider::doReadKeys(const std::vector<std::vector<Value>>& keys, const PageSink& sink) {
    const Schema& schema = describe();
    const SelectStatement& statement = select();
    std::vector<std::size_t> keyIndex;
    for (std::size_t i = 0; i < schema.columns.size(); ++i) {
        if (schema.columns[i].key) {
            keyIndex.push_back(i);
        }
    }
    if (keyIndex.empty()) {
        throw Error(ErrorCode::Internal,
                    "readKeys() on " + tableDisplay(statement) + ", which has no primary key");
    }
    // Enough keys per statement to make the round trips rare, few enough for any driver.
    const std::size_t perStatement = std::max<std::size_t>(
        1, std::min<std::size_t>(500, m_dialect->maxParameters() / keyIndex.size()));
    const std::string base = readStatement();
    ParameterBuffer params;
    std::vector<Record> page;
    for (std::size_t first = 0; first < keys.size(); first += perStatement) {
        const std::size_t last = std::min(keys.size(), first + perStatement);
        params.clear();
        std::string where;
        for (std::size_t k = first; k < last; ++k) {
            if (keys[k].size() != keyIndex.size()) {
                throw Error(ErrorCode::Internal,
                            "readKeys(): a key has " + std::to_string(keys[k].size()) +
                                " values for " + std::to_string(keyIndex.size()) + " columns");
            }
            const std::size_t mark = params.size();
            bool convertible = true;
            for (std::size_t c = 0; c < keyIndex.size() && convertible; ++c) {
                const auto& column = schema.columns[keyIndex[c]];
                convertible =
                    !params.add(keys[k][c], m_columns[keyIndex[c]], column.name, *m_dialect);
            }
            if (!convertible) {
                params.truncate(mark);  // a key this column cannot hold matches no row
                continue;
            }
            where += where.empty() ? "(" : " OR (";
            for (std::size_t c = 0; c < keyIndex.size(); ++c) {
                where += (c > 0 ? " AND " : "") +
                         m_dialect->quoteIdentifier(schema.columns[keyIndex[c]].name) + " = ?";
            }
            where += ")";
        }
        if (where.empty()) {
            continue;
        }
        page.clear();
        try {
            Statement cursor(*m_connection);
            cursor.prepare("SELECT * FROM (" + base + ") AS ferry_keyed WHERE " + where);
            params.bind(cursor);
            cursor.execute();
            RowReader reader(cursor, m_columns, *m_dialect, kMaxRowsPerFetch, m_getDataAnyColumn);
            for (std::size_t rows = reader.fetch(); rows > 0; rows = reader.fetch()) {
                for (std::size_t row = 0; row < rows; ++row) {
                    page.emplace_back();
                    reader.read(row, page.back().values);
                }
            }
            cursor.closeCursor();
        } catch (const DriverError& error) {
            throw queryError(error, statement, redact(error.detail()));
        }
        if (!page.empty() && !sink(page)) {
            return;
        }
    }
}

// --- writing ---------------------------------------------------------------------------------

std::vector<WriteOutcome> OdbcProvider::doWrite(const WriteBatch& batch) {
    const Schema& schema = describe();
    const SelectStatement& statement = select();
    if (!statement.writable) {
        throw Error(ErrorCode::NotUpdatable, statement.whyNotWritable, {},
                    "change the select statement, or sync in the other direction only");
    }
    ensureConnected();

    WritePlan plan;
    for (const auto& name : batch.columns) {
        const auto index = schema.indexOf(name);
        if (!index) {
            throw Error(
                ErrorCode::InvalidArgument,
                "the column '" + name + "' is not among the columns of " + tableDisplay(statement));
        }
        plan.columnIndex.push_back(*index);
        plan.columnNames.push_back(statement.baseColumn(schema.columns[*index].name));
    }
    for (std::size_t i = 0; i < schema.columns.size(); ++i) {
        if (!schema.columns[i].key) {
            continue;
        }
        plan.keyIndex.push_back(i);
        plan.keyNames.push_back(statement.baseColumn(schema.columns[i].name));
        const auto at = std::find(plan.columnIndex.begin(), plan.columnIndex.end(), i);
        plan.keyInBatch.push_back(
            at == plan.columnIndex.end() ? -1 : static_cast<int>(at - plan.columnIndex.begin()));
    }
    plan.keysWritten =
        !plan.keyIndex.empty() && std::all_of(plan.keyInBatch.begin(), plan.keyInBatch.end(),
                                              [](int position) { return position >= 0; });
    const GeneratedKeys generated = m_dialect->generatedKeys();
    plan.generateKeys =
        !plan.keyIndex.empty() && !plan.keysWritten &&
        (generated == GeneratedKeys::Returning || generated == GeneratedKeys::OutputInserted ||
         (plan.keyIndex.size() == 1 && generated != GeneratedKeys::None));
    plan.rowsPerInsert = m_dialect->rowsPerInsert(std::max<std::size_t>(batch.columns.size(), 1));

    std::vector<WriteOutcome> outcomes(batch.items.size());
    std::vector<std::size_t> all(batch.items.size());
    std::iota(all.begin(), all.end(), std::size_t{0});

    const auto lost = [this](const DriverError& error) {
        // Statements first: disconnecting frees their handles inside the driver manager.
        m_statements.clear();
        m_connection->disconnect();
        return connectionLostError(redact(error.detail()));
    };
    try {
        m_connection->setAutoCommit(false);
        try {
            applyItems(batch, all, plan, outcomes);
            m_connection->commit();
        } catch (const DriverError& error) {
            m_connection->rollback();
            if (connectionLost(error)) {
                throw lost(error);
            }
            // The statement that failed may still hold a half-run execution.
            for (auto& entry : m_statements) {
                entry.second->closeCursor();
            }
            spdlog::debug("odbc: batch of {} failed ({}); applying items one by one",
                          batch.items.size(), redact(error.detail()));
            for (const std::size_t item : all) {
                outcomes[item] = WriteOutcome{};
                try {
                    applyItems(batch, {item}, plan, outcomes);
                    m_connection->commit();
                } catch (const DriverError& itemError) {
                    m_connection->rollback();
                    for (auto& entry : m_statements) {
                        entry.second->closeCursor();
                    }
                    if (connectionLost(itemError)) {
                        throw lost(itemError);
                    }
                    outcomes[item] = failure(itemProblem(itemError, batch, item, plan));
                }
            }
        }
        m_connection->setAutoCommit(true);
    } catch (...) {
        if (m_connection->connected()) {
            m_connection->rollback();
            try {
                m_connection->setAutoCommit(true);
            } catch (const DriverError&) {
                m_statements.clear();
                m_connection->disconnect();
            }
        }
        throw;
    }
    return outcomes;
}

void OdbcProvider::applyItems(const WriteBatch& batch, const std::vector<std::size_t>& items,
                              const WritePlan& plan, std::vector<WriteOutcome>& outcomes) {
    std::size_t begin = 0;
    while (begin < items.size()) {
        const WriteKind kind = batch.items[items[begin]].kind;
        std::size_t end = begin;
        while (end < items.size() && batch.items[items[end]].kind == kind) {
            ++end;
        }
        if (kind == WriteKind::Insert && !plan.generateKeys) {
            insertRows(batch,
                       std::vector<std::size_t>(items.begin() + static_cast<std::ptrdiff_t>(begin),
                                                items.begin() + static_cast<std::ptrdiff_t>(end)),
                       plan, outcomes);
        } else {
            for (std::size_t i = begin; i < end; ++i) {
                if (kind == WriteKind::Insert) {
                    insertWithGeneratedKey(batch, items[i], plan, outcomes);
                } else {
                    updateOrDelete(batch, items[i], plan, outcomes);
                }
            }
        }
        begin = end;
    }
}

void OdbcProvider::insertRows(const WriteBatch& batch, const std::vector<std::size_t>& items,
                              const WritePlan& plan, std::vector<WriteOutcome>& outcomes) {
    ParameterBuffer& params = *m_params;
    params.clear();
    std::vector<std::size_t> chunk;
    chunk.reserve(plan.rowsPerInsert);
    const auto flush = [&]() {
        if (chunk.empty()) {
            return;
        }
        Statement& insert =
            prepared(m_dialect->insertStatement(select().table, plan.columnNames, chunk.size()));
        params.bind(insert);
        insert.execute();
        insert.closeCursor();
        for (const std::size_t item : chunk) {
            std::vector<Value> key;
            if (plan.keysWritten) {
                for (const int position : plan.keyInBatch) {
                    key.push_back(batch.items[item].values[static_cast<std::size_t>(position)]);
                }
            }
            outcomes[item] = success(std::move(key));
        }
        chunk.clear();
        params.clear();
    };
    for (const std::size_t item : items) {
        const std::size_t mark = params.size();
        std::optional<ItemProblem> problem;
        for (std::size_t c = 0; c < plan.columnIndex.size() && !problem; ++c) {
            problem = params.add(batch.items[item].values[c], m_columns[plan.columnIndex[c]],
                                 plan.columnNames[c], *m_dialect);
        }
        if (problem) {
            params.truncate(mark);
            outcomes[item] = failure(*problem);
            continue;
        }
        chunk.push_back(item);
        if (chunk.size() == plan.rowsPerInsert) {
            flush();
        }
    }
    flush();
}

void OdbcProvider::insertWithGeneratedKey(const WriteBatch& batch, std::size_t item,
                                          const WritePlan& plan,
                                          std::vector<WriteOutcome>& outcomes) {
    ParameterBuffer& params = *m_params;
    params.clear();
    for (std::size_t c = 0; c < plan.columnIndex.size(); ++c) {
        if (auto problem = params.add(batch.items[item].values[c], m_columns[plan.columnIndex[c]],
                                      plan.columnNames[c], *m_dialect)) {
            outcomes[item] = failure(*problem);
            return;
        }
    }
    const GeneratedKeys mode = m_dialect->generatedKeys();
    const bool inStatement =
        mode == GeneratedKeys::Returning || mode == GeneratedKeys::OutputInserted;
    Statement& insert = prepared(
        m_dialect->insertStatement(select().table, plan.columnNames, 1,
                                   inStatement ? plan.keyNames : std::vector<std::string>{}));
    params.bind(insert);
    insert.execute();
    std::vector<Value> key;
    std::string text;
    const auto readKey = [&](Statement& statement) {
        if (statement.fetch()) {
            for (std::size_t k = 0; k < plan.keyIndex.size(); ++k) {
                const bool present = statement.getText(static_cast<SQLUSMALLINT>(k + 1),
                                                       m_dialect->wideText(), text);
                key.push_back(present ? valueFromText(text, m_columns[plan.keyIndex[k]].type)
                                      : Value());
            }
        }
        statement.closeCursor();
    };
    if (inStatement) {
        readKey(insert);
    } else {
        insert.closeCursor();
        Statement& query = prepared(m_dialect->lastInsertKeyQuery());
        query.execute();
        readKey(query);
    }
    outcomes[item] = success(std::move(key));
}

void OdbcProvider::updateOrDelete(const WriteBatch& batch, std::size_t item, const WritePlan& plan,
                                  std::vector<WriteOutcome>& outcomes) {
    const WriteItem& entry = batch.items[item];
    if (plan.keyIndex.empty()) {
        outcomes[item] = failure({ErrorCode::ItemFailed,
                                  "the table has no primary key, so Ferry cannot tell which row "
                                  "to change: set the entity's primary key"});
        return;
    }
    if (entry.key.size() != plan.keyIndex.size()) {
        outcomes[item] =
            failure({ErrorCode::ItemFailed,
                     "the item has " + std::to_string(entry.key.size()) + " key values for " +
                         std::to_string(plan.keyIndex.size()) + " key columns"});
        return;
    }
    const bool update = entry.kind == WriteKind::Update;
    if (update && plan.columnIndex.empty()) {
        outcomes[item] = success(entry.key);
        return;
    }
    ParameterBuffer& params = *m_params;
    params.clear();
    if (update) {
        for (std::size_t c = 0; c < plan.columnIndex.size(); ++c) {
            if (auto problem = params.add(entry.values[c], m_columns[plan.columnIndex[c]],
                                          plan.columnNames[c], *m_dialect)) {
                outcomes[item] = failure(*problem);
                return;
            }
        }
    }
    for (std::size_t k = 0; k < plan.keyIndex.size(); ++k) {
        if (auto problem = params.add(entry.key[k], m_columns[plan.keyIndex[k]], plan.keyNames[k],
                                      *m_dialect)) {
            outcomes[item] = failure(*problem);
            return;
        }
    }
    Statement& statement = prepared(
        update ? m_dialect->updateStatement(select().table, plan.columnNames, plan.keyNames)
               : m_dialect->deleteStatement(select().table, plan.keyNames));
    params.bind(statement);
    const bool touched = statement.execute() && statement.rowCount() > 0;
    statement.closeCursor();
    if (update && !touched) {
        outcomes[item] = failure({ErrorCode::ItemFailed, "the row no longer exists in " +
                                                             tableDisplay(select()) +
                                                             " (deleted since it was read)"});
        return;
    }
    outcomes[item] = success(entry.key);  // deleting a row that is already gone is fine
}

ItemProblem OdbcProvider::itemProblem(const DriverError& error, const WriteBatch& batch,
                                      std::size_t item, const WritePlan& plan) const {
    const std::string message = redact(firstMessage(error));
    if (error.hasState("22001") || error.mentions("too long") ||
        error.mentions("right truncation") || error.mentions("would be truncated")) {
        // The database seldom names the column: find the value that exceeds its column.
        const WriteItem& entry = batch.items[item];
        for (std::size_t c = 0; c < plan.columnIndex.size() && c < entry.values.size(); ++c) {
            const ColumnPlan& column = m_columns[plan.columnIndex[c]];
            const Value& value = entry.values[c];
            if (column.length <= 0 || value.isNull()) {
                continue;
            }
            std::int64_t size = 0;
            if (value.type() == ValueType::Binary) {
                size = static_cast<std::int64_t>(value.asBinary().bytes.size());
            } else if (value.type() == ValueType::String) {
                size = static_cast<std::int64_t>(m_dialect->kind() == DialectKind::SqlServer
                                                     ? utf16Length(value.asString())
                                                     : codePointCount(value.asString()));
            }
            if (size > column.length) {
                return {ErrorCode::ValueTooLong,
                        "value too long for column '" + plan.columnNames[c] + "' (at most " +
                            std::to_string(column.length) +
                            (value.type() == ValueType::Binary ? " bytes)" : " characters)")};
            }
        }
        return {ErrorCode::ValueTooLong, "a value is too long for its column (" + message + ")"};
    }
    if (error.hasState("23") || error.mentions("constraint") || error.mentions("duplicate")) {
        std::string what = "the row violates a rule of " + tableDisplay(select());
        if (error.hasState("23505") || error.mentions("unique") || error.mentions("duplicate")) {
            what = "a row with the same key or unique value already exists";
        } else if (error.hasState("23502") || error.mentions("not null") ||
                   error.mentions("cannot insert the value null")) {
            what = "a required column is empty";
        } else if (error.hasState("23503") || error.mentions("foreign key")) {
            what = "the row refers to a row that does not exist (foreign key)";
        } else if (error.hasState("23514") || error.mentions("check constraint")) {
            what = "a value breaks a check rule of the table";
        }
        return {ErrorCode::ConstraintViolation, what + " (" + message + ")"};
    }
    if (error.hasState("22003")) {
        return {ErrorCode::ItemFailed, "a number is out of range for its column (" + message + ")"};
    }
    if (error.hasState("22007") || error.hasState("22008")) {
        return {ErrorCode::ItemFailed,
                "a date or time is invalid or out of range for its column (" + message + ")"};
    }
    return {ErrorCode::ItemFailed, "the database rejected the row: " + message};
}

// --- registration ----------------------------------------------------------------------------

ProviderInfo providerInfo() {
    ProviderInfo info;
    info.name = "odbc";
    info.displayName = "SQL databases (ODBC)";
    info.description =
        "Reads and writes a table of a SQL database through an ODBC driver: SQL Server, "
        "PostgreSQL, SQLite, MySQL/MariaDB and others. Use an ODBC connection string "
        "(Driver={PostgreSQL Unicode};Server=db01;Database=crm;Uid=ferry;) or, for SQL Server, "
        "the ADO.NET form (Data Source=sql01;Initial Catalog=crm;Trusted_Connection=True;), "
        "which Ferry translates for the installed driver (FreeTDS on Linux, ODBC Driver 18 on "
        "Windows). The select statement is a table name or SELECT columns FROM table [WHERE ...] "
        "[ORDER BY ...]; Ferry writes back only through a single-table select. The password "
        "comes from the credential store and is passed to the driver as PWD.";
    info.keys = connectionKeys();
    info.allowUnknownKeys = true;
    info.factory = [](const ProviderSettings& settings) -> std::unique_ptr<Provider> {
        return std::make_unique<OdbcProvider>(settings);
    };
    return info;
}

}  // namespace ferry::odbc
