// One connection open in the app: its document, where it is saved, unsaved changes, the
// passwords of its two sides, and what was learned about its sides (columns, checks).
#pragma once

#include <QObject>
#include <QString>
#include <filesystem>
#include <optional>

#include "credential_store.h"
#include "ferry/document.h"
#include "ferry/schema.h"
#include "gui_types.h"

namespace ferry::gui {

class ConnectionSession final : public QObject {
    Q_OBJECT
public:
    // `path` empty: a new connection, not saved yet.
    ConnectionSession(ConnectionDocument document, std::filesystem::path path,
                      CredentialStore& credentials, QObject* parent = nullptr);

    // A process-unique number; tree items refer to sessions by it.
    quint64 serial() const { return m_serial; }

    const ConnectionDocument& document() const { return m_document; }
    // Edits go through here so the unsaved mark follows: `edit` changes the document.
    template <typename Edit>
    void edit(Edit&& change) {
        change(m_document);
        setModified(true);
        emit changed();
    }
    const EntityConfig& entity(Side side) const {
        return side == Side::Left ? m_document.left : m_document.right;
    }

    const std::filesystem::path& path() const { return m_path; }
    bool isNew() const { return m_path.empty(); }
    QString displayTitle() const;  // the title, or "New connection"

    bool isModified() const { return m_modified; }
    void setModified(bool modified);

    // The password of a side: typed this session, else read once from the credential store
    // (saved connections only). Empty when none.
    QString password(Side side);
    void setPassword(Side side, const QString& password);
    // Why the credential store could not be used for this side; empty when it worked.
    QString credentialProblem(Side side) const { return m_sides[index(side)].credentialProblem; }
    // True when the password shown came from (or went to) the credential store.
    bool passwordStored(Side side) const { return m_sides[index(side)].stored; }

    // Marks the document saved at `path`: stores changed passwords under the file name and
    // remembers this state for Discard Changes. Returns false (and sets credentialProblem)
    // when the credential store failed; the password is then kept for this session only.
    bool markSaved(const std::filesystem::path& path);
    // Back to the last saved state (a new connection keeps its empty document).
    void discardChanges();
    // Forgets the stored passwords (the connection was deleted).
    void removeStoredPasswords();

    // What describe() said about a side; cleared when the side's settings change.
    const std::optional<Schema>& schema(Side side) const { return m_sides[index(side)].schema; }
    void setSchema(Side side, const Schema& schema);
    void clearSchema(Side side);

    // The last Verify result of a side (cleared with the schema).
    const std::optional<SideCheck>& check(Side side) const { return m_sides[index(side)].check; }
    void setCheck(const SideCheck& check);
    const QString& mappingCheck() const { return m_mappingCheck; }
    void setMappingCheck(const QString& text);
    // A Verify is running for this connection.
    bool isChecking() const { return m_checking; }
    void setChecking(bool checking);

signals:
    void changed();
    void modifiedChanged(bool modified);
    void sideInfoChanged(ferry::Side side);
    void passwordStateChanged(ferry::Side side);

private:
    struct SideState {
        QString password;
        bool loaded = false;    // password read from the store (or typed)
        bool modified = false;  // typed since the last save
        bool stored = false;
        QString credentialProblem;
        std::optional<Schema> schema;
        std::optional<SideCheck> check;
    };
    static std::size_t index(Side side) { return side == Side::Left ? 0 : 1; }
    QString keyFor(Side side) const;

    quint64 m_serial;
    ConnectionDocument m_document;
    ConnectionDocument m_savedDocument;
    std::filesystem::path m_path;
    CredentialStore& m_credentials;
    bool m_modified = false;
    SideState m_sides[2];
    QString m_mappingCheck;
    bool m_checking = false;
};

}  // namespace ferry::gui
