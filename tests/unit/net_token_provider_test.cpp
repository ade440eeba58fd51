// TokenProvider and ApiSession against a local token endpoint and API: the grants' form fields,
// caching and refresh, error messages without secrets, discovery, and the 401 retry.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "ferry/error.h"
#include "net/token_provider.h"
#include "net/url.h"
#include "net_test_server.h"

namespace ferry::net {
namespace {

using namespace std::chrono_literals;
using test::TestServer;
using Form = std::map<std::string, std::string>;

// Decodes an x-www-form-urlencoded body independently of the code under test.
Form parseForm(const std::string& body) {
    auto decode = [](std::string_view text) {
        std::string out;
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] == '+') {
                out.push_back(' ');
            } else if (text[i] == '%' && i + 2 < text.size()) {
                out.push_back(
                    static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
                i += 2;
            } else {
                out.push_back(text[i]);
            }
        }
        return out;
    };
    Form form;
    std::string_view rest = body;
    while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        const std::size_t eq = pair.find('=');
        EXPECT_NE(eq, std::string_view::npos) << "field without '=' in " << body;
        if (eq != std::string_view::npos) {
            form[decode(pair.substr(0, eq))] = decode(pair.substr(eq + 1));
        }
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    }
    return form;
}

// Captures everything logged while alive (at trace level), to prove secrets never reach logs.
class LogCapture {
public:
    LogCapture() : m_previous(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(m_stream);
        auto logger = std::make_shared<spdlog::logger>("capture", sink);
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() { spdlog::set_default_logger(m_previous); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;
    std::string text() const { return m_stream.str(); }

private:
    std::shared_ptr<spdlog::logger> m_previous;
    std::ostringstream m_stream;
};

// A token endpoint at /tenant/oauth2/v2.0/token and an API at /api/... that accepts only the
// tokens listed in m_validTokens.
class AuthFixture : public ::testing::Test {
protected:
    struct TokenCall {
        std::string rawBody;
        Form form;
        std::string contentType;
        std::string authorization;
    };

    void SetUp() override {
        auto& s = m_server.server();
        s.Post(R"(/([^/]+)/oauth2/v2.0/token)", [this](const httplib::Request& req,
                                                       httplib::Response& res) {
            std::lock_guard lock(m_mutex);
            m_tokenCalls.push_back({req.body, parseForm(req.body),
                                    req.get_header_value("Content-Type"),
                                    req.get_header_value("Authorization")});
            m_tenants.push_back(req.matches[1].str());
            if (!m_tokenError.empty()) {
                res.status = 400;
                res.set_content(m_tokenError, "application/json");
                return;
            }
            const std::string n = std::to_string(m_tokenCalls.size());
            nlohmann::json body = {
                {"token_type", "Bearer"}, {"access_token", "tok" + n}, {"expires_in", m_expiresIn}};
            if (m_issueRefreshTokens) {
                body["refresh_token"] = "rt" + n;
            }
            res.set_content(body.dump(), "application/json");
        });
        s.Get("/api/data/v9.2/", [](const httplib::Request& req, httplib::Response& res) {
            // Dataverse's answer to an unauthenticated request names its tenant.
            res.status = 401;
            res.set_header("X-Had-Authorization", req.has_header("Authorization") ? "yes" : "no");
            res.set_header("WWW-Authenticate", "Bearer authorization_uri=" + s_authorizeUri +
                                                   ", resource_id=https://org.crm.dynamics.com/");
        });
        s.Get(R"(/api/(.*))", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(m_mutex);
            m_apiAuthorizations.push_back(req.get_header_value("Authorization"));
            m_apiAccept.push_back(req.get_header_value("Accept"));
            if (m_validTokens.count(req.get_header_value("Authorization")) == 0) {
                res.status = 401;
                res.set_header(
                    "WWW-Authenticate",
                    R"(Bearer error="invalid_token", error_description="The token expired")");
                return;
            }
            res.set_content("data " + req.matches[1].str(), "text/plain");
        });
        m_server.start();
        s_authorizeUri = m_server.url("/tenant-x/oauth2/authorize");
    }

    AuthSettings passwordSettings() {
        AuthSettings settings;
        settings.method = AuthMethod::Password;
        settings.user = "alice@contoso.com";
        settings.secret = m_password;
        settings.authority = m_server.url("/contoso.onmicrosoft.com");
        settings.resource = "https://org.crm.dynamics.com/";
        return settings;
    }

    int tokenCallCount() {
        std::lock_guard lock(m_mutex);
        return static_cast<int>(m_tokenCalls.size());
    }

    inline static std::string s_authorizeUri;
    const std::string m_password = "p&ss=w rd+%25 \xC3\xA9";
    TestServer m_server;
    std::mutex m_mutex;
    std::vector<TokenCall> m_tokenCalls;
    std::vector<std::string> m_tenants;
    std::vector<std::string> m_apiAuthorizations;
    std::vector<std::string> m_apiAccept;
    std::set<std::string> m_validTokens;
    std::string m_tokenError;
    long long m_expiresIn = 3599;
    bool m_issueRefreshTokens = true;
    HttpClient m_client;
    Pacer m_pacer{m_client, {}, [](std::chrono::milliseconds) {}};
};

TEST_F(AuthFixture, PasswordGrantSendsEncodedFormFields) {
    TokenProvider tokens(passwordSettings(), m_pacer);
    EXPECT_EQ(tokens.authorizationHeader(), "Bearer tok1");
    ASSERT_EQ(tokenCallCount(), 1);
    const TokenCall& call = m_tokenCalls[0];
    EXPECT_EQ(m_tenants[0], "contoso.onmicrosoft.com");
    EXPECT_EQ(call.contentType, "application/x-www-form-urlencoded");
    EXPECT_EQ(call.authorization, "");
    const Form expected = {{"grant_type", "password"},
                           {"client_id", "51f81489-12ee-4a9e-aaae-a2591f45987d"},
                           {"scope", "https://org.crm.dynamics.com/.default offline_access"},
                           {"username", "alice@contoso.com"},
                           {"password", m_password}};
    EXPECT_EQ(call.form, expected);
    // The separators inside the password are escaped, not sent raw.
    EXPECT_EQ(call.rawBody.find(' '), std::string::npos) << call.rawBody;
    EXPECT_EQ(call.rawBody.find("p&ss"), std::string::npos) << call.rawBody;
    EXPECT_EQ(std::count(call.rawBody.begin(), call.rawBody.end(), '&'), 4);
    EXPECT_EQ(std::count(call.rawBody.begin(), call.rawBody.end(), '='), 5);
}

TEST_F(AuthFixture, ExplicitClientIdScopeAndTokenEndpointWin) {
    AuthSettings settings = passwordSettings();
    settings.clientId = "my-app";
    settings.scope = "https://org.crm.dynamics.com/user_impersonation";
    settings.tokenEndpoint = m_server.url("/explicit/oauth2/v2.0/token");
    TokenProvider tokens(settings, m_pacer);
    tokens.authorizationHeader();
    ASSERT_EQ(tokenCallCount(), 1);
    EXPECT_EQ(m_tenants[0], "explicit");
    EXPECT_EQ(m_tokenCalls[0].form.at("client_id"), "my-app");
    EXPECT_EQ(m_tokenCalls[0].form.at("scope"), "https://org.crm.dynamics.com/user_impersonation");
}

TEST_F(AuthFixture, TokenIsCached) {
    TokenProvider tokens(passwordSettings(), m_pacer);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(tokens.authorizationHeader(), "Bearer tok1");
    }
    EXPECT_EQ(tokenCallCount(), 1);
}

