// The OData v4 $filter language as Dataverse accepts it: parsing and evaluation against one row.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ferry::emulator {

// A $filter the service refuses. The message is meant for the client, inside a 400 error body.
struct FilterError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Value of a property of the row being tested: a JSON string (text, GUID, date-time, date),
// number, bool or null. Returns nullopt when the entity has no such property, which makes
// Filter::matches() throw the "Could not find a property named ..." FilterError.
using PropertyLookup = std::function<std::optional<nlohmann::json>(std::string_view name)>;

// An immutable parsed $filter; cheap to copy and safe to share between threads.
//
// Grammar, loosest first: `or`, `and`, `not`, comparison (eq ne gt ge lt le), then primaries:
// parentheses, contains/startswith/endswith(value, value), Microsoft.Dynamics.CRM.In / NotIn /
// ContainValues / DoesNotContainValues(PropertyName='p',PropertyValues=['a',...]), literals
// ('text' with '' for a quote, integers, decimals, true, false, null, unquoted GUIDs,
// date-times such as 2023-04-07T21:59:01Z and dates such as 2023-04-07) and property names
// (letters, digits, `_`, segments joined by `/`). Keywords are case-sensitive lower case.
//
// Comparison rules follow Dataverse's default collation: text and GUIDs case-insensitively
// (ASCII folding), numbers exactly (arbitrary precision, so 4-decimal money never rounds),
// date-times chronologically with their offsets applied, dates as midnight UTC. Row strings
// compared with a GUID, number, date-time or date literal are read as that type (so a row may
// hand over decimal or money columns as exact text such as "922337203685477.5807" where a JSON
// double would round), and two row strings that both read as date-times compare as times.
// Anything else of different types throws. `eq null` is true only for null; any ordering
// comparison involving null is false.
//
// The text must already be percent-decoded. Parameter aliases (@p1) are not supported.
class Filter final {
public:
    // Parses `text`. Throws FilterError on syntax errors with a message of the form
    // "Syntax error at position N in '$filter': <detail>", N being the 0-based character offset
    // of the offending token.
    static Filter parse(std::string_view text);

    // True when `row` satisfies the filter. Throws FilterError when the filter names a property
    // `row` does not have (see unknownPropertyMessage()), when operand types are incompatible
    // (e.g. a text property against a number) or when a function gets arguments of the wrong
    // type.
    bool matches(const PropertyLookup& row) const;

    // Every property the filter names, each once, in order of first appearance, so the caller
    // can validate them against the entity's metadata before touching any row.
    std::vector<std::string> properties() const;

    // Type name used in the unknown-property message, e.g. "Microsoft.Dynamics.CRM.account".
    void setEntityType(std::string qualifiedName) { m_entityType = std::move(qualifiedName); }
    const std::string& entityType() const { return m_entityType; }

    // The filter text as given to parse().
    const std::string& text() const { return m_text; }

    // "Could not find a property named 'x' on type 'Microsoft.Dynamics.CRM.account'." - the
    // service's wording, shared so callers validating with properties() answer identically.
    static std::string unknownPropertyMessage(std::string_view property,
                                              std::string_view entityType);

    struct Node;  // parse tree; defined in odata_filter.cpp

private:
    Filter() = default;

    std::shared_ptr<const Node> m_root;
    std::string m_text;
    std::vector<std::string> m_properties;
    std::string m_entityType = "Microsoft.Dynamics.CRM.crmbaseentity";
};

}  // namespace ferry::emulator
