// The OData v3 $filter subset SharePoint list items accept: parsing and evaluation.
#include "sp_filter.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <iterator>
#include <set>

#include "sp_text.h"

namespace ferry::emulator::sp {

struct FilterExpression::Node {
    enum class Type { Or, And, Not, Compare, Call, Field, Literal };
    Type type = Type::Literal;
    std::string name;  // operator, function or field name
    FilterValue literal;
    std::vector<std::shared_ptr<const Node>> children;
};

namespace {

using Node = FilterExpression::Node;
using NodePtr = std::shared_ptr<const Node>;

struct Token {
    enum class Kind { End, Identifier, String, Number, DateTime, Open, Close, Comma };
    Kind kind = Kind::End;
    std::string text;
};

class Parser {
public:
    Parser(std::string_view text, std::vector<std::string>& fields)
        : m_text(text), m_fields(fields) {
        advance();
    }

    NodePtr parseAll() {
        NodePtr root = parseOr();
        if (m_token.kind != Token::Kind::End)
            fail("Syntax error at position " + std::to_string(m_tokenStart) + ".");
        return root;
    }

private:
    [[noreturn]] void fail(const std::string& message) const {
        throw FilterError("The query is not valid. " + message);
    }

    void skipSpaces() {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t'))
            ++m_pos;
    }

    std::string readQuoted() {
        // m_pos is on the opening quote; '' inside stands for one quote.
        std::string out;
        ++m_pos;
        while (true) {
            if (m_pos >= m_text.size())
                fail("Unterminated string literal.");
            const char c = m_text[m_pos++];
            if (c == '\'') {
                if (m_pos < m_text.size() && m_text[m_pos] == '\'') {
                    out.push_back('\'');
                    ++m_pos;
                    continue;
                }
                return out;
            }
            out.push_back(c);
        }
    }

    void advance() {
        skipSpaces();
        m_tokenStart = m_pos;
        m_token = {};
        if (m_pos >= m_text.size())
            return;
        const char c = m_text[m_pos];
        if (c == '(') {
            ++m_pos;
            m_token.kind = Token::Kind::Open;
        } else if (c == ')') {
            ++m_pos;
            m_token.kind = Token::Kind::Close;
        } else if (c == ',') {
            ++m_pos;
            m_token.kind = Token::Kind::Comma;
        } else if (c == '\'') {
            m_token.kind = Token::Kind::String;
            m_token.text = readQuoted();
        } else if ((c >= '0' && c <= '9') || c == '-' || c == '.') {
            std::size_t end = m_pos + 1;
            while (end < m_text.size() &&
                   (std::isdigit(static_cast<unsigned char>(m_text[end])) || m_text[end] == '.' ||
                    m_text[end] == 'e' || m_text[end] == 'E' ||
                    ((m_text[end] == '-' || m_text[end] == '+') &&
                     (m_text[end - 1] == 'e' || m_text[end - 1] == 'E'))))
                ++end;
            m_token.kind = Token::Kind::Number;
            m_token.text = std::string(m_text.substr(m_pos, end - m_pos));
            m_pos = end;
            // Type suffixes of OData v3 numeric literals.
            if (m_pos < m_text.size() &&
                std::string_view("LlMmDdFf").find(m_text[m_pos]) != std::string_view::npos)
                ++m_pos;
        } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            std::size_t end = m_pos;
            while (end < m_text.size() &&
                   (std::isalnum(static_cast<unsigned char>(m_text[end])) || m_text[end] == '_' ||
                    m_text[end] == '/' || m_text[end] == '.'))
                ++end;
            std::string word(m_text.substr(m_pos, end - m_pos));
            m_pos = end;
            if (m_pos < m_text.size() && m_text[m_pos] == '\'' &&
                (iequals(word, "datetime") || iequals(word, "guid") ||
                 iequals(word, "datetimeoffset"))) {
                m_token.kind = iequals(word, "guid") ? Token::Kind::String : Token::Kind::DateTime;
                m_token.text = readQuoted();
            } else {
                m_token.kind = Token::Kind::Identifier;
                m_token.text = std::move(word);
            }
        } else {
            fail(std::string("Unexpected character '") + c + "'.");
        }
    }

