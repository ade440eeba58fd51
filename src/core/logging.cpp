// spdlog setup (stderr + rotating file behind a redacting sink) and secret redaction.
#include "ferry/logging.h"

#include <array>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>

#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace ferry {

namespace {

// Keys whose values are secrets, lower-case. Longer spellings first so that the longest wins.
constexpr std::array<std::string_view, 17> kSecretKeys = {
    "client_secret", "client secret", "clientsecret", "access_token", "accesstoken",
    "refresh_token", "refreshtoken",  "id_token",     "password",     "passwd",
    "api_key",       "apikey",        "secret",       "token",        "pwd",
    "sig",           "code_verifier",
};

constexpr std::string_view kMask = "***";

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool isAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool startsWithIgnoreCase(std::string_view text, std::size_t pos, std::string_view word) {
    if (pos + word.size() > text.size()) {
        return false;
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (lower(text[pos + i]) != word[i]) {
            return false;
        }
    }
    return true;
}

void skipBlanks(std::string_view text, std::size_t& pos) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) {
        ++pos;
    }
}

// End of a value starting at `pos`: {…} with "}}", "…" with "" or \" escapes, or up to `stops`.
std::size_t valueEnd(std::string_view text, std::size_t pos, std::string_view stops) {
    if (pos < text.size() && (text[pos] == '{' || text[pos] == '"')) {
        const char close = text[pos] == '{' ? '}' : '"';
        std::size_t i = pos + 1;
        while (i < text.size()) {
            if (close == '"' && text[i] == '\\' && i + 1 < text.size()) {
                i += 2;
                continue;
            }
            if (text[i] == close) {
                if (i + 1 < text.size() && text[i + 1] == close) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            ++i;
        }
        return text.size();
    }
    std::size_t i = pos;
    while (i < text.size() && stops.find(text[i]) == std::string_view::npos) {
        ++i;
    }
    while (i > pos && (text[i - 1] == ' ' || text[i - 1] == '\t')) {
        --i;  // keep the spacing before a separator
    }
    return i;
}

// Tries to redact `key = value`, `"key": "value"` or `Authorization: …` at `pos`; on success
// appends the masked form to `out` and returns the position after the value.
std::optional<std::size_t> redactAt(std::string_view text, std::size_t pos, std::string& out) {
    if (pos > 0 && isAlnum(text[pos - 1])) {
        return std::nullopt;
    }
    static constexpr std::string_view kAuthorization = "authorization";
    if (startsWithIgnoreCase(text, pos, kAuthorization)) {
        std::size_t i = pos + kAuthorization.size();
        const bool quotedKey = i < text.size() && text[i] == '"';
        if (quotedKey) {
            ++i;
        }
        skipBlanks(text, i);
        if (i < text.size() && (text[i] == ':' || text[i] == '=')) {
            ++i;
            skipBlanks(text, i);
            out.append(text.substr(pos, i - pos));
            out.append(kMask);
            // A header runs to the end of the line; a JSON value to its closing quote.
            const bool quotedValue = i < text.size() && text[i] == '"';
            std::size_t end = quotedValue ? valueEnd(text, i, {}) : i;
            if (!quotedValue) {
                while (end < text.size() && text[end] != '\r' && text[end] != '\n') {
                    ++end;
                }
            }
            return end;
        }
        return std::nullopt;
    }
    for (std::string_view key : kSecretKeys) {
        if (!startsWithIgnoreCase(text, pos, key)) {
            continue;
        }
        std::size_t i = pos + key.size();
        if (i < text.size() && isAlnum(text[i])) {
            continue;  // "TokenEndpoint", "Pwdx": another key
        }
        if (i < text.size() && text[i] == '"') {
            ++i;
        }
        skipBlanks(text, i);
        if (i >= text.size() || (text[i] != '=' && text[i] != ':')) {
            continue;  // e.g. "secret_key": not this key
        }
        // "key: value" is JSON or a header; "key=value" a connection string or a URL query,
        // whose value runs to ';' (a password may contain '&', so that is not a stop).
        const bool colon = text[i] == ':';
        ++i;
        skipBlanks(text, i);
        const std::size_t end = valueEnd(text, i, colon ? ",;}\r\n" : ";\r\n");
        out.append(text.substr(pos, i - pos));
        if (end > i) {
            const bool keepQuotes = colon && text[i] == '"';
            out.append(keepQuotes ? "\"***\"" : kMask);
        }
        return end;
    }
    return std::nullopt;
}

// Forwards every message to its sub-sinks with secrets removed from the text.
class RedactingSink final : public spdlog::sinks::dist_sink<std::mutex> {
protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const std::string_view payload(msg.payload.data(), msg.payload.size());
        const std::string clean = redactSecrets(payload);
        spdlog::details::log_msg copy = msg;
        copy.payload = spdlog::string_view_t(clean.data(), clean.size());
        spdlog::sinks::dist_sink<std::mutex>::sink_it_(copy);
    }
};

