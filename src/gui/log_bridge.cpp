// Forwards the core's log lines (spdlog, any thread) to the GUI as a queued Qt signal.
#include "log_bridge.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <mutex>

#include "gui_types.h"

namespace ferry::gui {

namespace {

class BridgeSink final : public spdlog::sinks::base_sink<std::mutex> {
protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        LogSeverity severity = LogSeverity::Info;
        if (msg.level <= spdlog::level::debug) {
            severity = LogSeverity::Debug;
        } else if (msg.level == spdlog::level::warn) {
            severity = LogSeverity::Warning;
        } else if (msg.level >= spdlog::level::err) {
            severity = LogSeverity::Error;
        }
        const std::string text(msg.payload.data(), msg.payload.size());
        LogBridge::instance().post(severity, redacted(text));
    }
    void flush_() override {}
};

}  // namespace

LogBridge& LogBridge::instance() {
    static LogBridge bridge;
    return bridge;
}

void LogBridge::install() {
    auto logger = spdlog::default_logger();
    if (!logger || logger.get() == m_installedOn) {
        return;
    }
    auto sink = std::make_shared<BridgeSink>();
    sink->set_level(spdlog::level::info);
    logger->sinks().push_back(sink);
    if (logger->level() > spdlog::level::info) {
        logger->set_level(spdlog::level::info);
    }
    m_installedOn = logger.get();
}

void LogBridge::post(LogSeverity severity, const QString& text) {
    emit message(static_cast<int>(severity), text);
}

}  // namespace ferry::gui
