// SharePoint $batch wire format (multipart/mixed): reading requests and writing responses.
#include "sp_batch.h"

namespace ferry::emulator::sp {
namespace {

// Splits text into lines without their CR/LF; remembers where each line starts.
struct Line {
    std::string_view text;
    std::size_t start = 0;
};

std::vector<Line> splitLines(std::string_view body) {
    std::vector<Line> lines;
    std::size_t pos = 0;
    while (pos < body.size()) {
        auto end = body.find('\n', pos);
        const std::size_t next = end == std::string_view::npos ? body.size() : end + 1;
        if (end == std::string_view::npos)
            end = body.size();
        std::string_view text = body.substr(pos, end - pos);
        if (!text.empty() && text.back() == '\r')
            text.remove_suffix(1);
        lines.push_back({text, pos});
        pos = next;
    }
    return lines;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// The parts between `--boundary` lines, each as raw text without the line break that precedes
// the next delimiter.
std::vector<std::string_view> splitParts(std::string_view body, std::string_view boundary) {
    const std::string delimiter = "--" + std::string(boundary);
    const std::string closing = delimiter + "--";
    std::vector<std::string_view> parts;
    std::optional<std::size_t> partStart;
    bool closed = false;
    for (const Line& line : splitLines(body)) {
        const std::string_view text = trim(line.text);
        if (text == delimiter || text == closing) {
            if (partStart) {
                std::size_t end = line.start;
                if (end > *partStart && body[end - 1] == '\n')
                    --end;
                if (end > *partStart && body[end - 1] == '\r')
                    --end;
                parts.push_back(body.substr(*partStart, end - *partStart));
            }
            if (text == closing) {
                closed = true;
                break;
            }
            const std::size_t lineEnd = body.find('\n', line.start);
            partStart = lineEnd == std::string_view::npos ? body.size() : lineEnd + 1;
        }
    }
    if (!closed)
        throw BatchFormatError("The batch is missing its closing delimiter '" + closing + "'.");
    return parts;
}

// Reads "Name: value" lines up to a blank line; returns the offset after the blank line.
std::size_t readHeaders(std::string_view text, NameValues& headers) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        const std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        pos = next;
        if (trim(line).empty())
            return pos;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos)
            throw BatchFormatError("The message header '" + std::string(line) +
                                   "' is invalid. The header value must be of the format "
                                   "'<header name>: <header value>'.");
        headers.emplace_back(std::string(trim(line.substr(0, colon))),
                             std::string(trim(line.substr(colon + 1))));
    }
    return pos;
}

std::string headerValue(const NameValues& headers, std::string_view name) {
    for (const auto& [key, value] : headers)
        if (iequals(key, name))
            return value;
    return {};
}

void parseParts(std::string_view body, std::string_view boundary, bool inChangeset,
                std::vector<BatchPart>& out) {
    for (const std::string_view part : splitParts(body, boundary)) {
        NameValues partHeaders;
        const std::size_t contentStart = readHeaders(part, partHeaders);
        const std::string contentType = headerValue(partHeaders, "Content-Type");
        const std::string_view content = part.substr(contentStart);
        if (istartsWith(contentType, "multipart/mixed")) {
            if (inChangeset)
                throw BatchFormatError("A changeset cannot contain another changeset.");
            const auto inner = multipartBoundary(contentType);
            if (!inner)
                throw BatchFormatError("The changeset has no boundary.");
            parseParts(content, *inner, true, out);
            continue;
        }
        if (!istartsWith(contentType, "application/http"))
            throw BatchFormatError("The content type '" + contentType +
                                   "' of a batch part is not supported; use application/http.");
        // Request line, then the inner headers and the body.
        const auto lineEnd = content.find('\n');
        std::string_view requestLine =
            content.substr(0, lineEnd == std::string_view::npos ? content.size() : lineEnd);
        requestLine = trim(requestLine);
        const auto s1 = requestLine.find(' ');
        const auto s2 = requestLine.rfind(' ');
        if (s1 == std::string_view::npos || s2 == s1 ||
            requestLine.substr(s2 + 1).rfind("HTTP/", 0) != 0)
            throw BatchFormatError("The request line '" + std::string(requestLine) +
                                   "' is invalid.");
        BatchPart request;
        request.inChangeset = inChangeset;
        request.method = std::string(requestLine.substr(0, s1));
        request.url = std::string(trim(requestLine.substr(s1 + 1, s2 - s1 - 1)));
        const std::string_view rest =
            lineEnd == std::string_view::npos ? std::string_view() : content.substr(lineEnd + 1);
        const std::size_t bodyStart = readHeaders(rest, request.headers);
        request.body = std::string(rest.substr(std::min(bodyStart, rest.size())));
        out.push_back(std::move(request));
    }
}

}  // namespace

std::vector<BatchPart> parseBatch(std::string_view body, std::string_view boundary) {
    std::vector<BatchPart> parts;
    parseParts(body, boundary, false, parts);
    return parts;
}

std::optional<std::string> multipartBoundary(std::string_view contentType) {
    if (!istartsWith(trim(contentType), "multipart/mixed"))
        return std::nullopt;
    const std::string lower = toLower(contentType);
    const auto at = lower.find("boundary=");
    if (at == std::string::npos)
        return std::nullopt;
    std::string_view value = contentType.substr(at + 9);
    const auto semicolon = value.find(';');
    value = trim(value.substr(0, semicolon));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
    if (value.empty())
        return std::nullopt;
    return std::string(value);
}

std::string reasonPhrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 406:
            return "Not Acceptable";
        case 412:
            return "Precondition Failed";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Unknown";
    }
}

std::string writeBatchResponse(const std::vector<BatchResult>& results, std::string& contentType,
                               std::uint64_t& randomState) {
    const std::string boundary = "batchresponse_" + randomGuid(randomState);
    contentType = "multipart/mixed; boundary=" + boundary;
    std::string out;
    for (const BatchResult& result : results) {
        out += "--" + boundary + "\r\n";
        out += "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n";
        out += "HTTP/1.1 " + std::to_string(result.status) + " " + reasonPhrase(result.status) +
               "\r\n";
        for (const auto& [name, value] : result.headers)
            out += name + ": " + value + "\r\n";
        out += "\r\n";
        out += result.body;
        out += "\r\n";
    }
    out += "--" + boundary + "--\r\n";
    return out;
}

}  // namespace ferry::emulator::sp
