// What the whole app shares: folders, the provider registry and the credential store.
#pragma once

#include <QString>
#include <filesystem>
#include <memory>

#include "credential_store.h"
#include "ferry/provider.h"

namespace ferry::gui {

struct AppPaths {
    std::filesystem::path connectionsDirectory;  // the CLI's folder: ferry run <title> finds them
    std::filesystem::path stateStorePath;        // run history, conflicts, item state
    std::filesystem::path settingsFile;          // window state (an .ini file)
    std::filesystem::path logDirectory;

    // The folders of ferry/paths.h (FERRY_CONFIG_DIR / FERRY_DATA_DIR honoured), settings in
    // the configuration folder.
    static AppPaths defaults();
    // Everything under one folder; tests use a temporary one.
    static AppPaths under(const std::filesystem::path& root);
};

// Owned by main() (or a test) and outlives every window.
class AppContext {
public:
    AppContext(AppPaths paths, std::unique_ptr<CredentialStore> credentials);
    AppContext(const AppContext&) = delete;
    AppContext& operator=(const AppContext&) = delete;

    const AppPaths& paths() const { return m_paths; }
    // Safe to use from worker threads: it is only read after construction.
    const ProviderRegistry& registry() const { return m_registry; }
    CredentialStore& credentials() { return *m_credentials; }

private:
    AppPaths m_paths;
    ProviderRegistry m_registry;
    std::unique_ptr<CredentialStore> m_credentials;
};

// Loads the icons of resources/ferry.qrc (the library is static); call once before a window.
void initGuiResources();

}  // namespace ferry::gui
