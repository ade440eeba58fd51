// What the whole app shares: folders, the provider registry and the credential store.
#include "app_context.h"

#include <QtGlobal>

#include "ferry/paths.h"
#include "gui_types.h"

// Q_INIT_RESOURCE must be used outside any namespace.
static void initFerryQrc() {
    Q_INIT_RESOURCE(ferry);
}

namespace ferry::gui {

AppPaths AppPaths::defaults() {
    AppPaths paths;
    paths.connectionsDirectory = ferry::connectionsDirectory();
    paths.stateStorePath = ferry::stateStorePath();
    paths.settingsFile = ferry::configDirectory() / "ferry-gui.ini";
    paths.logDirectory = ferry::logDirectory();
    return paths;
}

AppPaths AppPaths::under(const std::filesystem::path& root) {
    AppPaths paths;
    paths.connectionsDirectory = root / "config" / "connections";
    paths.stateStorePath = root / "data" / "state.db";
    paths.settingsFile = root / "config" / "ferry-gui.ini";
    paths.logDirectory = root / "data" / "logs";
    return paths;
}

AppContext::AppContext(AppPaths paths, std::unique_ptr<CredentialStore> credentials)
    : m_paths(std::move(paths)), m_credentials(std::move(credentials)) {
    registerBuiltinProviders(m_registry);
    std::error_code ignored;
    std::filesystem::create_directories(m_paths.connectionsDirectory, ignored);
    std::filesystem::create_directories(m_paths.stateStorePath.parent_path(), ignored);
    qRegisterMetaType<UserError>();
    qRegisterMetaType<SideCheck>();
    qRegisterMetaType<Progress>();
    qRegisterMetaType<RunReport>();
    qRegisterMetaType<Schema>();
    qRegisterMetaType<Side>();
    qRegisterMetaType<std::vector<Record>>();
    qRegisterMetaType<std::vector<Column>>();
    qRegisterMetaType<CreatedEntity>();
}

void initGuiResources() {
    initFerryQrc();
}

}  // namespace ferry::gui
