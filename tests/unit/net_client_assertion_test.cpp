// Certificate credentials: the signed client assertion (claims, thumbprint, RS256 signature checked
// with OpenSSL independently) and the token request that carries it.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "ferry/error.h"
#include "net/client_assertion.h"
#include "net/token_provider.h"
#include "net_test_server.h"

namespace ferry::net {
namespace {

std::string base64UrlDecode(std::string text) {
    for (char& c : text) {
        c = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    while (text.size() % 4 != 0) {
        text += '=';
    }
    std::string out(text.size(), '\0');
    const int length =
        EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),         // NOLINT
                        reinterpret_cast<const unsigned char*>(text.data()),  // NOLINT
                        static_cast<int>(text.size()));
    const std::size_t padding =
        static_cast<std::size_t>(std::count(text.end() - 2, text.end(), '='));
    out.resize(static_cast<std::size_t>(std::max(length, 0)) - padding);
    return out;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t end = text.find(separator); end != std::string::npos;
         end = text.find(separator, start)) {
        parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    parts.push_back(text.substr(start));
    return parts;
}

// A throwaway self-signed certificate with its RSA key (encrypted with `password` when given).
class CertificateFile {
public:
    explicit CertificateFile(const std::string& password) {
        m_key = EVP_RSA_gen(2048);
        m_certificate = X509_new();
        ASN1_INTEGER_set(X509_get_serialNumber(m_certificate), 1);
        X509_gmtime_adj(X509_getm_notBefore(m_certificate), 0);
        X509_gmtime_adj(X509_getm_notAfter(m_certificate), 3600);
        X509_set_pubkey(m_certificate, m_key);
        X509_NAME* name = X509_get_subject_name(m_certificate);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("ferry-test"),  // NOLINT
                                   -1, -1, 0);
        X509_set_issuer_name(m_certificate, name);
        X509_sign(m_certificate, m_key, EVP_sha256());
        m_path = (std::filesystem::temp_directory_path() /
                  ("ferry-cert-" + std::to_string(::getpid()) + "-" +
                   std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".pem"))  // NOLINT
                     .string();
        BIO* bio = BIO_new_file(m_path.c_str(), "w");
        // The key first: the reader must find the certificate wherever it is.
        if (password.empty()) {
            PEM_write_bio_PrivateKey(bio, m_key, nullptr, nullptr, 0, nullptr, nullptr);
        } else {
            PEM_write_bio_PrivateKey(
                bio, m_key, EVP_aes_256_cbc(),
                reinterpret_cast<const unsigned char*>(password.data()),  // NOLINT
                static_cast<int>(password.size()), nullptr, nullptr);
        }
        PEM_write_bio_X509(bio, m_certificate);
        BIO_free(bio);
    }
    ~CertificateFile() {
        std::filesystem::remove(m_path);
        X509_free(m_certificate);
        EVP_PKEY_free(m_key);
    }
    CertificateFile(const CertificateFile&) = delete;
    CertificateFile& operator=(const CertificateFile&) = delete;

    const std::string& path() const { return m_path; }
    X509* certificate() const { return m_certificate; }

private:
    std::string m_path;
    EVP_PKEY* m_key = nullptr;
    X509* m_certificate = nullptr;
};

