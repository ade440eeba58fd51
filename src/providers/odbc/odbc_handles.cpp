// RAII wrappers over the ODBC C API handles, UTF-16 text conversion and driver diagnostics.
#include "odbc_handles.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace ferry::odbc {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one code point at `pos` and advances it; malformed sequences yield U+FFFD.
char32_t decodeUtf8(std::string_view text, std::size_t& pos) {
    const auto lead = static_cast<unsigned char>(text[pos++]);
    if (lead < 0x80) {
        return lead;
    }
    int extra = 0;
    char32_t cp = 0;
    if ((lead & 0xE0) == 0xC0) {
        extra = 1;
        cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        extra = 2;
        cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        extra = 3;
        cp = lead & 0x07;
    } else {
        return kReplacement;
    }
    for (int i = 0; i < extra; ++i) {
        if (pos >= text.size() || (static_cast<unsigned char>(text[pos]) & 0xC0) != 0x80) {
            return kReplacement;
        }
        cp = (cp << 6) | (static_cast<unsigned char>(text[pos++]) & 0x3F);
    }
    const bool overlong =
        (extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return kReplacement;
    }
    return cp;
}

void encodeUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// Drivers prefix messages with "[unixODBC][Driver Manager]" or "[Microsoft][ODBC Driver 18 for
// SQL Server][SQL Server]"; people need only the text after them.
std::string stripVendorPrefixes(std::string message) {
    std::size_t pos = 0;
    while (pos < message.size() && message[pos] == '[') {
        const auto close = message.find(']', pos);
        if (close == std::string::npos) {
            break;
        }
        pos = close + 1;
    }
    message.erase(0, pos);
    while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) {
        message.pop_back();
    }
    return message;
}

std::string lowerAscii(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

void appendUtf16(std::u16string& out, std::string_view utf8) {
    std::size_t pos = 0;
    while (pos < utf8.size()) {
        const auto byte = static_cast<unsigned char>(utf8[pos]);
        if (byte < 0x80) {  // fast path: ASCII
            out.push_back(static_cast<char16_t>(byte));
            ++pos;
            continue;
        }
        const char32_t cp = decodeUtf8(utf8, pos);
        if (cp >= 0x10000) {
            const char32_t v = cp - 0x10000;
            out.push_back(static_cast<char16_t>(0xD800 + (v >> 10)));
            out.push_back(static_cast<char16_t>(0xDC00 + (v & 0x3FF)));
        } else {
            out.push_back(static_cast<char16_t>(cp));
        }
    }
}

std::u16string toUtf16(std::string_view utf8) {
    std::u16string out;
    out.reserve(utf8.size());
    appendUtf16(out, utf8);
    return out;
}

void appendUtf8(std::string& out, const char16_t* text, std::size_t length) {
    for (std::size_t i = 0; i < length; ++i) {
        const char16_t unit = text[i];
        if (unit < 0x80) {
            out.push_back(static_cast<char>(unit));
            continue;
        }
        char32_t cp = unit;
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            if (i + 1 < length && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF) {
                cp = 0x10000 + ((static_cast<char32_t>(unit) - 0xD800) << 10) +
                     (static_cast<char32_t>(text[i + 1]) - 0xDC00);
                ++i;
            } else {
                cp = kReplacement;
            }
        } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
            cp = kReplacement;
        }
        encodeUtf8(out, cp);
    }
}

std::string toUtf8(const char16_t* text, std::size_t length) {
    std::string out;
    out.reserve(length);
    appendUtf8(out, text, length);
    return out;
}

std::size_t codePointCount(std::string_view utf8) {
    return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

std::size_t utf16Length(std::string_view utf8) {
    std::size_t units = 0;
    for (const char c : utf8) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte & 0xC0) != 0x80) {
            units += (byte & 0xF8) == 0xF0 ? 2 : 1;
        }
    }
    return units;
}

// --- diagnostics -----------------------------------------------------------------------------

DriverError::DriverError(std::string what, std::vector<DiagRecord> records)
    : std::runtime_error(std::move(what)), m_records(std::move(records)) {}

std::string DriverError::state() const {
    for (const auto& record : m_records) {
        if (!record.state.empty() && record.state != "01000" && record.state != "00000") {
            return record.state;
        }
    }
    return m_records.empty() ? std::string("HY000") : m_records.front().state;
}

