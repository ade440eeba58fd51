// The OData v3 $filter subset SharePoint list items accept: parsing and evaluation.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::emulator::sp {

// A $filter the service cannot parse or does not support. The message is shown to the client.
struct FilterError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A typed value of a field or literal. Dates are Unix seconds in `number`.
struct FilterValue {
    enum class Kind { Null, Number, String, Bool, DateTime };
    Kind kind = Kind::Null;
    double number = 0;
    std::string text;

    static FilterValue null() { return {}; }
    static FilterValue ofNumber(double v) { return {Kind::Number, v, {}}; }
    static FilterValue ofString(std::string v) { return {Kind::String, 0, std::move(v)}; }
    static FilterValue ofBool(bool v) { return {Kind::Bool, v ? 1.0 : 0.0, {}}; }
    static FilterValue ofDateTime(double seconds) { return {Kind::DateTime, seconds, {}}; }
};

// Orders two values of one field: null first, strings case-insensitively. Returns <0, 0, >0.
int compareValues(const FilterValue& a, const FilterValue& b);

// Resolves a field name as written in the filter (e.g. "Title", "CustomerId", "Author/Title")
// to the value of the row being tested. Throws FilterError for an unknown field.
using FieldResolver = std::function<FilterValue(const std::string& field)>;

// A parsed $filter. Supports eq ne gt ge lt le, and, or, not, parentheses, startswith(Field,'x'),
// substringof('x',Field), day/month/year/hour/minute/second(Field), and the literals 'text'
// (quotes doubled), numbers, true, false, null, datetime'...'. Functions SharePoint refuses
// (endswith, tolower, arithmetic, ...) throw FilterError when parsed.
class FilterExpression final {
public:
    // Throws FilterError on a syntax error or an unsupported construct.
    static FilterExpression parse(std::string_view text);

    bool matches(const FieldResolver& resolve) const;
    // The only item IDs the expression can be true for, ascending, when it says so: a
    // disjunction of `ID eq <n>` (`ID eq 1 or ID eq 2 …`), alone or ANDed with anything else.
    // nullopt when any item may match. `isIdField` says which field names mean the item's ID.
    // Lets the service look those items up instead of testing every item; matches() still
    // decides for each of them.
    std::optional<std::vector<int>> idCandidates(
        const std::function<bool(const std::string&)>& isIdField) const;
    // Every field name the expression reads, in order of appearance, without repeats.
    const std::vector<std::string>& fields() const { return m_fields; }

    struct Node;

private:
    std::shared_ptr<const Node> m_root;
    std::vector<std::string> m_fields;
};

}  // namespace ferry::emulator::sp
