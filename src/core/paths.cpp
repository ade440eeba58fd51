// Per-user folders for connections, state and logs; environment overrides first. Never creates.
#include "ferry/paths.h"

#include <cstdlib>
#include <string>
#include <string_view>

namespace ferry {

namespace {

// An environment variable as a path; empty when unset.
std::filesystem::path envPath(const char* name) {
#ifdef _WIN32
    // The wide API keeps non-ASCII user folders intact.
    const std::wstring wideName(name, name + std::char_traits<char>::length(name));
    wchar_t* value = nullptr;
    std::size_t size = 0;
    if (_wdupenv_s(&value, &size, wideName.c_str()) != 0 || value == nullptr) {
        return {};
    }
    std::filesystem::path result(value);
    std::free(value);
    return result;
#else
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read-only use
    return value != nullptr ? std::filesystem::path(value) : std::filesystem::path();
#endif
}

#ifndef _WIN32
// XDG base directories must be absolute; relative values are ignored (XDG spec).
std::filesystem::path xdgPath(const char* name) {
    auto path = envPath(name);
    return path.is_absolute() ? path : std::filesystem::path();
}

std::filesystem::path homeDirectory() {
    const auto home = envPath("HOME");
    return home.empty() ? std::filesystem::current_path() : home;
}
#endif

}  // namespace

std::filesystem::path configDirectory() {
    if (auto dir = envPath("FERRY_CONFIG_DIR"); !dir.empty()) {
        return dir;
    }
#ifdef _WIN32
    if (auto appData = envPath("APPDATA"); !appData.empty()) {
        return appData / "Ferry";
    }
    return std::filesystem::current_path() / "Ferry";
#else
    if (auto xdg = xdgPath("XDG_CONFIG_HOME"); !xdg.empty()) {
        return xdg / "ferry";
    }
    return homeDirectory() / ".config" / "ferry";
#endif
}

std::filesystem::path connectionsDirectory() {
    return configDirectory() / "connections";
}

std::filesystem::path dataDirectory() {
    if (auto dir = envPath("FERRY_DATA_DIR"); !dir.empty()) {
        return dir;
    }
#ifdef _WIN32
    if (auto localAppData = envPath("LOCALAPPDATA"); !localAppData.empty()) {
        return localAppData / "Ferry";
    }
    return std::filesystem::current_path() / "Ferry";
#else
    if (auto xdg = xdgPath("XDG_DATA_HOME"); !xdg.empty()) {
        return xdg / "ferry";
    }
    return homeDirectory() / ".local" / "share" / "ferry";
#endif
}

std::filesystem::path stateStorePath() {
    return dataDirectory() / "state.db";
}

std::filesystem::path logDirectory() {
    return dataDirectory() / "logs";
}

}  // namespace ferry
