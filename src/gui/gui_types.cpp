// Small shared pieces of the GUI: user-facing errors, string conversions, formatting.
#include "gui_types.h"

#include <QDateTime>
#include <QLocale>

#include "ferry/logging.h"

namespace ferry::gui {

UserError UserError::from(const Error& error) {
    UserError result;
    result.code = error.code();
    result.message = redacted(error.message());
    result.detail = redacted(error.detail());
    result.hint = redacted(error.hint());
    return result;
}

UserError UserError::internal(const QString& what) {
    UserError result;
    result.code = ErrorCode::Internal;
    result.message = QStringLiteral("Ferry itself failed: %1").arg(redacted(what));
    result.hint = QStringLiteral("Please report this, with the log file, to your administrator.");
    return result;
}

QString UserError::text() const {
    QString text = message;
    if (!detail.isEmpty()) {
        text += QStringLiteral(" (%1)").arg(detail);
    }
    if (!hint.isEmpty()) {
        text += QStringLiteral("\nHint: %1").arg(hint);
    }
    return text;
}

QString UserError::html() const {
    QString html = QStringLiteral("<b>%1</b>").arg(message.toHtmlEscaped());
    if (!detail.isEmpty()) {
        html += QStringLiteral("<br><small>%1</small>").arg(detail.toHtmlEscaped());
    }
    if (!hint.isEmpty()) {
        html += QStringLiteral("<br>Hint: %1").arg(hint.toHtmlEscaped());
    }
    return html;
}

QString toQString(const std::string& text) {
    return QString::fromStdString(text);
}

std::string toStd(const QString& text) {
    return text.toStdString();
}

QString redacted(const QString& text) {
    return toQString(redactSecrets(toStd(text)));
}

QString redacted(const std::string& text) {
    return toQString(redactSecrets(text));
}

QString sideName(Side side) {
    return side == Side::Left ? QStringLiteral("Data Entity 1") : QStringLiteral("Data Entity 2");
}

QString formatDuration(qint64 ms) {
    if (ms < 1000) {
        return QStringLiteral("%1 ms").arg(ms);
    }
    if (ms < 60'000) {
        return QStringLiteral("%1 s").arg(static_cast<double>(ms) / 1000.0, 0, 'f', 1);
    }
    if (ms < 3'600'000) {
        return QStringLiteral("%1 min %2 s")
            .arg(ms / 60'000)
            .arg((ms / 1000) % 60, 2, 10, QLatin1Char('0'));
    }
    return QStringLiteral("%1 h %2 min")
        .arg(ms / 3'600'000)
        .arg((ms / 60'000) % 60, 2, 10, QLatin1Char('0'));
}

QString formatTimestamp(qint64 epochMs) {
    if (epochMs <= 0) {
        return QStringLiteral("-");
    }
    return QDateTime::fromMSecsSinceEpoch(epochMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString statusText(RunStatus status, bool dryRun) {
    switch (status) {
        case RunStatus::Succeeded:
            return dryRun ? QStringLiteral("Preview finished (nothing was written)")
                          : QStringLiteral("Succeeded");
        case RunStatus::CompletedWithErrors:
            return QStringLiteral("Completed with errors");
        case RunStatus::Aborted:
            return QStringLiteral("Aborted (nothing was written)");
        case RunStatus::Cancelled:
            return QStringLiteral("Cancelled");
    }
    return toQString(toString(status));
}

QString typeText(const Column& column) {
    QString text = QString::fromLatin1(toString(column.type));
    if (!column.nativeType.empty()) {
        text += QStringLiteral(" (%1").arg(toQString(column.nativeType));
        if (column.length > 0) {
            text += QStringLiteral("(%1)").arg(column.length);
        } else if (column.precision > 0) {
            text += QStringLiteral("(%1,%2)").arg(column.precision).arg(column.scale);
        }
        text += QLatin1Char(')');
    }
    return text;
}

}  // namespace ferry::gui
