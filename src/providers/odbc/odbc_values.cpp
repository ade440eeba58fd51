// Translation between ODBC buffers and ferry::Value: bulk-fetch buffers and bound parameters.
#include "odbc_values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

namespace ferry::odbc {

namespace {

constexpr std::int64_t kMicrosPerDay = 86'400'000'000LL;
constexpr SQLULEN kLongText = 4000;      // longer text columns are read in chunks
constexpr SQLULEN kLongBinary = 8000;    // likewise for binary
constexpr SQLULEN kUnlimited = 8388608;  // sizes from here on mean "no real limit"
constexpr SQLLEN kDecimalBuffer = 130;   // 38 digits need 41; PostgreSQL numerics more

bool isLongType(SQLSMALLINT type) {
    return type == SQL_LONGVARCHAR || type == SQL_WLONGVARCHAR || type == SQL_LONGVARBINARY;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool startsWith(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        --q;
    }
    return q;
}

TIMESTAMP_STRUCT toTimestamp(DateTime value, int digits) {
    const std::int64_t days = floorDiv(value.micros, kMicrosPerDay);
    std::int64_t rest = value.micros - days * kMicrosPerDay;
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    civilFromDate(Date{static_cast<std::int32_t>(days)}, year, month, day);
    TIMESTAMP_STRUCT ts{};
    ts.year = static_cast<SQLSMALLINT>(year);
    ts.month = static_cast<SQLUSMALLINT>(month);
    ts.day = static_cast<SQLUSMALLINT>(day);
    ts.hour = static_cast<SQLUSMALLINT>(rest / 3'600'000'000LL);
    rest %= 3'600'000'000LL;
    ts.minute = static_cast<SQLUSMALLINT>(rest / 60'000'000LL);
    rest %= 60'000'000LL;
    ts.second = static_cast<SQLUSMALLINT>(rest / 1'000'000LL);
    std::int64_t micros = rest % 1'000'000LL;
    // Drivers reject fractions finer than the bound precision (22008): cut to the column's.
    std::int64_t unit = 1;
    for (int i = digits; i < 6; ++i) {
        unit *= 10;
    }
    micros -= micros % unit;
    ts.fraction = static_cast<SQLUINTEGER>(micros * 1000);
    return ts;
}

DateTime fromTimestamp(const TIMESTAMP_STRUCT& ts) {
    const Date date = dateFromCivil(ts.year, ts.month, ts.day);
    return DateTime{static_cast<std::int64_t>(date.days) * kMicrosPerDay +
                    (static_cast<std::int64_t>(ts.hour) * 3600 + ts.minute * 60 + ts.second) *
                        1'000'000LL +
                    static_cast<std::int64_t>(ts.fraction) / 1000};
}

// "2024-01-02 03:04:05.123456": the form SQLite's date functions read, fraction trimmed.
std::string sqliteTimestampText(DateTime value) {
    std::string text = formatDateTime(value);  // 2024-01-02T03:04:05.123456Z
    if (!text.empty() && text.back() == 'Z') {
        text.pop_back();
    }
    if (const auto t = text.find('T'); t != std::string::npos) {
        text[t] = ' ';
    }
    return text;
}

std::optional<bool> boolFrom(const Value& value) {
    switch (value.type()) {
        case ValueType::Bool:
            return value.asBool();
        case ValueType::Int:
            if (value.asInt() == 0 || value.asInt() == 1) {
                return value.asInt() == 1;
            }
            return std::nullopt;
        case ValueType::Decimal: {
            const auto& text = value.asDecimal().text;
            if (text == "0" || text == "1") {
                return text == "1";
            }
            return std::nullopt;
        }
        case ValueType::String: {
            const std::string text = lower(value.asString());
            if (text == "true" || text == "1" || text == "yes") {
                return true;
            }
            if (text == "false" || text == "0" || text == "no") {
                return false;
            }
            return std::nullopt;
        }
        default:
            return std::nullopt;
    }
}

std::optional<std::int64_t> intFromText(std::string_view text) {
    std::int64_t out = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    if (ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return out;
}

std::optional<std::int64_t> intFrom(const Value& value) {
    switch (value.type()) {
        case ValueType::Int:
            return value.asInt();
        case ValueType::Bool:
            return value.asBool() ? 1 : 0;
        case ValueType::Double: {
            const double d = value.asDouble();
            if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18) {
                return static_cast<std::int64_t>(d);
            }
            return std::nullopt;
        }
        case ValueType::Decimal:
            return intFromText(value.asDecimal().text);
        case ValueType::String: {
            const auto decimal = parseDecimal(value.asString());
            return decimal ? intFromText(decimal->text) : std::nullopt;
        }
        default:
            return std::nullopt;
    }
}

std::optional<double> doubleFrom(const Value& value) {
    switch (value.type()) {
        case ValueType::Double:
            return value.asDouble();
        case ValueType::Int:
            return static_cast<double>(value.asInt());
        case ValueType::Bool:
            return value.asBool() ? 1.0 : 0.0;
        case ValueType::Decimal:
        case ValueType::String: {
            const std::string& text =
                value.type() == ValueType::Decimal ? value.asDecimal().text : value.asString();
            double out = 0;
            const auto* end = text.data() + text.size();
            const auto [ptr, ec] = std::from_chars(text.data(), end, out);
            if (ec != std::errc() || ptr != end) {
                return std::nullopt;
            }
            return out;
        }
        default:
            return std::nullopt;
    }
}

std::optional<std::string> decimalFrom(const Value& value) {
    switch (value.type()) {
        case ValueType::Decimal:
            return value.asDecimal().text;
        case ValueType::Int:
            return std::to_string(value.asInt());
        case ValueType::Bool:
            return std::string(value.asBool() ? "1" : "0");
        case ValueType::Double: {
            if (!std::isfinite(value.asDouble())) {
                return std::nullopt;
            }
            char buffer[64];
            const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value.asDouble());
            const auto decimal = parseDecimal(
                std::string_view(buffer, static_cast<std::size_t>(result.ptr - buffer)));
            return decimal ? std::optional<std::string>(decimal->text) : std::nullopt;
        }
        case ValueType::String: {
            const auto decimal = parseDecimal(value.asString());
            return decimal ? std::optional<std::string>(decimal->text) : std::nullopt;
        }
        default:
            return std::nullopt;
    }
}

std::optional<Date> dateFrom(const Value& value) {
    switch (value.type()) {
        case ValueType::Date:
            return value.asDate();
        case ValueType::DateTime:
            return Date{
                static_cast<std::int32_t>(floorDiv(value.asDateTime().micros, kMicrosPerDay))};
        case ValueType::String: {
            if (auto date = parseDate(value.asString())) {
                return date;
            }
            if (auto dateTime = parseDateTime(value.asString())) {
                return Date{static_cast<std::int32_t>(floorDiv(dateTime->micros, kMicrosPerDay))};
            }
            return std::nullopt;
        }
        default:
            return std::nullopt;
    }
}

std::optional<DateTime> dateTimeFrom(const Value& value) {
    switch (value.type()) {
        case ValueType::DateTime:
            return value.asDateTime();
        case ValueType::Date:
            return DateTime{static_cast<std::int64_t>(value.asDate().days) * kMicrosPerDay};
        case ValueType::String: {
            if (auto dateTime = parseDateTime(value.asString())) {
                return dateTime;
            }
            if (auto date = parseDate(value.asString())) {
                return DateTime{static_cast<std::int64_t>(date->days) * kMicrosPerDay};
            }
            return std::nullopt;
        }
        default:
            return std::nullopt;
    }
}

std::optional<std::string> guidFrom(const Value& value) {
    if (value.type() == ValueType::Guid) {
        return value.asGuid().text;
    }
    if (value.type() == ValueType::String) {
        if (auto guid = parseGuid(value.asString())) {
            return guid->text;
        }
    }
    return std::nullopt;
}

const char* typeWords(ValueType type) {
    switch (type) {
        case ValueType::Bool:
            return "a true/false value";
        case ValueType::Int:
            return "a whole number";
        case ValueType::Double:
        case ValueType::Decimal:
            return "a number";
        case ValueType::Date:
            return "a date";
        case ValueType::DateTime:
            return "a date and time";
        case ValueType::Guid:
            return "a GUID";
        case ValueType::Binary:
            return "binary data";
        default:
            return "text";
    }
}

ItemProblem conversionProblem(const Value& value, const std::string& columnName, ValueType type) {
    std::string shown = value.toDisplay();
    if (shown.size() > 40) {
        shown = shown.substr(0, 40) + "…";
    }
    return {ErrorCode::ItemFailed, "value '" + shown + "' cannot be stored in column '" +
                                       columnName + "', which holds " + typeWords(type)};
}

}  // namespace

ValueType valueTypeFor(const ColumnInfo& column, const Dialect& dialect) {
    if (dialect.kind() == DialectKind::Sqlite) {
        // The SQLite driver reports DECIMAL as VARCHAR, NUMERIC as DOUBLE and UUID as VARCHAR;
        // the declared type is what the user meant.
        const std::string name = lower(column.typeName);
        if (startsWith(name, "decimal") || startsWith(name, "numeric")) {
            return ValueType::Decimal;
        }
        if (startsWith(name, "uuid") || startsWith(name, "guid") ||
            startsWith(name, "uniqueidentifier")) {
            return ValueType::Guid;
        }
    }
    switch (column.sqlType) {
        case SQL_BIT:
            return ValueType::Bool;
        case SQL_TINYINT:
        case SQL_SMALLINT:
        case SQL_INTEGER:
        case SQL_BIGINT:
            return ValueType::Int;
        case SQL_REAL:
        case SQL_FLOAT:
        case SQL_DOUBLE:
            return ValueType::Double;
        case SQL_NUMERIC:
        case SQL_DECIMAL:
            return ValueType::Decimal;
        case SQL_TYPE_DATE:
        case SQL_DATE:
            return ValueType::Date;
        case SQL_TYPE_TIMESTAMP:
        case SQL_TIMESTAMP:
            return ValueType::DateTime;
        case SQL_GUID:
            return ValueType::Guid;
        case SQL_BINARY:
        case SQL_VARBINARY:
        case SQL_LONGVARBINARY:
            return ValueType::Binary;
        default:
            return ValueType::String;
    }
}

std::int64_t declaredLength(const ColumnInfo& column, ValueType type) {
    if (type != ValueType::String && type != ValueType::Binary) {
        return 0;
    }
    if (column.size == 0 || column.size >= kUnlimited) {
        return 0;
    }
    return static_cast<std::int64_t>(column.size);
}

Value valueFromText(std::string text, ValueType type) {
    switch (type) {
        case ValueType::Int:
            if (auto v = intFromText(text)) {
                return Value(*v);
            }
            break;
        case ValueType::Decimal: {
            // Some drivers print "-.5": make it "-0.5" (built by appending: GCC 12 -O3 warns
            // falsely on string::insert).
            if (startsWith(text, ".") || startsWith(text, "-.")) {
                const bool negative = text.front() == '-';
                std::string fixed = negative ? "-0" : "0";
                fixed.append(text, negative ? 1 : 0, std::string::npos);
                text = std::move(fixed);
            }
            if (auto v = parseDecimal(text)) {
                return Value(std::move(*v));
            }
            break;
        }
        case ValueType::Double: {
            double out = 0;
            const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
            if (ec == std::errc() && ptr == text.data() + text.size()) {
                return Value(out);
            }
            break;
        }
        case ValueType::Bool:
            if (auto v = boolFrom(Value(text))) {
                return Value(*v);
            }
            break;
        case ValueType::Date:
            if (auto v = dateFrom(Value(text))) {
                return Value(*v);
            }
            break;
        case ValueType::DateTime:
            if (auto v = dateTimeFrom(Value(text))) {
                return Value(*v);
            }
            break;
        case ValueType::Guid:
            if (auto v = parseGuid(text)) {
                return Value(std::move(*v));
            }
            break;
        default:
            break;
    }
    return Value(std::move(text));
}

// --- RowReader -------------------------------------------------------------------------------

RowReader::RowReader(Statement& statement, const std::vector<ColumnPlan>& columns,
                     const Dialect& dialect, std::size_t maxRowsPerFetch, bool getDataAnyColumn,
                     const std::vector<std::size_t>& measuredBytes)
    : m_statement(statement), m_columns(columns), m_dialect(dialect) {
    m_buffers.resize(columns.size());
    bool anyLong = false;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const ColumnInfo& info = columns[i].info;
        Buffer& buffer = m_buffers[i];
        const bool sqlite = dialect.kind() == DialectKind::Sqlite;
        switch (columns[i].type) {
            case ValueType::Bool:
                buffer.cType = SQL_C_BIT;
                buffer.elementSize = sizeof(unsigned char);
                break;
            case ValueType::Int:
                buffer.cType = SQL_C_SBIGINT;
                buffer.elementSize = sizeof(std::int64_t);
                break;
            case ValueType::Double:
                buffer.cType = SQL_C_DOUBLE;
                buffer.elementSize = sizeof(double);
                break;
            case ValueType::Decimal:
                buffer.cType = SQL_C_CHAR;
                buffer.elementSize = std::max<SQLLEN>(
                    kDecimalBuffer, static_cast<SQLLEN>(std::min<SQLULEN>(info.size, 1000)) + 4);
                break;
            // SQLite dates are text read as bytes: as SQL_C_CHAR its driver parses and reprints
            // each value (sscanf per cell); the bytes are the text as stored.
            case ValueType::Date:
                buffer.cType = dialect.temporalAsText() ? SQL_C_BINARY : SQL_C_TYPE_DATE;
                buffer.elementSize = dialect.temporalAsText() ? 64 : sizeof(DATE_STRUCT);
                break;
            case ValueType::DateTime:
                buffer.cType = dialect.temporalAsText() ? SQL_C_BINARY : SQL_C_TYPE_TIMESTAMP;
                buffer.elementSize = dialect.temporalAsText() ? 64 : sizeof(TIMESTAMP_STRUCT);
                break;
            case ValueType::Guid:
                buffer.cType = SQL_C_CHAR;
                buffer.elementSize = 64;
                break;
            case ValueType::Binary:
                buffer.cType = SQL_C_BINARY;
                // SQLite does not enforce declared sizes: its values may be any length.
                if (!sqlite && !isLongType(info.sqlType) && info.size > 0 &&
                    info.size <= kLongBinary) {
                    buffer.elementSize = static_cast<SQLLEN>(info.size);
                } else if (sqlite && i < measuredBytes.size() && measuredBytes[i] > 0 &&
                           measuredBytes[i] <= kLongBinary) {
                    buffer.elementSize = static_cast<SQLLEN>(measuredBytes[i]);
                }
                break;
            default:
                buffer.cType = dialect.wideText() ? SQL_C_WCHAR : SQL_C_CHAR;
                if (!sqlite && !isLongType(info.sqlType) && info.size > 0 &&
                    info.size <= kLongText) {
                    // Room for every character as a surrogate pair plus the terminator.
                    buffer.elementSize =
                        dialect.wideText()
                            ? static_cast<SQLLEN>((info.size * 2 + 1) * sizeof(char16_t))
                            : static_cast<SQLLEN>(info.size * 4 + 1);
                } else if (sqlite && i < measuredBytes.size() && measuredBytes[i] > 0 &&
                           measuredBytes[i] <= kLongText) {
                    // UTF-8 bytes bound a value's UTF-16 units too.
                    buffer.elementSize =
                        dialect.wideText()
                            ? static_cast<SQLLEN>((measuredBytes[i] + 1) * sizeof(char16_t))
                            : static_cast<SQLLEN>(measuredBytes[i] + 1);
                }
                break;
        }
        anyLong = anyLong || buffer.elementSize == 0;
    }
    // SQLGetData works on single-row rowsets only (portably).
    m_rowsPerFetch = anyLong ? 1 : std::max<std::size_t>(1, maxRowsPerFetch);
    statement.setAttribute(SQL_ATTR_ROW_BIND_TYPE, SQL_BIND_BY_COLUMN);
    statement.setAttribute(SQL_ATTR_ROW_ARRAY_SIZE, m_rowsPerFetch);
    statement.setAttributePointer(SQL_ATTR_ROWS_FETCHED_PTR, &m_fetched);