std::string DriverError::detail() const {
    std::string out;
    for (const auto& record : m_records) {
        if (!out.empty()) {
            out += "; ";
        }
        out += record.state + ": " + record.message;
    }
    // Multi-line driver text (psqlodbc's "…;\nError while executing the query") on one line.
    std::replace_if(
        out.begin(), out.end(), [](char c) { return c == '\n' || c == '\t' || c == '\r'; }, ' ');
    return out.empty() ? std::string(what()) : out;
}

bool DriverError::hasState(std::string_view prefix) const {
    return std::any_of(m_records.begin(), m_records.end(), [prefix](const DiagRecord& record) {
        return record.state.compare(0, prefix.size(), prefix) == 0;
    });
}

bool DriverError::mentions(std::string_view text) const {
    const std::string needle = lowerAscii(text);
    return std::any_of(m_records.begin(), m_records.end(), [&needle](const DiagRecord& record) {
        return lowerAscii(record.message).find(needle) != std::string::npos;
    });
}

std::vector<DiagRecord> diagnostics(SQLSMALLINT handleType, SQLHANDLE handle, bool narrow) {
    std::vector<DiagRecord> records;
    if (handle == SQL_NULL_HANDLE) {
        return records;
    }
    if (narrow) {
        std::array<SQLCHAR, 6> state{};
        std::array<SQLCHAR, 2048> message{};
        for (SQLSMALLINT index = 1; index <= 20; ++index) {
            SQLINTEGER native = 0;
            SQLSMALLINT length = 0;
            if (!SQL_SUCCEEDED(SQLGetDiagRec(handleType, handle, index, state.data(), &native,
                                             message.data(),
                                             static_cast<SQLSMALLINT>(message.size()), &length))) {
                break;
            }
            const auto used = std::min<std::size_t>(
                static_cast<std::size_t>(std::max<SQLSMALLINT>(length, 0)), message.size() - 1);
            DiagRecord record;
            record.state.assign(reinterpret_cast<const char*>(state.data()), 5);
            record.nativeError = native;
            record.message = stripVendorPrefixes(
                std::string(reinterpret_cast<const char*>(message.data()), used));
            records.push_back(std::move(record));
        }
        return records;
    }
    std::array<char16_t, 6> state{};
    std::u16string message(1024, u'\0');
    for (SQLSMALLINT index = 1; index <= 20; ++index) {
        SQLINTEGER native = 0;
        SQLSMALLINT length = 0;
        SQLRETURN rc = SQLGetDiagRecW(
            handleType, handle, index, reinterpret_cast<SQLWCHAR*>(state.data()), &native,
            sqlText(message), static_cast<SQLSMALLINT>(message.size()), &length);
        if (rc == SQL_SUCCESS_WITH_INFO && static_cast<std::size_t>(length) >= message.size()) {
            message.assign(static_cast<std::size_t>(length) + 1, u'\0');
            rc = SQLGetDiagRecW(
                handleType, handle, index, reinterpret_cast<SQLWCHAR*>(state.data()), &native,
                sqlText(message), static_cast<SQLSMALLINT>(message.size()), &length);
        }
        if (!SQL_SUCCEEDED(rc)) {
            break;
        }
        const auto used = std::min<std::size_t>(
            static_cast<std::size_t>(std::max<SQLSMALLINT>(length, 0)), message.size() - 1);
        DiagRecord record;
        record.state = toUtf8(state.data(), 5);
        record.nativeError = native;
        record.message = stripVendorPrefixes(toUtf8(message.data(), used));
        records.push_back(std::move(record));
    }
    return records;
}

void check(SQLRETURN rc, SQLSMALLINT handleType, SQLHANDLE handle, const char* what, bool narrow) {
    if (SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA) {
        return;
    }
    auto records = diagnostics(handleType, handle, narrow);
    if (rc == SQL_INVALID_HANDLE) {
        records.push_back({"HY000", 0, "invalid handle"});
    }
    throw DriverError(std::string(what) + " failed", std::move(records));
}

// --- Environment -----------------------------------------------------------------------------

Environment& Environment::instance() {
    static Environment environment;
    return environment;
}

