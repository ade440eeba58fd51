// Small URL and encoding helpers shared by ferry::net and the HTTP providers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::net {

// Percent-encodes everything except RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), so the
// result is safe in a query value, a path segment and an x-www-form-urlencoded field alike.
std::string percentEncode(std::string_view text);

// `name=value&name=value` with both sides percent-encoded, for
// application/x-www-form-urlencoded bodies.
std::string formEncode(const std::vector<std::pair<std::string, std::string>>& fields);

// Decodes %XX escapes (either hex case); a '%' not followed by two hex digits stays as it is,
// and '+' is not a space.
std::string percentDecode(std::string_view text);

// Percent-encodes a URL path segment or query value, keeping the characters OData query
// syntax needs readable ($ ' ( ) , : @ / * !) besides the unreserved ones.
std::string encodeQueryValue(std::string_view text);

// The number of Unicode code points in UTF-8 text (continuation bytes not counted).
std::size_t codePointCount(std::string_view utf8);

// Standard base64 with padding (RFC 4648 section 4).
std::string base64Encode(std::string_view data);

// "host" or "host:port" of an absolute URL, without any user:password@ part; the whole input
// when it does not look like a URL. Safe to show to users and to log.
std::string hostOf(std::string_view url);

// "scheme://host[:port]" of an absolute URL (no credentials, path or query); empty when the
// input has no scheme.
std::string originOf(std::string_view url);

}  // namespace ferry::net
