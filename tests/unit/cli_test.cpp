// The command line's pure parts: table layout with wide characters and truncation, argument
// parsing, and how errors and run reports map to exit codes.
#include <gtest/gtest.h>

#include <sstream>

#include "arguments.h"
#include "exit_codes.h"
#include "ferry/error.h"
#include "text_table.h"

namespace ferry::cli {
namespace {

TEST(TextTable, DisplayWidthCountsWideAndCombiningCharacters) {
    EXPECT_EQ(displayWidth("abc"), 3U);
    EXPECT_EQ(displayWidth("Zoë"), 3U);
    EXPECT_EQ(displayWidth("山田"), 4U);
    EXPECT_EQ(displayWidth("e\xCC\x81"), 1U);  // e + combining acute accent
    EXPECT_EQ(displayWidth("\xFF"), 1U);       // a malformed byte still takes a column
}

TEST(TextTable, TruncatesByColumnsWithoutSplittingCharacters) {
    EXPECT_EQ(truncateToWidth("short", 10), "short");
    EXPECT_EQ(truncateToWidth("abcdefgh", 5), "abcd\xE2\x80\xA6");
    EXPECT_EQ(truncateToWidth("Żółćżółć", 4), "Żół\xE2\x80\xA6");
    // A wide character that would cross the limit is left out whole.
    EXPECT_EQ(truncateToWidth("a山田", 3), "a\xE2\x80\xA6");
    // 8 columns: three wide characters (6) fit before the ellipsis, a fourth (8) would not.
    EXPECT_EQ(truncateToWidth("山田太郎山田太郎", 8), "山田太\xE2\x80\xA6");
    EXPECT_EQ(displayWidth(truncateToWidth("山田太郎山田太郎", 8)), 7U);
}

TEST(TextTable, SingleLineMakesControlCharactersVisible) {
    EXPECT_EQ(singleLine("a\nb\tc\rd"), "a\\nb\\tc\\rd");
    EXPECT_EQ(singleLine(std::string("x\x01y")), "x?y");
}

TEST(TextTable, AlignsColumnsByDisplayWidth) {
    TextTable table({"id", "name"});
    table.setAlign(0, Align::Right);
    table.addRow({"7", "山田"});
    table.addRow({"10", "Ann"});
    std::ostringstream out;
    table.print(out);
    EXPECT_EQ(out.str(),
              "id  name\n"
              "--  ----\n"
              " 7  山田\n"
              "10  Ann\n");
}

TEST(TextTable, CapsCellsAtTheMaximumWidth) {
    TextTable table({"value"}, 6);
    table.addRow({"a long value"});
    std::ostringstream out;
    table.print(out);
    EXPECT_EQ(out.str(), "value\n------\na lon\xE2\x80\xA6\n");
}

const std::vector<OptionSpec> kSpecs = {{"help", 'h', false, false},
                                        {"rows", 'n', true, false},
                                        {"password-stdin", 0, true, true},
                                        {"json", 0, false, false}};

TEST(Arguments, ParsesFlagsValuesRepeatsAndPositionals) {
    const auto args =
        Arguments::parse({"doc.json", "--rows", "5", "--json", "--password-stdin=left",
                          "--password-stdin", "right", "-h", "--", "--not-an-option"},
                         kSpecs);
    EXPECT_TRUE(args.has("json"));
    EXPECT_TRUE(args.has("help"));
    EXPECT_EQ(args.value("rows"), "5");
    EXPECT_EQ(args.values("password-stdin"), (std::vector<std::string>{"left", "right"}));
    EXPECT_EQ(args.positionals(), (std::vector<std::string>{"doc.json", "--not-an-option"}));
    EXPECT_FALSE(args.value("missing").has_value());
}

TEST(Arguments, RejectsUnknownMissingAndRepeatedOptions) {
    auto messageOf = [](const std::vector<std::string>& argv) -> std::string {
        try {
            Arguments::parse(argv, kSpecs);
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
            return e.message();
        }
        return "no error";
    };
    EXPECT_EQ(messageOf({"--bogus"}), "unknown option '--bogus'");
    EXPECT_EQ(messageOf({"-x"}), "unknown option '-x'");
    EXPECT_EQ(messageOf({"--rows"}), "option '--rows' needs a value");
    EXPECT_EQ(messageOf({"--json=yes"}), "option '--json' does not take a value");
    EXPECT_EQ(messageOf({"--rows", "1", "-n", "2"}), "option '-n' given more than once");
}

TEST(Arguments, ParseCountAcceptsOnlyWholeNumbers) {
    EXPECT_EQ(parseCount("rows", "12"), 12U);
    EXPECT_THROW(parseCount("rows", "-1"), Error);
    EXPECT_THROW(parseCount("rows", "1.5"), Error);
    EXPECT_THROW(parseCount("rows", ""), Error);
}

TEST(ExitCodes, MapErrorCodes) {
    EXPECT_EQ(exitCodeFor(ErrorCode::InvalidDocument), ExitCode::Usage);
    EXPECT_EQ(exitCodeFor(ErrorCode::InvalidArgument), ExitCode::Usage);
    EXPECT_EQ(exitCodeFor(ErrorCode::ConnectionFailed), ExitCode::Connection);
    EXPECT_EQ(exitCodeFor(ErrorCode::AuthenticationFailed), ExitCode::Connection);
    EXPECT_EQ(exitCodeFor(ErrorCode::InvalidConnectionString), ExitCode::Connection);
    EXPECT_EQ(exitCodeFor(ErrorCode::Aborted), ExitCode::Aborted);
    EXPECT_EQ(exitCodeFor(ErrorCode::Cancelled), ExitCode::Cancelled);
    EXPECT_EQ(exitCodeFor(ErrorCode::StateStore), ExitCode::Internal);
}

TEST(ExitCodes, MapRunReports) {
    RunReport report;
    EXPECT_EQ(exitCodeFor(report), ExitCode::Success);
    report.status = RunStatus::CompletedWithErrors;
    EXPECT_EQ(exitCodeFor(report), ExitCode::ItemErrors);
    report.status = RunStatus::Cancelled;
    EXPECT_EQ(exitCodeFor(report), ExitCode::Cancelled);
    report.status = RunStatus::Aborted;
    EXPECT_EQ(exitCodeFor(report), ExitCode::Aborted);  // delete guard, conflict policy
    report.abortCode = ErrorCode::AuthenticationFailed;
    EXPECT_EQ(exitCodeFor(report), ExitCode::Connection);
    report.abortCode = ErrorCode::InvalidDocument;
    EXPECT_EQ(exitCodeFor(report), ExitCode::Usage);
    report.abortCode = ErrorCode::ItemFailed;  // never an abort cause: still "aborted"
    EXPECT_EQ(exitCodeFor(report), ExitCode::Aborted);
}

}  // namespace
}  // namespace ferry::cli