TEST_F(AuthFixture, ShortLivedTokenIsUsedForHalfItsLifetime) {
    // 100 s is below the 300 s margin: without the half-lifetime rule every call would fetch.
    m_expiresIn = 100;
    TokenProvider tokens(passwordSettings(), m_pacer);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(tokens.authorizationHeader(), "Bearer tok1");
    }
    EXPECT_EQ(tokenCallCount(), 1);
}

TEST_F(AuthFixture, ExpiredTokenIsRefreshedWithTheRefreshToken) {
    m_expiresIn = 0;
    TokenProvider tokens(passwordSettings(), m_pacer);
    EXPECT_EQ(tokens.authorizationHeader(), "Bearer tok1");
    EXPECT_EQ(tokens.authorizationHeader(), "Bearer tok2");
    EXPECT_EQ(tokens.authorizationHeader(), "Bearer tok3");
    ASSERT_EQ(tokenCallCount(), 3);
    const Form& second = m_tokenCalls[1].form;
    EXPECT_EQ(second.at("grant_type"), "refresh_token");
    EXPECT_EQ(second.at("refresh_token"), "rt1");
    EXPECT_EQ(second.at("scope"), "https://org.crm.dynamics.com/.default offline_access");
    EXPECT_EQ(second.count("password"), 0u);
    EXPECT_EQ(m_tokenCalls[2].form.at("refresh_token"), "rt2");  // the newest one
}