TEST(ClientAssertion, IsASignedJwtWithTheThumbprintAndClaims) {
    const CertificateFile file("k3y-pass");
    const std::string jwt = makeClientAssertion(file.path(), "k3y-pass", "app-id",
                                                "https://login.example/t/oauth2/v2.0/token");
    const auto parts = split(jwt, '.');
    ASSERT_EQ(parts.size(), 3u);
    const auto header = nlohmann::json::parse(base64UrlDecode(parts[0]));
    const auto claims = nlohmann::json::parse(base64UrlDecode(parts[1]));
    EXPECT_EQ(header["alg"], "RS256");
    EXPECT_EQ(header["typ"], "JWT");
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    X509_digest(file.certificate(), EVP_sha1(), digest, &length);
    EXPECT_EQ(base64UrlDecode(header["x5t"].get<std::string>()),
              std::string(reinterpret_cast<const char*>(digest), length));  // NOLINT
    EXPECT_EQ(claims["aud"], "https://login.example/t/oauth2/v2.0/token");
    EXPECT_EQ(claims["iss"], "app-id");
    EXPECT_EQ(claims["sub"], "app-id");
    EXPECT_EQ(claims["exp"].get<long long>() - claims["nbf"].get<long long>(), 600);
    EXPECT_FALSE(claims["jti"].get<std::string>().empty());
    EXPECT_EQ(jwt.find('='), std::string::npos) << "base64url without padding";

    // The signature verifies with the certificate's public key.
    const std::string input = parts[0] + "." + parts[1];
    const std::string signature = base64UrlDecode(parts[2]);
    EVP_PKEY* publicKey = X509_get_pubkey(file.certificate());
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr, publicKey), 1);
    EXPECT_EQ(EVP_DigestVerify(context,
                               reinterpret_cast<const unsigned char*>(signature.data()),  // NOLINT
                               signature.size(),
                               reinterpret_cast<const unsigned char*>(input.data()),  // NOLINT
                               input.size()),
              1);
    EVP_MD_CTX_free(context);
    EVP_PKEY_free(publicKey);

    // Each assertion is new.
    const auto again = split(makeClientAssertion(file.path(), "k3y-pass", "app-id", "aud"), '.');
    EXPECT_NE(nlohmann::json::parse(base64UrlDecode(again[1]))["jti"], claims["jti"]);
}

TEST(ClientAssertion, ReportsAMissingFileAndAWrongPasswordWithoutTheSecret) {
    try {
        makeClientAssertion("/nonexistent/ferry.pem", "", "app", "aud");
        FAIL() << "no error";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::InvalidConnectionString);
    }
    const CertificateFile file("right-password");
    try {
        makeClientAssertion(file.path(), "wrong-password", "app", "aud");
        FAIL() << "no error";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::AuthenticationFailed);
        EXPECT_EQ(error.fullText().find("wrong-password"), std::string::npos);
    }
    const CertificateFile plain("");
    EXPECT_EQ(split(makeClientAssertion(plain.path(), "", "app", "aud"), '.').size(), 3u);
}

TEST(ClientAssertion, TheTokenRequestCarriesTheAssertionAndNoSecret) {
    const CertificateFile file("");
    test::TestServer server;
    std::string body;
    server.server().Post("/t/oauth2/v2.0/token",
                         [&body](const httplib::Request& req, httplib::Response& res) {
                             body = req.body;
                             res.set_content(R"({"token_type":"Bearer","access_token":"app-tok",)"
                                             R"("expires_in":3599})",
                                             "application/json");
                         });
    server.start();
    HttpClient client;
    Pacer pacer(client, {}, [](std::chrono::milliseconds) {});
    AuthSettings settings;
    settings.method = AuthMethod::ClientCertificate;
    settings.clientId = "app-id";
    settings.certificateFile = file.path();
    settings.tokenEndpoint = server.url("/t/oauth2/v2.0/token");
    settings.resource = "https://contoso.sharepoint.com";
    TokenProvider tokens(settings, pacer);
    EXPECT_EQ(tokens.authorizationHeader(), "Bearer app-tok");
    EXPECT_NE(body.find("grant_type=client_credentials"), std::string::npos) << body;
    EXPECT_NE(body.find("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-"
                        "type%3Ajwt-bearer"),
              std::string::npos)
        << body;
    EXPECT_NE(body.find("client_assertion=ey"), std::string::npos) << body;
    EXPECT_EQ(body.find("client_secret"), std::string::npos) << body;
    EXPECT_NE(body.find("scope=https%3A%2F%2Fcontoso.sharepoint.com%2F.default"), std::string::npos)
        << body;
}

}  // namespace
}  // namespace ferry::net
