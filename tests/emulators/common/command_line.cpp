// Command-line plumbing of the emulator executables.
#include "command_line.h"

#include <pthread.h>

#include <cstdlib>
#include <utility>

namespace ferry::emulator::common {

Arguments::Arguments(std::string program, int argc, char** argv)
    : m_program(std::move(program)), m_argc(argc), m_argv(argv) {}

bool Arguments::next() {
    ++m_index;
    return m_index < m_argc;
}

std::string_view Arguments::option() const {
    return m_argv[m_index];
}

std::string Arguments::value() {
    if (m_index + 1 >= m_argc)
        usageError(std::string(option()) + " needs a value");
    return m_argv[++m_index];
}

long long Arguments::integer(long long max) {
    const std::string name(option());
    const std::string text = value();
    try {
        std::size_t used = 0;
        const long long number = std::stoll(text, &used);
        if (used == text.size() && number >= 0 && number <= max)
            return number;
    } catch (const std::exception&) {
    }
    usageError(name + " needs a non-negative integer, not '" + text + "'");
}

int Arguments::intValue() {
    return static_cast<int>(integer(std::numeric_limits<int>::max()));
}

double Arguments::rate() {
    const std::string name(option());
    const std::string text = value();
    try {
        std::size_t used = 0;
        const double number = std::stod(text, &used);
        if (used == text.size() && number >= 0 && number <= 1)
            return number;
    } catch (const std::exception&) {
    }
    usageError(name + " needs a number between 0 and 1, not '" + text + "'");
}

void Arguments::unknownOption() const {
    usageError("unknown option '" + std::string(option()) + "'");
}

void Arguments::usageError(const std::string& message) const {
    std::cerr << m_program << ": " << message << "\n"
              << "Run '" << m_program << " --help' for the options.\n";
    std::exit(2);
}

StopSignals::StopSignals() {
    sigemptyset(&m_signals);
    sigaddset(&m_signals, SIGINT);
    sigaddset(&m_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &m_signals, nullptr);
}

void StopSignals::wait() const {
    int received = 0;
    sigwait(&m_signals, &received);
}

}  // namespace ferry::emulator::common