TEST_F(AuthFixture, InvalidateForcesANewToken) {
    TokenProvider tokens(passwordSettings(), m_pacer);
    EXPECT_EQ(tokens.authorizationHeader(), "Bearer tok1");
    tokens.invalidate();
    EXPECT_EQ(tokens.authorizationHeader(), "Bearer tok2");
    EXPECT_EQ(tokenCallCount(), 2);
}

TEST_F(AuthFixture, WrongPasswordIsAPlainErrorWithoutTheSecret) {
    // A careless endpoint echoing the password must not leak it either.
    m_tokenError = nlohmann::json{
        {"error", "invalid_grant"},
        {"error_description",
         "AADSTS50126: Error validating credentials due to invalid "
         "username or password " +
             m_password + ".\r\nTrace ID: 1234\r\nCorrelation ID: 5678"},
        {"error_codes",
         {50126}}}.dump();
    LogCapture logs;
    TokenProvider tokens(passwordSettings(), m_pacer);
    try {
        tokens.authorizationHeader();
        FAIL() << "no error";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::AuthenticationFailed);
        EXPECT_EQ(error.message(), "The user name or password was not accepted by 127.0.0.1:" +
                                       std::to_string(m_server.port()) + ".");
        EXPECT_EQ(
            error.detail().rfind("invalid_grant: AADSTS50126: Error validating credentials", 0), 0u)
            << error.detail();
        EXPECT_EQ(error.detail().find("Trace ID"), std::string::npos);
        EXPECT_NE(error.hint().find("multi-factor"), std::string::npos);
        EXPECT_FALSE(error.retryable());
        EXPECT_EQ(error.fullText().find(m_password), std::string::npos) << error.fullText();
        EXPECT_EQ(error.fullText().find("p&ss"), std::string::npos) << error.fullText();
        EXPECT_EQ(error.fullText().find(percentEncode(m_password)), std::string::npos);
    }
    EXPECT_FALSE(logs.text().empty());
    EXPECT_EQ(logs.text().find("p&ss"), std::string::npos) << logs.text();
    EXPECT_EQ(logs.text().find(percentEncode(m_password)), std::string::npos) << logs.text();
}

