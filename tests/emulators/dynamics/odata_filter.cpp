// Lexer, recursive-descent parser and evaluator for the Dataverse dialect of OData $filter.
#include "odata_filter.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cstdint>
#include <utility>

namespace ferry::emulator {
namespace {

char foldAscii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string folded(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), foldAscii);
    return out;
}

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

bool isHexDigit(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool isIdentChar(char c) {
    return isIdentStart(c) || isDigit(c);
}

int threeWay(int difference) {
    return difference < 0 ? -1 : (difference > 0 ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Exact decimal numbers. Doubles would turn 0.1 + money columns into near-misses on `eq`, so
// literals and row numbers are compared as digit strings with a decimal exponent.
class Decimal {
public:
    // Accepts -?digits[.digits][(e|E)[+-]digits]; nullopt for anything else.
    static std::optional<Decimal> parse(std::string_view text) {
        Decimal value;
        size_t i = 0;
        if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
            value.m_negative = text[i] == '-';
            ++i;
        }
        std::string digits;
        const size_t intStart = i;
        while (i < text.size() && isDigit(text[i])) {
            digits += text[i++];
        }
        if (i == intStart) {
            return std::nullopt;
        }
        long long exponent = 0;
        if (i < text.size() && text[i] == '.') {
            ++i;
            const size_t fracStart = i;
            while (i < text.size() && isDigit(text[i])) {
                digits += text[i++];
            }
            if (i == fracStart) {
                return std::nullopt;
            }
            exponent -= static_cast<long long>(i - fracStart);
        }
        if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
            ++i;
            bool negativeExponent = false;
            if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
                negativeExponent = text[i] == '-';
                ++i;
            }
            const size_t expStart = i;
            long long written = 0;
            while (i < text.size() && isDigit(text[i])) {
                // Clamped: a billion-digit exponent means "huge" either way.
                written = std::min(written * 10 + (text[i++] - '0'), 1'000'000'000LL);
            }
            if (i == expStart) {
                return std::nullopt;
            }
            exponent += negativeExponent ? -written : written;
        }
        if (i != text.size()) {
            return std::nullopt;
        }
        const size_t firstNonZero = digits.find_first_not_of('0');
        if (firstNonZero == std::string::npos) {
            return Decimal{};
        }
        digits.erase(0, firstNonZero);
        const size_t lastNonZero = digits.find_last_not_of('0');
        exponent += static_cast<long long>(digits.size() - lastNonZero - 1);
        digits.erase(lastNonZero + 1);
        value.m_digits = std::move(digits);
        value.m_exponent = exponent;
        return value;
    }

    // Integers exactly; floats through their shortest round-trip text, which is what the JSON
    // carried (12.3456 stays 12.3456 rather than 12.345599999999999).
    static Decimal fromJson(const nlohmann::json& number) {
        std::string text;
        if (number.is_number_unsigned()) {
            text = std::to_string(number.get<std::uint64_t>());
        } else if (number.is_number_integer()) {
            text = std::to_string(number.get<std::int64_t>());
        } else {
            std::array<char, 64> buffer{};
            const auto result =
                std::to_chars(buffer.data(), buffer.data() + buffer.size(), number.get<double>());
            text.assign(buffer.data(), result.ptr);
        }
        return parse(text).value_or(Decimal{});
    }

    friend int compare(const Decimal& a, const Decimal& b) {
        const int signA = a.sign();
        const int signB = b.sign();
        if (signA != signB) {
            return signA < signB ? -1 : 1;
        }
        if (signA == 0) {
            return 0;
        }
        // Position of the leading digit decides first; equal positions compare digit by digit
        // (a shorter string is a prefix and therefore smaller, as trailing zeros are stripped).
        const long long leadA = static_cast<long long>(a.m_digits.size()) + a.m_exponent;
        const long long leadB = static_cast<long long>(b.m_digits.size()) + b.m_exponent;
        int magnitude = 0;
        if (leadA != leadB) {
            magnitude = leadA < leadB ? -1 : 1;
        } else {
            magnitude = threeWay(a.m_digits.compare(b.m_digits));
        }
        return signA * magnitude;
    }

private:
    int sign() const { return m_digits.empty() ? 0 : (m_negative ? -1 : 1); }

    bool m_negative = false;
    std::string m_digits;      // no leading or trailing zeros; empty means zero
    long long m_exponent = 0;  // value = m_digits * 10^m_exponent
};

// ---------------------------------------------------------------------------------------------
// Calendar values.

// Days since 1970-01-01 of a proleptic Gregorian date (the usual era-based conversion).
long long daysFromCivil(long long year, unsigned month, unsigned day) {
    year -= month <= 2 ? 1 : 0;
    const long long era = (year >= 0 ? year : year - 399) / 400;
    const auto yearOfEra = static_cast<unsigned>(year - era * 400);
    const unsigned dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const unsigned dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + static_cast<long long>(dayOfEra) - 719468;
}

unsigned daysInMonth(long long year, unsigned month) {
    static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30,
                                                       31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[month - 1];
}

// A point in time: whole seconds since the epoch (UTC) plus the fraction's digits without
// trailing zeros, so sub-second precision survives however many digits were written.
struct Instant {
    long long seconds = 0;
    std::string fraction;

    friend int compare(const Instant& a, const Instant& b) {
        if (a.seconds != b.seconds) {
            return a.seconds < b.seconds ? -1 : 1;
        }
        return threeWay(a.fraction.compare(b.fraction));
    }
};

bool readFixedDigits(std::string_view text, size_t& i, size_t count, unsigned& out) {
    if (i + count > text.size()) {
        return false;
    }
    out = 0;
    for (size_t k = 0; k < count; ++k) {
        if (!isDigit(text[i + k])) {
            return false;
        }
        out = out * 10 + static_cast<unsigned>(text[i + k] - '0');
    }
    i += count;
    return true;
}

// YYYY-MM-DD at text[i...]; advances i. Checks the calendar, not just the shape.
std::optional<long long> readDate(std::string_view text, size_t& i) {
    unsigned year = 0;
    unsigned month = 0;
    unsigned day = 0;
    if (!readFixedDigits(text, i, 4, year) || i >= text.size() || text[i++] != '-' ||
        !readFixedDigits(text, i, 2, month) || i >= text.size() || text[i++] != '-' ||
        !readFixedDigits(text, i, 2, day)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
        return std::nullopt;
    }
    return daysFromCivil(year, month, day);
}

std::optional<long long> parseDate(std::string_view text) {
    size_t i = 0;
    auto days = readDate(text, i);
    if (!days || i != text.size()) {
        return std::nullopt;
    }
    return days;
}

// YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM]. A missing offset means UTC, which is how the
// emulator stores its values.
std::optional<Instant> parseDateTime(std::string_view text) {
    size_t i = 0;
    auto days = readDate(text, i);
    unsigned hour = 0;
    unsigned minute = 0;
    unsigned second = 0;
    if (!days || i >= text.size() || (text[i] != 'T' && text[i] != 't')) {
        return std::nullopt;
    }
    ++i;
    if (!readFixedDigits(text, i, 2, hour) || i >= text.size() || text[i++] != ':' ||
        !readFixedDigits(text, i, 2, minute)) {
        return std::nullopt;
    }
    Instant instant;
    if (i < text.size() && text[i] == ':') {
        ++i;
        if (!readFixedDigits(text, i, 2, second)) {
            return std::nullopt;
        }
        if (i < text.size() && text[i] == '.') {
            ++i;
            const size_t start = i;
            while (i < text.size() && isDigit(text[i])) {
                ++i;
            }
            if (i == start) {
                return std::nullopt;
            }
            instant.fraction = std::string(text.substr(start, i - start));
            instant.fraction.erase(instant.fraction.find_last_not_of('0') + 1);
        }
    }
    if (hour > 23 || minute > 59 || second > 59) {
        return std::nullopt;
    }
    long long offsetMinutes = 0;
    if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
        ++i;
    } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
        const bool negative = text[i++] == '-';
        unsigned offsetHour = 0;
        unsigned offsetMinute = 0;
        if (!readFixedDigits(text, i, 2, offsetHour) || i >= text.size() || text[i++] != ':' ||
            !readFixedDigits(text, i, 2, offsetMinute) || offsetHour > 23 || offsetMinute > 59) {
            return std::nullopt;
        }
        offsetMinutes =
            (negative ? -1 : 1) * static_cast<long long>(offsetHour * 60 + offsetMinute);
    }
    if (i != text.size()) {
        return std::nullopt;
    }
    instant.seconds = *days * 86400 + hour * 3600LL + minute * 60LL + second - offsetMinutes * 60;
    return instant;
}