spdlog::level::level_enum toSpdlog(LogLevel level) {
    switch (level) {
        case LogLevel::Trace:
            return spdlog::level::trace;
        case LogLevel::Debug:
            return spdlog::level::debug;
        case LogLevel::Info:
            return spdlog::level::info;
        case LogLevel::Warn:
            return spdlog::level::warn;
        case LogLevel::Error:
            return spdlog::level::err;
        case LogLevel::Off:
            return spdlog::level::off;
    }
    return spdlog::level::info;
}

}  // namespace

void setupLogging(LogLevel consoleLevel, const std::filesystem::path& logDir) {
    auto redacting = std::make_shared<RedactingSink>();

    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    console->set_level(toSpdlog(consoleLevel));
    console->set_pattern("%^%l%$: %v");
    redacting->add_sink(console);

    spdlog::level::level_enum loggerLevel = toSpdlog(consoleLevel);
    std::string fileProblem;
    if (!logDir.empty()) {
        std::error_code error;
        std::filesystem::create_directories(logDir, error);
        try {
            constexpr std::size_t kMaxFileSize = std::size_t{5} * 1024 * 1024;
            constexpr std::size_t kMaxFiles = 5;
            auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                (logDir / "ferry.log").string(), kMaxFileSize, kMaxFiles);
            file->set_level(spdlog::level::debug);
            file->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] [%t] %v");
            redacting->add_sink(file);
            loggerLevel = std::min(loggerLevel, spdlog::level::debug);
        } catch (const spdlog::spdlog_ex& e) {
            // Logging must never stop the program: carry on with the console only.
            fileProblem = e.what();
        }
    }

    auto logger = std::make_shared<spdlog::logger>("ferry", redacting);
    logger->set_level(loggerLevel);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
    if (!fileProblem.empty()) {
        logger->warn("cannot write the log file in '{}': {}", logDir.string(), fileProblem);
    }
}

std::string redactSecrets(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (auto next = redactAt(text, pos, out)) {
            pos = *next;
            continue;
        }
        // Bearer tokens outside an Authorization header (e.g. in a quoted request dump).
        static constexpr std::string_view kBearer = "bearer ";
        if ((pos == 0 || !isAlnum(text[pos - 1])) && startsWithIgnoreCase(text, pos, kBearer)) {
            std::size_t end = pos + kBearer.size();
            skipBlanks(text, end);
            const std::size_t tokenStart = end;
            while (end < text.size() &&
                   (isAlnum(text[end]) ||
                    std::string_view("-._~+/=_").find(text[end]) != std::string_view::npos)) {
                ++end;
            }
            if (end > tokenStart) {
                out.append(text.substr(pos, tokenStart - pos));
                out.append(kMask);
                pos = end;
                continue;
            }
        }
        out += text[pos++];
    }
    return out;
}

}  // namespace ferry