TEST_F(AuthFixture, UnknownClientIsReported) {
    m_tokenError =
        R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]})";
    AuthSettings settings;
    settings.method = AuthMethod::ClientCredentials;
    settings.clientId = "app";
    settings.secret = "s3cr3t-value";
    settings.tokenEndpoint = m_server.url("/t/oauth2/v2.0/token");
    settings.resource = "https://org.crm.dynamics.com";
    TokenProvider tokens(settings, m_pacer);
    try {
        tokens.authorizationHeader();
        FAIL() << "no error";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::AuthenticationFailed);
        EXPECT_EQ(error.message(), "The client id or client secret was not accepted by 127.0.0.1:" +
                                       std::to_string(m_server.port()) + ".");
        EXPECT_EQ(error.detail(), "invalid_client: AADSTS7000215: Invalid client secret provided.");
        EXPECT_EQ(error.fullText().find("s3cr3t-value"), std::string::npos);
    }
}

TEST_F(AuthFixture, UnreachableTokenEndpointIsAConnectionError) {
    AuthSettings settings = passwordSettings();
    const int port = test::closedPort();
    settings.authority = "http://127.0.0.1:" + std::to_string(port) + "/tenant";
    TokenProvider tokens(settings, m_pacer);
    try {
        tokens.authorizationHeader();
        FAIL() << "no error";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::ConnectionFailed);
        EXPECT_EQ(error.message().rfind("Could not reach the sign-in service at 127.0.0.1:" +
                                            std::to_string(port) + ": could not connect",
                                        0),
                  0u)
            << error.message();
        EXPECT_FALSE(error.retryable());
        EXPECT_EQ(error.fullText().find("p&ss"), std::string::npos);
    }
}

TEST_F(AuthFixture, ClientCredentialsGrant) {
    m_issueRefreshTokens = false;
    m_expiresIn = 0;
    AuthSettings settings;
    settings.method = AuthMethod::ClientCredentials;
    settings.clientId = "00000000-1111-2222-3333-444444444444";
    settings.secret = "a+b/c=d&e";
    settings.tenantId = "ignored-when-authority-is-set";
    settings.authority = m_server.url("/contoso");
    settings.resource = "https://org.crm4.dynamics.com/";
    TokenProvider tokens(settings, m_pacer);
    EXPECT_EQ(tokens.authorizationHeader(), "Bearer tok1");
    EXPECT_EQ(tokens.authorizationHeader(), "Bearer tok2");
    ASSERT_EQ(tokenCallCount(), 2);
    const Form expected = {{"grant_type", "client_credentials"},
                           {"client_id", "00000000-1111-2222-3333-444444444444"},
                           {"client_secret", "a+b/c=d&e"},
                           {"scope", "https://org.crm4.dynamics.com/.default"}};
    EXPECT_EQ(m_tokenCalls[0].form, expected);
    // No refresh token in this flow: the expired token is acquired again the same way.
    EXPECT_EQ(m_tokenCalls[1].form, expected);
    EXPECT_EQ(m_tenants[0], "contoso");
}

TEST_F(AuthFixture, DiscoversAuthorityAndResourceFromTheChallenge) {
    AuthSettings settings = passwordSettings();
    settings.authority.clear();
    settings.resource.clear();
    settings.discoveryUrl = m_server.url("/api/data/v9.2/");
    TokenProvider tokens(settings, m_pacer);
    EXPECT_EQ(tokens.authorizationHeader(), "Bearer tok1");
    ASSERT_EQ(tokenCallCount(), 1);
    EXPECT_EQ(m_tenants[0], "tenant-x");
    EXPECT_EQ(m_tokenCalls[0].form.at("scope"),
              "https://org.crm.dynamics.com/.default offline_access");
}

TEST_F(AuthFixture, MissingCredentialsAreReportedWithoutARequest) {
    AuthSettings settings = passwordSettings();
    settings.secret.clear();
    try {
        TokenProvider(settings, m_pacer).authorizationHeader();
        FAIL() << "no error";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::InvalidConnectionString);
    }
    AuthSettings client;
    client.method = AuthMethod::ClientCredentials;
    client.secret = "x";
    client.authority = m_server.url("/t");
    client.resource = "https://org.crm.dynamics.com";
    EXPECT_THROW(TokenProvider(client, m_pacer).authorizationHeader(), Error);
    EXPECT_EQ(tokenCallCount(), 0);
}

