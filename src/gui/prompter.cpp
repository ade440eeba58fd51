// Message boxes and file dialogs behind the Prompter interface.
#include "prompter.h"

#include <QFileDialog>
#include <QMessageBox>

namespace ferry::gui {

bool DialogPrompter::confirm(QWidget* parent, const QString& title, const QString& text) {
    return QMessageBox::question(parent, title, text, QMessageBox::Yes | QMessageBox::No,
                                 QMessageBox::No) == QMessageBox::Yes;
}

Prompter::SaveChoice DialogPrompter::askSave(QWidget* parent, const QString& text) {
    const auto answer = QMessageBox::warning(
        parent, QStringLiteral("Unsaved changes"), text,
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Save) {
        return SaveChoice::Save;
    }
    return answer == QMessageBox::Discard ? SaveChoice::Discard : SaveChoice::Cancel;
}

void DialogPrompter::warn(QWidget* parent, const QString& title, const QString& text) {
    QMessageBox::warning(parent, title, text);
}

void DialogPrompter::inform(QWidget* parent, const QString& title, const QString& text) {
    QMessageBox::information(parent, title, text);
}

QString DialogPrompter::openFile(QWidget* parent, const QString& title, const QString& filter) {
    return QFileDialog::getOpenFileName(parent, title, QString(), filter);
}

QString DialogPrompter::saveFile(QWidget* parent, const QString& title, const QString& suggested,
                                 const QString& filter) {
    return QFileDialog::getSaveFileName(parent, title, suggested, filter);
}

}  // namespace ferry::gui
