// The questions the app asks the user (confirmations, file choices), behind one interface so
// tests can answer them without modal dialogs.
#pragma once

#include <QString>

class QWidget;

namespace ferry::gui {

class Prompter {
public:
    enum class SaveChoice { Save, Discard, Cancel };

    virtual ~Prompter() = default;
    Prompter() = default;
    Prompter(const Prompter&) = delete;
    Prompter& operator=(const Prompter&) = delete;

    // A yes/no question about a destructive step; true = go ahead.
    virtual bool confirm(QWidget* parent, const QString& title, const QString& text) = 0;
    // Unsaved changes before closing.
    virtual SaveChoice askSave(QWidget* parent, const QString& text) = 0;
    virtual void warn(QWidget* parent, const QString& title, const QString& text) = 0;
    // The outcome of something the user asked for (e.g. what Create Target made).
    virtual void inform(QWidget* parent, const QString& title, const QString& text) = 0;
    // Empty when the user cancelled.
    virtual QString openFile(QWidget* parent, const QString& title, const QString& filter) = 0;
    virtual QString saveFile(QWidget* parent, const QString& title, const QString& suggested,
                             const QString& filter) = 0;
};

// Message boxes and file dialogs.
class DialogPrompter final : public Prompter {
public:
    bool confirm(QWidget* parent, const QString& title, const QString& text) override;
    SaveChoice askSave(QWidget* parent, const QString& text) override;
    void warn(QWidget* parent, const QString& title, const QString& text) override;
    void inform(QWidget* parent, const QString& title, const QString& text) override;
    QString openFile(QWidget* parent, const QString& title, const QString& filter) override;
    QString saveFile(QWidget* parent, const QString& title, const QString& suggested,
                     const QString& filter) override;
};

}  // namespace ferry::gui