    m_unboundFixed.assign(m_buffers.size(), false);
    bool afterLong = false;
    for (std::size_t i = 0; i < m_buffers.size(); ++i) {
        Buffer& buffer = m_buffers[i];
        if (buffer.elementSize == 0) {
            afterLong = true;
            continue;
        }
        // Without SQL_GD_ANY_COLUMN, columns after one read by SQLGetData must be read so too.
        if (afterLong && !getDataAnyColumn) {
            m_unboundFixed[i] = true;
            buffer.data.resize(static_cast<std::size_t>(buffer.elementSize));
            buffer.indicators.resize(1);
            continue;
        }
        buffer.data.resize(static_cast<std::size_t>(buffer.elementSize) * m_rowsPerFetch);
        buffer.indicators.resize(m_rowsPerFetch);
        check(SQLBindCol(statement.handle(), static_cast<SQLUSMALLINT>(i + 1), buffer.cType,
                         buffer.data.data(), buffer.elementSize, buffer.indicators.data()),
              SQL_HANDLE_STMT, statement.handle(), "SQLBindCol");
    }
}

RowReader::~RowReader() {
    m_statement.unbindColumns();
    SQLSetStmtAttr(m_statement.handle(), SQL_ATTR_ROWS_FETCHED_PTR, nullptr, 0);
    SQLSetStmtAttr(m_statement.handle(), SQL_ATTR_ROW_ARRAY_SIZE, sqlPointer(1), 0);
}