    bool isWord(std::string_view word) const {
        return m_token.kind == Token::Kind::Identifier && m_token.text == word;
    }

    NodePtr parseOr() {
        NodePtr left = parseAnd();
        while (isWord("or")) {
            advance();
            auto node = std::make_shared<Node>();
            node->type = Node::Type::Or;
            node->children = {left, parseAnd()};
            left = node;
        }
        return left;
    }

    NodePtr parseAnd() {
        NodePtr left = parseUnary();
        while (isWord("and")) {
            advance();
            auto node = std::make_shared<Node>();
            node->type = Node::Type::And;
            node->children = {left, parseUnary()};
            left = node;
        }
        return left;
    }

    NodePtr parseUnary() {
        if (isWord("not")) {
            advance();
            auto node = std::make_shared<Node>();
            node->type = Node::Type::Not;
            node->children = {parseUnary()};
            return node;
        }
        return parseComparison();
    }

    NodePtr parseComparison() {
        NodePtr left = parseOperand();
        static constexpr std::string_view kOps[] = {"eq", "ne", "gt", "ge", "lt", "le"};
        if (m_token.kind == Token::Kind::Identifier &&
            std::find(std::begin(kOps), std::end(kOps), m_token.text) != std::end(kOps)) {
            auto node = std::make_shared<Node>();
            node->type = Node::Type::Compare;
            node->name = m_token.text;
            advance();
            node->children = {left, parseOperand()};
            return node;
        }
        static constexpr std::string_view kArithmetic[] = {"add", "sub", "mul", "div", "mod"};
        if (m_token.kind == Token::Kind::Identifier &&
            std::find(std::begin(kArithmetic), std::end(kArithmetic), m_token.text) !=
                std::end(kArithmetic))
            fail("Arithmetic operator '" + m_token.text + "' is not supported.");
        return left;
    }

    NodePtr parseOperand() {
        auto node = std::make_shared<Node>();
        switch (m_token.kind) {
            case Token::Kind::Open: {
                advance();
                NodePtr inner = parseOr();
                if (m_token.kind != Token::Kind::Close)
                    fail("')' expected.");
                advance();
                return inner;
            }
            case Token::Kind::String:
                node->literal = FilterValue::ofString(m_token.text);
                advance();
                return node;
            case Token::Kind::DateTime: {
                const auto seconds = parseIso(m_token.text);
                if (!seconds)
                    fail("'" + m_token.text + "' is not a valid datetime.");
                node->literal = FilterValue::ofDateTime(static_cast<double>(*seconds));
                advance();
                return node;
            }
            case Token::Kind::Number: {
                const auto number = parseNumber(m_token.text);
                if (!number)
                    fail("'" + m_token.text + "' is not a valid number.");
                node->literal = FilterValue::ofNumber(*number);
                advance();
                return node;
            }
            case Token::Kind::Identifier:
                break;
            default:
                fail("An operand is expected at position " + std::to_string(m_tokenStart) + ".");
        }
        std::string word = m_token.text;
        advance();
        if (m_token.kind == Token::Kind::Open) {
            static constexpr std::string_view kSupported[] = {
                "startswith", "substringof", "day", "month", "year", "hour", "minute", "second"};
            const std::string lower = toLower(word);
            if (std::find(std::begin(kSupported), std::end(kSupported), lower) ==
                std::end(kSupported))
                fail("The function '" + word + "' is not supported.");
            node->type = Node::Type::Call;
            node->name = lower;
            advance();
            if (m_token.kind != Token::Kind::Close) {
                while (true) {
                    node->children.push_back(parseOr());
                    if (m_token.kind == Token::Kind::Comma) {
                        advance();
                        continue;
                    }
                    break;
                }
            }
            if (m_token.kind != Token::Kind::Close)
                fail("')' expected after the arguments of '" + word + "'.");
            advance();
            const std::size_t expected = (lower == "startswith" || lower == "substringof") ? 2 : 1;
            if (node->children.size() != expected)
                fail("'" + word + "' takes " + std::to_string(expected) + " argument(s).");
            return node;
        }
        if (word == "true" || word == "false") {
            node->literal = FilterValue::ofBool(word == "true");
            return node;
        }
        if (word == "null")
            return node;
        node->type = Node::Type::Field;
        node->name = word;
        if (std::find(m_fields.begin(), m_fields.end(), word) == m_fields.end())
            m_fields.push_back(word);
        return node;
    }