Environment::Environment() {
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &m_env))) {
        throw Error(ErrorCode::ConnectionFailed, "the ODBC driver manager could not be loaded", {},
                    "install unixODBC (Linux) or the Windows ODBC components");
    }
    check(SQLSetEnvAttr(m_env, SQL_ATTR_ODBC_VERSION, sqlPointer(SQL_OV_ODBC3), 0), SQL_HANDLE_ENV,
          m_env, "SQLSetEnvAttr(ODBC_VERSION)");
}

Environment::~Environment() {
    if (m_env != SQL_NULL_HENV) {
        SQLFreeHandle(SQL_HANDLE_ENV, m_env);
    }
}

std::vector<std::string> Environment::drivers() {
    std::vector<std::string> names;
    std::u16string name(512, u'\0');
    std::u16string attributes(2048, u'\0');
    SQLUSMALLINT direction = SQL_FETCH_FIRST;
    for (;;) {
        SQLSMALLINT nameLength = 0;
        SQLSMALLINT attributesLength = 0;
        const SQLRETURN rc = SQLDriversW(
            m_env, direction, sqlText(name), static_cast<SQLSMALLINT>(name.size()), &nameLength,
            sqlText(attributes), static_cast<SQLSMALLINT>(attributes.size()), &attributesLength);
        if (!SQL_SUCCEEDED(rc)) {
            break;
        }
        names.push_back(
            toUtf8(name.data(),
                   std::min<std::size_t>(static_cast<std::size_t>(nameLength), name.size() - 1)));
        direction = SQL_FETCH_NEXT;
    }
    return names;
}

std::vector<std::pair<std::string, std::string>> Environment::dataSources() {
    std::vector<std::pair<std::string, std::string>> sources;
    std::u16string name(512, u'\0');
    std::u16string description(512, u'\0');
    SQLUSMALLINT direction = SQL_FETCH_FIRST;
    for (;;) {
        SQLSMALLINT nameLength = 0;
        SQLSMALLINT descriptionLength = 0;
        const SQLRETURN rc = SQLDataSourcesW(
            m_env, direction, sqlText(name), static_cast<SQLSMALLINT>(name.size()), &nameLength,
            sqlText(description), static_cast<SQLSMALLINT>(description.size()), &descriptionLength);
        if (!SQL_SUCCEEDED(rc)) {
            break;
        }
        sources.emplace_back(
            toUtf8(name.data(),
                   std::min<std::size_t>(static_cast<std::size_t>(nameLength), name.size() - 1)),
            toUtf8(description.data(),
                   std::min<std::size_t>(static_cast<std::size_t>(descriptionLength),
                                         description.size() - 1)));
        direction = SQL_FETCH_NEXT;
    }
    return sources;
}

// --- Connection ------------------------------------------------------------------------------

Connection::Connection() {
    SQLHENV env = Environment::instance().handle();
    check(SQLAllocHandle(SQL_HANDLE_DBC, env, &m_dbc), SQL_HANDLE_ENV, env, "SQLAllocHandle(DBC)");
}

Connection::~Connection() {
    disconnect();
    if (m_dbc != SQL_NULL_HDBC) {
        SQLFreeHandle(SQL_HANDLE_DBC, m_dbc);
    }
}

void Connection::connect(const std::string& connectionString) {
    SQLRETURN rc = SQL_ERROR;
    if (m_narrow) {
        std::string text = connectionString;
        rc = SQLDriverConnect(m_dbc, nullptr, reinterpret_cast<SQLCHAR*>(text.data()),
                              static_cast<SQLSMALLINT>(text.size()), nullptr, 0, nullptr,
                              SQL_DRIVER_NOPROMPT);
    } else {
        std::u16string text = toUtf16(connectionString);
        rc = SQLDriverConnectW(m_dbc, nullptr, sqlText(text), static_cast<SQLSMALLINT>(text.size()),
                               nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT);
    }
    check(rc, SQL_HANDLE_DBC, m_dbc, "SQLDriverConnect", m_narrow);
    m_connected = true;
    m_autoCommit = true;
}

void Connection::disconnect() {
    if (m_connected) {
        if (!m_autoCommit) {
            rollback();
        }
        SQLDisconnect(m_dbc);
        m_connected = false;
    }
}

