// Forwards the core's log lines (spdlog, any thread) to the GUI as a queued Qt signal.
#pragma once

#include <QObject>
#include <QString>

namespace ferry::gui {

enum class LogSeverity { Debug = 0, Info = 1, Warning = 2, Error = 3 };

// One per process. install() adds a sink to spdlog's default logger (call it after
// ferry::setupLogging and before any run starts: spdlog's sink list is not thread-safe).
class LogBridge final : public QObject {
    Q_OBJECT
public:
    static LogBridge& instance();
    // Idempotent for the same default logger.
    void install();
    // Called by the sink from any thread; the text is redacted before it is emitted.
    void post(LogSeverity severity, const QString& text);

signals:
    void message(int severity, const QString& text);

private:
    LogBridge() = default;
    const void* m_installedOn = nullptr;
};

}  // namespace ferry::gui