    std::string_view m_text;
    std::vector<std::string>& m_fields;
    std::size_t m_pos = 0;
    std::size_t m_tokenStart = 0;
    Token m_token;
};

// Brings a literal to the type of the field it is compared with (SharePoint compares a date
// column with '2024-01-01' and a number column with '12').
FilterValue coerce(const FilterValue& value, FilterValue::Kind target) {
    if (value.kind != FilterValue::Kind::String || target == FilterValue::Kind::String ||
        target == FilterValue::Kind::Null)
        return value;
    if (target == FilterValue::Kind::DateTime) {
        if (const auto s = parseIso(value.text))
            return FilterValue::ofDateTime(static_cast<double>(*s));
    } else if (target == FilterValue::Kind::Number) {
        if (const auto n = parseNumber(value.text))
            return FilterValue::ofNumber(*n);
    } else if (target == FilterValue::Kind::Bool) {
        if (value.text == "1" || iequals(value.text, "true"))
            return FilterValue::ofBool(true);
        if (value.text == "0" || iequals(value.text, "false"))
            return FilterValue::ofBool(false);
    }
    return value;
}

FilterValue evaluate(const Node& node, const FieldResolver& resolve);

bool truth(const FilterValue& v) {
    return v.kind == FilterValue::Kind::Bool && v.number != 0;
}

FilterValue evaluate(const Node& node, const FieldResolver& resolve) {
    switch (node.type) {
        case Node::Type::Literal:
            return node.literal;
        case Node::Type::Field:
            return resolve(node.name);
        case Node::Type::Or:
            return FilterValue::ofBool(truth(evaluate(*node.children[0], resolve)) ||
                                       truth(evaluate(*node.children[1], resolve)));
        case Node::Type::And:
            return FilterValue::ofBool(truth(evaluate(*node.children[0], resolve)) &&
                                       truth(evaluate(*node.children[1], resolve)));
        case Node::Type::Not:
            return FilterValue::ofBool(!truth(evaluate(*node.children[0], resolve)));
        case Node::Type::Compare: {
            FilterValue a = evaluate(*node.children[0], resolve);
            FilterValue b = evaluate(*node.children[1], resolve);
            a = coerce(a, b.kind);
            b = coerce(b, a.kind);
            const bool aNull = a.kind == FilterValue::Kind::Null;
            const bool bNull = b.kind == FilterValue::Kind::Null;
            if (aNull || bNull) {
                if (node.name == "eq")
                    return FilterValue::ofBool(aNull && bNull);
                if (node.name == "ne")
                    return FilterValue::ofBool(aNull != bNull);
                return FilterValue::ofBool(false);
            }
            const int c = compareValues(a, b);
            const std::string& op = node.name;
            return FilterValue::ofBool(op == "eq"   ? c == 0
                                       : op == "ne" ? c != 0
                                       : op == "gt" ? c > 0
                                       : op == "ge" ? c >= 0
                                       : op == "lt" ? c < 0
                                                    : c <= 0);
        }
        case Node::Type::Call: {
            if (node.name == "startswith" || node.name == "substringof") {
                const FilterValue a = evaluate(*node.children[0], resolve);
                const FilterValue b = evaluate(*node.children[1], resolve);
                if (a.kind != FilterValue::Kind::String || b.kind != FilterValue::Kind::String)
                    return FilterValue::ofBool(false);
                const std::string hay = toLower(node.name == "startswith" ? a.text : b.text);
                const std::string needle = toLower(node.name == "startswith" ? b.text : a.text);
                return FilterValue::ofBool(node.name == "startswith"
                                               ? hay.rfind(needle, 0) == 0
                                               : hay.find(needle) != std::string::npos);
            }
            const FilterValue a =
                coerce(evaluate(*node.children[0], resolve), FilterValue::Kind::DateTime);
            if (a.kind != FilterValue::Kind::DateTime)
                return FilterValue::null();
            const std::string iso = formatIso(static_cast<std::int64_t>(a.number));
            const auto part = [&](std::size_t pos, std::size_t len) {
                return FilterValue::ofNumber(std::stod(iso.substr(pos, len)));
            };
            if (node.name == "year")
                return part(0, 4);
            if (node.name == "month")
                return part(5, 2);
            if (node.name == "day")
                return part(8, 2);
            if (node.name == "hour")
                return part(11, 2);
            if (node.name == "minute")
                return part(14, 2);
            return part(17, 2);
        }
    }
    return FilterValue::null();
}

// See FilterExpression::idCandidates.
std::optional<std::set<int>> candidateIds(const Node& node,
                                          const std::function<bool(const std::string&)>& isId) {
    switch (node.type) {
        case Node::Type::Compare: {
            if (node.name != "eq")
                return std::nullopt;
            const Node* field = node.children[0].get();
            const Node* literal = node.children[1].get();
            if (field->type != Node::Type::Field)
                std::swap(field, literal);
            if (field->type != Node::Type::Field || literal->type != Node::Type::Literal ||
                literal->literal.kind != FilterValue::Kind::Number || !isId(field->name))
                return std::nullopt;
            // The ID compares as a number: only a whole number can be equal to one.
            const double n = literal->literal.number;
            if (n != std::floor(n) || n < INT_MIN || n > INT_MAX)
                return std::nullopt;
            return std::set<int>{static_cast<int>(n)};
        }
        case Node::Type::Or: {
            auto left = candidateIds(*node.children[0], isId);
            if (!left)
                return std::nullopt;
            const auto right = candidateIds(*node.children[1], isId);
            if (!right)
                return std::nullopt;
            left->insert(right->begin(), right->end());
            return left;
        }
        case Node::Type::And: {
            auto left = candidateIds(*node.children[0], isId);
            auto right = candidateIds(*node.children[1], isId);
            if (!left || !right)
                return left ? std::move(left) : std::move(right);
            std::set<int> both;
            std::set_intersection(left->begin(), left->end(), right->begin(), right->end(),
                                  std::inserter(both, both.end()));
            return both;
        }
        default:
            return std::nullopt;
    }
}

}  // namespace

