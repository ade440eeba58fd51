// ferry-dynamics-emulator: serves the Dynamics 365 Web API emulator until SIGINT or SIGTERM.
#include <cstdint>
#include <iostream>

#include "command_line.h"
#include "dynamics_emulator.h"

namespace {

constexpr const char* kHelp = R"(Usage: ferry-dynamics-emulator [options]

A local Dynamics 365 (Dataverse) Web API on 127.0.0.1 for tests, demos and benchmarks.
When ready it prints one line, "Dynamics emulator listening on <base URL>", and serves
until SIGINT or SIGTERM. Control endpoints live under /_emulator/ (faults, throttle,
latency, revoke-tokens, stats, entities).

Options:
  --port N           port to listen on (default 0: a free port, shown in the ready line)
  --accounts N       generated accounts (default 100)
  --contacts N       generated contacts, each under an account (default 0)
  --seed N           seed of the generated data (default 1)
  --latency-ms N     delay added to every request, in milliseconds (default 0)
  --throttle N       requests per user per 300 s before 429 (default 0: no limit)
  --fault-503 R      fraction of data requests answered 503 (0..1, default 0)
  --fault-drop R     fraction of data requests whose connection is dropped (0..1, default 0)
  --token-lifetime S access token lifetime in seconds (default 3600)
  --no-auth          serve without OAuth: no Authorization header needed
  --user U           user name accepted by the password grant (default admin@contoso.com)
  --password P       password accepted by the password grant (default Passw0rd!)
  --help             show this text
)";

}  // namespace

int main(int argc, char** argv) {
    using ferry::emulator::common::Arguments;
    ferry::emulator::DynamicsOptions options;
    int port = 0;
    Arguments args("ferry-dynamics-emulator", argc, argv);
    while (args.next()) {
        const std::string_view arg = args.option();
        if (arg == "--help" || arg == "-h") {
            std::cout << kHelp;
            return 0;
        } else if (arg == "--port") {
            port = static_cast<int>(args.integer());
        } else if (arg == "--accounts") {
            options.accounts = static_cast<int>(args.integer());
        } else if (arg == "--contacts") {
            options.contacts = static_cast<int>(args.integer());
        } else if (arg == "--seed") {
            options.seed = static_cast<std::uint64_t>(args.integer());
        } else if (arg == "--latency-ms") {
            options.latencyMs = static_cast<int>(args.integer());
        } else if (arg == "--throttle") {
            options.throttleRequests = static_cast<int>(args.integer());
        } else if (arg == "--fault-503") {
            options.fault503Rate = args.rate();
        } else if (arg == "--fault-drop") {
            options.faultDropRate = args.rate();
        } else if (arg == "--token-lifetime") {
            options.tokenLifetimeSeconds = static_cast<int>(args.integer());
        } else if (arg == "--no-auth") {
            options.requireAuth = false;
        } else if (arg == "--user") {
            options.user = args.value();
        } else if (arg == "--password") {
            options.password = args.value();
        } else {
            args.unknownOption();
        }
    }

    return ferry::emulator::common::serveUntilStopped<ferry::emulator::DynamicsEmulator>(
        "ferry-dynamics-emulator", "Dynamics", options, port,
        [](const ferry::emulator::DynamicsEmulator& emulator) { return emulator.baseUrl(); });
}
