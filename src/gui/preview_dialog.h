// The Preview Data dialog: the first rows of one side in a typed table, loaded on a worker
// thread with a busy indicator and Cancel; errors are shown in the dialog.
#pragma once

#include <QDialog>
#include <memory>

#include "ferry/document.h"
#include "gui_types.h"

namespace Ui {
class PreviewDialog;
}

namespace ferry::gui {

class AppContext;
class PreviewJob;
class PreviewModel;

class PreviewDialog final : public QDialog {
    Q_OBJECT
public:
    static constexpr std::size_t kDefaultRows = 100;

    PreviewDialog(AppContext& context, EntityConfig entity, QString password,
                  const QString& caption, QWidget* parent = nullptr,
                  std::size_t maxRows = kDefaultRows);
    ~PreviewDialog() override;

    // Starts (or restarts) loading; results of an earlier load are dropped.
    void reload();
    void cancelLoading();
    bool isLoading() const { return m_loading; }
    PreviewModel* model() const { return m_model; }
    // Copies the selection (or every row) to the clipboard as tab-separated text.
    void copyToClipboard();

signals:
    // Loading ended: finished, failed or cancelled.
    void loadingEnded();

private:
    void setLoading(bool loading);

    std::unique_ptr<Ui::PreviewDialog> m_ui;
    AppContext& m_context;
    EntityConfig m_entity;
    QString m_password;
    QString m_caption;
    std::size_t m_maxRows;
    PreviewModel* m_model = nullptr;
    std::unique_ptr<PreviewJob> m_job;
    bool m_loading = false;
};

}  // namespace ferry::gui