std::string Connection::infoText(SQLUSMALLINT infoType) {
    std::u16string buffer(256, u'\0');
    SQLSMALLINT length = 0;
    const SQLRETURN rc =
        SQLGetInfoW(m_dbc, infoType, buffer.data(),
                    static_cast<SQLSMALLINT>(buffer.size() * sizeof(char16_t)), &length);
    if (!SQL_SUCCEEDED(rc)) {
        return {};
    }
    const auto units = std::min<std::size_t>(static_cast<std::size_t>(length) / sizeof(char16_t),
                                             buffer.size() - 1);
    return toUtf8(buffer.data(), units);
}

SQLUINTEGER Connection::infoNumber(SQLUSMALLINT infoType) {
    SQLUINTEGER value = 0;
    if (!SQL_SUCCEEDED(SQLGetInfoW(m_dbc, infoType, &value, sizeof(value), nullptr))) {
        return 0;
    }
    return value;
}

void Connection::setAutoCommit(bool on) {
    if (on == m_autoCommit) {
        return;
    }
    check(SQLSetConnectAttrW(m_dbc, SQL_ATTR_AUTOCOMMIT,
                             sqlPointer(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF),
                             SQL_IS_UINTEGER),
          SQL_HANDLE_DBC, m_dbc, "SQLSetConnectAttr(AUTOCOMMIT)", m_narrow);
    m_autoCommit = on;
}

void Connection::commit() {
    check(SQLEndTran(SQL_HANDLE_DBC, m_dbc, SQL_COMMIT), SQL_HANDLE_DBC, m_dbc, "commit", m_narrow);
}

void Connection::rollback() noexcept {
    SQLEndTran(SQL_HANDLE_DBC, m_dbc, SQL_ROLLBACK);
}

// --- Statement -------------------------------------------------------------------------------

Statement::Statement(Connection& connection) : m_narrow(connection.narrow()) {
    check(SQLAllocHandle(SQL_HANDLE_STMT, connection.handle(), &m_stmt), SQL_HANDLE_DBC,
          connection.handle(), "SQLAllocHandle(STMT)");
}

Statement::~Statement() {
    if (m_stmt != SQL_NULL_HSTMT) {
        SQLFreeHandle(SQL_HANDLE_STMT, m_stmt);
    }
}

void Statement::ok(SQLRETURN rc, const char* what) const {
    check(rc, SQL_HANDLE_STMT, m_stmt, what, m_narrow);
}

void Statement::prepare(const std::string& sql) {
    m_sql = sql;
    if (m_narrow) {
        std::string text = sql;
        ok(SQLPrepare(m_stmt, reinterpret_cast<SQLCHAR*>(text.data()),
                      static_cast<SQLINTEGER>(text.size())),
           "SQLPrepare");
        return;
    }
    std::u16string text = toUtf16(sql);
    ok(SQLPrepareW(m_stmt, sqlText(text), static_cast<SQLINTEGER>(text.size())), "SQLPrepare");
}

bool Statement::execute() {
    const SQLRETURN rc = SQLExecute(m_stmt);
    ok(rc, "SQLExecute");
    return rc != SQL_NO_DATA;
}

bool Statement::execDirect(const std::string& sql) {
    m_sql = sql;
    if (m_narrow) {
        std::string text = sql;
        const SQLRETURN rc = SQLExecDirect(m_stmt, reinterpret_cast<SQLCHAR*>(text.data()),
                                           static_cast<SQLINTEGER>(text.size()));
        ok(rc, "SQLExecDirect");
        return rc != SQL_NO_DATA;
    }
    std::u16string text = toUtf16(sql);
    const SQLRETURN rc =
        SQLExecDirectW(m_stmt, sqlText(text), static_cast<SQLINTEGER>(text.size()));
    ok(rc, "SQLExecDirect");
    return rc != SQL_NO_DATA;
}

bool Statement::fetch() {
    const SQLRETURN rc = SQLFetch(m_stmt);
    ok(rc, "SQLFetch");
    return rc != SQL_NO_DATA;
}

SQLLEN Statement::rowCount() {
    SQLLEN count = 0;
    ok(SQLRowCount(m_stmt, &count), "SQLRowCount");
    return count;
}

SQLSMALLINT Statement::resultColumns() {
    SQLSMALLINT count = 0;
    ok(SQLNumResultCols(m_stmt, &count), "SQLNumResultCols");
    return count;
}

