// Command-line plumbing of the emulator executables: option values, usage errors, and serving
// until SIGINT or SIGTERM.
#pragma once

#include <csignal>
#include <exception>
#include <iostream>
#include <limits>
#include <string>
#include <string_view>

namespace ferry::emulator::common {

// Walks argv. A bad value or a missing one prints "<program>: <message>" and a hint to stderr
// and exits with status 2.
class Arguments final {
public:
    Arguments(std::string program, int argc, char** argv);

    bool next();                      // advances to the next option; false at the end
    std::string_view option() const;  // the current option, e.g. "--port"
    std::string value();              // the value after the option
    long long integer(long long max = std::numeric_limits<long long>::max());  // >= 0, <= max
    int intValue();                                                            // >= 0, fits an int
    double rate();                                                             // 0..1
    [[noreturn]] void unknownOption() const;
    [[noreturn]] void usageError(const std::string& message) const;

private:
    std::string m_program;
    int m_argc;
    char** m_argv;
    int m_index = 0;
};

// Blocks the stop signals in the constructing thread; create it before any server thread
// exists, so only wait() sees them.
class StopSignals final {
public:
    StopSignals();
    void wait() const;  // returns once SIGINT or SIGTERM arrives

private:
    sigset_t m_signals{};
};

// Builds the emulator, starts it on `port`, prints "<name> emulator listening on <url>" and
// serves until SIGINT or SIGTERM. Returns the exit status: 1 when it cannot start.
template <class Emulator, class Options, class ReadyUrl>
int serveUntilStopped(std::string_view program, std::string_view name, const Options& options,
                      int port, ReadyUrl readyUrl) {
    const StopSignals signals;
    try {
        Emulator emulator(options);
        emulator.start(port);
        std::cout << name << " emulator listening on " << readyUrl(emulator) << std::endl;
        signals.wait();
        emulator.stop();
    } catch (const std::exception& e) {
        std::cerr << program << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace ferry::emulator::common