// 8-4-4-4-12 hex digits.
bool isGuid(std::string_view text) {
    if (text.size() != 36) {
        return false;
    }
    for (size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? text[i] != '-' : !isHexDigit(text[i])) {
            return false;
        }
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Values during evaluation.

struct Value {
    enum class Type { Null, Bool, Number, String, Guid, DateTime, Date };

    Type type = Type::Null;
    bool boolean = false;
    Decimal number;
    std::string text;  // String as written; Guid folded to lower case
    Instant instant;
    long long days = 0;
    // Row JSON carries GUIDs and dates as plain strings, so a row string may be read as the type
    // of the literal it meets.
    bool fromRow = false;
    std::string edmType = "null";  // for error messages only

    static Value makeBool(bool b) {
        Value v;
        v.type = Type::Bool;
        v.boolean = b;
        v.edmType = "Edm.Boolean";
        return v;
    }
};

Value valueFromJson(const nlohmann::json& json) {
    Value v;
    v.fromRow = true;
    if (json.is_boolean()) {
        v = Value::makeBool(json.get<bool>());
        v.fromRow = true;
    } else if (json.is_number()) {
        v.type = Value::Type::Number;
        v.number = Decimal::fromJson(json);
        if (json.is_number_float()) {
            v.edmType = "Edm.Decimal";
        } else if (json.is_number_unsigned() ? json.get<std::uint64_t>() <= INT32_MAX
                                             : (json.get<std::int64_t>() >= INT32_MIN &&
                                                json.get<std::int64_t>() <= INT32_MAX)) {
            v.edmType = "Edm.Int32";
        } else {
            v.edmType = "Edm.Int64";
        }
    } else if (json.is_string()) {
        v.type = Value::Type::String;
        v.text = json.get<std::string>();
        v.edmType = "Edm.String";
    }
    return v;
}

// ---------------------------------------------------------------------------------------------
// Lexer.

enum class Tok {
    End,
    Identifier,
    String,
    Number,
    Guid,
    DateTime,
    Date,
    LParen,
    RParen,
    Comma,
    Equals,
    LBracket,
    RBracket
};

struct Token {
    Tok kind = Tok::End;
    std::string text;  // identifiers and literals as written; strings unescaped
    size_t pos = 0;
};

[[noreturn]] void syntaxError(size_t pos, const std::string& detail) {
    throw FilterError("Syntax error at position " + std::to_string(pos) +
                      " in '$filter': " + detail);
}

std::string describe(const Token& token) {
    switch (token.kind) {
        case Tok::End:
            return "the end of the filter";
        case Tok::String: {
            // As the client wrote it, quotes doubled.
            std::string quoted = "'";
            for (char c : token.text) {
                quoted += c;
                if (c == '\'') {
                    quoted += '\'';
                }
            }
            return quoted + "'";
        }
        default:
            return "'" + token.text + "'";
    }
}

std::vector<Token> tokenize(std::string_view text) {
    std::vector<Token> tokens;
    size_t i = 0;
    while (true) {
        while (i < text.size() &&
               (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) {
            ++i;
        }
        Token token;
        token.pos = i;
        if (i == text.size()) {
            tokens.push_back(token);
            return tokens;
        }
        const char c = text[i];
        auto single = [&](Tok kind) {
            token.kind = kind;
            token.text = std::string(1, c);
            ++i;
        };
        // The end of the literal or name starting at i, for the "no glued junk" checks below.
        auto wordEnd = [&](size_t from) {
            while (from < text.size() &&
                   (isIdentChar(text[from]) || text[from] == '-' || text[from] == ':' ||
                    text[from] == '.' || text[from] == '+')) {
                ++from;
            }
            return from;
        };
        if (c == '(') {
            single(Tok::LParen);
        } else if (c == ')') {
            single(Tok::RParen);
        } else if (c == ',') {
            single(Tok::Comma);
        } else if (c == '=') {
            single(Tok::Equals);
        } else if (c == '[') {
            single(Tok::LBracket);
        } else if (c == ']') {
            single(Tok::RBracket);
        } else if (c == '\'') {
            token.kind = Tok::String;
            ++i;
            while (true) {
                if (i == text.size()) {
                    syntaxError(token.pos, "unterminated string literal");
                }
                if (text[i] == '\'') {
                    if (i + 1 < text.size() && text[i + 1] == '\'') {
                        token.text += '\'';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                token.text += text[i++];
            }
        } else if (isHexDigit(c) && isGuid(text.substr(i, 36)) &&
                   (i + 36 == text.size() || !isIdentChar(text[i + 36]))) {
            token.kind = Tok::Guid;
            token.text = std::string(text.substr(i, 36));
            i += 36;
        } else if (isDigit(c) && i + 4 < text.size() && isDigit(text[i + 1]) &&
                   isDigit(text[i + 2]) && isDigit(text[i + 3]) && text[i + 4] == '-') {
            const size_t end = wordEnd(i);
            token.text = std::string(text.substr(i, end - i));
            if (parseDate(token.text)) {
                token.kind = Tok::Date;
            } else if (parseDateTime(token.text)) {
                token.kind = Tok::DateTime;
            } else {
                syntaxError(i, "invalid date or date-time literal '" + token.text + "'");
            }
            i = end;
        } else if (isDigit(c) || (c == '-' && i + 1 < text.size() && isDigit(text[i + 1]))) {
            size_t end = i + 1;
            while (end < text.size() && (isIdentChar(text[end]) || text[end] == '.' ||
                                         ((text[end] == '-' || text[end] == '+') &&
                                          (text[end - 1] == 'e' || text[end - 1] == 'E')))) {
                ++end;
            }
            token.kind = Tok::Number;
            token.text = std::string(text.substr(i, end - i));
            if (!Decimal::parse(token.text)) {
                syntaxError(i, "invalid number literal '" + token.text + "'");
            }
            i = end;
        } else if (isIdentStart(c)) {
            size_t end = i;
            while (true) {
                while (end < text.size() && isIdentChar(text[end])) {
                    ++end;
                }
                // Dotted names (Microsoft.Dynamics.CRM.In) and navigation paths (a/b).
                if (end + 1 < text.size() && (text[end] == '.' || text[end] == '/') &&
                    isIdentStart(text[end + 1])) {
                    ++end;
                    continue;
                }
                break;
            }
            token.kind = Tok::Identifier;
            token.text = std::string(text.substr(i, end - i));
            i = end;
        } else {
            syntaxError(i, std::string("unexpected character '") + c + "'");
        }
        tokens.push_back(std::move(token));
    }
}

// ---------------------------------------------------------------------------------------------

enum class CompareOp { Eq, Ne, Gt, Ge, Lt, Le };

std::optional<CompareOp> compareOpFromName(std::string_view name) {
    if (name == "eq")
        return CompareOp::Eq;
    if (name == "ne")
        return CompareOp::Ne;
    if (name == "gt")
        return CompareOp::Gt;
    if (name == "ge")
        return CompareOp::Ge;
    if (name == "lt")
        return CompareOp::Lt;
    if (name == "le")
        return CompareOp::Le;
    return std::nullopt;
}

const char* operatorKind(CompareOp op) {
    switch (op) {
        case CompareOp::Eq:
            return "Equal";
        case CompareOp::Ne:
            return "NotEqual";
        case CompareOp::Gt:
            return "GreaterThan";
        case CompareOp::Ge:
            return "GreaterThanOrEqual";
        case CompareOp::Lt:
            return "LessThan";
        case CompareOp::Le:
            return "LessThanOrEqual";
    }
    return "";
}

enum class Function {
    Contains,
    StartsWith,
    EndsWith,
    In,
    NotIn,
    ContainValues,
    DoesNotContainValues
};

constexpr std::string_view kCrmPrefix = "Microsoft.Dynamics.CRM.";

}  // namespace

struct Filter::Node {
    enum class Kind { Or, And, Not, Compare, Call, Literal, Property };

    Kind kind = Kind::Literal;
    CompareOp op = CompareOp::Eq;
    Function function = Function::Contains;
    std::string name;  // property name, or function name for messages
    Value literal;
    std::vector<std::string> listValues;  // PropertyValues of the Dataverse query functions
    std::vector<std::unique_ptr<Node>> children;
};

namespace {

using Node = Filter::Node;
using NodePtr = std::unique_ptr<Node>;

bool isKeyword(const Token& token, std::string_view word) {
    return token.kind == Tok::Identifier && token.text == word;
}

// Whether a node could produce a boolean; literals of other types are refused while parsing.
bool mayBeBoolean(const Node& node) {
    return node.kind != Node::Kind::Literal || node.literal.type == Value::Type::Bool ||
           node.literal.type == Value::Type::Null;
}

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : m_tokens(std::move(tokens)) {}

    NodePtr parseFilter() {
        if (peek().kind == Tok::End) {
            syntaxError(peek().pos, "the expression is empty");
        }
        NodePtr root = parseOr();
        if (peek().kind != Tok::End) {
            syntaxError(peek().pos, "unexpected " + describe(peek()));
        }
        if (!mayBeBoolean(*root)) {
            throw FilterError("The $filter expression must evaluate to a single boolean value.");
        }
        return root;
    }

    std::vector<std::string> takeProperties() { return std::move(m_properties); }

private:
    const Token& peek() const { return m_tokens[m_index]; }
    const Token& next() { return m_tokens[m_index++]; }

    void expect(Tok kind, const char* what) {
        if (peek().kind != kind) {
            syntaxError(peek().pos,
                        std::string("expected ") + what + " but found " + describe(peek()));
        }
        ++m_index;
    }

    NodePtr makeLogical(Node::Kind kind, NodePtr left, NodePtr right, size_t pos) {
        if (!mayBeBoolean(*left) || !mayBeBoolean(*right)) {
            syntaxError(pos, std::string("the operands of '") +
                                 (kind == Node::Kind::Or ? "or" : "and") +
                                 "' must be boolean expressions");
        }
        auto node = std::make_unique<Node>();
        node->kind = kind;
        node->children.push_back(std::move(left));
        node->children.push_back(std::move(right));
        return node;
    }

    NodePtr parseOr() {
        NodePtr left = parseAnd();
        while (isKeyword(peek(), "or")) {
            const size_t pos = next().pos;
            left = makeLogical(Node::Kind::Or, std::move(left), parseAnd(), pos);
        }
        return left;
    }

    NodePtr parseAnd() {
        NodePtr left = parseNot();
        while (isKeyword(peek(), "and")) {
            const size_t pos = next().pos;
            left = makeLogical(Node::Kind::And, std::move(left), parseNot(), pos);
        }
        return left;
    }

    NodePtr parseNot() {
        if (!isKeyword(peek(), "not")) {
            return parseComparison();
        }
        const size_t pos = next().pos;
        NodePtr operand = parseNot();
        if (!mayBeBoolean(*operand)) {
            syntaxError(pos, "the operand of 'not' must be a boolean expression");
        }
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::Not;
        node->children.push_back(std::move(operand));
        return node;
    }

    NodePtr parseComparison() {
        NodePtr left = parsePrimary();
        while (peek().kind == Tok::Identifier) {
            const Token& token = peek();
            if (token.text == "and" || token.text == "or") {
                break;
            }
            const auto op = compareOpFromName(token.text);
            if (!op) {
                syntaxError(token.pos, "unknown operator '" + token.text + "'");
            }
            ++m_index;
            auto node = std::make_unique<Node>();
            node->kind = Node::Kind::Compare;
            node->op = *op;
            node->children.push_back(std::move(left));
            node->children.push_back(parsePrimary());
            left = std::move(node);
        }
        return left;
    }

    NodePtr literal(const Token& token) {
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::Literal;
        Value& v = node->literal;
        switch (token.kind) {
            case Tok::String:
                v.type = Value::Type::String;
                v.text = token.text;
                v.edmType = "Edm.String";
                break;
            case Tok::Number:
                v.type = Value::Type::Number;
                v.number = *Decimal::parse(token.text);
                if (token.text.find_first_of("eE") != std::string::npos) {
                    v.edmType = "Edm.Double";
                } else if (token.text.find('.') != std::string::npos) {
                    v.edmType = "Edm.Decimal";
                } else {
                    const bool small = compare(v.number, *Decimal::parse("2147483647")) <= 0 &&
                                       compare(v.number, *Decimal::parse("-2147483648")) >= 0;
                    v.edmType = small ? "Edm.Int32" : "Edm.Int64";
                }
                break;
            case Tok::Guid:
                v.type = Value::Type::Guid;
                v.text = folded(token.text);
                v.edmType = "Edm.Guid";
                break;
            case Tok::DateTime:
                v.type = Value::Type::DateTime;
                v.instant = *parseDateTime(token.text);
                v.edmType = "Edm.DateTimeOffset";
                break;
            case Tok::Date:
                v.type = Value::Type::Date;
                v.days = *parseDate(token.text);
                v.edmType = "Edm.Date";
                break;
            default:
                break;
        }
        return node;
    }

    NodePtr parsePrimary() {
        const Token& token = peek();
        switch (token.kind) {
            case Tok::LParen: {
                ++m_index;
                NodePtr inner = parseOr();
                expect(Tok::RParen, "')'");
                return inner;
            }
            case Tok::String:
            case Tok::Number:
            case Tok::Guid:
            case Tok::DateTime:
            case Tok::Date:
                ++m_index;
                return literal(token);
            case Tok::Identifier:
                return parseIdentifier();
            case Tok::End:
                syntaxError(token.pos, "expected a value but the filter ended");
            default:
                syntaxError(token.pos, "expected a value but found " + describe(token));
        }
    }

    NodePtr parseIdentifier() {
        const Token& token = next();
        if (token.text == "true" || token.text == "false") {
            auto node = std::make_unique<Node>();
            node->literal = Value::makeBool(token.text == "true");
            return node;
        }
        if (token.text == "null") {
            return std::make_unique<Node>();
        }
        if (token.text == "and" || token.text == "or" || token.text == "not" ||
            compareOpFromName(token.text)) {
            syntaxError(token.pos, "expected a value but found '" + token.text + "'");
        }
        if (peek().kind == Tok::LParen) {
            return parseCall(token);
        }
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::Property;
        node->name = token.text;
        noteProperty(token.text);
        return node;
    }

    void noteProperty(const std::string& name) {
        if (std::find(m_properties.begin(), m_properties.end(), name) == m_properties.end()) {
            m_properties.push_back(name);
        }
    }

    NodePtr parseCall(const Token& nameToken) {
        const std::string& name = nameToken.text;
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::Call;
        node->name = name;
        if (name == "contains" || name == "startswith" || name == "endswith") {
            node->function = name == "contains"     ? Function::Contains
                             : name == "startswith" ? Function::StartsWith
                                                    : Function::EndsWith;
            expect(Tok::LParen, "'('");
            node->children.push_back(parseOr());
            expect(Tok::Comma, "','");
            node->children.push_back(parseOr());
            expect(Tok::RParen, "')'");
            return node;
        }
        if (name.starts_with(kCrmPrefix)) {
            const std::string_view shortName = std::string_view(name).substr(kCrmPrefix.size());
            if (shortName == "In" || shortName == "NotIn" || shortName == "ContainValues" ||
                shortName == "DoesNotContainValues") {
                node->function = shortName == "In"              ? Function::In
                                 : shortName == "NotIn"         ? Function::NotIn
                                 : shortName == "ContainValues" ? Function::ContainValues
                                                                : Function::DoesNotContainValues;
                parseQueryFunctionArguments(*node, nameToken);
                return node;
            }
        }
        syntaxError(nameToken.pos, "unknown function '" + name + "'");
    }

    // (PropertyName='p',PropertyValues=['a','b']) in either order.
    void parseQueryFunctionArguments(Node& node, const Token& nameToken) {
        expect(Tok::LParen, "'('");
        bool haveName = false;
        bool haveValues = false;
        while (true) {
            const Token& parameter = peek();
            expect(Tok::Identifier, "a parameter name");
            expect(Tok::Equals, "'='");
            if (parameter.text == "PropertyName") {
                const Token& value = peek();
                expect(Tok::String, "a quoted property name");
                node.name = value.text;
                noteProperty(value.text);
                haveName = true;
            } else if (parameter.text == "PropertyValues") {
                expect(Tok::LBracket, "'['");
                while (peek().kind != Tok::RBracket) {
                    const Token& value = next();
                    if (value.kind == Tok::End || value.kind == Tok::LParen ||
                        value.kind == Tok::RParen || value.kind == Tok::Comma ||
                        value.kind == Tok::Equals || value.kind == Tok::LBracket ||
                        (value.kind == Tok::Identifier && value.text != "true" &&
                         value.text != "false")) {
                        syntaxError(value.pos, "expected a literal but found " + describe(value));
                    }
                    node.listValues.push_back(value.text);
                    if (peek().kind != Tok::RBracket) {
                        expect(Tok::Comma, "',' or ']'");
                    }
                }
                ++m_index;
                haveValues = true;
            } else {
                syntaxError(parameter.pos, "unknown parameter '" + parameter.text +
                                               "' of function '" + nameToken.text + "'");
            }
            if (peek().kind == Tok::RParen) {
                ++m_index;
                break;
            }
            expect(Tok::Comma, "',' or ')'");
        }
        if (!haveName || !haveValues) {
            syntaxError(nameToken.pos,
                        "function '" + nameToken.text + "' needs PropertyName and PropertyValues");
        }
    }

    std::vector<Token> m_tokens;
    size_t m_index = 0;
    std::vector<std::string> m_properties;
};

// ---------------------------------------------------------------------------------------------
// Evaluation.

class Evaluator {
public:
    Evaluator(const PropertyLookup& row, const std::string& entityType)
        : m_row(row), m_entityType(entityType) {}

    // Every branch is evaluated (no short-circuit) so that an unknown property or a type error
    // surfaces on every row, as the service reports it for the request rather than per row.
    bool test(const Node& node) {
        switch (node.kind) {
            case Node::Kind::Or: {
                const bool left = test(*node.children[0]);
                const bool right = test(*node.children[1]);
                return left || right;
            }
            case Node::Kind::And: {
                const bool left = test(*node.children[0]);
                const bool right = test(*node.children[1]);
                return left && right;
            }
            case Node::Kind::Not:
                return !test(*node.children[0]);
            default:
                break;
        }
        const Value v = evaluate(node);
        if (v.type == Value::Type::Null) {
            return false;
        }
        if (v.type != Value::Type::Bool) {
            throw FilterError("The $filter expression must evaluate to a single boolean value.");
        }
        return v.boolean;
    }

private:
    Value evaluate(const Node& node) {
        switch (node.kind) {
            case Node::Kind::Literal:
                return node.literal;
            case Node::Kind::Property:
                return property(node.name);
            case Node::Kind::Compare:
                return Value::makeBool(compareValues(evaluate(*node.children[0]),
                                                     evaluate(*node.children[1]), node.op));
            case Node::Kind::Call:
                return Value::makeBool(call(node));
            case Node::Kind::Or:
            case Node::Kind::And:
            case Node::Kind::Not:
                return Value::makeBool(test(node));
        }
        return Value{};
    }

    Value property(const std::string& name) {
        const std::optional<nlohmann::json> json = m_row(name);
        if (!json) {
            throw FilterError(Filter::unknownPropertyMessage(name, m_entityType));
        }
        if (json->is_object() || json->is_array()) {
            throw FilterError("The property '" + name +
                              "' is not a primitive value and cannot be used in '$filter'.");
        }
        return valueFromJson(*json);
    }

    [[noreturn]] static void incompatible(const Value& a, const Value& b, CompareOp op) {
        throw FilterError(
            "A binary operator with incompatible types was detected. Found operand types '" +
            a.edmType + "' and '" + b.edmType + "' for operator kind '" + operatorKind(op) + "'.");
    }

    // Reads a row string as the type of `typed` (GUID, number, date-time or date); false when the
    // text does not have that shape.
    static bool adopt(Value& untyped, const Value& typed) {
        switch (typed.type) {
            case Value::Type::Guid:
                if (!isGuid(untyped.text)) {
                    return false;
                }
                untyped.text = folded(untyped.text);
                break;
            case Value::Type::Number:
                if (auto number = Decimal::parse(untyped.text)) {
                    untyped.type = Value::Type::Number;
                    untyped.number = *number;
                    return true;
                }
                return false;
            case Value::Type::DateTime:
            case Value::Type::Date:
                if (auto instant = parseDateTime(untyped.text)) {
                    untyped.type = Value::Type::DateTime;
                    untyped.instant = *instant;
                    return true;
                }
                if (auto days = parseDate(untyped.text)) {
                    untyped.type = Value::Type::Date;
                    untyped.days = *days;
                    return true;
                }
                return false;
            default:
                return false;
        }
        untyped.type = typed.type;
        return true;
    }

    static Instant asInstant(const Value& v) {
        if (v.type == Value::Type::DateTime) {
            return v.instant;
        }
        return Instant{v.days * 86400, {}};
    }

    static bool compareValues(Value left, Value right, CompareOp op) {
        const bool leftNull = left.type == Value::Type::Null;
        const bool rightNull = right.type == Value::Type::Null;
        if (leftNull || rightNull) {
            // SQL semantics: null is equal only to null and never ordered.
            if (op == CompareOp::Eq) {
                return leftNull && rightNull;
            }
            if (op == CompareOp::Ne) {
                return !(leftNull && rightNull);
            }
            return false;
        }
        using T = Value::Type;
        // Row text takes the type of what it meets; a quoted literal only passes for a GUID.
        const auto adoptable = [](const Value& text, const Value& typed) {
            if (text.type != T::String) {
                return false;
            }
            return typed.type == T::Guid ||
                   (text.fromRow && (typed.type == T::DateTime || typed.type == T::Date ||
                                     typed.type == T::Number));
        };
        if (adoptable(left, right)) {
            if (!adopt(left, right)) {
                incompatible(left, right, op);
            }
        } else if (adoptable(right, left)) {
            if (!adopt(right, left)) {
                incompatible(left, right, op);
            }
        }
        if (left.type == T::String && right.type == T::String && left.fromRow && right.fromRow) {
            // Two date-time columns compared with each other: order by time, not by text, since
            // "...:01.25Z" sorts before "...:01Z" as text.
            Value leftTime = left;
            Value rightTime = right;
            Value dateTimeType;
            dateTimeType.type = T::DateTime;
            if (adopt(leftTime, dateTimeType) && adopt(rightTime, dateTimeType)) {
                left = std::move(leftTime);
                right = std::move(rightTime);
            }
        }
        int order = 0;
        if (left.type == T::String && right.type == T::String) {
            order = threeWay(folded(left.text).compare(folded(right.text)));
        } else if (left.type == T::Guid && right.type == T::Guid) {
            order = threeWay(left.text.compare(right.text));
        } else if (left.type == T::Number && right.type == T::Number) {
            order = compare(left.number, right.number);
        } else if (left.type == T::Bool && right.type == T::Bool) {
            order = static_cast<int>(left.boolean) - static_cast<int>(right.boolean);
        } else if (left.type == T::Date && right.type == T::Date) {
            order = left.days < right.days ? -1 : (left.days > right.days ? 1 : 0);
        } else if ((left.type == T::Date || left.type == T::DateTime) &&
                   (right.type == T::Date || right.type == T::DateTime)) {
            order = compare(asInstant(left), asInstant(right));
        } else {
            incompatible(left, right, op);
        }
        switch (op) {
            case CompareOp::Eq:
                return order == 0;
            case CompareOp::Ne:
                return order != 0;
            case CompareOp::Gt:
                return order > 0;
            case CompareOp::Ge:
                return order >= 0;
            case CompareOp::Lt:
                return order < 0;
            case CompareOp::Le:
                return order <= 0;
        }
        return false;
    }

    bool call(const Node& node) {
        switch (node.function) {
            case Function::Contains:
            case Function::StartsWith:
            case Function::EndsWith:
                return textFunction(node);
            case Function::In:
            case Function::NotIn:
            case Function::ContainValues:
            case Function::DoesNotContainValues:
                return queryFunction(node);
        }
        return false;
    }

    bool textFunction(const Node& node) {
        const Value haystack = evaluate(*node.children[0]);
        const Value needle = evaluate(*node.children[1]);
        if (haystack.type == Value::Type::Null || needle.type == Value::Type::Null) {
            return false;
        }
        if (haystack.type != Value::Type::String || needle.type != Value::Type::String) {
            throw FilterError("No function signature for the function with name '" + node.name +
                              "' matches the specified arguments. The function signatures "
                              "considered are: " +
                              node.name + "(Edm.String Nullable=true, Edm.String Nullable=true).");
        }
        const std::string h = folded(haystack.text);
        const std::string n = folded(needle.text);
        switch (node.function) {
            case Function::Contains:
                return h.find(n) != std::string::npos;
            case Function::StartsWith:
                return h.starts_with(n);
            default:
                return h.ends_with(n);
        }
    }

    // One row value against one entry of PropertyValues, which Dataverse always writes as text.
    static bool sameAs(const Value& v, const std::string& listed) {
        switch (v.type) {
            case Value::Type::Number: {
                const auto number = Decimal::parse(listed);
                return number && compare(v.number, *number) == 0;
            }
            case Value::Type::Bool:
                return listed == (v.boolean ? "true" : "false");
            default: {
                const auto rowNumber = Decimal::parse(v.text);
                const auto listedNumber = Decimal::parse(listed);
                if (rowNumber && listedNumber) {
                    return compare(*rowNumber, *listedNumber) == 0;
                }
                return folded(v.text) == folded(listed);
            }
        }
    }

    bool queryFunction(const Node& node) {
        const Value v = property(node.name);
        const bool isNull = v.type == Value::Type::Null;
        if (node.function == Function::In || node.function == Function::NotIn) {
            if (isNull) {
                return false;  // SQL IN / NOT IN never match a null column
            }
            const bool found = std::any_of(node.listValues.begin(), node.listValues.end(),
                                           [&](const std::string& s) { return sameAs(v, s); });
            return node.function == Function::In ? found : !found;
        }
        // Multi-select choices arrive as "1,2" (or a bare number for a single choice).
        bool found = false;
        if (!isNull) {
            std::vector<std::string> selected;
            if (v.type == Value::Type::String) {
                size_t start = 0;
                while (start <= v.text.size()) {
                    size_t comma = v.text.find(',', start);
                    if (comma == std::string::npos) {
                        comma = v.text.size();
                    }
                    std::string item = v.text.substr(start, comma - start);
                    item.erase(0, item.find_first_not_of(' '));
                    item.erase(item.find_last_not_of(' ') + 1);
                    if (!item.empty()) {
                        selected.push_back(item);
                    }
                    start = comma + 1;
                }
            }
            for (const std::string& listed : node.listValues) {
                if (v.type != Value::Type::String) {
                    found = found || sameAs(v, listed);
                    continue;
                }
                for (const std::string& item : selected) {
                    const auto a = Decimal::parse(item);
                    const auto b = Decimal::parse(listed);
                    found =
                        found || (a && b ? compare(*a, *b) == 0 : folded(item) == folded(listed));
                }
            }
        }
        return node.function == Function::ContainValues ? found : !found;
    }

    const PropertyLookup& m_row;
    const std::string& m_entityType;
};

}  // namespace

Filter Filter::parse(std::string_view text) {
    Parser parser(tokenize(text));
    Filter filter;
    filter.m_root = parser.parseFilter();
    filter.m_text = std::string(text);
    filter.m_properties = parser.takeProperties();
    return filter;
}

bool Filter::matches(const PropertyLookup& row) const {
    Evaluator evaluator(row, m_entityType);
    return evaluator.test(*m_root);
}

std::vector<std::string> Filter::properties() const {
    return m_properties;
}

std::string Filter::unknownPropertyMessage(std::string_view property, std::string_view entityType) {
    return "Could not find a property named '" + std::string(property) + "' on type '" +
           std::string(entityType) + "'.";
}

}  // namespace ferry::emulator