std::vector<ColumnInfo> Statement::describeColumns() {
    const SQLSMALLINT count = resultColumns();
    std::vector<ColumnInfo> columns;
    columns.reserve(static_cast<std::size_t>(count));
    for (SQLUSMALLINT index = 1; index <= static_cast<SQLUSMALLINT>(count); ++index) {
        ColumnInfo column;
        SQLSMALLINT nameLength = 0;
        SQLSMALLINT nullable = SQL_NULLABLE_UNKNOWN;
        if (m_narrow) {
            std::string name(512, '\0');
            ok(SQLDescribeCol(m_stmt, index, reinterpret_cast<SQLCHAR*>(name.data()),
                              static_cast<SQLSMALLINT>(name.size()), &nameLength, &column.sqlType,
                              &column.size, &column.digits, &nullable),
               "SQLDescribeCol");
            name.resize(std::min<std::size_t>(
                static_cast<std::size_t>(std::max<SQLSMALLINT>(nameLength, 0)), name.size() - 1));
            column.name = std::move(name);
        } else {
            std::u16string name(256, u'\0');
            ok(SQLDescribeColW(m_stmt, index, sqlText(name), static_cast<SQLSMALLINT>(name.size()),
                               &nameLength, &column.sqlType, &column.size, &column.digits,
                               &nullable),
               "SQLDescribeCol");
            column.name = toUtf8(name.data(),
                                 std::min<std::size_t>(
                                     static_cast<std::size_t>(std::max<SQLSMALLINT>(nameLength, 0)),
                                     name.size() - 1));
        }
        column.nullable = nullable != SQL_NO_NULLS;
        SQLLEN autoUnique = SQL_FALSE;
        if (SQL_SUCCEEDED(SQLColAttribute(m_stmt, index, SQL_DESC_AUTO_UNIQUE_VALUE, nullptr, 0,
                                          nullptr, &autoUnique))) {
            column.autoUnique = autoUnique == SQL_TRUE;
        }
        column.typeName = columnText(index, SQL_DESC_TYPE_NAME);
        column.baseTable = columnText(index, SQL_DESC_BASE_TABLE_NAME);
        columns.push_back(std::move(column));
    }
    return columns;
}

std::string Statement::columnText(SQLUSMALLINT column, SQLUSMALLINT field) {
    SQLSMALLINT bytes = 0;
    if (m_narrow) {
        std::string buffer(512, '\0');
        if (!SQL_SUCCEEDED(SQLColAttribute(m_stmt, column, field, buffer.data(),
                                           static_cast<SQLSMALLINT>(buffer.size()), &bytes,
                                           nullptr))) {
            return {};
        }
        buffer.resize(std::min<std::size_t>(
            static_cast<std::size_t>(std::max<SQLSMALLINT>(bytes, 0)), buffer.size() - 1));
        return buffer;
    }
    std::u16string buffer(256, u'\0');
    if (!SQL_SUCCEEDED(SQLColAttributeW(m_stmt, column, field, buffer.data(),
                                        static_cast<SQLSMALLINT>(buffer.size() * sizeof(char16_t)),
                                        &bytes, nullptr))) {
        return {};
    }
    const auto units = std::min<std::size_t>(
        static_cast<std::size_t>(std::max<SQLSMALLINT>(bytes, 0)) / sizeof(char16_t),
        buffer.size() - 1);
    return toUtf8(buffer.data(), units);
}

void Statement::primaryKeys(const std::string& catalog, const std::string& schema,
                            const std::string& table) {
    if (m_narrow) {
        std::string c = catalog;
        std::string s = schema;
        std::string t = table;
        const auto text = [](std::string& value) {
            return value.empty() ? nullptr : reinterpret_cast<SQLCHAR*>(value.data());
        };
        ok(SQLPrimaryKeys(m_stmt, text(c), static_cast<SQLSMALLINT>(c.size()), text(s),
                          static_cast<SQLSMALLINT>(s.size()), text(t),
                          static_cast<SQLSMALLINT>(t.size())),
           "SQLPrimaryKeys");
        return;
    }
    std::u16string c = toUtf16(catalog);
    std::u16string s = toUtf16(schema);
    std::u16string t = toUtf16(table);
    const auto text = [](std::u16string& value) {
        return value.empty() ? nullptr : sqlText(value);
    };
    ok(SQLPrimaryKeysW(m_stmt, text(c), static_cast<SQLSMALLINT>(c.size()), text(s),
                       static_cast<SQLSMALLINT>(s.size()), text(t),
                       static_cast<SQLSMALLINT>(t.size())),
       "SQLPrimaryKeys");
}