std::size_t RowReader::fetch() {
    m_fetched = 0;
    if (!m_statement.fetch()) {
        return 0;
    }
    return static_cast<std::size_t>(m_fetched);
}

void RowReader::read(std::size_t row, std::vector<Value>& values) {
    values.resize(m_columns.size());
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
        Buffer& buffer = m_buffers[i];
        if (buffer.elementSize == 0) {
            values[i] = fetchLong(i);
            continue;
        }
        if (m_unboundFixed[i]) {
            check(SQLGetData(m_statement.handle(), static_cast<SQLUSMALLINT>(i + 1), buffer.cType,
                             buffer.data.data(), buffer.elementSize, buffer.indicators.data()),
                  SQL_HANDLE_STMT, m_statement.handle(), "SQLGetData");
        } else if (std::string* text = values[i].mutableString();
                   text != nullptr && m_columns[i].type == ValueType::String &&
                   buffer.indicators[row] != SQL_NULL_DATA) {
            // The record is being reused: refill its string in place instead of allocating anew
            // (two fewer heap operations per text cell on a hot path).
            refillText(i, row, *text);
            continue;
        }
        values[i] = cell(i, row);
    }
}

Value RowReader::fetchLong(std::size_t column) {
    const auto index = static_cast<SQLUSMALLINT>(column + 1);
    const ValueType type = m_columns[column].type;
    if (type == ValueType::Binary) {
        if (!m_statement.getBytes(index, m_bytes)) {
            return {};
        }
        return Value(Binary{m_bytes});
    }
    if (!m_statement.getText(index, m_dialect.wideText(), m_text)) {
        return {};
    }
    if (type == ValueType::String) {
        return Value(m_text);
    }
    return valueFromText(m_text, type);
}

