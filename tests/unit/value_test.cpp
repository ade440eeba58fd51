// Unit tests for Value: accessors, canonical forms, parsers, calendar and the stored hash.
#include <gtest/gtest.h>

#include "ferry/error.h"
#include "ferry/value.h"

namespace ferry {
namespace {

TEST(ValueTest, TypeNamesRoundTrip) {
    for (int i = 0; i <= static_cast<int>(ValueType::Binary); ++i) {
        const auto type = static_cast<ValueType>(i);
        EXPECT_EQ(valueTypeFromString(toString(type)), type) << toString(type);
    }
    EXPECT_STREQ(toString(ValueType::DateTime), "date-time");
    EXPECT_FALSE(valueTypeFromString("datetime").has_value());
}

TEST(ValueTest, AccessorsReturnTheHeldValueAndThrowOnOtherTypes) {
    EXPECT_EQ(Value(std::int64_t{42}).asInt(), 42);
    EXPECT_EQ(Value(7).type(), ValueType::Int);
    EXPECT_TRUE(Value(true).asBool());
    EXPECT_DOUBLE_EQ(Value(1.25).asDouble(), 1.25);
    EXPECT_EQ(Value("x").asString(), "x");
    EXPECT_EQ(Value(Decimal{"1.5"}).asDecimal().text, "1.5");
    EXPECT_EQ(Value(Date{3}).asDate().days, 3);
    EXPECT_EQ(Value(DateTime{9}).asDateTime().micros, 9);
    EXPECT_TRUE(Value().isNull());

    try {
        (void)Value(1).asString();
        FAIL() << "asString on an int must throw";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Internal);
    }
    EXPECT_THROW((void)Value("1").asInt(), Error);
    EXPECT_THROW((void)Value(1).asDouble(), Error);
    EXPECT_THROW((void)Value().asBool(), Error);
    EXPECT_THROW((void)Value(1).asGuid(), Error);
    EXPECT_THROW((void)Value(1).asBinary(), Error);
    EXPECT_THROW((void)Value(1).asDate(), Error);
    EXPECT_THROW((void)Value(1).asDateTime(), Error);
    EXPECT_THROW((void)Value(1).asDecimal(), Error);
}

TEST(ValueTest, NumbersCanonicalizeByNumericValue) {
    EXPECT_EQ(Value(5).canonical(), "5");
    EXPECT_EQ(Value(Decimal{"5.00"}).canonical(), "5");
    EXPECT_EQ(Value(5.0).canonical(), "5");
    EXPECT_EQ(Value(0.5).canonical(), "0.5");
    EXPECT_EQ(Value(Decimal{"0.50"}).canonical(), "0.5");
    EXPECT_EQ(Value(-2.25).canonical(), "-2.25");
    EXPECT_EQ(Value(0.1).canonical(), "0.1");  // shortest round trip, not 0.1000000000000000055
    EXPECT_EQ(Value(1e20).canonical(), "100000000000000000000");
    EXPECT_EQ(Value(Decimal{"1E20"}).canonical(), "100000000000000000000");
    EXPECT_EQ(Value(1e-7).canonical(), "0.0000001");
    EXPECT_EQ(Value(-0.0).canonical(), "0");
    EXPECT_EQ(Value(std::int64_t{-9223372036854775807LL - 1}).canonical(), "-9223372036854775808");
}

TEST(ValueTest, OtherTypesCanonicalForms) {
    EXPECT_EQ(Value(true).canonical(), "1");
    EXPECT_EQ(Value(false).canonical(), "0");
    EXPECT_EQ(Value("  Text ").canonical(), "  Text ");
    EXPECT_EQ(Value(Guid{"A1B2C3D4-0000-4000-8000-00000000ABCD"}).canonical(),
              "a1b2c3d4-0000-4000-8000-00000000abcd");
    EXPECT_EQ(Value(Binary{{0x00, 0xAB, 0x0F}}).canonical(), "00ab0f");
    EXPECT_EQ(Value(Date{0}).canonical(), "1970-01-01");
    EXPECT_EQ(Value(DateTime{1'500'000}).canonical(), "1970-01-01T00:00:01.5Z");
}

TEST(ValueTest, NullCanonicalDiffersFromEveryStringLikeIt) {
    const std::string null = Value().canonical();
    EXPECT_NE(null, Value("").canonical());
    EXPECT_NE(null, Value("null").canonical());
    EXPECT_NE(null, Value("NULL").canonical());
    // 0xFF never occurs in UTF-8, so no valid string can produce the marker.
    EXPECT_NE(null.find('\xFF'), std::string::npos);
}

TEST(ValueTest, DisplayText) {
    EXPECT_EQ(Value().toDisplay(), "");
    EXPECT_EQ(Value(true).toDisplay(), "true");
    EXPECT_EQ(Value(12).toDisplay(), "12");
    EXPECT_EQ(Value(Binary{{0x01, 0xFF}}).toDisplay(), "0x01ff");
    EXPECT_EQ(Value(DateTime{0}).toDisplay(), "1970-01-01T00:00:00Z");
    EXPECT_EQ(Value("abc").toDisplay(), "abc");
}

TEST(ValueTest, ExactEqualityIsTypeSensitive) {
    EXPECT_EQ(Value(5), Value(std::int64_t{5}));
    EXPECT_NE(Value(5), Value(5.0));
    EXPECT_NE(Value("5"), Value(5));
}

TEST(DecimalTest, NormalizesToCanonicalText) {
    const auto text = [](std::string_view input) {
        auto d = parseDecimal(input);
        return d ? d->text : std::string("<invalid>");
    };
    EXPECT_EQ(text("1.50"), "1.5");
    EXPECT_EQ(text("007"), "7");
    EXPECT_EQ(text("-0"), "0");
    EXPECT_EQ(text("-0.000"), "0");
    EXPECT_EQ(text("+12.0"), "12");
    EXPECT_EQ(text(".5"), "0.5");
    EXPECT_EQ(text("5."), "5");
    EXPECT_EQ(text("000.0100"), "0.01");
    EXPECT_EQ(text("1e3"), "1000");
    EXPECT_EQ(text("1.5E+2"), "150");
    EXPECT_EQ(text("-12.5e-3"), "-0.0125");
    EXPECT_EQ(text("123e-1"), "12.3");
    EXPECT_EQ(text("0e100"), "0");
    EXPECT_EQ(text(" 42 "), "42");
}

TEST(DecimalTest, KeepsThirtyEightDigitsExactly) {
    const std::string max38 = "99999999999999999999999999999999999999";
    ASSERT_EQ(max38.size(), 38U);
    EXPECT_EQ(parseDecimal(max38)->text, max38);
    EXPECT_EQ(parseDecimal("-" + max38)->text, "-" + max38);
    // 38 significant digits with a scale: a double would lose everything after ~17 digits.
    const std::string scaled = "1234567890123456789012345678.9012345678";
    EXPECT_EQ(parseDecimal(scaled)->text, scaled);
    EXPECT_EQ(parseDecimal("0.00000000000000000000000000000000000001")->text,
              "0.00000000000000000000000000000000000001");
}

TEST(DecimalTest, RejectsMalformedText) {
    for (const char* bad : {"", "-", ".", "1.2.3", "1e", "1e+", "abc", "1,5", "--1", "1 2", "0x10",
                            "1e99999999999"}) {
        EXPECT_FALSE(parseDecimal(bad).has_value()) << bad;
    }
}

TEST(DateTimeTest, ParsesIsoWithSeparatorsFractionsAndOffsets) {
    const auto base = parseDateTime("2024-01-02T03:04:05Z");
    ASSERT_TRUE(base);
    EXPECT_EQ(base->micros, 1704164645LL * 1'000'000);
    EXPECT_EQ(parseDateTime("2024-01-02 03:04:05"), base);  // no zone = UTC
    EXPECT_EQ(parseDateTime("2024-01-02T04:04:05+01:00"), base);
    EXPECT_EQ(parseDateTime("2024-01-01T22:34:05-04:30"), base);
    EXPECT_EQ(parseDateTime("2024-01-02T05:04:05+0200"), base);
    EXPECT_EQ(parseDateTime("2024-01-02T03:04:05.123Z")->micros, base->micros + 123'000);
    // Fractions beyond microseconds are truncated, not rounded.
    EXPECT_EQ(parseDateTime("2024-01-02T03:04:05.1234569Z")->micros, base->micros + 123'456);
    EXPECT_EQ(parseDateTime("2024-01-02T03:04:05.999999999Z")->micros, base->micros + 999'999);
    // An offset can move the date across midnight and a year boundary.
    EXPECT_EQ(formatDateTime(*parseDateTime("2024-01-01T00:30:00+01:00")), "2023-12-31T23:30:00Z");
}

TEST(DateTimeTest, RejectsDatesAndMalformedText) {
    for (const char* bad :
         {"2024-01-02", "2024-01-02T", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
          "2024-01-02T24:00:00Z", "2024-01-02T03:04:05.Z", "2024-01-02T03:04:05.1234567890Z",
          "2024-01-02T03:04:05+1", "2024-01-02T03:04:05X", "24-01-02T03:04:05Z", ""}) {
        EXPECT_FALSE(parseDateTime(bad).has_value()) << bad;
    }
    EXPECT_TRUE(parseDateTime("2024-02-29T00:00:00Z").has_value());
}

TEST(DateTimeTest, FormatTrimsFractionAndHandlesPreEpoch) {
    EXPECT_EQ(formatDateTime(DateTime{0}), "1970-01-01T00:00:00Z");
    EXPECT_EQ(formatDateTime(DateTime{123'456}), "1970-01-01T00:00:00.123456Z");
    EXPECT_EQ(formatDateTime(DateTime{120'000}), "1970-01-01T00:00:00.12Z");
    EXPECT_EQ(formatDateTime(DateTime{-1}), "1969-12-31T23:59:59.999999Z");
    const auto roundTrip = parseDateTime("1900-03-01T12:00:00.5Z");
    ASSERT_TRUE(roundTrip);
    EXPECT_EQ(formatDateTime(*roundTrip), "1900-03-01T12:00:00.5Z");
}

TEST(DateTest, ParseFormatAndCivilConversions) {
    EXPECT_EQ(parseDate("1970-01-01")->days, 0);
    EXPECT_EQ(parseDate("2000-03-01")->days, 11017);
    EXPECT_EQ(parseDate("1969-12-31")->days, -1);
    EXPECT_FALSE(parseDate("2024-02-30").has_value());
    EXPECT_FALSE(parseDate("2024-1-02").has_value());
    EXPECT_FALSE(parseDate("2024-01-02T00:00:00Z").has_value());
    EXPECT_EQ(formatDate(Date{19723}), "2024-01-01");
    EXPECT_EQ(dateFromCivil(2000, 2, 29).days, 11016);
    EXPECT_EQ(dateFromCivil(1, 1, 1).days, -719162);
    // Every day over 800 years round-trips (two full 400-year eras, both signs of `days`).
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    for (std::int32_t days = -146097 - 1000; days < 146097 + 1000; ++days) {
        civilFromDate(Date{days}, year, month, day);
        ASSERT_EQ(dateFromCivil(year, month, day).days, days);
    }
    civilFromDate(Date{-719162}, year, month, day);
    EXPECT_EQ(year, 1);
    EXPECT_EQ(month, 1U);
    EXPECT_EQ(day, 1U);
}

TEST(GuidTest, ParsesBracesCaseAndBareHex) {
    const std::string expected = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff";
    EXPECT_EQ(parseGuid("A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF")->text, expected);
    EXPECT_EQ(parseGuid("{a1b2c3d4-e5f6-4711-8899-aabbccddeeff}")->text, expected);
    EXPECT_EQ(parseGuid("A1B2C3D4E5F647118899AABBCCDDEEFF")->text, expected);
    for (const char* bad :
         {"", "{}", "a1b2c3d4-e5f6-4711-8899-aabbccddeefg", "a1b2c3d4e5f6-4711-8899-aabbccddeeff-",
          "a1b2c3d4-e5f6-4711-8899", "{a1b2c3d4-e5f6-4711-8899-aabbccddeeff"}) {
        EXPECT_FALSE(parseGuid(bad).has_value()) << bad;
    }
}

TEST(HexTest, LowerCaseTwoDigitsPerByte) {
    EXPECT_EQ(toHex({}), "");
    EXPECT_EQ(toHex({0x00, 0x0a, 0xff, 0x10}), "000aff10");
}

TEST(HashTest, StableKnownValues) {
    // Word-wise multiply-rotate + fmix64, as stored in state databases: these values (computed
    // independently with a Python model of the algorithm) must never change.
    EXPECT_EQ(hashText(""), 0xefd01f60ba992926ULL);
    EXPECT_EQ(hashText("a"), 0xda29db4de7c859b5ULL);
    EXPECT_EQ(hashText("ferry"), 0xbe55e5a1af42552fULL);
    EXPECT_EQ(hashText("2024-01-02T03:04:05Z"), 0x753fbefe2f665a3eULL);
    EXPECT_NE(hashText("ab"), hashText("ba"));
}

}  // namespace
}  // namespace ferry
