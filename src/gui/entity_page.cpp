// The data entity page: one side of a connection, edited in place in its session.
#include "entity_page.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QLineEdit>
#include <QListWidgetItem>
#include <QStringListModel>

#include "app_context.h"
#include "connection_session.h"
#include "ferry/connection_string.h"
#include "jobs.h"
#include "ui_entity_page.h"

namespace ferry::gui {

namespace {

constexpr int kProviderNameRole = Qt::UserRole + 1;

// The part of a connection string the cursor is in: [start, cursor) of the current `Key=Value`.
int segmentStart(const QString& text, int cursor) {
    const int semicolon = text.lastIndexOf(QLatin1Char(';'), cursor - 1);
    return semicolon < 0 ? 0 : semicolon + 1;
}

}  // namespace

EntityPage::EntityPage(AppContext& context, QWidget* parent)
    : QWidget(parent), m_ui(std::make_unique<Ui::EntityPage>()), m_context(context) {
    m_ui->setupUi(this);
    fillProviders();

    // The provider list is searchable: typing any part of a name ("OData", "SQL") offers it.
    QCompleter* providerCompleter = m_ui->providerCombo->completer();
    providerCompleter->setFilterMode(Qt::MatchContains);
    providerCompleter->setCaseSensitivity(Qt::CaseInsensitive);
    providerCompleter->setCompletionMode(QCompleter::PopupCompletion);
    providerCompleter->popup()->setObjectName(QStringLiteral("providerCompleterPopup"));
    connect(m_ui->providerCombo, &QComboBox::currentIndexChanged, this,
            &EntityPage::onProviderChosen);

    // Connection-string keys are offered where a key is being typed.
    m_keyModel = new QStringListModel(this);
    m_keyCompleter = new QCompleter(m_keyModel, this);
    m_keyCompleter->setObjectName(QStringLiteral("connectionKeyCompleter"));
    m_keyCompleter->setCaseSensitivity(Qt::CaseInsensitive);
    m_keyCompleter->setCompletionMode(QCompleter::PopupCompletion);
    m_keyCompleter->setWidget(m_ui->connectionStringEdit);
    connect(m_keyCompleter, qOverload<const QString&>(&QCompleter::activated), this,
            &EntityPage::insertKeyCompletion);
    connect(m_ui->connectionStringEdit, &QLineEdit::textEdited, this,
            &EntityPage::onConnectionStringEdited);

    connect(m_ui->titleEdit, &QLineEdit::textEdited, this, [this](const QString& text) {
        editEntity([&](EntityConfig& entity) { entity.title = toStd(text); }, false);
    });
    connect(m_ui->passwordEdit, &QLineEdit::textEdited, this, [this](const QString& text) {
        if (m_session) {
            m_session->setPassword(m_side, text);
        }
    });
    connect(m_ui->selectEdit, &QPlainTextEdit::textChanged, this, [this] {
        if (m_updating) {
            return;
        }
        const std::string text = toStd(m_ui->selectEdit->toPlainText().trimmed());
        editEntity([&](EntityConfig& entity) { entity.select = text; }, true);
    });
    connect(m_ui->modifiedColumnEdit, &QLineEdit::textEdited, this, [this](const QString& text) {
        editEntity([&](EntityConfig& entity) { entity.modifiedColumn = toStd(text.trimmed()); },
                   false);
    });
    connect(m_ui->primaryKeyList, &QListWidget::itemChanged, this, [this] {
        if (m_updating) {
            return;
        }
        std::vector<std::string> keys;
        for (int i = 0; i < m_ui->primaryKeyList->count(); ++i) {
            const auto* item = m_ui->primaryKeyList->item(i);
            if (item->checkState() == Qt::Checked) {
                keys.push_back(toStd(item->data(Qt::UserRole).toString()));
            }
        }
        editEntity([&](EntityConfig& entity) { entity.primaryKey = keys; }, false);
    });
    connect(m_ui->loadColumnsButton, &QPushButton::clicked, this, &EntityPage::loadColumns);
    setEnabled(false);
}

EntityPage::~EntityPage() = default;

void EntityPage::fillProviders() {
    for (const ProviderInfo* info : m_context.registry().all()) {
        m_ui->providerCombo->addItem(
            QStringLiteral("%1 (%2)").arg(toQString(info->displayName), toQString(info->name)),
            toQString(info->name));
        m_ui->providerCombo->setItemData(m_ui->providerCombo->count() - 1,
                                         toQString(info->description), Qt::ToolTipRole);
    }
    for (int i = 0; i < m_ui->providerCombo->count(); ++i) {
        m_ui->providerCombo->setItemData(i, m_ui->providerCombo->itemData(i), kProviderNameRole);
    }
}

void EntityPage::setSession(ConnectionSession* session, Side side) {
    if (m_session) {
        disconnect(m_session, nullptr, this, nullptr);
    }
    m_describeJob.reset();
    m_loadingColumns = false;
    m_ui->loadColumnsButton->setEnabled(true);
    m_ui->loadColumnsButton->setText(QStringLiteral("&Load columns"));
    m_session = session;
    m_side = side;
    setEnabled(session != nullptr);
    if (session != nullptr) {
        connect(session, &ConnectionSession::sideInfoChanged, this, [this](Side changed) {
            if (changed == m_side) {
                refreshSideInfo();
            }
        });
        connect(session, &ConnectionSession::passwordStateChanged, this, [this](Side changed) {
            if (changed == m_side) {
                refreshPasswordState();
            }
        });
    }
    refresh();
}

void EntityPage::refresh() {
    m_updating = true;
    if (!m_session) {
        m_ui->headingLabel->setText(QString());
        m_updating = false;
        return;
    }
    const EntityConfig& entity = m_session->entity(m_side);
    m_ui->headingLabel->setText(
        QStringLiteral("%1 of %2").arg(sideName(m_side), m_session->displayTitle()));
    m_ui->titleEdit->setText(toQString(entity.title));
    const int providerIndex = m_ui->providerCombo->findData(toQString(entity.provider));
    m_ui->providerCombo->setCurrentIndex(providerIndex);
    if (providerIndex < 0) {
        m_ui->providerCombo->setEditText(toQString(entity.provider));
    }
    m_ui->connectionStringEdit->setText(toQString(entity.connectionString));
    m_ui->selectEdit->setPlainText(toQString(entity.select));
    m_ui->modifiedColumnEdit->setText(toQString(entity.modifiedColumn));
    m_ui->passwordEdit->setText(m_session->password(m_side));
    m_updating = false;
    refreshKeysHelp();
    refreshProblems();
    refreshPasswordState();
    refreshSideInfo();
}

void EntityPage::refreshSideInfo() {
    if (!m_session) {
        return;
    }
    const bool wasUpdating = m_updating;
    m_updating = true;
    const EntityConfig& entity = m_session->entity(m_side);
    const auto& schema = m_session->schema(m_side);
    m_ui->primaryKeyList->clear();
    auto addItem = [this, &entity](const QString& name, const QString& label) {
        auto* item = new QListWidgetItem(label, m_ui->primaryKeyList);
        item->setData(Qt::UserRole, name);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
        const bool chosen = std::find(entity.primaryKey.begin(), entity.primaryKey.end(),
                                      toStd(name)) != entity.primaryKey.end();
        item->setCheckState(chosen ? Qt::Checked : Qt::Unchecked);
        return item;
    };
    if (schema) {
        for (const auto& column : schema->columns) {
            auto* item =
                addItem(toQString(column.name),
                        QStringLiteral("%1  —  %2").arg(toQString(column.name), typeText(column)));
            if (column.key && entity.primaryKey.empty()) {
                item->setToolTip(QStringLiteral("The entity's own key (used when none is ticked)"));
                item->setText(item->text() + QStringLiteral("  [entity key]"));
            }
        }
        for (const auto& key : entity.primaryKey) {
            if (!schema->find(key)) {
                addItem(toQString(key), QStringLiteral("%1  (not found)").arg(toQString(key)));
            }
        }
    } else {
        for (const auto& key : entity.primaryKey) {
            addItem(toQString(key), toQString(key));
        }
    }

    if (m_session->isChecking()) {
        m_ui->verifyResult->setText(QStringLiteral("<i>Verifying…</i>"));
    } else if (const auto& check = m_session->check(m_side)) {
        QString html;
        if (check->ok) {
            html = QStringLiteral("<span style='color:#1a7f37'><b>✔ Connected.</b></span> %1")
                       .arg(check->summary.toHtmlEscaped());
        } else {
            html = QStringLiteral("<span style='color:#c62828'><b>✘ Failed.</b></span> %1")
                       .arg(check->error.html());
            if (!check->problems.isEmpty()) {
                html += QStringLiteral("<ul>");
                for (const auto& problem : check->problems) {
                    html += QStringLiteral("<li>%1</li>").arg(problem.toHtmlEscaped());
                }
                html += QStringLiteral("</ul>");
            }
        }
        for (const auto& warning : check->warnings) {
            html += QStringLiteral("<br>Warning: %1").arg(warning.toHtmlEscaped());
        }
        m_ui->verifyResult->setText(html);
    } else {
        m_ui->verifyResult->setText(
            QStringLiteral("Not verified yet. Press <b>Verify Connection String</b> in the "
                           "actions pane."));
    }
    m_updating = wasUpdating;
}

void EntityPage::refreshPasswordState() {
    if (!m_session) {
        return;
    }
    const QString password = m_session->password(m_side);
    if (!m_ui->passwordEdit->hasFocus() && m_ui->passwordEdit->text() != password) {
        m_ui->passwordEdit->setText(password);
    }
    QString text;
    QString style;
    const QString problem = m_session->credentialProblem(m_side);
    if (!problem.isEmpty()) {
        text = QStringLiteral("⚠ %1. The password is kept for this session only.")
                   .arg(problem.toHtmlEscaped());
        style = QStringLiteral("color: #a05a00;");
    } else if (m_session->passwordStored(m_side)) {
        text = QStringLiteral("Saved in %1.").arg(m_context.credentials().description());
    } else if (!password.isEmpty()) {
        text = QStringLiteral("Saved in %1 when you save the connection.")
                   .arg(m_context.credentials().description());
    } else {
        text = QStringLiteral(
            "No password. Leave it empty for integrated authentication or a "
            "file database.");
    }
    m_ui->passwordStatus->setStyleSheet(style);
    m_ui->passwordStatus->setText(text);
}

void EntityPage::refreshKeysHelp() {
    QStringList keyNames;
    const ProviderInfo* info =
        m_session ? m_context.registry().find(m_session->entity(m_side).provider) : nullptr;
    if (info == nullptr) {
        m_ui->providerDescription->setText(
            m_session && !m_session->entity(m_side).provider.empty()
                ? QStringLiteral("This provider is not available in this build of Ferry.")
                : QStringLiteral("Choose a provider: type a part of its name to search."));
        m_ui->connectionKeysHelp->setHtml(QString());
        m_keyModel->setStringList({});
        return;
    }
    // The first sentence under the list; the whole paragraph as its tooltip.
    const QString description = toQString(info->description);
    const auto sentenceEnd = description.indexOf(QStringLiteral(". "));
    m_ui->providerDescription->setText(sentenceEnd < 0 ? description
                                                       : description.left(sentenceEnd + 1));
    m_ui->providerDescription->setToolTip(description);
    QString html = QStringLiteral("<table cellspacing='4'>");
    for (const auto& key : info->keys) {
        keyNames << toQString(key.name) + QLatin1Char('=');
        for (const auto& alias : key.aliases) {
            keyNames << toQString(alias) + QLatin1Char('=');
        }
        QString details = toQString(key.help).toHtmlEscaped();
        if (!key.choices.empty()) {
            QStringList choices;
            for (const auto& choice : key.choices) {
                choices << toQString(choice);
            }
            details += QStringLiteral("<br><i>One of:</i> %1")
                           .arg(choices.join(QStringLiteral(", ")).toHtmlEscaped());
        }
        if (!key.aliases.empty()) {
            QStringList aliases;
            for (const auto& alias : key.aliases) {
                aliases << toQString(alias);
            }
            details += QStringLiteral("<br><i>Also:</i> %1")
                           .arg(aliases.join(QStringLiteral(", ")).toHtmlEscaped());
        }
        if (key.secret) {
            details += QStringLiteral("<br><b>Secret:</b> use the Password field instead.");
        }
        html += QStringLiteral("<tr><td><b>%1</b>%2</td><td>%3</td></tr>")
                    .arg(toQString(key.name).toHtmlEscaped(),
                         key.required ? QStringLiteral(" <i>(required)</i>") : QString(), details);
    }
    html += QStringLiteral("</table>");
    if (info->allowUnknownKeys) {
        html += QStringLiteral("<p>Other keys are passed to the driver unchanged.</p>");
    }
    m_ui->connectionKeysHelp->setHtml(html);
    m_keyModel->setStringList(keyNames);
}

void EntityPage::refreshProblems() {
    if (!m_session) {
        return;
    }
    const EntityConfig& entity = m_session->entity(m_side);
    QStringList problems;
    if (!entity.connectionString.empty()) {
        try {
            const auto parsed = ConnectionString::parse(entity.connectionString);
            if (m_context.registry().find(entity.provider) != nullptr) {
                for (const auto& problem : m_context.registry().validate(entity.provider, parsed)) {
                    problems << redacted(problem);
                }
                if (m_context.registry().carriesSecret(entity.provider, parsed)) {
                    problems << QStringLiteral(
                        "The connection string contains a password: move it to the "
                        "Password field, which keeps it out of the connection file.");
                }
            }
        } catch (const Error& error) {
            problems << UserError::from(error).message;
        }
    }
    if (problems.isEmpty()) {
        m_ui->connectionStringProblems->clear();
        m_ui->connectionStringProblems->hide();
        return;
    }
    QString html = QStringLiteral("<span style='color:#a05a00'>");
    for (const auto& problem : problems) {
        html += QStringLiteral("⚠ %1<br>").arg(problem.toHtmlEscaped());
    }
    m_ui->connectionStringProblems->setText(html + QStringLiteral("</span>"));
    m_ui->connectionStringProblems->show();
}

void EntityPage::onProviderChosen(int index) {
    if (m_updating || !m_session || index < 0) {
        return;
    }
    const std::string name = toStd(m_ui->providerCombo->itemData(index).toString());
    if (name == m_session->entity(m_side).provider) {
        return;
    }
    editEntity([&](EntityConfig& entity) { entity.provider = name; }, true);
    refreshKeysHelp();
    refreshProblems();
}

void EntityPage::onConnectionStringEdited(const QString& text) {
    editEntity([&](EntityConfig& entity) { entity.connectionString = toStd(text.trimmed()); },
               true);
    refreshProblems();
    const int cursor = m_ui->connectionStringEdit->cursorPosition();
    const int start = segmentStart(text, cursor);
    const QString segment = text.mid(start, cursor - start).trimmed();
    if (segment.contains(QLatin1Char('=')) || m_keyModel->rowCount() == 0) {
        m_keyCompleter->popup()->hide();
        return;
    }
    m_keyCompleter->setCompletionPrefix(segment);
    if (m_keyCompleter->completionCount() == 0) {
        m_keyCompleter->popup()->hide();
        return;
    }
    m_keyCompleter->complete();
    // The first offer is preselected: Enter takes it, typing on ignores it.
    m_keyCompleter->popup()->setCurrentIndex(m_keyCompleter->completionModel()->index(0, 0));
}

void EntityPage::insertKeyCompletion(const QString& completion) {
    QLineEdit* edit = m_ui->connectionStringEdit;
    const QString text = edit->text();
    const int cursor = edit->cursorPosition();
    int start = segmentStart(text, cursor);
    while (start < cursor && text.at(start).isSpace()) {
        ++start;
    }
    const QString updated = text.left(start) + completion + text.mid(cursor);
    edit->setText(updated);
    edit->setCursorPosition(start + static_cast<int>(completion.size()));
    onConnectionStringEdited(updated);
}

void EntityPage::editEntity(const std::function<void(EntityConfig&)>& change,
                            bool invalidatesSchema) {
    if (m_updating || !m_session) {
        return;
    }
    const Side side = m_side;
    m_session->edit([&](ConnectionDocument& document) {
        change(side == Side::Left ? document.left : document.right);
    });
    if (invalidatesSchema) {
        m_session->clearSchema(side);
    }
}

void EntityPage::loadColumns() {
    if (!m_session || isLoadingColumns()) {
        return;
    }
    const Side side = m_side;
    m_describeJob = std::make_unique<DescribeJob>(m_context.registry(), m_session->entity(side),
                                                  side, m_session->password(side));
    QPointer<ConnectionSession> session = m_session;
    m_ui->loadColumnsButton->setEnabled(false);
    m_ui->loadColumnsButton->setText(QStringLiteral("Loading…"));
    m_loadingColumns = true;
    auto done = [this] {
        m_loadingColumns = false;
        m_ui->loadColumnsButton->setEnabled(true);
        m_ui->loadColumnsButton->setText(QStringLiteral("&Load columns"));
    };
    connect(m_describeJob.get(), &DescribeJob::described, this,
            [session](Side describedSide, const Schema& schema) {
                if (session) {
                    session->setSchema(describedSide, schema);
                }
            });
    connect(m_describeJob.get(), &DescribeJob::finished, this, done);
    connect(m_describeJob.get(), &DescribeJob::failed, this,
            [this, done, session, side](const UserError& error) {
                done();
                if (session) {
                    SideCheck check;
                    check.side = side;
                    check.error = error;
                    session->setCheck(check);
                }
            });
    m_describeJob->start();
}

bool EntityPage::isLoadingColumns() const {
    return m_loadingColumns;
}

}  // namespace ferry::gui
