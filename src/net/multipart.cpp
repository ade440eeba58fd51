// $batch bodies: multipart/mixed request writing (optionally in a change set) and response
// reading, shared by the OData and SharePoint providers.
#include "net/multipart.h"

#include <cstdlib>

#include "ferry/connection_string.h"
#include "ferry/error.h"

namespace ferry::net {

namespace {

std::string_view trimView(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' ||
                             text.front() == '\n')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                             text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return text;
}

// Splits a MIME part into its headers and body at the first empty line.
void splitHead(std::string_view part, Headers& headers, std::string_view& body) {
    std::size_t position = 0;
    while (position < part.size()) {
        std::size_t end = part.find('\n', position);
        if (end == std::string_view::npos) {
            end = part.size();
        }
        std::string_view line = part.substr(position, end - position);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        position = end + 1;
        if (line.empty()) {
            body = position <= part.size() ? part.substr(position) : std::string_view();
            return;
        }
        const auto colon = line.find(':');
        if (colon != std::string_view::npos) {
            headers.emplace_back(std::string(trimView(line.substr(0, colon))),
                                 std::string(trimView(line.substr(colon + 1))));
        }
    }
    body = {};
}

// The parts between "--boundary" delimiters (preamble and epilogue dropped).
std::vector<std::string_view> splitParts(std::string_view body, const std::string& boundary) {
    const std::string delimiter = "--" + boundary;
    std::vector<std::string_view> parts;
    std::size_t position = body.find(delimiter);
    while (position != std::string_view::npos) {
        std::size_t start = position + delimiter.size();
        if (body.substr(start, 2) == "--") {
            break;  // closing delimiter
        }
        // Skip the rest of the delimiter line.
        const std::size_t lineEnd = body.find('\n', start);
        if (lineEnd == std::string_view::npos) {
            break;
        }
        start = lineEnd + 1;
        std::size_t next = body.find(delimiter, start);
        while (next != std::string_view::npos && next > 0 && body[next - 1] != '\n') {
            next = body.find(delimiter, next + 1);  // must start a line
        }
        std::size_t end = next == std::string_view::npos ? body.size() : next;
        // The CRLF before the delimiter belongs to the delimiter.
        if (end > start && body[end - 1] == '\n') {
            --end;
            if (end > start && body[end - 1] == '\r') {
                --end;
            }
        }
        parts.push_back(body.substr(start, end - start));
        position = next;
    }
    return parts;
}

void readParts(std::string_view contentType, std::string_view body,
               std::vector<BatchPartResponse>& results, int depth) {
    const std::string boundary = boundaryOf(contentType);
    if (boundary.empty() || depth > 2) {
        throw Error(ErrorCode::QueryFailed, "the service's $batch response is not multipart",
                    "Content-Type: " + std::string(contentType));
    }
    for (const std::string_view part : splitParts(body, boundary)) {
        Headers partHeaders;
        std::string_view content;
        splitHead(part, partHeaders, content);
        const std::string type = findHeader(partHeaders, "Content-Type");
        if (type.find("multipart/mixed") != std::string::npos) {
            readParts(type, content, results, depth + 1);
            continue;
        }
        BatchPartResponse result;
        result.contentId = findHeader(partHeaders, "Content-ID");
        // The status line, e.g. "HTTP/1.1 204 No Content".
        const std::size_t lineEnd = content.find('\n');
        const std::string_view statusLine = trimView(
            content.substr(0, lineEnd == std::string_view::npos ? content.size() : lineEnd));
        const auto space = statusLine.find(' ');
        if (statusLine.substr(0, 5) != "HTTP/" || space == std::string_view::npos) {
            throw Error(ErrorCode::QueryFailed,
                        "the service's $batch response has a part without "
                        "an HTTP status line");
        }
        result.status = std::atoi(std::string(statusLine.substr(space + 1, 3)).c_str());
        std::string_view responseBody;
        if (lineEnd != std::string_view::npos) {
            splitHead(content.substr(lineEnd + 1), result.headers, responseBody);
        }
        result.body = std::string(responseBody);
        results.push_back(std::move(result));
    }
}

}  // namespace

std::string batchContentType(std::string_view boundary) {
    return "multipart/mixed; boundary=\"" + std::string(boundary) + "\"";
}

std::string writeBatchBody(const std::vector<BatchPart>& parts, std::string_view boundary,
                           const BatchWriteOptions& options) {
    std::string body;
    std::size_t size = 256;
    for (const auto& part : parts) {
        size += part.body.size() + part.url.size() + 256;
    }
    body.reserve(size);
    const bool changeset = !options.changesetBoundary.empty();
    const std::string_view partBoundary =
        changeset ? std::string_view(options.changesetBoundary) : boundary;
    if (changeset) {
        body += "--";
        body += boundary;
        body += "\r\nContent-Type: multipart/mixed; boundary=\"" + options.changesetBoundary +
                "\"\r\n\r\n";
    }
    int contentId = 0;
    for (const auto& part : parts) {
        body += "--";
        body += partBoundary;
        body += "\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n";
        body += "Content-ID: " + std::to_string(++contentId) + "\r\n\r\n";
        body += part.method + " " + part.url + " HTTP/1.1\r\n";
        bool hasContentType = false;
        for (const auto& [name, value] : part.headers) {
            hasContentType = hasContentType || equalsIgnoreCase(name, "Content-Type");
            body += name + ": " + value + "\r\n";
        }
        if (!part.body.empty() && !hasContentType) {
            body += "Content-Type: " + options.defaultContentType + "\r\n";
        }
        body += "\r\n";
        body += part.body;
        body += "\r\n";
    }
    if (changeset) {
        body += "--";
        body += partBoundary;
        body += "--\r\n";
    }
    body += "--";
    body += boundary;
    body += "--\r\n";
    return body;
}

std::string boundaryOf(std::string_view contentType) {
    std::size_t position = 0;
    while (position < contentType.size()) {
        std::size_t end = contentType.find(';', position);
        if (end == std::string_view::npos) {
            end = contentType.size();
        }
        const std::string_view parameter = trimView(contentType.substr(position, end - position));
        const auto equals = parameter.find('=');
        if (equals != std::string_view::npos &&
            equalsIgnoreCase(trimView(parameter.substr(0, equals)), "boundary")) {
            std::string_view value = trimView(parameter.substr(equals + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
                value = value.substr(1, value.size() - 2);
            }
            return std::string(value);
        }
        position = end + 1;
    }
    return {};
}

std::vector<BatchPartResponse> readBatchResponse(std::string_view contentType,
                                                 std::string_view body) {
    std::vector<BatchPartResponse> results;
    readParts(contentType, body, results, 0);
    return results;
}

}  // namespace ferry::net