int compareValues(const FilterValue& a, const FilterValue& b) {
    const bool aNull = a.kind == FilterValue::Kind::Null;
    const bool bNull = b.kind == FilterValue::Kind::Null;
    if (aNull || bNull)
        return aNull == bNull ? 0 : (aNull ? -1 : 1);
    if (a.kind == FilterValue::Kind::String && b.kind == FilterValue::Kind::String)
        return compareIgnoreCase(a.text, b.text);
    if (a.kind == FilterValue::Kind::String || b.kind == FilterValue::Kind::String) {
        // Mismatched types: compare the text forms so the order is at least stable.
        const std::string x = a.kind == FilterValue::Kind::String ? a.text : formatNumber(a.number);
        const std::string y = b.kind == FilterValue::Kind::String ? b.text : formatNumber(b.number);
        return compareIgnoreCase(x, y);
    }
    return a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
}

FilterExpression FilterExpression::parse(std::string_view text) {
    FilterExpression expression;
    Parser parser(text, expression.m_fields);
    expression.m_root = parser.parseAll();
    return expression;
}

bool FilterExpression::matches(const FieldResolver& resolve) const {
    return m_root && truth(evaluate(*m_root, resolve));
}

std::optional<std::vector<int>> FilterExpression::idCandidates(
    const std::function<bool(const std::string&)>& isIdField) const {
    if (!m_root)
        return std::nullopt;
    const auto ids = candidateIds(*m_root, isIdField);
    if (!ids)
        return std::nullopt;
    return std::vector<int>(ids->begin(), ids->end());
}

}  // namespace ferry::emulator::sp
