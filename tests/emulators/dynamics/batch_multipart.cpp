// Reader and writer for OData $batch multipart/mixed bodies, with the service's error wording.
#include "batch_multipart.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <random>
#include <set>

namespace ferry::emulator {
namespace {

constexpr std::string_view kCrlf = "\r\n";

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto fold = [](char c) {
                   return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
               };
               return fold(x) == fold(y);
           });
}

bool isSpace(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && isSpace(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && isSpace(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// RFC 9110 token characters, the only ones allowed in a header name.
bool isTokenChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A piece of text between line breaks; `offset` is where it starts in the enclosing text.
struct Line {
    std::string_view text;  // without the CR of a CRLF
    size_t offset = 0;
};

// Splits on LF and drops a CR before it, so CRLF and bare LF both work. A text with k line breaks
// gives k + 1 lines; the last one is what follows the final break (often empty). That empty last
// line matters: the CRLF before a boundary belongs to the boundary, so "Header\r\n" ending a part
// means a blank line followed, while "Header" means it did not.
std::vector<Line> splitLines(std::string_view text) {
    std::vector<Line> lines;
    size_t start = 0;
    while (true) {
        const size_t lf = text.find('\n', start);
        const size_t end = lf == std::string_view::npos ? text.size() : lf;
        std::string_view line = text.substr(start, end - start);
        if (lf != std::string_view::npos && !line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        lines.push_back({line, start});
        if (lf == std::string_view::npos) {
            return lines;
        }
        start = lf + 1;
    }
}

struct Part {
    std::string_view content;
    std::string delimiterAfter;  // the delimiter line that ended the part, for error messages
};

// `--boundary` or `--boundary--`, optionally followed by transport padding (RFC 2046).
enum class DelimiterKind { None, Open, Close };

DelimiterKind delimiterKind(std::string_view line, std::string_view delimiter) {
    if (!line.starts_with(delimiter)) {
        return DelimiterKind::None;
    }
    std::string_view rest = line.substr(delimiter.size());
    DelimiterKind kind = DelimiterKind::Open;
    if (rest.starts_with("--")) {
        kind = DelimiterKind::Close;
        rest.remove_prefix(2);
    }
    return trim(rest).empty() ? kind : DelimiterKind::None;
}

// The parts of a multipart body. Each part's content runs from after its delimiter line up to,
// not including, the line break before the next delimiter.
std::vector<Part> splitParts(std::string_view body, std::string_view boundary) {
    const std::string delimiter = "--" + std::string(boundary);
    const std::vector<Line> lines = splitLines(body);
    std::vector<Part> parts;
    std::optional<size_t> contentStart;
    for (size_t i = 0; i < lines.size(); ++i) {
        const DelimiterKind kind = delimiterKind(lines[i].text, delimiter);
        if (kind == DelimiterKind::None) {
            continue;
        }
        if (contentStart) {
            // The break before this delimiter line is one LF, possibly with a CR before it.
            size_t end = lines[i].offset;
            if (end > *contentStart) {
                --end;
                if (end > *contentStart && body[end - 1] == '\r') {
                    --end;
                }
            }
            parts.push_back(
                {body.substr(*contentStart, end - *contentStart), std::string(lines[i].text)});
        }
        if (kind == DelimiterKind::Close) {
            return parts;
        }
        if (i + 1 == lines.size()) {
            break;  // an opening delimiter as the very last line: no content, no close
        }
        contentStart = lines[i + 1].offset;
    }
    if (!contentStart) {
        throw BatchError("The batch payload does not contain the boundary delimiter '" + delimiter +
                         "' given in the Content-Type header.");
    }
    throw BatchError("The batch payload ends without the closing delimiter '" + delimiter + "--'.");
}

using Headers = std::vector<std::pair<std::string, std::string>>;

[[noreturn]] void invalidHeader(std::string_view line) {
    throw BatchError("The message header '" + std::string(line) +
                     "' is invalid. The header value must be of the format '<header name>: "
                     "<header value>'.");
}

// Reads `Name: value` lines from lines[index] up to a blank line, leaving index on the line after
// it. Running out of lines first means the blank line is missing, so the real reader would next
// have taken the delimiter for a header: that is the error reported.
Headers readHeaders(const std::vector<Line>& lines, size_t& index,
                    std::string_view delimiterAfter) {
    Headers headers;
    while (true) {
        if (index == lines.size()) {
            invalidHeader(delimiterAfter);
        }
        const std::string_view line = lines[index].text;
        const bool lastLine = index + 1 == lines.size();
        ++index;
        if (line.empty()) {
            // An empty final line means the content ended with a line break, which together
            // with the delimiter's own break makes the blank line.
            return headers;
        }
        const size_t colon = line.find(':');
        const std::string_view name = colon == std::string_view::npos ? "" : line.substr(0, colon);
        if (name.empty() || !std::all_of(name.begin(), name.end(), isTokenChar)) {
            invalidHeader(line);
        }
        headers.emplace_back(std::string(name), std::string(trim(line.substr(colon + 1))));
        if (lastLine) {
            invalidHeader(delimiterAfter);
        }
    }
}

const std::string* findHeader(const Headers& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (equalsIgnoreCase(key, name)) {
            return &value;
        }
    }
    return nullptr;
}

std::string_view mediaType(std::string_view contentType) {
    return trim(contentType.substr(0, contentType.find(';')));
}

// Reads the application/http payload of a part: request line, headers, blank line, body.
void readRequest(std::string_view payload, std::string_view delimiterAfter, BatchOperation& op) {
    const std::vector<Line> lines = splitLines(payload);
    const std::string_view requestLine = lines.front().text;
    std::vector<std::string_view> words;
    size_t start = 0;
    while (start < requestLine.size()) {
        const size_t space = requestLine.find(' ', start);
        const size_t end = space == std::string_view::npos ? requestLine.size() : space;
        if (end > start) {
            words.push_back(requestLine.substr(start, end - start));
        }
        start = end + 1;
    }
    if (words.size() != 3 || words[2] != "HTTP/1.1") {
        throw BatchError("The HTTP request line '" + std::string(requestLine) +
                         "' of a batch operation is invalid. It must be of the format "
                         "'<method> <url> HTTP/1.1'.");
    }
    static const std::set<std::string_view> kMethods = {"GET", "POST", "PATCH", "PUT", "DELETE"};
    if (!kMethods.contains(words[0])) {
        throw BatchError("The HTTP method '" + std::string(words[0]) +
                         "' is invalid in a batch operation. Only GET, POST, PATCH, PUT and "
                         "DELETE are supported.");
    }
    op.method = std::string(words[0]);
    op.url = std::string(words[1]);
    if (lines.size() == 1) {
        // Nothing after the request line, not even the break: the blank line is missing.
        invalidHeader(delimiterAfter);
    }
    size_t index = 1;
    op.headers = readHeaders(lines, index, delimiterAfter);
    if (index < lines.size()) {
        op.body = std::string(payload.substr(lines[index].offset));
    }
}

class BatchReader {
public:
    BatchRequest read(std::string_view body, std::string_view boundary) {
        for (const Part& part : splitParts(body, boundary)) {
            readPart(part, -1);
        }
        return std::move(m_request);
    }

private:
    void readPart(const Part& part, int changeset) {
        const std::vector<Line> lines = splitLines(part.content);
        size_t index = 0;
        const Headers mimeHeaders = readHeaders(lines, index, part.delimiterAfter);
        const std::string_view payload =
            index < lines.size() ? part.content.substr(lines[index].offset) : std::string_view{};
        const std::string* contentType = findHeader(mimeHeaders, "Content-Type");
        if (!contentType) {
            throw BatchError(
                "A batch part has no 'Content-Type' header; it must be "
                "'application/http' or 'multipart/mixed' for a change set.");
        }
        const std::string_view type = mediaType(*contentType);
        if (equalsIgnoreCase(type, "multipart/mixed")) {
            if (changeset >= 0) {
                throw BatchError("Nested change sets in a batch payload are not supported.");
            }
            readChangeset(*contentType, payload);
            return;
        }
        if (!equalsIgnoreCase(type, "application/http")) {
            throw BatchError("The content type '" + *contentType +
                             "' of a batch part is invalid. It must be 'application/http' or "
                             "'multipart/mixed' for a change set.");
        }
        const std::string* encoding = findHeader(mimeHeaders, "Content-Transfer-Encoding");
        if (!encoding || !equalsIgnoreCase(*encoding, "binary")) {
            throw BatchError(
                "A batch part of type 'application/http' must have the header "
                "'Content-Transfer-Encoding: binary'.");
        }
        BatchOperation op;
        op.changeset = changeset;
        readRequest(payload, part.delimiterAfter, op);
        // Content-ID belongs to the MIME headers; some clients put it among the request's.
        if (const std::string* id = findHeader(mimeHeaders, "Content-ID")) {
            op.contentId = *id;
        } else if (const std::string* innerId = findHeader(op.headers, "Content-ID")) {
            op.contentId = *innerId;
        }
        if (changeset >= 0) {
            if (op.method == "GET") {
                throw BatchError(
                    "An invalid HTTP method 'GET' was detected for a request in a "
                    "change set. Requests in change sets only support the HTTP "
                    "methods 'POST', 'PUT', 'DELETE', and 'PATCH'.");
            }
            if (!op.contentId.empty() && !m_changesetIds.insert(op.contentId).second) {
                throw BatchError("The content ID '" + op.contentId +
                                 "' was found more than once in the same change set.");
            }
        }
        if (static_cast<int>(m_request.operations.size()) == kMaxBatchOperations) {
            throw BatchError(
                "The current change set contains too many operations. A maximum number of '" +
                std::to_string(kMaxBatchOperations) + "' operations are allowed in a change set");
        }
        m_request.operations.push_back(std::move(op));
    }

    void readChangeset(const std::string& contentType, std::string_view payload) {
        const auto boundary = boundaryFromContentType(contentType);
        if (!boundary) {
            throw BatchError("The change set Content-Type '" + contentType +
                             "' has no boundary parameter.");
        }
        const int index = m_request.changesetCount++;
        m_changesetIds.clear();
        for (const Part& part : splitParts(payload, *boundary)) {
            readPart(part, index);
        }
    }

    BatchRequest m_request;
    std::set<std::string> m_changesetIds;  // Content-IDs seen in the current changeset
};

std::string newGuid() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    const std::uint64_t high = generator();
    // Version 4, RFC 4122 variant.
    const std::uint64_t low = (generator() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
    const std::uint64_t highV4 = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
    std::array<char, 37> text{};
    std::snprintf(text.data(), text.size(), "%08x-%04x-%04x-%04x-%012llx",
                  static_cast<unsigned>(highV4 >> 32),
                  static_cast<unsigned>((highV4 >> 16) & 0xFFFF),
                  static_cast<unsigned>(highV4 & 0xFFFF), static_cast<unsigned>(low >> 48),
                  static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
    return {text.data()};
}

void writeOperation(std::string& out, const BatchOperationResult& result) {
    out += "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n";
    if (!result.contentId.empty()) {
        out += "Content-ID: " + result.contentId + "\r\n";
    }
    out += kCrlf;
    out += "HTTP/1.1 " + std::to_string(result.status) + " " +
           (result.reason.empty() ? reasonPhrase(result.status) : result.reason) + "\r\n";
    bool haveVersion = false;
    for (const auto& [name, value] : result.headers) {
        haveVersion = haveVersion || equalsIgnoreCase(name, "OData-Version");
    }
    if (!haveVersion) {
        out += "OData-Version: 4.0\r\n";
    }
    for (const auto& [name, value] : result.headers) {
        out.append(name).append(": ").append(value).append(kCrlf);
    }
    out += kCrlf;
    out += result.body;
    out += kCrlf;  // belongs to the delimiter that follows
}

constexpr std::array<std::string_view, 6> kSystemResources = {"metadata",  "batch", "entity",
                                                              "crossjoin", "all",   "root"};

// `$<id>` at the start of `url`, resolved; `url` unchanged when it names a system resource.
std::string resolveUrl(std::string_view url, const std::map<std::string, std::string>& idToUrl) {
    const size_t end = std::min(url.find_first_of("/?#"), url.size());
    const std::string id(url.substr(1, end - 1));
    if (std::find(kSystemResources.begin(), kSystemResources.end(), id) != kSystemResources.end()) {
        return std::string(url);
    }
    const auto found = idToUrl.find(id);
    if (found == idToUrl.end()) {
        throw BatchError("Content-ID Reference: '$" + id +
                         "' does not exist in the batch context.");
    }
    return found->second + std::string(url.substr(end));
}

std::string jsonEscape(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

}  // namespace

BatchRequest parseBatch(std::string_view body, std::string_view boundary) {
    if (boundary.empty()) {
        throw BatchError(
            "The batch request has no boundary; the Content-Type must be "
            "'multipart/mixed; boundary=batch_<id>'.");
    }
    return BatchReader{}.read(body, boundary);
}

std::optional<std::string> boundaryFromContentType(std::string_view contentType) {
    if (!equalsIgnoreCase(mediaType(contentType), "multipart/mixed")) {
        return std::nullopt;
    }
    size_t i = contentType.find(';');
    while (i != std::string_view::npos && i < contentType.size()) {
        ++i;  // past ';'
        const size_t equals = contentType.find('=', i);
        if (equals == std::string_view::npos) {
            return std::nullopt;
        }
        const std::string_view name = trim(contentType.substr(i, equals - i));
        i = equals + 1;
        while (i < contentType.size() && isSpace(contentType[i])) {
            ++i;
        }
        std::string value;
        if (i < contentType.size() && contentType[i] == '"') {
            ++i;
            while (i < contentType.size() && contentType[i] != '"') {
                if (contentType[i] == '\\' && i + 1 < contentType.size()) {
                    ++i;
                }
                value += contentType[i++];
            }
            i = contentType.find(';', i);
        } else {
            const size_t end = std::min(contentType.find(';', i), contentType.size());
            value = std::string(trim(contentType.substr(i, end - i)));
            i = end;
        }
        if (equalsIgnoreCase(name, "boundary")) {
            return value.empty() ? std::nullopt : std::optional<std::string>(value);
        }
    }
    return std::nullopt;
}

std::string writeBatchResponse(const std::vector<BatchOperationResult>& results,
                               std::string& contentType) {
    const std::string boundary = "batchresponse_" + newGuid();
    std::string out;
    for (size_t i = 0; i < results.size();) {
        out += "--" + boundary + "\r\n";
        if (results[i].changeset < 0) {
            writeOperation(out, results[i]);
            ++i;
            continue;
        }
        const std::string nested = "changesetresponse_" + newGuid();
        out += "Content-Type: multipart/mixed; boundary=" + nested + "\r\n\r\n";
        const int changeset = results[i].changeset;
        for (; i < results.size() && results[i].changeset == changeset; ++i) {
            out += "--" + nested + "\r\n";
            writeOperation(out, results[i]);
        }
        out += "--" + nested + "--\r\n";
    }
    out += "--" + boundary + "--\r\n";
    contentType = "multipart/mixed; boundary=" + boundary;
    return out;
}

std::string resolveContentIdReference(std::string_view text,
                                      const std::map<std::string, std::string>& idToUrl) {
    if (text.starts_with('$')) {
        return resolveUrl(text, idToUrl);
    }
    // A JSON body: only string values of binding members can be references, so text that merely
    // looks like one ("$100" in a description) is left alone.
    std::string out;
    std::string lastKey;
    size_t i = 0;
    while (i < text.size()) {
        if (text[i] != '"') {
            out += text[i++];
            continue;
        }
        const size_t start = i++;
        while (i < text.size() && text[i] != '"') {
            i += text[i] == '\\' ? 2 : 1;
        }
        i = std::min(i, text.size());
        const std::string_view content = text.substr(start + 1, i - start - 1);
        i = std::min(i + 1, text.size());
        size_t after = i;
        while (after < text.size() &&
               (isSpace(text[after]) || text[after] == '\r' || text[after] == '\n')) {
            ++after;
        }
        const bool isKey = after < text.size() && text[after] == ':';
        const bool isBinding =
            std::string_view(lastKey).ends_with("@odata.bind") || lastKey == "@odata.id";
        if (isKey) {
            lastKey = std::string(content);
        } else if (isBinding && content.starts_with('$')) {
            out += '"' + jsonEscape(resolveUrl(content, idToUrl)) + '"';
            continue;
        }
        out += text.substr(start, i - start);
    }
    return out;
}

std::string reasonPhrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 304:
            return "Not Modified";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 412:
            return "Precondition Failed";
        case 413:
            return "Payload Too Large";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Unknown";
    }
}

}  // namespace ferry::emulator
