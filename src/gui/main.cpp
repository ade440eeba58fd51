// ferry-gui: the desktop app's entry point (everything else lives in the ferry::gui library).
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>
#include <cstdio>
#include <memory>

#include "app_context.h"
#include "credential_store.h"
#include "ferry/logging.h"
#include "ferry/paths.h"
#include "main_window.h"
#include "screenshot_tour.h"

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Ferry"));
    QApplication::setOrganizationName(QStringLiteral("Ferry"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Ferry keeps two data entities in sync."));
    parser.addHelpOption();
    parser.addVersionOption();
    // The documentation's screenshots (scripts/screenshots.sh); not for users.
    QCommandLineOption tour(QStringLiteral("screenshot-tour"),
                            QStringLiteral("Walk the click path and save screenshots."),
                            QStringLiteral("dir"));
    QCommandLineOption tourLeft(QStringLiteral("tour-left"),
                                QStringLiteral("Left connection string."), QStringLiteral("cs"));
    QCommandLineOption tourRight(QStringLiteral("tour-right"),
                                 QStringLiteral("Right connection string."), QStringLiteral("cs"));
    for (QCommandLineOption* option : {&tour, &tourLeft, &tourRight}) {
        option->setFlags(QCommandLineOption::HiddenFromHelp);
        parser.addOption(*option);
    }
    parser.process(app);

    ferry::setupLogging(ferry::LogLevel::Warn, ferry::logDirectory());
    ferry::gui::initGuiResources();

    const bool touring = parser.isSet(tour);
    // The tour runs under Xvfb without a keyring; passwords are not part of it.
    std::unique_ptr<ferry::gui::CredentialStore> credentials;
    if (touring) {
        credentials = std::make_unique<ferry::gui::MemoryCredentialStore>();
    } else {
        credentials = std::make_unique<ferry::gui::KeychainCredentialStore>();
    }
    ferry::gui::AppContext context(ferry::gui::AppPaths::defaults(), std::move(credentials));
    ferry::gui::MainWindow window(context);
    window.show();

    if (!touring) {
        return QApplication::exec();
    }
    ferry::gui::TourSettings settings;
    settings.outputDirectory = parser.value(tour);
    settings.leftConnectionString = parser.value(tourLeft);
    settings.rightConnectionString = parser.value(tourRight);
    window.resize(1280, 860);
    const QString problem = ferry::gui::runScreenshotTour(window, settings);
    if (!problem.isEmpty()) {
        std::fprintf(stderr, "ferry-gui: screenshot tour failed: %s\n", qPrintable(problem));
        return 1;
    }
    return 0;
}
