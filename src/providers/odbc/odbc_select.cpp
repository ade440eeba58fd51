// Parsing of the select statement: the table it reads and whether Ferry can write through it.
#include "odbc_select.h"

#include <algorithm>
#include <cctype>

#include "ferry/error.h"

namespace ferry::odbc {

namespace {

enum class TokenKind { Word, Quoted, String, Number, Symbol };

struct Token {
    TokenKind kind = TokenKind::Symbol;
    std::string text;        // identifier without quotes; symbol characters; upper-cased keyword
    std::string raw;         // as written
    int depth = 0;           // parenthesis depth where the token starts
    std::size_t offset = 0;  // where the token starts in the statement
};

bool isWordChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$' || c == '#' ||
           c == '@' || (static_cast<unsigned char>(c) >= 0x80);
}

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::vector<Token> tokenize(std::string_view sql) {
    std::vector<Token> tokens;
    int depth = 0;
    std::size_t i = 0;
    while (i < sql.size()) {
        const char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            ++i;
            continue;
        }
        if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            while (i < sql.size() && sql[i] != '\n') {
                ++i;
            }
            continue;
        }
        if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
            const auto end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? sql.size() : end + 2;
            continue;
        }
        Token token;
        token.depth = depth;
        token.offset = i;
        const std::size_t start = i;
        if (c == '"' || c == '[' || c == '`' || c == '\'') {
            const char close = c == '[' ? ']' : c;
            token.kind = c == '\'' ? TokenKind::String : TokenKind::Quoted;
            ++i;
            while (i < sql.size()) {
                if (sql[i] == close) {
                    if (i + 1 < sql.size() && sql[i + 1] == close) {  // doubled quote
                        token.text.push_back(close);
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                token.text.push_back(sql[i++]);
            }
        } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
            token.kind = TokenKind::Number;
            while (i < sql.size() &&
                   (std::isalnum(static_cast<unsigned char>(sql[i])) != 0 || sql[i] == '.')) {
                ++i;
            }
            token.text = std::string(sql.substr(start, i - start));
        } else if (isWordChar(c)) {
            token.kind = TokenKind::Word;
            while (i < sql.size() && isWordChar(sql[i])) {
                ++i;
            }
            token.text = std::string(sql.substr(start, i - start));
        } else {
            token.kind = TokenKind::Symbol;
            token.text = std::string(1, c);
            ++i;
            if (c == '(') {
                ++depth;
            } else if (c == ')') {
                depth = std::max(0, depth - 1);
                token.depth = depth;
            }
        }
        token.raw = std::string(sql.substr(start, i - start));
        tokens.push_back(std::move(token));
    }
    return tokens;
}

bool isKeyword(const Token& token, std::string_view keyword) {
    return token.kind == TokenKind::Word && upper(token.text) == keyword;
}

bool isIdentifier(const Token& token) {
    return token.kind == TokenKind::Word || token.kind == TokenKind::Quoted;
}

// Reads `a.b.c` starting at `pos`; returns false when the tokens are not a dotted name.
bool readName(const std::vector<Token>& tokens, std::size_t& pos, TableName& name) {
    name = {};
    while (pos < tokens.size() && isIdentifier(tokens[pos])) {
        name.parts.push_back(tokens[pos].text);
        name.quoted.push_back(tokens[pos].kind == TokenKind::Quoted);
        ++pos;
        if (pos < tokens.size() && tokens[pos].kind == TokenKind::Symbol &&
            tokens[pos].text == ".") {
            ++pos;
            continue;
        }
        return true;
    }
    return false;
}

std::string displayName(const TableName& name) {
    std::string out;
    for (std::size_t i = 0; i < name.parts.size(); ++i) {
        if (i > 0) {
            out += '.';
        }
        out += name.parts[i];
    }
    return out;
}

constexpr std::string_view kClauseEnds[] = {"WHERE",  "GROUP",     "HAVING", "ORDER",  "UNION",
                                            "EXCEPT", "INTERSECT", "LIMIT",  "OFFSET", "FETCH",
                                            "FOR",    "WINDOW",    "OPTION"};

bool endsFromClause(const Token& token) {
    return token.depth == 0 && token.kind == TokenKind::Word &&
           std::find(std::begin(kClauseEnds), std::end(kClauseEnds), upper(token.text)) !=
               std::end(kClauseEnds);
}

}  // namespace

std::string SelectStatement::baseColumn(const std::string& resultColumn) const {
    for (const auto& [alias, column] : aliases) {
        if (alias == resultColumn) {
            return column;
        }
    }
    return resultColumn;
}

