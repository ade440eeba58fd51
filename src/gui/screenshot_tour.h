// The hidden `--screenshot-tour DIR` mode: walks the seed's click path through a real window
// (new connection, both data entities, verify, preview, mappings, save, preview changes, run,
// history, Create Target's confirmation) and saves a PNG of each step for docs/user-guide.md.
#pragma once

#include <QString>
#include <functional>

namespace ferry::gui {

class MainWindow;

struct TourSettings {
    QString outputDirectory;
    QString leftConnectionString;   // e.g. Driver=SQLite3;Database=.../crm.db;
    QString rightConnectionString;  // e.g. Driver=SQLite3;Database=.../warehouse.db;
    QString select = QStringLiteral("SELECT * FROM customers");
    QString key = QStringLiteral("id");
};

// Runs the tour on `window` (shown, with an empty connections folder). Returns an empty string
// on success, else what went wrong. Blocks while spinning the event loop.
QString runScreenshotTour(MainWindow& window, const TourSettings& settings);

}  // namespace ferry::gui
