// Unit tests for secret redaction, error texts and the logging setup.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "ferry/error.h"
#include "ferry/logging.h"
#include "ferry/paths.h"
#include "test_support.h"

namespace ferry {
namespace {

TEST(RedactTest, ConnectionStringSecrets) {
    EXPECT_EQ(redactSecrets("Server=s;Password=hunter2;User=u"), "Server=s;Password=***;User=u");
    EXPECT_EQ(redactSecrets("PWD = abc ; uid=x"), "PWD = *** ; uid=x");
    EXPECT_EQ(redactSecrets("ClientSecret={a;b}}c};x=1"), "ClientSecret=***;x=1");
    EXPECT_EQ(redactSecrets("Client_Secret=\"q\"\"r\";x=1"), "Client_Secret=***;x=1");
    EXPECT_EQ(redactSecrets("accesstoken=eyJ.abc;"), "accesstoken=***;");
    EXPECT_EQ(redactSecrets("SECRET=s1;TOKEN=t1"), "SECRET=***;TOKEN=***");
    EXPECT_EQ(redactSecrets("pwd=a&b c"), "pwd=***");  // '&' and spaces may be in a password
}

TEST(RedactTest, LeavesLookalikeKeysAndProseAlone) {
    const std::string text =
        "TokenEndpoint=http://localhost/token;Passwordless=1;User=pwd;wrong password for user";
    EXPECT_EQ(redactSecrets(text), text);
    EXPECT_EQ(redactSecrets("Authorization failed"), "Authorization failed");
}

TEST(RedactTest, AuthorizationHeadersAndBearerTokens) {
    EXPECT_EQ(redactSecrets("Authorization: Bearer xyz.abc"), "Authorization: ***");
    EXPECT_EQ(redactSecrets("GET /x\r\nauthorization: Basic dXNlcg==\r\nAccept: */*"),
              "GET /x\r\nauthorization: ***\r\nAccept: */*");
    EXPECT_EQ(redactSecrets("sent bearer abc-123_x.y to the server"),
              "sent bearer *** to the server");
}

TEST(RedactTest, JsonAndFormBodies) {
    EXPECT_EQ(redactSecrets(R"({"access_token":"ey\"J","expires_in":3599})"),
              R"({"access_token":"***","expires_in":3599})");
    EXPECT_EQ(redactSecrets("grant_type=client_credentials&client_secret=s3cr3t"),
              "grant_type=client_credentials&client_secret=***");
}

TEST(ErrorTest, TextsAndFullText) {
    EXPECT_STREQ(toString(ErrorCode::ValueTooLong), "value-too-long");
    EXPECT_STREQ(toString(ErrorCode::InvalidConnectionString), "invalid-connection-string");
    EXPECT_STREQ(toString(ErrorCode::StateStore), "state-store");
    const Error plain(ErrorCode::QueryFailed, "the query failed");
    EXPECT_EQ(plain.fullText(), "the query failed");
    EXPECT_STREQ(plain.what(), "the query failed");
    const Error full(ErrorCode::Throttled, "slow down", "HTTP 429", "try later", true);
    EXPECT_EQ(full.fullText(), "slow down (HTTP 429)\nHint: try later");
    EXPECT_TRUE(full.retryable());
    EXPECT_EQ(full.code(), ErrorCode::Throttled);
}

TEST(LoggingTest, FileLogIsRedactedAndSetupCanRepeat) {
    test::TempDir dir;
    const auto logDir = dir / "logs" / "nested";
    setupLogging(LogLevel::Off, logDir);
    setupLogging(LogLevel::Off, logDir);  // safe to call twice
    spdlog::info("connecting with Server=s;Password=hunter2;");
    spdlog::trace("not written: below the file's Debug level");
    spdlog::default_logger()->flush();
    std::ifstream in(logDir / "ferry.log");
    ASSERT_TRUE(in) << "the log directory and file are created";
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("Server=s;Password=***;"), std::string::npos) << text.str();
    EXPECT_EQ(text.str().find("hunter2"), std::string::npos);
    EXPECT_EQ(text.str().find("not written"), std::string::npos);
    setupLogging(LogLevel::Off);  // release the file before the folder is removed
}

TEST(PathsTest, EnvironmentOverrides) {
    ::setenv("FERRY_CONFIG_DIR", "/tmp/ferry-conf", 1);
    ::setenv("FERRY_DATA_DIR", "/tmp/ferry-data", 1);
    EXPECT_EQ(connectionsDirectory(), std::filesystem::path("/tmp/ferry-conf/connections"));
    EXPECT_EQ(stateStorePath(), std::filesystem::path("/tmp/ferry-data/state.db"));
    EXPECT_EQ(logDirectory(), std::filesystem::path("/tmp/ferry-data/logs"));
    ::unsetenv("FERRY_CONFIG_DIR");
    ::unsetenv("FERRY_DATA_DIR");
    ::setenv("XDG_CONFIG_HOME", "/tmp/xdg-conf", 1);
    ::setenv("XDG_DATA_HOME", "/tmp/xdg-data", 1);
    EXPECT_EQ(configDirectory(), std::filesystem::path("/tmp/xdg-conf/ferry"));
    EXPECT_EQ(dataDirectory(), std::filesystem::path("/tmp/xdg-data/ferry"));
    ::unsetenv("XDG_CONFIG_HOME");
    ::unsetenv("XDG_DATA_HOME");
    ::setenv("HOME", "/home/someone", 1);
    EXPECT_EQ(configDirectory(), std::filesystem::path("/home/someone/.config/ferry"));
    EXPECT_EQ(dataDirectory(), std::filesystem::path("/home/someone/.local/share/ferry"));
    EXPECT_FALSE(std::filesystem::exists("/home/someone/.config/ferry"));
    ::setenv("XDG_CONFIG_HOME", "relative/dir", 1);  // not absolute: ignored per the XDG spec
    EXPECT_EQ(configDirectory(), std::filesystem::path("/home/someone/.config/ferry"));
    ::unsetenv("XDG_CONFIG_HOME");
}

}  // namespace
}  // namespace ferry