void RowReader::refillText(std::size_t column, std::size_t row, std::string& text) {
    Buffer& buffer = m_buffers[column];
    const SQLLEN indicator = buffer.indicators[row];
    const unsigned char* data =
        buffer.data.data() + row * static_cast<std::size_t>(buffer.elementSize);
    const SQLLEN terminator =
        buffer.cType == SQL_C_WCHAR ? static_cast<SQLLEN>(sizeof(char16_t)) : 1;
    if (indicator == SQL_NO_TOTAL || indicator > buffer.elementSize - terminator) {
        text = cell(column, row).asString();  // reports the overlong value as cell() does
        return;
    }
    text.clear();
    if (buffer.cType == SQL_C_WCHAR) {
        const auto units = static_cast<std::size_t>(indicator) / sizeof(char16_t);
        m_wide.resize(units);
        std::memcpy(m_wide.data(), data, units * sizeof(char16_t));
        appendUtf8(text, m_wide.data(), units);
    } else {
        text.assign(reinterpret_cast<const char*>(data), static_cast<std::size_t>(indicator));
    }
}

Value RowReader::cell(std::size_t column, std::size_t row) {
    Buffer& buffer = m_buffers[column];
    const SQLLEN indicator = buffer.indicators[m_unboundFixed[column] ? 0 : row];
    if (indicator == SQL_NULL_DATA) {
        return {};
    }
    const unsigned char* data =
        buffer.data.data() +
        (m_unboundFixed[column] ? 0 : row) * static_cast<std::size_t>(buffer.elementSize);
    const auto truncated = [&](SQLLEN terminator) {
        if (indicator == SQL_NO_TOTAL || indicator > buffer.elementSize - terminator) {
            throw Error(ErrorCode::QueryFailed,
                        "a value in column '" + m_columns[column].info.name +
                            "' is longer than the column's declared size",
                        "declared size " + std::to_string(m_columns[column].info.size));
        }
    };
    switch (m_columns[column].type) {
        case ValueType::Bool:
            return Value(*data != 0);
        case ValueType::Int: {
            std::int64_t v = 0;
            std::memcpy(&v, data, sizeof(v));
            return Value(v);
        }
        case ValueType::Double: {
            double v = 0;
            std::memcpy(&v, data, sizeof(v));
            return Value(v);
        }
        case ValueType::Date:
            if (buffer.cType == SQL_C_TYPE_DATE) {
                DATE_STRUCT d{};
                std::memcpy(&d, data, sizeof(d));
                return Value(dateFromCivil(d.year, d.month, d.day));
            }
            truncated(1);
            return valueFromText(std::string(reinterpret_cast<const char*>(data),
                                             static_cast<std::size_t>(indicator)),
                                 ValueType::Date);
        case ValueType::DateTime:
            if (buffer.cType == SQL_C_TYPE_TIMESTAMP) {
                TIMESTAMP_STRUCT ts{};
                std::memcpy(&ts, data, sizeof(ts));
                return Value(fromTimestamp(ts));
            }
            truncated(1);
            return valueFromText(std::string(reinterpret_cast<const char*>(data),
                                             static_cast<std::size_t>(indicator)),
                                 ValueType::DateTime);
        case ValueType::Decimal:
        case ValueType::Guid:
            truncated(1);
            return valueFromText(std::string(reinterpret_cast<const char*>(data),
                                             static_cast<std::size_t>(indicator)),
                                 m_columns[column].type);
        case ValueType::Binary: {
            truncated(0);
            return Value(Binary{std::vector<std::uint8_t>(data, data + indicator)});
        }
        default:
            break;
    }
    if (buffer.cType == SQL_C_WCHAR) {
        truncated(static_cast<SQLLEN>(sizeof(char16_t)));
        std::string text;
        const auto units = static_cast<std::size_t>(indicator) / sizeof(char16_t);
        text.reserve(units);
        // The buffer is bytes; copy the UTF-16 units out to respect alignment rules.
        m_wide.resize(units);
        std::memcpy(m_wide.data(), data, units * sizeof(char16_t));
        appendUtf8(text, m_wide.data(), units);
        return Value(std::move(text));
    }
    truncated(1);
    return Value(
        std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(indicator)));
}

