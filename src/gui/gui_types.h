// Small shared pieces of the GUI: user-facing errors, string conversions, Qt metatypes.
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringList>
#include <string>
#include <vector>

#include "ferry/document.h"
#include "ferry/error.h"
#include "ferry/provider.h"
#include "ferry/report.h"
#include "ferry/schema.h"

namespace ferry::gui {

// What the user reads when something failed: always redacted, never a bare exception text.
struct UserError {
    ErrorCode code = ErrorCode::Internal;
    QString message;
    QString detail;
    QString hint;

    static UserError from(const Error& error);
    static UserError internal(const QString& what);
    // "message (detail)\nHint: hint" without the empty parts.
    QString text() const;
    // The same as simple HTML for labels.
    QString html() const;
};

// The result of checking one side (Verify Connection String).
struct SideCheck {
    Side side = Side::Left;
    bool ok = false;
    QString summary;       // "odbc, 10 columns, key id" when ok
    UserError error;       // when not ok
    QStringList problems;  // connection-string problems, one per key
    QStringList warnings;
    Schema schema;  // when ok
};

QString toQString(const std::string& text);
std::string toStd(const QString& text);
QString redacted(const QString& text);
QString redacted(const std::string& text);
QString sideName(Side side);  // "Data Entity 1" / "Data Entity 2"
QString formatDuration(qint64 ms);
QString formatTimestamp(qint64 epochMs);
QString statusText(RunStatus status, bool dryRun);
QString typeText(const Column& column);

}  // namespace ferry::gui

Q_DECLARE_METATYPE(ferry::gui::UserError)
Q_DECLARE_METATYPE(ferry::gui::SideCheck)
Q_DECLARE_METATYPE(ferry::Progress)
Q_DECLARE_METATYPE(ferry::RunReport)
Q_DECLARE_METATYPE(ferry::Schema)
Q_DECLARE_METATYPE(ferry::Side)
Q_DECLARE_METATYPE(std::vector<ferry::Record>)
Q_DECLARE_METATYPE(std::vector<ferry::Column>)
Q_DECLARE_METATYPE(ferry::CreatedEntity)