SelectStatement parseSelect(std::string_view text) {
    std::string trimmed(text);
    while (!trimmed.empty() && (std::isspace(static_cast<unsigned char>(trimmed.back())) != 0 ||
                                trimmed.back() == ';')) {
        trimmed.pop_back();
    }
    const auto tokens = tokenize(trimmed);
    if (tokens.empty()) {
        throw Error(ErrorCode::QueryFailed, "the select statement is empty", {},
                    "enter a table name or a statement such as SELECT * FROM dbo.Accounts");
    }

    SelectStatement result;
    // A bare table name: `Accounts`, `dbo.Accounts`, `[My Table]`.
    {
        std::size_t pos = 0;
        TableName name;
        if (readName(tokens, pos, name) && pos == tokens.size() &&
            !isKeyword(tokens.front(), "SELECT")) {
            result.table = name;
            result.sql = "SELECT * FROM " + trimmed;
            result.fromOffset = 9;
            result.writable = true;
            return result;
        }
    }
    if (isKeyword(tokens.front(), "WITH")) {
        result.sql = trimmed;
        result.whyNotWritable =
            "the select statement uses a common table expression (WITH); Ferry can only write "
            "to a single table — select from one table, e.g. SELECT * FROM dbo.Accounts";
        return result;
    }
    if (!isKeyword(tokens.front(), "SELECT")) {
        throw Error(ErrorCode::QueryFailed,
                    "the select statement must be a SELECT or a table name (it starts with '" +
                        tokens.front().raw + "')",
                    {}, "e.g. SELECT * FROM dbo.Accounts, or just dbo.Accounts");
    }
    result.sql = trimmed;

    // Locate FROM at depth 0.
    std::size_t from = 0;
    for (std::size_t i = 1; i < tokens.size(); ++i) {
        if (tokens[i].depth == 0 && isKeyword(tokens[i], "FROM")) {
            from = i;
            break;
        }
    }
    std::vector<std::string> reasons;
    std::size_t tableCount = 0;
    if (from != 0) {
        result.fromOffset = tokens[from].offset;
        std::size_t pos = from + 1;
        if (pos < tokens.size() && tokens[pos].kind == TokenKind::Symbol &&
            tokens[pos].text == "(") {
            reasons.push_back("the select statement reads from a subquery");
        } else if (readName(tokens, pos, result.table)) {
            tableCount = 1;
        }
        for (std::size_t i = from + 1; i < tokens.size() && !endsFromClause(tokens[i]); ++i) {
            if (tokens[i].depth != 0) {
                continue;
            }
            if (isKeyword(tokens[i], "JOIN") ||
                (tokens[i].kind == TokenKind::Symbol && tokens[i].text == ",") ||
                isKeyword(tokens[i], "APPLY")) {
                ++tableCount;
            }
        }
    }
    const std::string example =
        result.table.parts.empty() ? std::string("dbo.Accounts") : displayName(result.table);
    const std::string advice =
        "; Ferry can only write to a single table — select from one table, e.g. SELECT * FROM " +
        example;
    if (from == 0) {
        reasons.push_back("the select statement reads no table");
    }
    if (tableCount > 1) {
        reasons.push_back("the select statement joins " + std::to_string(tableCount) + " tables");
    }
    for (const auto& token : tokens) {
        if (token.depth != 0 || token.kind != TokenKind::Word) {
            continue;
        }
        const std::string word = upper(token.text);
        if (word == "UNION" || word == "INTERSECT" || word == "EXCEPT") {
            reasons.push_back("the select statement combines results with " + word);
        } else if (word == "GROUP") {
            reasons.push_back("the select statement groups rows (GROUP BY)");
        } else if (word == "HAVING") {
            reasons.push_back("the select statement filters groups (HAVING)");
        }
    }
    if (tokens.size() > 1 && isKeyword(tokens[1], "DISTINCT")) {
        reasons.push_back("the select statement removes duplicates (DISTINCT)");
    }

    // Select list: plain columns (optionally qualified, optionally aliased) or *.
    if (from != 0) {
        std::size_t pos = 1;
        if (pos < from && (isKeyword(tokens[pos], "ALL") || isKeyword(tokens[pos], "DISTINCT"))) {
            ++pos;
        }
        if (pos < from && isKeyword(tokens[pos], "TOP")) {  // TOP n / TOP (n)
            ++pos;
            if (pos < from && tokens[pos].text == "(") {
                while (pos < from && !(tokens[pos].text == ")" && tokens[pos].depth == 0)) {
                    ++pos;
                }
                ++pos;
            } else {
                ++pos;
            }
            if (pos < from && isKeyword(tokens[pos], "PERCENT")) {
                ++pos;
            }
        }
        std::size_t itemStart = pos;
        for (std::size_t i = pos; i <= from; ++i) {
            if (i < from && !(tokens[i].depth == 0 && tokens[i].text == ",")) {
                continue;
            }
            // One item: tokens [itemStart, i).
            std::size_t p = itemStart;
            const std::size_t end = i;
            itemStart = i + 1;
            if (p >= end) {
                continue;
            }
            if (end - p == 1 && tokens[p].text == "*") {
                continue;
            }
            // [qualifier.]*  or  [qualifier.]column [[AS] alias]
            TableName name;
            std::size_t q = p;
            const bool isName = readName(tokens, q, name);
            if (!isName && q + 1 == end && tokens[q].text == "*") {
                continue;  // t.*
            }
            if (isName && q < end && tokens[q].text == "." && q + 1 < end &&
                tokens[q + 1].text == "*") {
                continue;
            }
            bool plain = isName && q <= end;
            std::string alias;
            if (plain && q < end) {
                if (isKeyword(tokens[q], "AS")) {
                    ++q;
                }
                if (q + 1 == end && isIdentifier(tokens[q])) {
                    alias = tokens[q].text;
                } else {
                    plain = false;
                }
            }
            if (!plain) {
                std::string shown;
                for (std::size_t t = p; t < end; ++t) {
                    shown += (t > p ? " " : "") + tokens[t].raw;
                }
                reasons.push_back("the column '" + shown +
                                  "' is an expression, not a column of the table");
                continue;
            }
            if (!alias.empty()) {
                result.aliases.emplace_back(alias, name.parts.back());
            }
        }
    }

    if (reasons.empty()) {
        result.writable = true;
    } else {
        result.whyNotWritable = reasons.front() + advice;
    }
    return result;
}

}  // namespace ferry::odbc
