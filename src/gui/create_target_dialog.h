// The Create Target confirmation: names the side and entity to create and lists the columns it
// would get (name, source type, key), with Create and Cancel.
#pragma once

#include <QDialog>
#include <memory>
#include <vector>

#include "ferry/document.h"
#include "ferry/schema.h"

class QPushButton;

namespace Ui {
class CreateTargetDialog;
}

namespace ferry::gui {

class CreateTargetDialog final : public QDialog {
    Q_OBJECT
public:
    // `target` and `source` are the two sides' entities; `columns` what planTarget() planned.
    CreateTargetDialog(Side side, const EntityConfig& target, const QString& targetProvider,
                       const EntityConfig& source, const std::vector<Column>& columns,
                       QWidget* parent = nullptr);
    ~CreateTargetDialog() override;

    Side side() const { return m_side; }
    const std::vector<Column>& columns() const { return m_columns; }
    QPushButton* createButton() const { return m_createButton; }

private:
    std::unique_ptr<Ui::CreateTargetDialog> m_ui;
    Side m_side;
    std::vector<Column> m_columns;
    QPushButton* m_createButton = nullptr;
};

}  // namespace ferry::gui
