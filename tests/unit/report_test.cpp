// Unit tests for run-report texts and the JSON shape the command line prints.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ferry/report.h"

namespace ferry {
namespace {

using nlohmann::json;

RunReport sampleReport() {
    RunReport report;
    report.runId = 42;
    report.connectionTitle = "CRM accounts to SQL";
    report.status = RunStatus::CompletedWithErrors;
    report.startedAtMs = 1704164645123;  // 2024-01-02T03:04:05.123Z
    report.durationMs = 1234;
    report.left = {10, 1, 2, 3, 4, 0};
    report.right = {11, 5, 6, 7, 8, 9};
    report.conflicts = 1;
    report.errors.push_back({Side::Right, "accountid=7", "value too long for column 'name'"});
    report.conflictList.push_back(
        {"accountid=8", {"name", "phone"}, "changed on both sides", "skipped"});
    report.warnings = {"newest-wins trusts both servers' clocks"};
    return report;
}

TEST(ReportTest, EnumTexts) {
    EXPECT_STREQ(toString(RunStatus::Succeeded), "succeeded");
    EXPECT_STREQ(toString(RunStatus::CompletedWithErrors), "completed-with-errors");
    EXPECT_STREQ(toString(RunStatus::Aborted), "aborted");
    EXPECT_STREQ(toString(RunStatus::Cancelled), "cancelled");
    EXPECT_STREQ(toString(ChangeKind::Insert), "insert");
    EXPECT_STREQ(toString(ChangeKind::Update), "update");
    EXPECT_STREQ(toString(ChangeKind::Delete), "delete");
    EXPECT_STREQ(toString(RunPhase::Connecting), "connecting");
    EXPECT_STREQ(toString(RunPhase::Writing), "writing");
    EXPECT_STREQ(toString(RunPhase::Done), "done");
}

TEST(ReportTest, JsonHasTheDesignShape) {
    const auto j = json::parse(toJson(sampleReport()));
    EXPECT_EQ(j["status"], "completed-with-errors");
    EXPECT_EQ(j["dryRun"], false);
    EXPECT_EQ(j["conflicts"], 1);
    EXPECT_EQ(j["durationMs"], 1234);
    EXPECT_EQ(j["runId"], 42);
    EXPECT_EQ(j["connection"], "CRM accounts to SQL");
    EXPECT_EQ(j["startedAt"], "2024-01-02T03:04:05.123Z");
    EXPECT_EQ(j["left"], json::parse(R"({"read":10,"inserted":1,"updated":2,"deleted":3,
                                         "unchanged":4,"failed":0})"));
    EXPECT_EQ(j["right"], json::parse(R"({"read":11,"inserted":5,"updated":6,"deleted":7,
                                          "unchanged":8,"failed":9})"));
    EXPECT_EQ(j["errors"], json::parse(R"([{"side":"right","key":"accountid=7",
                                           "message":"value too long for column 'name'"}])"));
    EXPECT_EQ(j["conflictList"], json::parse(R"([{"key":"accountid=8","columns":["name","phone"],
                               "reason":"changed on both sides","resolution":"skipped"}])"));
    EXPECT_EQ(j["warnings"], json::array({"newest-wins trusts both servers' clocks"}));
    EXPECT_FALSE(j.contains("message"));
    EXPECT_FALSE(j.contains("plannedChanges"));
    EXPECT_FALSE(j.contains("abortCode"));
}

TEST(ReportTest, EmptyListsAreArrays) {
    const auto j = json::parse(toJson(RunReport{}));
    EXPECT_EQ(j["status"], "succeeded");
    EXPECT_TRUE(j["errors"].is_array());
    EXPECT_TRUE(j["warnings"].is_array());
    EXPECT_TRUE(j["conflictList"].is_array());
    EXPECT_EQ(j["startedAt"], "1970-01-01T00:00:00Z");
}

TEST(ReportTest, DryRunListsPlannedChanges) {
    auto report = sampleReport();
    report.dryRun = true;
    report.plannedChanges.push_back({Side::Left, ChangeKind::Update, "id=1", {"name"}});
    report.plannedChanges.push_back({Side::Right, ChangeKind::Delete, "id=2", {}});
    const auto j = json::parse(toJson(report));
    EXPECT_EQ(j["dryRun"], true);
    EXPECT_EQ(j["plannedChanges"], json::parse(R"([
        {"side":"left","kind":"update","key":"id=1","columns":["name"]},
        {"side":"right","kind":"delete","key":"id=2","columns":[]}])"));
}

TEST(ReportTest, AbortedRunsCarryMessageAndCode) {
    RunReport report;
    report.status = RunStatus::Aborted;
    report.message = "the run would delete 80% of the right side";
    report.abortCode = ErrorCode::ConnectionFailed;
    const auto j = json::parse(toJson(report));
    EXPECT_EQ(j["status"], "aborted");
    EXPECT_EQ(j["message"], "the run would delete 80% of the right side");
    EXPECT_EQ(j["abortCode"], "connection-failed");
}

TEST(ReportTest, IndentAndInvalidUtf8) {
    RunReport report;
    report.errors.push_back({Side::Left,
                             std::string("bad\xFF"
                                         "key"),
                             "m"});
    const std::string compact = toJson(report, -1);
    EXPECT_EQ(compact.find('\n'), std::string::npos);
    const auto j = json::parse(compact);  // invalid bytes replaced, still valid JSON
    EXPECT_EQ(j["errors"][0]["key"], "bad\xEF\xBF\xBDkey");
    EXPECT_NE(toJson(report).find("\n  \"status\""), std::string::npos);
}

}  // namespace
}  // namespace ferry
