// ferry-sharepoint-emulator: serves the SharePoint Online REST emulator until SIGINT or SIGTERM.
#include <iostream>

#include "command_line.h"
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

}  // namespace

int main(int argc, char** argv) {
    using ferry::emulator::common::Arguments;
    ferry::emulator::SharePointOptions options;
    int port = 0;
    Arguments args("ferry-sharepoint-emulator", argc, argv);
    while (args.next()) {
        const std::string_view arg = args.option();
        if (arg == "--help" || arg == "-h") {
            std::cout << kHelp;
            return 0;
        } else if (arg == "--port") {
            port = args.intValue();
        } else if (arg == "--accounts-list") {
            options.accountsList = args.intValue();
        } else if (arg == "--latency-ms") {
            options.latencyMs = args.intValue();
        } else if (arg == "--throttle") {
            options.throttleRequests = args.intValue();
        } else if (arg == "--fault-503") {
            options.fault503Rate = args.rate();
        } else if (arg == "--fault-drop") {
            options.faultDropRate = args.rate();
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

    return ferry::emulator::common::serveUntilStopped<ferry::emulator::SharePointEmulator>(
        "ferry-sharepoint-emulator", "SharePoint", options, port,
        [](const ferry::emulator::SharePointEmulator& emulator) { return emulator.siteUrl(); });
}
