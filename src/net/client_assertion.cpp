// RS256 client assertions with OpenSSL: certificate thumbprint, claims, signature.
#include "net/client_assertion.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "ferry/error.h"
#include "net/url.h"

namespace ferry::net {

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* pointer) const { Free(pointer); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

BioPtr openFile(const std::string& pemFile) {
    BioPtr bio(BIO_new_file(pemFile.c_str(), "r"));
    if (!bio) {
        throw Error(
            ErrorCode::InvalidConnectionString,
            "the certificate file '" + pemFile + "' cannot be read", {},
            "CertificateFile must name a PEM file with the certificate and its private key");
    }
    return bio;
}

// OpenSSL asks for the key's password through this callback; `data` is the password.
int passwordCallback(char* buffer, int size, int /*rwflag*/, void* data) {
    const auto* password = static_cast<const std::string*>(data);
    const int length = std::min(size, static_cast<int>(password->size()));
    std::copy_n(password->data(), length, buffer);
    return length;
}

std::string thumbprint(X509* certificate) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    X509_digest(certificate, EVP_sha1(), digest, &length);
    return base64UrlEncode(
        std::string_view(reinterpret_cast<const char*>(digest), length));  // NOLINT
}

std::string randomId() {
    unsigned char bytes[16];
    RAND_bytes(bytes, sizeof bytes);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char byte : bytes) {
        out += kHex[byte >> 4];
        out += kHex[byte & 0x0F];
    }
    return out;
}

}  // namespace

std::string base64UrlEncode(std::string_view data) {
    std::string text = base64Encode(data);
    while (!text.empty() && text.back() == '=') {
        text.pop_back();
    }
    for (char& c : text) {
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    return text;
}

std::string makeClientAssertion(const std::string& pemFile, const std::string& keyPassword,
                                const std::string& clientId, const std::string& tokenEndpoint,
                                std::chrono::seconds lifetime) {
    X509Ptr certificate(PEM_read_bio_X509(openFile(pemFile).get(), nullptr, nullptr, nullptr));
    if (!certificate) {
        throw Error(ErrorCode::InvalidConnectionString,
                    "the certificate file '" + pemFile + "' holds no PEM certificate", {},
                    "put the certificate (-----BEGIN CERTIFICATE-----) and its private key in "
                    "the file");
    }
    std::string password = keyPassword;
    KeyPtr key(
        PEM_read_bio_PrivateKey(openFile(pemFile).get(), nullptr, passwordCallback, &password));
    if (!key) {
        throw Error(ErrorCode::AuthenticationFailed,
                    "the private key in '" + pemFile + "' cannot be opened", {},
                    "check that the file holds the private key and that the password (if the key "
                    "is encrypted) is right");
    }
    if (X509_check_private_key(certificate.get(), key.get()) != 1) {
        throw Error(ErrorCode::AuthenticationFailed,
                    "the private key in '" + pemFile + "' does not belong to its certificate");
    }
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const nlohmann::json header = {
        {"alg", "RS256"}, {"typ", "JWT"}, {"x5t", thumbprint(certificate.get())}};
    const nlohmann::json payload = {{"aud", tokenEndpoint},
                                    {"iss", clientId},
                                    {"sub", clientId},
                                    {"jti", randomId()},
                                    {"nbf", now},
                                    {"iat", now},
                                    {"exp", now + lifetime.count()}};
    const std::string signingInput =
        base64UrlEncode(header.dump()) + "." + base64UrlEncode(payload.dump());
    MdCtxPtr context(EVP_MD_CTX_new());
    std::size_t length = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(signingInput.data());  // NOLINT
    if (!context ||
        EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(context.get(), nullptr, &length, data, signingInput.size()) != 1) {
        throw Error(ErrorCode::AuthenticationFailed,
                    "the private key in '" + pemFile + "' cannot sign (an RSA key is needed)");
    }
    std::vector<unsigned char> signature(length);
    if (EVP_DigestSign(context.get(), signature.data(), &length, data, signingInput.size()) != 1) {
        throw Error(ErrorCode::AuthenticationFailed,
                    "the private key in '" + pemFile + "' cannot sign (an RSA key is needed)");
    }
    return signingInput + "." +
           base64UrlEncode(
               std::string_view(reinterpret_cast<const char*>(signature.data()),  // NOLINT
                                length));
}

}  // namespace ferry::net
