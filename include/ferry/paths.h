// Where Ferry keeps connections, state and logs (shared by the GUI and the command line).
#pragma once

#include <filesystem>

namespace ferry {

// FERRY_CONFIG_DIR, else %APPDATA%\Ferry or $XDG_CONFIG_HOME/ferry or ~/.config/ferry.
std::filesystem::path configDirectory();
// configDirectory()/connections
std::filesystem::path connectionsDirectory();
// FERRY_DATA_DIR, else %LOCALAPPDATA%\Ferry or $XDG_DATA_HOME/ferry or ~/.local/share/ferry.
std::filesystem::path dataDirectory();
// dataDirectory()/state.db
std::filesystem::path stateStorePath();
// dataDirectory()/logs
std::filesystem::path logDirectory();

}  // namespace ferry