TEST(AuthorityFromChallenge, ParsesTheForms) {
    EXPECT_EQ(authorityFromChallenge("Bearer authorization_uri=https://login.microsoftonline.com/"
                                     "4a5b6c7d-0000-1111-2222-333344445555/oauth2/authorize, "
                                     "resource_id=https://org.crm.dynamics.com/"),
              "https://login.microsoftonline.com/4a5b6c7d-0000-1111-2222-333344445555");
    EXPECT_EQ(
        authorityFromChallenge(
            R"(Bearer authorization_uri="https://login.windows.net/contoso.onmicrosoft.com/oauth2/authorize", resource_id="https://org.crm4.dynamics.com/")"),
        "https://login.windows.net/contoso.onmicrosoft.com");
    EXPECT_EQ(authorityFromChallenge("bearer Authorization_Uri=https://login.microsoftonline.us/"
                                     "t1/oauth2/authorize/"),
              "https://login.microsoftonline.us/t1");
    EXPECT_EQ(authorityFromChallenge(
                  "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/"
                  "t2/oauth2/v2.0/authorize\",client_id=\"00000003-0000-0000-c000-000000000000\""),
              "https://login.microsoftonline.com/t2");
    EXPECT_EQ(authorityFromChallenge("Basic realm=\"x\""), std::nullopt);
    EXPECT_EQ(authorityFromChallenge(""), std::nullopt);
    EXPECT_EQ(authorityFromChallenge("Bearer authorization_uri="), std::nullopt);
    EXPECT_EQ(authorityFromChallenge("Bearer authorization_uri=not-a-url"), std::nullopt);
    EXPECT_EQ(
        resourceFromChallenge("Bearer authorization_uri=https://login.microsoftonline.com/"
                              "t/oauth2/authorize, resource_id=https://org.crm.dynamics.com/"),
        "https://org.crm.dynamics.com/");
    EXPECT_EQ(resourceFromChallenge("Bearer authorization_uri=https://a/b"), std::nullopt);
}

TEST_F(AuthFixture, StaticMethods) {
    AuthSettings basic;
    basic.method = AuthMethod::Basic;
    basic.user = "Aladdin";
    basic.secret = "open sesame";
    EXPECT_EQ(TokenProvider(basic, m_pacer).authorizationHeader(),
              "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");  // RFC 7617's example
    AuthSettings bearer;
    bearer.method = AuthMethod::Bearer;
    bearer.secret = "static-token";
    EXPECT_EQ(TokenProvider(bearer, m_pacer).authorizationHeader(), "Bearer static-token");
    EXPECT_EQ(TokenProvider(AuthSettings{}, m_pacer).authorizationHeader(), "");
    EXPECT_EQ(tokenCallCount(), 0);

    // Through a session, the server sees exactly that header.
    m_validTokens = {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="};
    TokenProvider basicTokens(basic, m_pacer);
    ApiSession session(m_pacer, basicTokens);
    EXPECT_EQ(session.send({"GET", m_server.url("/api/x"), {}, {}, {}}).status, 200);
}

TEST(Base64, PadsCorrectly) {
    EXPECT_EQ(base64Encode(""), "");
    EXPECT_EQ(base64Encode("f"), "Zg==");
    EXPECT_EQ(base64Encode("fo"), "Zm8=");
    EXPECT_EQ(base64Encode("foo"), "Zm9v");
    EXPECT_EQ(base64Encode("foob"), "Zm9vYg==");
    EXPECT_EQ(base64Encode("\xff\xfe"), "//4=");
}

TEST_F(AuthFixture, SessionRetriesOnceWithAFreshTokenAfter401) {
    m_validTokens = {"Bearer tok2"};  // tok1 was revoked
    TokenProvider tokens(passwordSettings(), m_pacer);
    ApiSession session(m_pacer, tokens, {{"Accept", "application/json"}});
    const HttpResponse response = session.send({"GET", m_server.url("/api/accounts"), {}, {}, {}});
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "data accounts");
    EXPECT_EQ(tokenCallCount(), 2);
    EXPECT_EQ(m_apiAuthorizations, (std::vector<std::string>{"Bearer tok1", "Bearer tok2"}));
    EXPECT_EQ(m_apiAccept, (std::vector<std::string>{"application/json", "application/json"}));
    // The fresh token is kept for the next request.
    EXPECT_EQ(session.send({"GET", m_server.url("/api/more"), {}, {}, {}}).status, 200);
    EXPECT_EQ(tokenCallCount(), 2);
}

TEST_F(AuthFixture, SessionGivesUpAfterTheSecond401) {
    TokenProvider tokens(passwordSettings(), m_pacer);
    ApiSession session(m_pacer, tokens);
    try {
        session.send({"GET", m_server.url("/api/accounts"), {}, {}, {}});
        FAIL() << "no error";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::AuthenticationFailed);
        EXPECT_EQ(error.message().rfind("The service refused the credentials (HTTP 401)", 0), 0u)
            << error.message();
        EXPECT_EQ(error.detail(), "The token expired");
    }
    EXPECT_EQ(m_apiAuthorizations.size(), 2u);
    EXPECT_EQ(tokenCallCount(), 2);
}

