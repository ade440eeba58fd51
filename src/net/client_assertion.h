// The signed JWT "client assertion" of OAuth2 certificate credentials (Microsoft Entra ID
// app-only access, which SharePoint requires instead of client secrets).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace ferry::net {

// Builds `header.payload.signature` (RS256) for `clientId` with audience `tokenEndpoint`: header
// {"alg":"RS256","typ":"JWT","x5t":<base64url SHA-1 thumbprint of the certificate>}, payload
// {"aud","iss"=clientId,"sub"=clientId,"jti" (random),"nbf","iat","exp"=now+lifetime}. The PEM
// file holds the certificate and its RSA private key (in any order; the key may be encrypted
// with `keyPassword`). Throws Error{InvalidConnectionString} when the file cannot be read or
// holds no certificate, Error{AuthenticationFailed} when the key cannot be opened (wrong
// password) or does not belong to the certificate; messages never contain the password.
std::string makeClientAssertion(const std::string& pemFile, const std::string& keyPassword,
                                const std::string& clientId, const std::string& tokenEndpoint,
                                std::chrono::seconds lifetime = std::chrono::minutes(10));

// Base64url (RFC 4648 section 5) without padding, as JWTs use it.
std::string base64UrlEncode(std::string_view data);

}  // namespace ferry::net