void Statement::closeCursor() noexcept {
    SQLFreeStmt(m_stmt, SQL_CLOSE);
}

void Statement::unbindColumns() noexcept {
    SQLFreeStmt(m_stmt, SQL_UNBIND);
}

void Statement::resetParameters() noexcept {
    SQLFreeStmt(m_stmt, SQL_RESET_PARAMS);
}

void Statement::setAttribute(SQLINTEGER attribute, SQLULEN value) {
    ok(SQLSetStmtAttrW(m_stmt, attribute, sqlPointer(static_cast<std::intptr_t>(value)), 0),
       "SQLSetStmtAttr");
}

void Statement::setAttributePointer(SQLINTEGER attribute, SQLPOINTER value) {
    ok(SQLSetStmtAttrW(m_stmt, attribute, value, 0), "SQLSetStmtAttr");
}

bool Statement::getText(SQLUSMALLINT column, bool wide, std::string& out) {
    out.clear();
    constexpr std::size_t kChunkUnits = 16384;
    if (wide) {
        // Collect all UTF-16 first: a surrogate pair may straddle two chunks.
        m_wide.clear();
        m_chunk.resize(kChunkUnits);
        for (;;) {
            SQLLEN indicator = 0;
            const SQLRETURN rc =
                SQLGetData(m_stmt, column, SQL_C_WCHAR, m_chunk.data(),
                           static_cast<SQLLEN>(m_chunk.size() * sizeof(char16_t)), &indicator);
            if (rc == SQL_NO_DATA) {
                break;
            }
            ok(rc, "SQLGetData");
            if (indicator == SQL_NULL_DATA) {
                return false;
            }
            // With SQL_SUCCESS_WITH_INFO (01004) the buffer is full minus the terminator.
            std::size_t units = m_chunk.size() - 1;
            if (rc == SQL_SUCCESS && indicator != SQL_NO_TOTAL) {
                units = std::min(units, static_cast<std::size_t>(indicator) / sizeof(char16_t));
            }
            m_wide.append(m_chunk.data(), units);
            if (rc == SQL_SUCCESS) {
                break;
            }
        }
        appendUtf8(out, m_wide.data(), m_wide.size());
        return true;
    }
    std::string chunk(kChunkUnits, '\0');
    for (;;) {
        SQLLEN indicator = 0;
        const SQLRETURN rc = SQLGetData(m_stmt, column, SQL_C_CHAR, chunk.data(),
                                        static_cast<SQLLEN>(chunk.size()), &indicator);
        if (rc == SQL_NO_DATA) {
            break;
        }
        ok(rc, "SQLGetData");
        if (indicator == SQL_NULL_DATA) {
            return false;
        }
        std::size_t bytes = chunk.size() - 1;
        if (rc == SQL_SUCCESS && indicator != SQL_NO_TOTAL) {
            bytes = static_cast<std::size_t>(indicator);
        }
        out.append(chunk.data(), bytes);
        if (rc == SQL_SUCCESS) {
            break;
        }
    }
    return true;
}

bool Statement::getBytes(SQLUSMALLINT column, std::vector<std::uint8_t>& out) {
    out.clear();
    std::array<std::uint8_t, 32768> chunk{};
    for (;;) {
        SQLLEN indicator = 0;
        const SQLRETURN rc = SQLGetData(m_stmt, column, SQL_C_BINARY, chunk.data(),
                                        static_cast<SQLLEN>(chunk.size()), &indicator);
        if (rc == SQL_NO_DATA) {
            break;
        }
        ok(rc, "SQLGetData");
        if (indicator == SQL_NULL_DATA) {
            return false;
        }
        std::size_t bytes = chunk.size();
        if (rc == SQL_SUCCESS && indicator != SQL_NO_TOTAL) {
            bytes = std::min<std::size_t>(static_cast<std::size_t>(indicator), chunk.size());
        }
        out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(bytes));
        if (rc == SQL_SUCCESS) {
            break;
        }
    }
    return true;
}

}  // namespace ferry::odbc
