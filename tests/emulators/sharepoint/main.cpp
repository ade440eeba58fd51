// ferry-sharepoint-emulator: serves the SharePoint Online REST emulator until SIGINT or SIGTERM.
#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "sharepoint_emulator.h"

namespace {

constexpr const char* kHelp = R"(Usage: ferry-sharepoint-emulator [options]

A local SharePoint Online REST service (lists and list items) on 127.0.0.1 for tests, demos
and benchmarks. When ready it prints one line, "SharePoint emulator listening on <site URL>",
and serves until SIGINT or SIGTERM. The token endpoint is /<tenant>/oauth2/v2.0/token; control
endpoints live under /_emulator/ (faults, throttle, latency, block, revoke-tokens, stats, lists).

Options:
  --port N           port to listen on (default 0: a free port, shown in the ready line)
  --accounts-list N  create the list "Accounts" with N generated items (default 0: no list)
  --latency-ms N     delay added to every request, in milliseconds (default 0)
  --throttle N       requests per user per 60 s before 429 (default 0: no limit)
  --fault-503 R      fraction of data requests answered 503 (0..1, default 0)
  --fault-drop R     fraction of data requests whose connection is dropped (0..1, default 0)
  --no-auth          serve without OAuth (writes then need the form digest)
  --user U           user name accepted by the password grant (default admin@contoso.com)
  --password P       password accepted by the password grant (default Passw0rd!)
  --help             show this text
)";

[[noreturn]] void usageError(const std::string& message) {
    std::cerr << "ferry-sharepoint-emulator: " << message << "\n"
              << "Run 'ferry-sharepoint-emulator --help' for the options.\n";
    std::exit(2);
}

int toInteger(std::string_view option, const std::string& text) {
    try {
        std::size_t used = 0;
        const long long value = std::stoll(text, &used);
        if (used == text.size() && value >= 0 && value <= 2147483647)
            return static_cast<int>(value);
    } catch (const std::exception&) {
    }
    usageError(std::string(option) + " needs a non-negative integer, not '" + text + "'");
}

double toRate(std::string_view option, const std::string& text) {
    try {
        std::size_t used = 0;
        const double value = std::stod(text, &used);
        if (used == text.size() && value >= 0 && value <= 1)
            return value;
    } catch (const std::exception&) {
    }
    usageError(std::string(option) + " needs a number between 0 and 1, not '" + text + "'");
}

}  // namespace

int main(int argc, char** argv) {
    ferry::emulator::SharePointOptions options;
    int port = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                usageError(std::string(arg) + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << kHelp;
            return 0;
        } else if (arg == "--port") {
            port = toInteger(arg, value());
        } else if (arg == "--accounts-list") {
            options.accountsList = toInteger(arg, value());
        } else if (arg == "--latency-ms") {
            options.latencyMs = toInteger(arg, value());
        } else if (arg == "--throttle") {
            options.throttleRequests = toInteger(arg, value());
        } else if (arg == "--fault-503") {
            options.fault503Rate = toRate(arg, value());
        } else if (arg == "--fault-drop") {
            options.faultDropRate = toRate(arg, value());
        } else if (arg == "--no-auth") {
            options.requireAuth = false;
        } else if (arg == "--user") {
            options.user = value();
        } else if (arg == "--password") {
            options.password = value();
        } else {
            usageError("unknown option '" + std::string(arg) + "'");
        }
    }

    // Block the stop signals before any server thread exists, so only sigwait() sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    try {
        ferry::emulator::SharePointEmulator emulator(options);
        emulator.start(port);
        std::cout << "SharePoint emulator listening on " << emulator.siteUrl() << std::endl;
        int received = 0;
        sigwait(&signals, &received);
        emulator.stop();
    } catch (const std::exception& e) {
        std::cerr << "ferry-sharepoint-emulator: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
