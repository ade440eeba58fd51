// Ctrl+C / SIGTERM handling for long commands: the first signal asks the engine to stop
// cooperatively, a second one ends the process at once.
#pragma once

#include <atomic>

namespace ferry::cli {

// Installs the handlers for its lifetime (one instance at a time) and restores the previous
// ones when destroyed.
class CancelOnSignal final {
public:
    CancelOnSignal();
    ~CancelOnSignal();
    CancelOnSignal(const CancelOnSignal&) = delete;
    CancelOnSignal& operator=(const CancelOnSignal&) = delete;

    // The flag for RunOptions::cancel; set once a signal arrived.
    const std::atomic<bool>* flag() const;
    bool cancelled() const;
};

}  // namespace ferry::cli