// --- ParameterBuffer -------------------------------------------------------------------------

void ParameterBuffer::clear() {
    m_params.clear();
    m_indicators.clear();
    m_arena.clear();
}

void ParameterBuffer::truncate(std::size_t count) {
    if (count < m_params.size()) {
        m_params.resize(count);
        m_indicators.resize(count);
    }
}

std::size_t ParameterBuffer::reserve(std::size_t bytes) {
    const std::size_t offset = (m_arena.size() + 7) & ~std::size_t{7};
    m_arena.resize(offset + std::max<std::size_t>(bytes, 1));
    return offset;
}

void ParameterBuffer::push(const Param& param, SQLLEN indicator) {
    m_params.push_back(param);
    m_indicators.push_back(indicator);
}

void ParameterBuffer::pushText(std::string_view text, const ColumnPlan& column,
                               const Dialect& dialect, SQLSMALLINT narrowSqlType) {
    Param param;
    if (dialect.wideText()) {
        m_scratch.clear();
        appendUtf16(m_scratch, text);
        const std::size_t bytes = m_scratch.size() * sizeof(char16_t);
        param.offset = reserve(bytes + sizeof(char16_t));
        std::memcpy(m_arena.data() + param.offset, m_scratch.data(), bytes);
        param.cType = SQL_C_WCHAR;
        const bool bounded =
            column.length > 0 && column.length <= static_cast<std::int64_t>(kLongText);
        param.sqlType = narrowSqlType == SQL_VARCHAR ? (bounded ? SQL_WVARCHAR : SQL_WLONGVARCHAR)
                                                     : narrowSqlType;
        param.columnSize = bounded && narrowSqlType == SQL_VARCHAR
                               ? static_cast<SQLULEN>(column.length)
                               : std::max<SQLULEN>(m_scratch.size(), 1);
        param.bytes = static_cast<SQLLEN>(bytes);
    } else {
        param.offset = reserve(text.size() + 1);
        std::memcpy(m_arena.data() + param.offset, text.data(), text.size());
        param.cType = SQL_C_CHAR;
        param.sqlType = narrowSqlType == SQL_VARCHAR && text.size() > kLongText ? SQL_LONGVARCHAR
                                                                                : narrowSqlType;
        param.columnSize = std::max<SQLULEN>(text.size(), 1);
        param.bytes = static_cast<SQLLEN>(text.size());
    }
    push(param, param.bytes);
}

