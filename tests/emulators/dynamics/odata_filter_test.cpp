// $filter parsing and evaluation: precedence, every operator and literal kind, Dataverse's
// case-insensitive text, null semantics, exact decimals, and the errors clients see.
#include <gtest/gtest.h>

#include <string>

#include "odata_filter.h"

namespace ferry::emulator {
namespace {

using nlohmann::json;

PropertyLookup lookupIn(const json& row) {
    return [row](std::string_view name) -> std::optional<json> {
        const auto found = row.find(std::string(name));
        if (found == row.end()) {
            return std::nullopt;
        }
        return *found;
    };
}

bool matches(std::string_view filter, const json& row) {
    return Filter::parse(filter).matches(lookupIn(row));
}

// The FilterError message `action` throws; fails the test when it throws nothing.
template <typename Action>
std::string errorOf(Action&& action) {
    try {
        action();
    } catch (const FilterError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no FilterError thrown";
    return {};
}

std::string parseError(std::string_view filter) {
    return errorOf([&] { Filter::parse(filter); });
}

std::string matchError(std::string_view filter, const json& row) {
    return errorOf([&] { matches(filter, row); });
}

TEST(ODataFilter, EveryComparisonOperatorOnIntegers) {
    const json row = {{"n", 5}};
    EXPECT_TRUE(matches("n eq 5", row));
    EXPECT_FALSE(matches("n eq 6", row));
    EXPECT_TRUE(matches("n ne 6", row));
    EXPECT_FALSE(matches("n ne 5", row));
    EXPECT_TRUE(matches("n gt 4", row));
    EXPECT_FALSE(matches("n gt 5", row));
    EXPECT_TRUE(matches("n ge 5", row));
    EXPECT_FALSE(matches("n ge 6", row));
    EXPECT_TRUE(matches("n lt 6", row));
    EXPECT_FALSE(matches("n lt 5", row));
    EXPECT_TRUE(matches("n le 5", row));
    EXPECT_FALSE(matches("n le 4", row));
    EXPECT_TRUE(matches("n gt -10", row));
    EXPECT_TRUE(matches("4 lt n", row));  // literal on the left
}

TEST(ODataFilter, AndBindsTighterThanOr) {
    // a or (b and c): true through a alone; (a or b) and c would be false.
    EXPECT_TRUE(matches("a eq 1 or b eq 1 and c eq 1", {{"a", 1}, {"b", 0}, {"c", 0}}));
    EXPECT_FALSE(matches("a eq 1 or b eq 1 and c eq 1", {{"a", 0}, {"b", 1}, {"c", 0}}));
    EXPECT_TRUE(matches("a eq 1 and b eq 1 or c eq 1", {{"a", 0}, {"b", 0}, {"c", 1}}));
}

TEST(ODataFilter, ParenthesesOverridePrecedence) {
    const json row = {{"a", 1}, {"b", 0}, {"c", 0}};
    EXPECT_FALSE(matches("(a eq 1 or b eq 1) and c eq 1", row));
    EXPECT_TRUE(matches("((a eq 1))", row));
    EXPECT_TRUE(matches("a eq 1 and (b eq 1 or c eq 0)", row));
}

TEST(ODataFilter, NotBindsLooserThanComparisonAndTighterThanAnd) {
    const json row = {{"a", 1}, {"b", 2}};
    EXPECT_FALSE(matches("not a eq 1", row));
    EXPECT_TRUE(matches("not a eq 2", row));
    EXPECT_TRUE(matches("not not a eq 1", row));
    // (not a eq 2) and b eq 2, not "not (a eq 2 and b eq 2)"
    EXPECT_TRUE(matches("not a eq 2 and b eq 2", row));
    EXPECT_FALSE(matches("not a eq 1 and b eq 2", row));
    EXPECT_FALSE(matches("not (a eq 1 or b eq 1)", row));
    EXPECT_TRUE(matches("not(a eq 5)", row));
}

TEST(ODataFilter, TextComparesCaseInsensitively) {
    const json row = {{"name", "Contoso Ltd"}};
    EXPECT_TRUE(matches("name eq 'contoso ltd'", row));
    EXPECT_TRUE(matches("name eq 'CONTOSO LTD'", row));
    EXPECT_FALSE(matches("name eq 'Contoso'", row));
    EXPECT_TRUE(matches("name ne 'Fabrikam'", row));
    EXPECT_TRUE(matches("name gt 'b'", row));
    EXPECT_TRUE(matches("name gt 'B'", row));
    EXPECT_TRUE(matches("name lt 'D'", row));
    EXPECT_TRUE(matches("name ge 'CONTOSO LTD' and name le 'contoso ltd'", row));
}

TEST(ODataFilter, DoubledQuoteIsALiteralQuote) {
    EXPECT_TRUE(matches("name eq 'O''Brien'", {{"name", "O'Brien"}}));
    EXPECT_TRUE(matches("name eq ''''", {{"name", "'"}}));
    EXPECT_TRUE(matches("name eq ''", {{"name", ""}}));
    EXPECT_TRUE(matches("contains(name,'and ''or''')", {{"name", "this and 'or' that"}}));
    // Keywords and parentheses inside a string are just text.
    EXPECT_TRUE(
        matches("name eq 'a and (b) or not c eq d'", {{"name", "A AND (B) OR NOT C EQ D"}}));
}

TEST(ODataFilter, TextFunctionsAreCaseInsensitive) {
    const json row = {{"name", "Contoso Pharmaceuticals"}, {"empty", nullptr}};
    EXPECT_TRUE(matches("contains(name,'PHARMA')", row));
    EXPECT_FALSE(matches("contains(name,'fabrikam')", row));
    EXPECT_TRUE(matches("startswith(name,'contoso')", row));
    EXPECT_FALSE(matches("startswith(name,'pharma')", row));
    EXPECT_TRUE(matches("endswith(name,'ICALS')", row));
    EXPECT_FALSE(matches("endswith(name,'contoso')", row));
    EXPECT_TRUE(matches("contains( name , '' )", row));
    EXPECT_FALSE(matches("contains(empty,'x')", row));
    EXPECT_TRUE(matches("not contains(empty,'x')", row));
    EXPECT_TRUE(matches("contains(name,'pharma') eq true", row));
    EXPECT_TRUE(matches("contains(name,'pharma') and startswith(name,'c')", row));
}

TEST(ODataFilter, TextFunctionOnANumberIsAnError) {
    EXPECT_NE(matchError("contains(n,'1')", {{"n", 12}})
                  .find("No function signature for the "
                        "function with name 'contains'"),
              std::string::npos);
}

TEST(ODataFilter, NullIsEqualOnlyToNullAndNeverOrdered) {
    const json row = {{"x", nullptr}, {"n", 3}};
    EXPECT_TRUE(matches("x eq null", row));
    EXPECT_FALSE(matches("x ne null", row));
    EXPECT_TRUE(matches("null eq x", row));
    EXPECT_FALSE(matches("n eq null", row));
    EXPECT_TRUE(matches("n ne null", row));
    EXPECT_FALSE(matches("x eq 3", row));
    EXPECT_TRUE(matches("x ne 3", row));
    EXPECT_FALSE(matches("x gt 3", row));
    EXPECT_FALSE(matches("x lt 3", row));
    EXPECT_FALSE(matches("x ge 3", row));
    EXPECT_FALSE(matches("x le 3", row));
    EXPECT_FALSE(matches("n gt null", row));
    EXPECT_FALSE(matches("x eq 'text'", row));
    EXPECT_FALSE(matches("x eq 2023-01-01T00:00:00Z", row));
}

TEST(ODataFilter, DecimalsCompareExactly) {
    const json row = json::parse(R"({"revenue": 12.3456, "big": 9007199254740993, "zero": 0})");
    EXPECT_TRUE(matches("revenue eq 12.3456", row));
    EXPECT_TRUE(matches("revenue eq 12.34560", row));
    EXPECT_FALSE(matches("revenue eq 12.3455", row));
    EXPECT_TRUE(matches("revenue gt 12.3455", row));
    EXPECT_TRUE(matches("revenue lt 12.34561", row));
    EXPECT_TRUE(matches("revenue gt 12", row));
    EXPECT_TRUE(matches("revenue lt 13", row));
    // 2^53 + 1 is not representable as a double; an integer row value must stay exact.
    EXPECT_TRUE(matches("big eq 9007199254740993", row));
    EXPECT_FALSE(matches("big eq 9007199254740992", row));
    EXPECT_TRUE(matches("big gt 9007199254740992", row));
    EXPECT_TRUE(matches("zero eq 0.0", row));
    EXPECT_TRUE(matches("zero eq -0", row));
    EXPECT_TRUE(matches("zero gt -0.0001", row));
    EXPECT_TRUE(matches("1.5 eq 1.50", row));
    EXPECT_TRUE(matches("100 eq 1e2", row));
    EXPECT_TRUE(matches("0.001 eq 1E-3", row));
    EXPECT_TRUE(matches("-2.5 lt -2.4", row));
    EXPECT_TRUE(matches("123456789012345678901234567890 gt 123456789012345678901234567889", row));
    EXPECT_TRUE(matches("0.30000000000000000001 gt 0.3", row));
}

TEST(ODataFilter, NumericRowTextComparesAsAnExactNumber) {
    // Beyond a double's 15-16 digits: the row passes the stored money value as text.
    const json row = {{"revenue", "922337203685477.5807"}, {"name", "Contoso"}};
    EXPECT_TRUE(matches("revenue eq 922337203685477.5807", row));
    EXPECT_FALSE(matches("revenue eq 922337203685477.5806", row));
    EXPECT_TRUE(matches("revenue gt 922337203685477.5806", row));
    EXPECT_TRUE(matches("revenue lt 922337203685477.58071", row));
    EXPECT_TRUE(
        matches("Microsoft.Dynamics.CRM.In(PropertyName='revenue',"
                "PropertyValues=['922337203685477.58070'])",
                row));
    // A quoted literal stays text even when it looks numeric.
    EXPECT_FALSE(matches("revenue eq '922337203685477.58070'", row));
}

TEST(ODataFilter, FloatRowValuesUseTheirShortestText) {
    const json row = json::parse(R"({"price": 0.1, "amount": 1234567.8901})");
    EXPECT_TRUE(matches("price eq 0.1", row));
    EXPECT_TRUE(matches("amount eq 1234567.8901", row));
    EXPECT_TRUE(matches("amount lt 1234567.89011", row));
}

TEST(ODataFilter, GuidsCompareCaseInsensitively) {
    const json row = {{"accountid", "A1B2C3D4-0000-4000-8000-00000000000F"},
                      {"_parentaccountid_value", "abcdef01-2345-6789-abcd-ef0123456789"},
                      {"_primarycontactid_value", nullptr}};
    EXPECT_TRUE(matches("accountid eq a1b2c3d4-0000-4000-8000-00000000000f", row));
    EXPECT_TRUE(matches("accountid eq A1B2C3D4-0000-4000-8000-00000000000F", row));
    EXPECT_FALSE(matches("accountid eq a1b2c3d4-0000-4000-8000-00000000000e", row));
    EXPECT_TRUE(matches("accountid ne a1b2c3d4-0000-4000-8000-00000000000e", row));
    EXPECT_TRUE(matches("_parentaccountid_value eq ABCDEF01-2345-6789-ABCD-EF0123456789", row));
    EXPECT_TRUE(matches("_primarycontactid_value eq null", row));
    // Some clients quote GUIDs; a text comparison still works.
    EXPECT_TRUE(matches("accountid eq 'a1b2c3d4-0000-4000-8000-00000000000f'", row));
}

TEST(ODataFilter, GuidLiteralAgainstNonGuidTextIsATypeError) {
    const std::string message =
        matchError("name eq a1b2c3d4-0000-4000-8000-00000000000f", {{"name", "Contoso"}});
    EXPECT_NE(message.find("incompatible types"), std::string::npos) << message;
    EXPECT_NE(message.find("Edm.Guid"), std::string::npos) << message;
}

TEST(ODataFilter, DateTimesCompareChronologically) {
    const json row = {{"createdon", "2023-04-07T21:59:01Z"},
                      {"modifiedon", "2023-04-07T21:59:01.25Z"},
                      {"birthdate", "1990-02-28"}};
    EXPECT_TRUE(matches("createdon eq 2023-04-07T21:59:01Z", row));
    EXPECT_TRUE(matches("createdon eq 2023-04-07T21:59:01.000Z", row));
    EXPECT_TRUE(matches("createdon gt 2023-04-07T21:59:00Z", row));
    EXPECT_FALSE(matches("createdon gt 2023-04-07T21:59:01Z", row));
    EXPECT_TRUE(matches("createdon lt 2023-04-08T00:00:00Z", row));
    // The same instant written with an offset.
    EXPECT_TRUE(matches("createdon eq 2023-04-07T23:59:01+02:00", row));
    EXPECT_TRUE(matches("createdon eq 2023-04-07T16:59:01-05:00", row));
    EXPECT_TRUE(matches("createdon gt 2023-04-07T23:59:00+02:00", row));
    // Without seconds.
    EXPECT_TRUE(matches("createdon gt 2023-04-07T21:59Z", row));
    // Fractions of a second.
    EXPECT_TRUE(matches("modifiedon gt createdon", row));
    EXPECT_TRUE(matches("modifiedon gt 2023-04-07T21:59:01.2Z", row));
    EXPECT_TRUE(matches("modifiedon lt 2023-04-07T21:59:01.2500001Z", row));
    EXPECT_TRUE(matches("modifiedon eq 2023-04-07T21:59:01.250Z", row));
    // Year boundaries and leap days.
    EXPECT_TRUE(matches("createdon gt 2022-12-31T23:59:59Z", row));
    EXPECT_TRUE(matches("2024-02-29T00:00:00Z gt 2024-02-28T23:59:59Z", row));
}

TEST(ODataFilter, DatesCompareAsMidnightUtc) {
    const json row = {{"createdon", "2023-04-07T21:59:01Z"}, {"birthdate", "1990-02-28"}};
    EXPECT_TRUE(matches("createdon ge 2023-04-07", row));
    EXPECT_TRUE(matches("createdon lt 2023-04-08", row));
    EXPECT_FALSE(matches("createdon lt 2023-04-07", row));
    EXPECT_TRUE(matches("birthdate eq 1990-02-28", row));
    EXPECT_TRUE(matches("birthdate lt 1990-03-01", row));
    EXPECT_TRUE(matches("birthdate gt 1989-12-31", row));
    EXPECT_TRUE(matches("birthdate eq 1990-02-28T00:00:00Z", row));
}

TEST(ODataFilter, DateLiteralAgainstOrdinaryTextIsATypeError) {
    EXPECT_NE(matchError("name gt 2023-01-01", {{"name", "Contoso"}}).find("Edm.Date"),
              std::string::npos);
}

TEST(ODataFilter, Booleans) {
    const json row = {{"donotemail", true}, {"donotphone", false}, {"unset", nullptr}};
    EXPECT_TRUE(matches("donotemail eq true", row));
    EXPECT_FALSE(matches("donotemail eq false", row));
    EXPECT_TRUE(matches("donotphone ne true", row));
    EXPECT_TRUE(matches("donotemail", row));
    EXPECT_FALSE(matches("donotphone", row));
    EXPECT_TRUE(matches("not donotphone", row));
    EXPECT_TRUE(matches("donotemail and not donotphone", row));
    EXPECT_FALSE(matches("unset", row));
    EXPECT_TRUE(matches("true", row));
    EXPECT_FALSE(matches("false or false", row));
    EXPECT_TRUE(matches("donotemail gt donotphone", row));
}

TEST(ODataFilter, NonBooleanPropertyAloneIsAnError) {
    EXPECT_NE(matchError("name", {{"name", "x"}}).find("single boolean value"), std::string::npos);
}

TEST(ODataFilter, PropertyAgainstProperty) {
    const json row = {{"a", 3}, {"b", 4}, {"first", "Ann"}, {"last", "ANN"}};
    EXPECT_TRUE(matches("a lt b", row));
    EXPECT_FALSE(matches("a eq b", row));
    EXPECT_TRUE(matches("first eq last", row));
}

TEST(ODataFilter, WhitespaceIsFlexible) {
    EXPECT_TRUE(matches("  (  a   eq  1  )   and\tb eq 2 ", {{"a", 1}, {"b", 2}}));
}

TEST(ODataFilter, InAndNotIn) {
    const json row = {{"statecode", 1}, {"name", "Contoso"}, {"x", nullptr}};
    EXPECT_TRUE(matches(
        "Microsoft.Dynamics.CRM.In(PropertyName='statecode',PropertyValues=['0','1'])", row));
    EXPECT_FALSE(matches(
        "Microsoft.Dynamics.CRM.In(PropertyName='statecode',PropertyValues=['0','2'])", row));
    EXPECT_TRUE(matches(
        "Microsoft.Dynamics.CRM.In(PropertyValues=['fabrikam','CONTOSO'],PropertyName='name')",
        row));
    EXPECT_TRUE(matches(
        "Microsoft.Dynamics.CRM.NotIn(PropertyName='name',PropertyValues=['Fabrikam'])", row));
    EXPECT_FALSE(matches(
        "Microsoft.Dynamics.CRM.NotIn(PropertyName='name',PropertyValues=['contoso'])", row));
    EXPECT_FALSE(matches("Microsoft.Dynamics.CRM.In(PropertyName='x',PropertyValues=['1'])", row));
    EXPECT_TRUE(
        matches("statecode eq 1 and Microsoft.Dynamics.CRM.In(PropertyName='statecode',"
                "PropertyValues=[1,2])",
                row));
}

TEST(ODataFilter, ContainValuesOnMultiSelectChoices) {
    const json row = {{"hobbies", "1,3,5"}, {"none", nullptr}};
    EXPECT_TRUE(matches(
        "Microsoft.Dynamics.CRM.ContainValues(PropertyName='hobbies',PropertyValues=['2','3'])",
        row));
    EXPECT_FALSE(matches(
        "Microsoft.Dynamics.CRM.ContainValues(PropertyName='hobbies',PropertyValues=['2','4'])",
        row));
    EXPECT_TRUE(
        matches("Microsoft.Dynamics.CRM.DoesNotContainValues(PropertyName='hobbies',"
                "PropertyValues=['2','4'])",
                row));
    EXPECT_FALSE(matches(
        "Microsoft.Dynamics.CRM.ContainValues(PropertyName='none',PropertyValues=['1'])", row));
}

TEST(ODataFilter, PropertiesListsEveryNameOnceInOrder) {
    const Filter filter = Filter::parse(
        "name eq 'x' and (revenue gt 5 or contains(name,'y')) and "
        "Microsoft.Dynamics.CRM.In(PropertyName='statecode',PropertyValues=['0']) and "
        "_parentaccountid_value ne null");
    EXPECT_EQ(filter.properties(),
              (std::vector<std::string>{"name", "revenue", "statecode", "_parentaccountid_value"}));
}

TEST(ODataFilter, UnknownPropertyNamesTheEntityType) {
    Filter filter = Filter::parse("name eq 'x' or nmae eq 'x'");
    filter.setEntityType("Microsoft.Dynamics.CRM.account");
    const std::string message = errorOf([&] { filter.matches(lookupIn({{"name", "x"}})); });
    // Reported even though the left side already decided the outcome.
    EXPECT_EQ(message,
              "Could not find a property named 'nmae' on type 'Microsoft.Dynamics.CRM.account'.");
    EXPECT_EQ(Filter::unknownPropertyMessage("nmae", "Microsoft.Dynamics.CRM.account"), message);
}

TEST(ODataFilter, KeywordsAreCaseSensitive) {
    EXPECT_EQ(parseError("name EQ 'x'"),
              "Syntax error at position 5 in '$filter': unknown operator 'EQ'");
    EXPECT_EQ(parseError("a eq 1 AND b eq 2"),
              "Syntax error at position 7 in '$filter': unknown operator 'AND'");
    // `True` is not the literal, so it is taken for a property name.
    EXPECT_NE(matchError("a eq True", {{"a", true}}).find("property named 'True'"),
              std::string::npos);
}

TEST(ODataFilter, SyntaxErrorsCarryPositions) {
    EXPECT_EQ(parseError("containz(name,'x')"),
              "Syntax error at position 0 in '$filter': unknown function 'containz'");
    EXPECT_EQ(parseError("name eq 'x' and containz(name,'y')"),
              "Syntax error at position 16 in '$filter': unknown function 'containz'");
    EXPECT_EQ(parseError("name eqq 'x'"),
              "Syntax error at position 5 in '$filter': unknown operator 'eqq'");
    EXPECT_EQ(parseError("name eq 'x"),
              "Syntax error at position 8 in '$filter': unterminated string literal");
    EXPECT_EQ(parseError("(name eq 'x'"),
              "Syntax error at position 12 in '$filter': expected ')' but found the end of the "
              "filter");
    EXPECT_EQ(parseError("name eq"),
              "Syntax error at position 7 in '$filter': expected a value but the filter ended");
    EXPECT_EQ(parseError("name eq 'a' 'b'"),
              "Syntax error at position 12 in '$filter': unexpected 'b'");
    EXPECT_EQ(parseError("name eq and"),
              "Syntax error at position 8 in '$filter': expected a value but found 'and'");
    EXPECT_EQ(parseError("a eq 1)"), "Syntax error at position 6 in '$filter': unexpected ')'");
    EXPECT_EQ(parseError("a # 1"),
              "Syntax error at position 2 in '$filter': unexpected character '#'");
    EXPECT_EQ(parseError("d eq 2023-13-01"),
              "Syntax error at position 5 in '$filter': invalid date or date-time literal "
              "'2023-13-01'");
    EXPECT_EQ(parseError("d eq 2023-02-29"),
              "Syntax error at position 5 in '$filter': invalid date or date-time literal "
              "'2023-02-29'");
    EXPECT_EQ(parseError("n eq 1.2.3"),
              "Syntax error at position 5 in '$filter': invalid number literal '1.2.3'");
    EXPECT_EQ(parseError("n eq 12abc"),
              "Syntax error at position 5 in '$filter': invalid number literal '12abc'");
    EXPECT_EQ(parseError("contains(name 'x')"),
              "Syntax error at position 14 in '$filter': expected ',' but found 'x'");
    EXPECT_EQ(parseError("1 and a eq 2"),
              "Syntax error at position 2 in '$filter': the operands of 'and' must be boolean "
              "expressions");
    EXPECT_EQ(parseError("not 'x'"),
              "Syntax error at position 0 in '$filter': the operand of 'not' must be a boolean "
              "expression");
    EXPECT_EQ(parseError("Microsoft.Dynamics.CRM.Today(PropertyName='createdon')"),
              "Syntax error at position 0 in '$filter': unknown function "
              "'Microsoft.Dynamics.CRM.Today'");
    EXPECT_EQ(parseError("Microsoft.Dynamics.CRM.In(PropertyName='a')"),
              "Syntax error at position 0 in '$filter': function 'Microsoft.Dynamics.CRM.In' "
              "needs PropertyName and PropertyValues");
    EXPECT_EQ(parseError("   "),
              "Syntax error at position 3 in '$filter': the expression is empty");
}

TEST(ODataFilter, NonBooleanFilterIsRefused) {
    EXPECT_EQ(parseError("'abc'"),
              "The $filter expression must evaluate to a single boolean value.");
    EXPECT_EQ(parseError("42"), "The $filter expression must evaluate to a single boolean value.");
}

TEST(ODataFilter, IncompatibleTypesAreReported) {
    EXPECT_EQ(matchError("name eq 5", {{"name", "Contoso"}}),
              "A binary operator with incompatible types was detected. Found operand types "
              "'Edm.String' and 'Edm.Int32' for operator kind 'Equal'.");
    EXPECT_EQ(matchError("n lt 'five'", {{"n", 5}}),
              "A binary operator with incompatible types was detected. Found operand types "
              "'Edm.Int32' and 'Edm.String' for operator kind 'LessThan'.");
    EXPECT_NE(matchError("flag eq 1", {{"flag", true}}).find("'Edm.Boolean' and 'Edm.Int32'"),
              std::string::npos);
    EXPECT_NE(matchError("n ge 2.5", {{"n", "x"}}).find("'Edm.String' and 'Edm.Decimal'"),
              std::string::npos);
    EXPECT_NE(matchError("n eq 5000000000", {{"n", "x"}}).find("'Edm.Int64'"), std::string::npos);
}

TEST(ODataFilter, ObjectValuesAreNotPrimitive) {
    EXPECT_NE(matchError("nav eq null", {{"nav", json::object()}}).find("not a primitive value"),
              std::string::npos);
}

TEST(ODataFilter, CopiesShareTheParsedTreeAndKeepTheText) {
    const Filter original = Filter::parse("a eq 1");
    Filter copy = original;
    EXPECT_EQ(copy.text(), "a eq 1");
    EXPECT_TRUE(copy.matches(lookupIn({{"a", 1}})));
    EXPECT_FALSE(original.matches(lookupIn({{"a", 2}})));
}

}  // namespace
}  // namespace ferry::emulator
