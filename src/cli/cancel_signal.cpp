// Signal handlers that turn SIGINT/SIGTERM into the engine's cooperative cancel flag.
#include "cancel_signal.h"

#include <csignal>

#ifndef _WIN32
#include <unistd.h>
#endif

namespace ferry::cli {

namespace {

std::atomic<bool> g_cancel{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set from a signal handler");

#ifndef _WIN32
struct sigaction g_previousInt {};
struct sigaction g_previousTerm {};

void onSignal(int signalNumber) {
    if (g_cancel.exchange(true)) {
        // Second signal: stop now, with the default disposition (the shell sees the signal).
        std::signal(signalNumber, SIG_DFL);
        std::raise(signalNumber);
        return;
    }
    constexpr char kMessage[] =
        "\nferry: cancelling after the current batch (press Ctrl+C again to stop at once)\n";
    // write() is async-signal-safe; nothing to do if it fails.
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
}
#else
void onSignal(int signalNumber) {
    if (g_cancel.exchange(true)) {
        std::signal(signalNumber, SIG_DFL);
        std::raise(signalNumber);
        return;
    }
    std::signal(signalNumber, onSignal);
}
#endif

}  // namespace

CancelOnSignal::CancelOnSignal() {
    g_cancel = false;
#ifndef _WIN32
    struct sigaction action {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    // SA_RESTART: a driver's blocking network call must not fail with EINTR; the engine sees
    // the flag between pages and batches.
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, &g_previousInt);
    sigaction(SIGTERM, &action, &g_previousTerm);
#else
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
#endif
}

CancelOnSignal::~CancelOnSignal() {
#ifndef _WIN32
    sigaction(SIGINT, &g_previousInt, nullptr);
    sigaction(SIGTERM, &g_previousTerm, nullptr);
#else
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
#endif
}

const std::atomic<bool>* CancelOnSignal::flag() const {
    return &g_cancel;
}

bool CancelOnSignal::cancelled() const {
    return g_cancel.load();
}

}  // namespace ferry::cli