std::optional<ItemProblem> ParameterBuffer::add(const Value& value, const ColumnPlan& column,
                                                const std::string& columnName,
                                                const Dialect& dialect) {
    const ValueType type = column.type;
    Param param;
    if (value.isNull()) {
        // NULL still carries the column's type: SQL Server refuses e.g. a varchar NULL for a
        // varbinary column.
        switch (type) {
            case ValueType::Bool:
                param = {SQL_C_BIT, SQL_BIT, 1, 0, 0, 0};
                break;
            case ValueType::Int:
                param = {SQL_C_SBIGINT, SQL_BIGINT, 19, 0, 0, 0};
                break;
            case ValueType::Double:
                param = {SQL_C_DOUBLE, SQL_DOUBLE, 15, 0, 0, 0};
                break;
            case ValueType::Binary:
                param = {SQL_C_BINARY, SQL_VARBINARY, 1, 0, 0, 0};
                break;
            case ValueType::Date:
                param = dialect.temporalAsText()
                            ? Param{SQL_C_CHAR, SQL_VARCHAR, 10, 0, 0, 0}
                            : Param{SQL_C_TYPE_DATE, SQL_TYPE_DATE, 10, 0, 0, 0};
                break;
            case ValueType::DateTime:
                param = dialect.temporalAsText()
                            ? Param{SQL_C_CHAR, SQL_VARCHAR, 26, 0, 0, 0}
                            : Param{SQL_C_TYPE_TIMESTAMP, SQL_TYPE_TIMESTAMP, 26, 6, 0, 0};
                break;
            case ValueType::Decimal:
                param = {SQL_C_CHAR,
                         dialect.kind() == DialectKind::Sqlite ? SQLSMALLINT{SQL_VARCHAR}
                                                               : SQLSMALLINT{SQL_DECIMAL},
                         18,
                         0,
                         0,
                         0};
                break;
            case ValueType::Guid: {
                const SQLSMALLINT textType =
                    column.info.sqlType == SQL_GUID ? SQL_GUID : SQL_VARCHAR;
                param = dialect.guidAsText() ? Param{SQL_C_CHAR, textType, 36, 0, 0, 0}
                                             : Param{SQL_C_GUID, SQL_GUID, 16, 0, 0, 0};
                break;
            }
            default:
                param = dialect.wideText() ? Param{SQL_C_WCHAR, SQL_WVARCHAR, 1, 0, 0, 0}
                                           : Param{SQL_C_CHAR, SQL_VARCHAR, 1, 0, 0, 0};
                break;
        }
        param.offset = reserve(16);
        push(param, SQL_NULL_DATA);
        return std::nullopt;
    }

    switch (type) {
        case ValueType::Bool: {
            const auto v = boolFrom(value);
            if (!v) {
                return conversionProblem(value, columnName, type);
            }
            param = {SQL_C_BIT, SQL_BIT, 1, 0, reserve(1), 1};
            m_arena[param.offset] = *v ? 1 : 0;
            push(param, 0);
            return std::nullopt;
        }
        case ValueType::Int: {
            const auto v = intFrom(value);
            if (!v) {
                return conversionProblem(value, columnName, type);
            }
            param = {SQL_C_SBIGINT, SQL_BIGINT, 19, 0, reserve(sizeof(std::int64_t)), 8};
            std::memcpy(m_arena.data() + param.offset, &*v, sizeof(*v));
            push(param, 0);
            return std::nullopt;
        }
        case ValueType::Double: {
            const auto v = doubleFrom(value);
            if (!v) {
                return conversionProblem(value, columnName, type);
            }
            param = {SQL_C_DOUBLE, SQL_DOUBLE, 15, 0, reserve(sizeof(double)), 8};
            std::memcpy(m_arena.data() + param.offset, &*v, sizeof(*v));
            push(param, 0);
            return std::nullopt;
        }
        case ValueType::Decimal: {
            const auto text = decimalFrom(value);
            if (!text) {
                return conversionProblem(value, columnName, type);
            }
            // Describe the value itself; the database converts it to the column's (p, s).
            const auto point = text->find('.');
            const std::size_t sign = (*text)[0] == '-' ? 1 : 0;
            const std::size_t scale = point == std::string::npos ? 0 : text->size() - point - 1;
            const std::size_t digits = text->size() - sign - (point == std::string::npos ? 0 : 1);
            param.cType = SQL_C_CHAR;
            param.sqlType = dialect.kind() == DialectKind::Sqlite
                                ? SQLSMALLINT{SQL_VARCHAR}
                                : (column.info.sqlType == SQL_NUMERIC ? SQLSMALLINT{SQL_NUMERIC}
                                                                      : SQLSMALLINT{SQL_DECIMAL});
            param.columnSize = std::max<SQLULEN>(digits, 1);
            param.digits = static_cast<SQLSMALLINT>(scale);
            param.offset = reserve(text->size() + 1);
            std::memcpy(m_arena.data() + param.offset, text->data(), text->size());
            param.bytes = static_cast<SQLLEN>(text->size());
            push(param, param.bytes);
            return std::nullopt;
        }
        case ValueType::Date: {
            const auto v = dateFrom(value);
            if (!v) {
                return conversionProblem(value, columnName, type);
            }
            if (dialect.temporalAsText()) {
                pushText(formatDate(*v), column, Dialect(DialectKind::Sqlite), SQL_VARCHAR);
                return std::nullopt;
            }
            int year = 0;
            unsigned month = 0;
            unsigned day = 0;
            civilFromDate(*v, year, month, day);
            DATE_STRUCT d{static_cast<SQLSMALLINT>(year), static_cast<SQLUSMALLINT>(month),
                          static_cast<SQLUSMALLINT>(day)};
            param = {SQL_C_TYPE_DATE, SQL_TYPE_DATE, 10, 0, reserve(sizeof(d)), sizeof(d)};
            std::memcpy(m_arena.data() + param.offset, &d, sizeof(d));
            push(param, 0);
            return std::nullopt;
        }
        case ValueType::DateTime: {
            const auto v = dateTimeFrom(value);
            if (!v) {
                return conversionProblem(value, columnName, type);
            }
            if (dialect.temporalAsText()) {
                pushText(sqliteTimestampText(*v), column, Dialect(DialectKind::Sqlite),
                         SQL_VARCHAR);
                return std::nullopt;
            }
            const int digits =
                column.info.digits > 0 && column.info.digits < 6 ? column.info.digits : 6;
            const TIMESTAMP_STRUCT ts = toTimestamp(*v, digits);
            param = {SQL_C_TYPE_TIMESTAMP,
                     SQL_TYPE_TIMESTAMP,
                     static_cast<SQLULEN>(20 + digits),
                     static_cast<SQLSMALLINT>(digits),
                     reserve(sizeof(ts)),
                     sizeof(ts)};
            std::memcpy(m_arena.data() + param.offset, &ts, sizeof(ts));
            push(param, 0);
            return std::nullopt;
        }
        case ValueType::Guid: {
            const auto text = guidFrom(value);
            if (!text) {
                return conversionProblem(value, columnName, type);
            }
            if (dialect.guidAsText()) {
                param.cType = SQL_C_CHAR;
                param.sqlType = column.info.sqlType == SQL_GUID ? SQLSMALLINT{SQL_GUID}
                                                                : SQLSMALLINT{SQL_VARCHAR};
                param.columnSize = 36;
                param.offset = reserve(text->size() + 1);
                std::memcpy(m_arena.data() + param.offset, text->data(), text->size());
                param.bytes = static_cast<SQLLEN>(text->size());
                push(param, param.bytes);
                return std::nullopt;
            }
            SQLGUID guid{};
            unsigned long long parts[5] = {};
            std::size_t pos = 0;
            for (int i = 0; i < 5; ++i) {
                const std::size_t dash = text->find('-', pos);
                const std::string part =
                    text->substr(pos, dash == std::string::npos ? std::string::npos : dash - pos);
                parts[i] = std::stoull(part, nullptr, 16);
                pos = dash + 1;
            }
            guid.Data1 = static_cast<decltype(guid.Data1)>(parts[0]);
            guid.Data2 = static_cast<decltype(guid.Data2)>(parts[1]);
            guid.Data3 = static_cast<decltype(guid.Data3)>(parts[2]);
            guid.Data4[0] = static_cast<unsigned char>(parts[3] >> 8);
            guid.Data4[1] = static_cast<unsigned char>(parts[3]);
            for (int i = 0; i < 6; ++i) {
                guid.Data4[2 + i] = static_cast<unsigned char>(parts[4] >> (8 * (5 - i)));
            }
            param = {SQL_C_GUID, SQL_GUID, 16, 0, reserve(sizeof(guid)), sizeof(guid)};
            std::memcpy(m_arena.data() + param.offset, &guid, sizeof(guid));
            push(param, static_cast<SQLLEN>(sizeof(guid)));
            return std::nullopt;
        }
        case ValueType::Binary: {
            if (value.type() != ValueType::Binary) {
                return conversionProblem(value, columnName, type);
            }
            const auto& bytes = value.asBinary().bytes;
            if (column.length > 0 && static_cast<std::int64_t>(bytes.size()) > column.length) {
                return ItemProblem{ErrorCode::ValueTooLong,
                                   "value too long for column '" + columnName + "' (at most " +
                                       std::to_string(column.length) + " bytes)"};
            }
            param.cType = SQL_C_BINARY;
            const bool bounded =
                column.length > 0 && column.length <= static_cast<std::int64_t>(kLongBinary);
            param.sqlType = bounded ? SQL_VARBINARY : SQL_LONGVARBINARY;
            param.columnSize =
                bounded ? static_cast<SQLULEN>(column.length) : std::max<SQLULEN>(bytes.size(), 1);
            param.offset = reserve(bytes.size());
            if (!bytes.empty()) {
                std::memcpy(m_arena.data() + param.offset, bytes.data(), bytes.size());
            }
            param.bytes = static_cast<SQLLEN>(bytes.size());
            push(param, param.bytes);
            return std::nullopt;
        }
        default:
            break;
    }

    // Text columns (and any type Ferry keeps as text).
    const std::string converted =
        value.type() == ValueType::String ? std::string() : value.toDisplay();
    const std::string& text = value.type() == ValueType::String ? value.asString() : converted;
    if (column.length > 0) {
        const std::size_t count =
            dialect.kind() == DialectKind::SqlServer ? utf16Length(text) : codePointCount(text);
        if (static_cast<std::int64_t>(count) > column.length) {
            return ItemProblem{ErrorCode::ValueTooLong,
                               "value too long for column '" + columnName + "' (at most " +
                                   std::to_string(column.length) + " characters)"};
        }
    }
    pushText(text, column, dialect, SQL_VARCHAR);
    return std::nullopt;
}

void ParameterBuffer::bind(Statement& statement) {
    for (std::size_t i = 0; i < m_params.size(); ++i) {
        const Param& param = m_params[i];
        const SQLLEN bufferLength = param.cType == SQL_C_WCHAR
                                        ? param.bytes + static_cast<SQLLEN>(sizeof(char16_t))
                                        : std::max<SQLLEN>(param.bytes, 0);
        check(
            SQLBindParameter(statement.handle(), static_cast<SQLUSMALLINT>(i + 1), SQL_PARAM_INPUT,
                             param.cType, param.sqlType, param.columnSize, param.digits,
                             m_arena.data() + param.offset, bufferLength, &m_indicators[i]),
            SQL_HANDLE_STMT, statement.handle(), "SQLBindParameter");
    }
}

}  // namespace ferry::odbc