TEST_F(AuthFixture, SessionSendAllRetriesThe401sOnce) {
    m_validTokens = {"Bearer tok2"};
    TokenProvider tokens(passwordSettings(), m_pacer);
    ApiSession session(m_pacer, tokens);
    const auto responses = session.sendAll({{"GET", m_server.url("/api/a"), {}, {}, {}},
                                            {"GET", m_server.url("/api/b"), {}, {}, {}},
                                            {"GET", m_server.url("/api/c"), {}, {}, {}}});
    ASSERT_EQ(responses.size(), 3u);
    EXPECT_EQ(responses[0].body, "data a");
    EXPECT_EQ(responses[1].body, "data b");
    EXPECT_EQ(responses[2].body, "data c");
    EXPECT_EQ(tokenCallCount(), 2);  // one invalidation for the whole batch
    EXPECT_EQ(m_apiAuthorizations.size(), 6u);
}

TEST_F(AuthFixture, SessionReportsUnreachableService) {
    TokenProvider tokens(AuthSettings{}, m_pacer);
    ApiSession session(m_pacer, tokens);
    const int port = test::closedPort();
    try {
        session.send({"GET", "http://127.0.0.1:" + std::to_string(port) + "/api", {}, {}, {}});
        FAIL() << "no error";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::ConnectionFailed);
        EXPECT_EQ(error.message(), "Could not reach 127.0.0.1:" + std::to_string(port) +
                                       ": could not connect to 127.0.0.1:" + std::to_string(port) +
                                       " (connection refused).");
        EXPECT_FALSE(error.retryable());
    }
}

TEST_F(AuthFixture, SessionLogsRequestsWithoutCredentials) {
    m_validTokens = {"Bearer tok1"};
    LogCapture logs;
    TokenProvider tokens(passwordSettings(), m_pacer);
    ApiSession session(m_pacer, tokens);
    EXPECT_EQ(session.send({"GET", m_server.url("/api/logged"), {}, {}, {}}).status, 200);
    const std::string text = logs.text();
    EXPECT_NE(text.find("GET " + m_server.url("/api/logged") + " -> 200 in "), std::string::npos)
        << text;
    EXPECT_EQ(text.find("tok1"), std::string::npos) << text;
    EXPECT_EQ(text.find("p&ss"), std::string::npos) << text;
}

}  // namespace
}  // namespace ferry::net
