// $batch multipart: reading requests (the documented shape, LF tolerance, every refusal),
// Content-ID references, and responses that a strict reader splits back correctly.
#include <gtest/gtest.h>

#include <string>

#include "batch_multipart.h"

namespace ferry::emulator {
namespace {

// Lines joined with CRLF, the wire form.
std::string crlf(std::initializer_list<std::string_view> lines) {
    std::string out;
    for (std::string_view line : lines) {
        out += line;
        out += "\r\n";
    }
    return out;
}

std::string replaceAll(std::string text, std::string_view from, std::string_view to) {
    for (size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

const std::string kBoundary = "batch_80dd1615-2a10-428a-bb6f-0e559792721f";

// Shaped like the example in Microsoft's "Execute batch operations using the Web API": a
// changeset creating two tasks (Content-ID 1 and 2), then a GET outside it.
std::string documentationExample() {
    return crlf({
        "--batch_80dd1615-2a10-428a-bb6f-0e559792721f",
        "Content-Type: multipart/mixed; boundary=\"changeset_BBB456\"",
        "",
        "--changeset_BBB456",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "Content-ID: 1",
        "",
        "POST https://org.crm.dynamics.com/api/data/v9.2/tasks HTTP/1.1",
        "Content-Type: application/json; type=entry",
        "",
        "{",
        "  \"subject\": \"Task 1 in batch\",",
        "  \"regardingobjectid_account_task@odata.bind\": "
        "\"accounts(00000000-0000-0000-0000-000000000001)\"",
        "}",
        "--changeset_BBB456",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "Content-ID: 2",
        "",
        "POST https://org.crm.dynamics.com/api/data/v9.2/tasks HTTP/1.1",
        "Content-Type: application/json; type=entry",
        "",
        "{",
        "  \"subject\": \"Task 2 in batch\"",
        "}",
        "--changeset_BBB456--",
        "",
        "--batch_80dd1615-2a10-428a-bb6f-0e559792721f",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "",
        "GET https://org.crm.dynamics.com/api/data/v9.2/tasks?$select=subject HTTP/1.1",
        "Accept: application/json",
        "",
        "--batch_80dd1615-2a10-428a-bb6f-0e559792721f--",
    });
}

// One application/http part of `boundary` holding `request` (request line, headers, blank, body).
std::string httpPart(std::string_view boundary, std::string_view request,
                     std::string_view extraHeaders = "") {
    return "--" + std::string(boundary) +
           "\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n" +
           std::string(extraHeaders) + "\r\n" + std::string(request) + "\r\n";
}

std::string changesetPart(std::string_view outer, std::string_view inner,
                          const std::vector<std::string>& requests) {
    std::string out = "--" + std::string(outer) +
                      "\r\nContent-Type: multipart/mixed; boundary=" + std::string(inner) +
                      "\r\n\r\n";
    int id = 1;
    for (const std::string& request : requests) {
        out += httpPart(inner, request, "Content-ID: " + std::to_string(id++) + "\r\n");
    }
    return out + "--" + std::string(inner) + "--\r\n";
}

std::string batchErrorOf(std::string_view body, std::string_view boundary = kBoundary) {
    try {
        parseBatch(body, boundary);
    } catch (const BatchError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no BatchError thrown";
    return {};
}

void expectDocumentationExample(const BatchRequest& batch, std::string_view lineEnd) {
    ASSERT_EQ(batch.operations.size(), 3u);
    EXPECT_EQ(batch.changesetCount, 1);

    const BatchOperation& first = batch.operations[0];
    EXPECT_EQ(first.changeset, 0);
    EXPECT_EQ(first.contentId, "1");
    EXPECT_EQ(first.method, "POST");
    EXPECT_EQ(first.url, "https://org.crm.dynamics.com/api/data/v9.2/tasks");
    ASSERT_EQ(first.headers.size(), 1u);
    EXPECT_EQ(first.headers[0].first, "Content-Type");
    EXPECT_EQ(first.headers[0].second, "application/json; type=entry");
    EXPECT_EQ(first.body, "{" + std::string(lineEnd) + "  \"subject\": \"Task 1 in batch\"," +
                              std::string(lineEnd) +
                              "  \"regardingobjectid_account_task@odata.bind\": "
                              "\"accounts(00000000-0000-0000-0000-000000000001)\"" +
                              std::string(lineEnd) + "}");

    const BatchOperation& second = batch.operations[1];
    EXPECT_EQ(second.changeset, 0);
    EXPECT_EQ(second.contentId, "2");
    EXPECT_EQ(second.method, "POST");
    EXPECT_EQ(second.body, "{" + std::string(lineEnd) + "  \"subject\": \"Task 2 in batch\"" +
                               std::string(lineEnd) + "}");

    const BatchOperation& get = batch.operations[2];
    EXPECT_EQ(get.changeset, -1);
    EXPECT_EQ(get.contentId, "");
    EXPECT_EQ(get.method, "GET");
    EXPECT_EQ(get.url, "https://org.crm.dynamics.com/api/data/v9.2/tasks?$select=subject");
    ASSERT_EQ(get.headers.size(), 1u);
    EXPECT_EQ(get.headers[0].first, "Accept");
    EXPECT_EQ(get.headers[0].second, "application/json");
    EXPECT_EQ(get.body, "");
}

TEST(BatchMultipart, ReadsTheDocumentationExample) {
    expectDocumentationExample(parseBatch(documentationExample(), kBoundary), "\r\n");
}

TEST(BatchMultipart, ToleratesBareLineFeeds) {
    const std::string body = replaceAll(documentationExample(), "\r\n", "\n");
    expectDocumentationExample(parseBatch(body, kBoundary), "\n");
}

TEST(BatchMultipart, ToleratesMixedLineEnds) {
    std::string body = documentationExample();
    // Only the part headers of the changeset lose their CRs.
    body = replaceAll(body, "Content-Transfer-Encoding: binary\r\n",
                      "Content-Transfer-Encoding: binary\n");
    expectDocumentationExample(parseBatch(body, kBoundary), "\r\n");
}

TEST(BatchMultipart, BodyKeepsInnerBlankLinesAndLosesOnlyTheDelimitersLineBreak) {
    const std::string body =
        httpPart("b", "POST /api/data/v9.2/notes HTTP/1.1\r\n\r\nline1\r\n\r\nline2\r\n") +
        "--b--\r\n";
    const BatchRequest batch = parseBatch(body, "b");
    ASSERT_EQ(batch.operations.size(), 1u);
    EXPECT_TRUE(batch.operations[0].headers.empty());
    EXPECT_EQ(batch.operations[0].body, "line1\r\n\r\nline2\r\n");
}

TEST(BatchMultipart, IgnoresPreambleEpilogueAndTransportPadding) {
    const std::string body =
        "This is a preamble.\r\n--b  \r\n"
        "Content-Type: application/http\r\n"
        "Content-Transfer-Encoding: binary\r\n\r\n"
        "DELETE accounts(00000000-0000-0000-0000-000000000001) HTTP/1.1\r\n"
        "\r\n--b-- \r\nepilogue text\r\n";
    const BatchRequest batch = parseBatch(body, "b");
    ASSERT_EQ(batch.operations.size(), 1u);
    EXPECT_EQ(batch.operations[0].method, "DELETE");
    EXPECT_EQ(batch.operations[0].url, "accounts(00000000-0000-0000-0000-000000000001)");
}

TEST(BatchMultipart, NumbersChangesetsInOrder) {
    const std::string body =
        changesetPart("b", "cs1",
                      {"POST accounts HTTP/1.1\r\n\r\n{}", "PATCH $1 HTTP/1.1\r\n\r\n{}"}) +
        httpPart("b", "GET accounts HTTP/1.1\r\n") +
        changesetPart("b", "cs2", {"PUT accounts(1)/name HTTP/1.1\r\n\r\n{\"value\":\"x\"}"}) +
        changesetPart("b", "cs3", {}) + "--b--\r\n";
    const BatchRequest batch = parseBatch(body, "b");
    EXPECT_EQ(batch.changesetCount, 3);
    ASSERT_EQ(batch.operations.size(), 4u);
    EXPECT_EQ(batch.operations[0].changeset, 0);
    EXPECT_EQ(batch.operations[1].changeset, 0);
    EXPECT_EQ(batch.operations[1].url, "$1");
    EXPECT_EQ(batch.operations[2].changeset, -1);
    EXPECT_EQ(batch.operations[3].changeset, 1);
    EXPECT_EQ(batch.operations[3].method, "PUT");
    EXPECT_EQ(batch.operations[3].contentId, "1");  // ids restart per changeset
    EXPECT_EQ(batch.operations[3].body, "{\"value\":\"x\"}");
}

TEST(BatchMultipart, EmptyBatchHasNoOperations) {
    EXPECT_TRUE(parseBatch("--b--\r\n", "b").operations.empty());
}

TEST(BatchMultipart, AcceptsContentIdAmongTheRequestHeaders) {
    const std::string body = "--b\r\nContent-Type: multipart/mixed; boundary=cs\r\n\r\n" +
                             httpPart("cs",
                                      "POST accounts HTTP/1.1\r\nContent-ID: 7\r\nContent-Type: "
                                      "application/json\r\n\r\n{}") +
                             "--cs--\r\n--b--\r\n";
    const BatchRequest batch = parseBatch(body, "b");
    ASSERT_EQ(batch.operations.size(), 1u);
    EXPECT_EQ(batch.operations[0].contentId, "7");
}

TEST(BatchMultipart, RefusesGetInsideAChangeset) {
    const std::string body = changesetPart("b", "cs", {"GET accounts HTTP/1.1\r\n"}) + "--b--\r\n";
    EXPECT_EQ(batchErrorOf(body, "b"),
              "An invalid HTTP method 'GET' was detected for a request in a change set. Requests "
              "in change sets only support the HTTP methods 'POST', 'PUT', 'DELETE', and "
              "'PATCH'.");
}

TEST(BatchMultipart, RefusesNestedChangesets) {
    const std::string body = "--b\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n" +
                             changesetPart("outer", "inner", {"POST a HTTP/1.1\r\n\r\n{}"}) +
                             "--outer--\r\n--b--\r\n";
    EXPECT_EQ(batchErrorOf(body, "b"), "Nested change sets in a batch payload are not supported.");
}

TEST(BatchMultipart, RefusesRepeatedContentIdWithinAChangeset) {
    const std::string body = "--b\r\nContent-Type: multipart/mixed; boundary=cs\r\n\r\n" +
                             httpPart("cs", "POST a HTTP/1.1\r\n\r\n{}", "Content-ID: 1\r\n") +
                             httpPart("cs", "POST a HTTP/1.1\r\n\r\n{}", "Content-ID: 1\r\n") +
                             "--cs--\r\n--b--\r\n";
    EXPECT_EQ(batchErrorOf(body, "b"),
              "The content ID '1' was found more than once in the same change set.");
}

TEST(BatchMultipart, AllowsAThousandOperationsButNotMore) {
    std::string body;
    for (int i = 0; i < kMaxBatchOperations; ++i) {
        body += httpPart("b", "GET accounts HTTP/1.1\r\n");
    }
    EXPECT_EQ(parseBatch(body + "--b--\r\n", "b").operations.size(), 1000u);

    // The limit counts changeset operations too.
    body += changesetPart("b", "cs", {"POST a HTTP/1.1\r\n\r\n{}"});
    EXPECT_EQ(batchErrorOf(body + "--b--\r\n", "b"),
              "The current change set contains too many operations. A maximum number of '1000' "
              "operations are allowed in a change set");
}

TEST(BatchMultipart, RefusesAMissingClosingDelimiter) {
    EXPECT_EQ(batchErrorOf(httpPart("b", "GET accounts HTTP/1.1\r\n"), "b"),
              "The batch payload ends without the closing delimiter '--b--'.");
    // A changeset that is never closed, inside a batch that is.
    const std::string body = "--b\r\nContent-Type: multipart/mixed; boundary=cs\r\n\r\n" +
                             httpPart("cs", "POST a HTTP/1.1\r\n\r\n{}") + "--b--\r\n";
    EXPECT_EQ(batchErrorOf(body, "b"),
              "The batch payload ends without the closing delimiter '--cs--'.");
}

TEST(BatchMultipart, RefusesABoundaryThatDoesNotOccur) {
    EXPECT_EQ(batchErrorOf(documentationExample(), "batch_other"),
              "The batch payload does not contain the boundary delimiter '--batch_other' given "
              "in the Content-Type header.");
    // A longer boundary sharing the prefix is not a match.
    EXPECT_EQ(batchErrorOf("--b2\r\n--b2--\r\n", "b"),
              "The batch payload does not contain the boundary delimiter '--b' given in the "
              "Content-Type header.");
}

TEST(BatchMultipart, MissingBlankLineAfterRequestHeadersNamesTheNextDelimiter) {
    // The classic client mistake: no blank line after a GET's headers.
    const std::string body =
        "--batch_X\r\n"
        "Content-Type: application/http\r\n"
        "Content-Transfer-Encoding: binary\r\n"
        "\r\n"
        "GET accounts HTTP/1.1\r\n"
        "Accept: application/json\r\n"
        "--batch_X--\r\n";
    EXPECT_EQ(batchErrorOf(body, "batch_X"),
              "The message header '--batch_X--' is invalid. The header value must be of the "
              "format '<header name>: <header value>'.");
    // Nothing at all after the request line.
    EXPECT_EQ(batchErrorOf(httpPart("batch_X", "GET accounts HTTP/1.1") + "--batch_X\r\n" +
                               "Content-Type: application/http\r\n\r\n--batch_X--\r\n",
                           "batch_X"),
              "The message header '--batch_X' is invalid. The header value must be of the "
              "format '<header name>: <header value>'.");
}

TEST(BatchMultipart, MissingBlankLineBeforeTheRequestLine) {
    const std::string body =
        "--b\r\n"
        "Content-Type: application/http\r\n"
        "Content-Transfer-Encoding: binary\r\n"
        "GET /api/data/v9.2/accounts HTTP/1.1\r\n"
        "\r\n"
        "--b--\r\n";
    EXPECT_EQ(batchErrorOf(body, "b"),
              "The message header 'GET /api/data/v9.2/accounts HTTP/1.1' is invalid. The header "
              "value must be of the format '<header name>: <header value>'.");
    // An absolute URL has a colon, but "GET https" is still no header name.
    EXPECT_NE(batchErrorOf(replaceAll(body, "/api", "https://org.crm.dynamics.com/api"), "b")
                  .find("The message header 'GET https://"),
              std::string::npos);
}

TEST(BatchMultipart, MissingBlankLineBeforeTheBody) {
    const std::string body = httpPart("b",
                                      "POST accounts HTTP/1.1\r\n"
                                      "Content-Type: application/json\r\n"
                                      "{\"name\":\"x\"}") +
                             "--b--\r\n";
    EXPECT_EQ(batchErrorOf(body, "b"),
              "The message header '{\"name\":\"x\"}' is invalid. The header value must be of the "
              "format '<header name>: <header value>'.");
}

TEST(BatchMultipart, RefusesWrongPartHeaders) {
    EXPECT_EQ(batchErrorOf("--b\r\nContent-Type: application/http\r\n\r\n"
                           "GET a HTTP/1.1\r\n\r\n--b--\r\n",
                           "b"),
              "A batch part of type 'application/http' must have the header "
              "'Content-Transfer-Encoding: binary'.");
    EXPECT_EQ(batchErrorOf("--b\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: "
                           "base64\r\n\r\nGET a HTTP/1.1\r\n\r\n--b--\r\n",
                           "b"),
              "A batch part of type 'application/http' must have the header "
              "'Content-Transfer-Encoding: binary'.");
    EXPECT_EQ(batchErrorOf("--b\r\nContent-Type: application/json\r\n\r\n{}\r\n--b--\r\n", "b"),
              "The content type 'application/json' of a batch part is invalid. It must be "
              "'application/http' or 'multipart/mixed' for a change set.");
    EXPECT_EQ(batchErrorOf("--b\r\nContent-Transfer-Encoding: binary\r\n\r\nGET a "
                           "HTTP/1.1\r\n\r\n--b--\r\n",
                           "b"),
              "A batch part has no 'Content-Type' header; it must be 'application/http' or "
              "'multipart/mixed' for a change set.");
    EXPECT_EQ(batchErrorOf("--b\r\nContent-Type: multipart/mixed\r\n\r\n--b--\r\n", "b"),
              "The change set Content-Type 'multipart/mixed' has no boundary parameter.");
    // Header names are case-insensitive.
    EXPECT_EQ(parseBatch("--b\r\ncontent-type: APPLICATION/HTTP\r\ncontent-transfer-encoding: "
                         "Binary\r\n\r\nGET a HTTP/1.1\r\n\r\n--b--\r\n",
                         "b")
                  .operations.size(),
              1u);
}

TEST(BatchMultipart, RefusesBadRequestLines) {
    EXPECT_EQ(batchErrorOf(httpPart("b", "GET accounts\r\n") + "--b--\r\n", "b"),
              "The HTTP request line 'GET accounts' of a batch operation is invalid. It must be "
              "of the format '<method> <url> HTTP/1.1'.");
    EXPECT_EQ(batchErrorOf(httpPart("b", "GET accounts HTTP/2\r\n") + "--b--\r\n", "b"),
              "The HTTP request line 'GET accounts HTTP/2' of a batch operation is invalid. It "
              "must be of the format '<method> <url> HTTP/1.1'.");
    EXPECT_EQ(batchErrorOf(httpPart("b", "MERGE accounts(1) HTTP/1.1\r\n") + "--b--\r\n", "b"),
              "The HTTP method 'MERGE' is invalid in a batch operation. Only GET, POST, PATCH, "
              "PUT and DELETE are supported.");
    EXPECT_EQ(batchErrorOf("--b\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: "
                           "binary\r\n\r\n--b--\r\n",
                           "b"),
              "The HTTP request line '' of a batch operation is invalid. It must be of the format "
              "'<method> <url> HTTP/1.1'.");
}

TEST(BatchMultipart, RefusesAnEmptyBoundary) {
    EXPECT_THROW(parseBatch("--\r\n----\r\n", ""), BatchError);
}

TEST(BatchMultipart, BoundaryFromContentType) {
    EXPECT_EQ(boundaryFromContentType("multipart/mixed; boundary=\"batch_123\""), "batch_123");
    EXPECT_EQ(boundaryFromContentType("multipart/mixed;boundary=batch_123"), "batch_123");
    EXPECT_EQ(boundaryFromContentType("Multipart/Mixed; BOUNDARY=batch_1 ; charset=utf-8"),
              "batch_1");
    EXPECT_EQ(boundaryFromContentType("multipart/mixed; charset=\"a;b\"; boundary=x"), "x");
    EXPECT_EQ(boundaryFromContentType("multipart/mixed; boundary=\"with space\""), "with space");
    EXPECT_EQ(boundaryFromContentType("application/json; boundary=x"), std::nullopt);
    EXPECT_EQ(boundaryFromContentType("multipart/mixed"), std::nullopt);
    EXPECT_EQ(boundaryFromContentType("multipart/mixed; boundary=\"\""), std::nullopt);
    EXPECT_EQ(boundaryFromContentType("multipart/mixed; charset"), std::nullopt);
}

TEST(BatchMultipart, ResolvesContentIdReferencesInUrls) {
    const std::map<std::string, std::string> ids = {
        {"1",
         "https://org.crm.dynamics.com/api/data/v9.2/"
         "accounts(11111111-1111-1111-1111-111111111111)"},
        {"2",
         "https://org.crm.dynamics.com/api/data/v9.2/"
         "contacts(22222222-2222-2222-2222-222222222222)"}};
    EXPECT_EQ(resolveContentIdReference("$1", ids), ids.at("1"));
    EXPECT_EQ(resolveContentIdReference("$2/parentcustomerid_account/$ref", ids),
              ids.at("2") + "/parentcustomerid_account/$ref");
    EXPECT_EQ(resolveContentIdReference("$1?$select=name", ids), ids.at("1") + "?$select=name");
    EXPECT_EQ(resolveContentIdReference("accounts(1)", ids), "accounts(1)");
    EXPECT_EQ(resolveContentIdReference("$metadata#accounts", ids), "$metadata#accounts");
    try {
        resolveContentIdReference("$3", ids);
        ADD_FAILURE() << "no BatchError";
    } catch (const BatchError& e) {
        EXPECT_STREQ(e.what(), "Content-ID Reference: '$3' does not exist in the batch context.");
    }
}

TEST(BatchMultipart, ResolvesContentIdReferencesInBindings) {
    const std::map<std::string, std::string> ids = {{"1", "/api/data/v9.2/accounts(1)"},
                                                    {"2", "/api/data/v9.2/contacts(2)"}};
    const std::string body = R"j({"name":"x","primarycontactid@odata.bind" : "$2",)j"
                             R"j("description":"$100 off","note":"$1",)j"
                             R"j("new_Accounts@odata.bind":["$1","$2/x"],"@odata.id":"$1",)j"
                             R"j("quoted":"say \"$1\""})j";
    EXPECT_EQ(
        resolveContentIdReference(body, ids),
        R"j({"name":"x","primarycontactid@odata.bind" : "/api/data/v9.2/contacts(2)",)j"
        R"j("description":"$100 off","note":"$1",)j"
        R"j("new_Accounts@odata.bind":["/api/data/v9.2/accounts(1)","/api/data/v9.2/contacts(2)/x"],)j"
        R"j("@odata.id":"/api/data/v9.2/accounts(1)","quoted":"say \"$1\""})j");
    try {
        resolveContentIdReference(R"j({"parentaccountid@odata.bind":"$9"})j", ids);
        ADD_FAILURE() << "no BatchError";
    } catch (const BatchError& e) {
        EXPECT_STREQ(e.what(), "Content-ID Reference: '$9' does not exist in the batch context.");
    }
    EXPECT_EQ(resolveContentIdReference("", ids), "");
}

// ---------------------------------------------------------------------------------------------
// A strict reader of responses (CRLF only), independent of the parser under test.

// `prefix` followed by a lower-case version 4 GUID (8-4-4-4-12, RFC 4122 variant).
bool isPrefixedV4Guid(std::string_view text, std::string_view prefix) {
    if (!text.starts_with(prefix) || text.size() != prefix.size() + 36) {
        return false;
    }
    const std::string_view guid = text.substr(prefix.size());
    for (size_t i = 0; i < guid.size(); ++i) {
        const char c = guid[i];
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return guid[14] == '4' && std::string_view("89ab").find(guid[19]) != std::string_view::npos;
}

struct ReadResult {
    int group = -1;  // index of the changesetresponse part it came from, -1 when top-level
    std::string contentId;
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

std::string headerValue(const std::vector<std::pair<std::string, std::string>>& headers,
                        const std::string& name) {
    for (const auto& [key, value] : headers) {
        if (key == name) {
            return value;
        }
    }
    return "<missing>";
}

// Splits a header block ("A: 1\r\nB: 2") into pairs.
std::vector<std::pair<std::string, std::string>> headerBlock(std::string_view block) {
    std::vector<std::pair<std::string, std::string>> headers;
    size_t start = 0;
    while (start < block.size()) {
        size_t end = block.find("\r\n", start);
        if (end == std::string_view::npos) {
            end = block.size();
        }
        const std::string_view line = block.substr(start, end - start);
        const size_t colon = line.find(": ");
        EXPECT_NE(colon, std::string_view::npos) << line;
        headers.emplace_back(std::string(line.substr(0, colon)),
                             std::string(line.substr(colon + 2)));
        start = end + 2;
    }
    return headers;
}

// The parts between "--b\r\n" delimiters, up to "--b--"; the CRLF before each delimiter is
// dropped.
std::vector<std::string> partsOf(std::string_view body, const std::string& boundary) {
    std::vector<std::string> parts;
    const std::string open = "--" + boundary + "\r\n";
    const std::string next = "\r\n--" + boundary + "\r\n";
    const std::string close = "\r\n--" + boundary + "--";
    EXPECT_TRUE(body.starts_with(open)) << body;
    const size_t closeAt = body.rfind(close);
    EXPECT_NE(closeAt, std::string_view::npos);
    std::string_view rest = body.substr(open.size(), closeAt - open.size());
    while (true) {
        const size_t at = rest.find(next);
        parts.emplace_back(rest.substr(0, at));
        if (at == std::string_view::npos) {
            return parts;
        }
        rest.remove_prefix(at + next.size());
    }
}

ReadResult readHttpPart(std::string_view part, int group) {
    ReadResult result;
    result.group = group;
    const size_t mimeEnd = part.find("\r\n\r\n");
    const auto mime = headerBlock(part.substr(0, mimeEnd));
    EXPECT_EQ(headerValue(mime, "Content-Type"), "application/http");
    EXPECT_EQ(headerValue(mime, "Content-Transfer-Encoding"), "binary");
    const std::string id = headerValue(mime, "Content-ID");
    result.contentId = id == "<missing>" ? "" : id;
    const std::string_view http = part.substr(mimeEnd + 4);
    const size_t statusEnd = http.find("\r\n");
    const std::string_view statusLine = http.substr(0, statusEnd);
    EXPECT_TRUE(statusLine.starts_with("HTTP/1.1 ")) << statusLine;
    result.status = std::stoi(std::string(statusLine.substr(9, 3)));
    result.reason = std::string(statusLine.substr(13));
    const size_t headersEnd = http.find("\r\n\r\n", statusEnd);
    result.headers = headerBlock(http.substr(statusEnd + 2, headersEnd - statusEnd - 2));
    result.body = std::string(http.substr(headersEnd + 4));
    return result;
}

std::vector<ReadResult> readResponse(const std::string& body, const std::string& contentType) {
    const std::string prefix = "multipart/mixed; boundary=";
    EXPECT_TRUE(contentType.starts_with(prefix)) << contentType;
    const std::string boundary = contentType.substr(prefix.size());
    EXPECT_TRUE(body.ends_with("--" + boundary + "--\r\n"));
    std::vector<ReadResult> results;
    int groups = 0;
    for (const std::string& part : partsOf(body, boundary)) {
        const std::string nestedPrefix = "Content-Type: multipart/mixed; boundary=";
        if (!part.starts_with(nestedPrefix)) {
            results.push_back(readHttpPart(part, -1));
            continue;
        }
        const size_t lineEnd = part.find("\r\n");
        const std::string nested = part.substr(nestedPrefix.size(), lineEnd - nestedPrefix.size());
        EXPECT_TRUE(isPrefixedV4Guid(nested, "changesetresponse_")) << nested;
        EXPECT_EQ(part.substr(lineEnd, 4), "\r\n\r\n");
        for (const std::string& inner : partsOf(part.substr(lineEnd + 4), nested)) {
            results.push_back(readHttpPart(inner, groups));
        }
        ++groups;
    }
    return results;
}

TEST(BatchMultipart, WritesAResponseAStrictReaderSplitsBack) {
    std::vector<BatchOperationResult> results(6);
    results[0] = {0, "1", 204, "", {{"Location", "tasks(1)"}, {"OData-EntityId", "tasks(1)"}}, ""};
    results[1] = {0, "2", 204, "", {{"OData-EntityId", "tasks(2)"}}, ""};
    results[2] = {-1,
                  "",
                  200,
                  "",
                  {{"Content-Type", "application/json; odata.metadata=minimal"}},
                  R"({"value":[{"subject":"Task 1"}]})"};
    results[3] = {1, "1", 201, "", {{"OData-Version", "4.0"}, {"ETag", "W/\"5\""}}, "{}"};
    results[4] = {2, "1", 412, "Precondition Failed (custom)", {}, R"({"error":{}})"};
    results[5] = {-1, "9", 404, "", {}, ""};

    std::string contentType;
    const std::string body = writeBatchResponse(results, contentType);
    EXPECT_TRUE(isPrefixedV4Guid(contentType, "multipart/mixed; boundary=batchresponse_"))
        << contentType;
    // CRLF everywhere: no LF without its CR.
    for (size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '\n') {
            ASSERT_TRUE(i > 0 && body[i - 1] == '\r') << "bare LF at " << i;
        }
    }

    const std::vector<ReadResult> read = readResponse(body, contentType);
    ASSERT_EQ(read.size(), 6u);
    // Changesets 0, 1 and 2 each get their own nested part even though 1 and 2 are adjacent.
    const int expectedGroups[] = {0, 0, -1, 1, 2, -1};
    for (size_t i = 0; i < read.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(read[i].group, expectedGroups[i]);
        EXPECT_EQ(read[i].contentId, results[i].contentId);
        EXPECT_EQ(read[i].status, results[i].status);
        EXPECT_EQ(read[i].body, results[i].body);
        EXPECT_EQ(headerValue(read[i].headers, "OData-Version"), "4.0");
    }
    EXPECT_EQ(read[0].reason, "No Content");
    EXPECT_EQ(read[2].reason, "OK");
    EXPECT_EQ(read[3].reason, "Created");
    EXPECT_EQ(read[4].reason, "Precondition Failed (custom)");
    EXPECT_EQ(read[5].reason, "Not Found");
    EXPECT_EQ(headerValue(read[0].headers, "Location"), "tasks(1)");
    EXPECT_EQ(headerValue(read[0].headers, "OData-EntityId"), "tasks(1)");
    EXPECT_EQ(headerValue(read[2].headers, "Content-Type"),
              "application/json; odata.metadata=minimal");
    EXPECT_EQ(headerValue(read[3].headers, "ETag"), "W/\"5\"");
    // Given once by the caller, so not added a second time.
    EXPECT_EQ(read[3].headers.size(), 2u);
}

TEST(BatchMultipart, ResponseMatchesTheDocumentedLayout) {
    std::string contentType;
    const std::string body =
        writeBatchResponse({{0, "1", 204, "", {{"OData-EntityId", "tasks(1)"}}, ""}}, contentType);
    const std::string boundary = contentType.substr(contentType.find('=') + 1);
    const size_t nestedAt = body.find("boundary=changesetresponse_") + 9;
    const std::string nested = body.substr(nestedAt, body.find("\r\n", nestedAt) - nestedAt);
    EXPECT_EQ(body, "--" + boundary + "\r\n" + "Content-Type: multipart/mixed; boundary=" + nested +
                        "\r\n" + "\r\n" + "--" + nested + "\r\n" +
                        "Content-Type: application/http\r\n" +
                        "Content-Transfer-Encoding: binary\r\n" + "Content-ID: 1\r\n" + "\r\n" +
                        "HTTP/1.1 204 No Content\r\n" + "OData-Version: 4.0\r\n" +
                        "OData-EntityId: tasks(1)\r\n" + "\r\n" + "\r\n" + "--" + nested +
                        "--\r\n" + "--" + boundary + "--\r\n");
}

TEST(BatchMultipart, EachResponseGetsAFreshBoundary) {
    std::string first;
    std::string second;
    writeBatchResponse({}, first);
    writeBatchResponse({}, second);
    EXPECT_NE(first, second);
    const std::string boundary = first.substr(first.find('=') + 1);
    std::string again;
    const std::string body = writeBatchResponse({}, again);
    EXPECT_EQ(body, "--" + again.substr(again.find('=') + 1) + "--\r\n");
    EXPECT_NE(boundary, "");
}

TEST(BatchMultipart, ReasonPhrases) {
    EXPECT_EQ(reasonPhrase(204), "No Content");
    EXPECT_EQ(reasonPhrase(429), "Too Many Requests");
    EXPECT_EQ(reasonPhrase(599), "Unknown");
}

}  // namespace
}  // namespace ferry::emulator
