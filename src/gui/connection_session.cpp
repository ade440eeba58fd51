// One connection open in the app: document, file, unsaved changes, passwords, side info.
#include "connection_session.h"

#include <atomic>

namespace ferry::gui {

namespace {
std::atomic<quint64> g_nextSerial{1};
}

ConnectionSession::ConnectionSession(ConnectionDocument document, std::filesystem::path path,
                                     CredentialStore& credentials, QObject* parent)
    : QObject(parent),
      m_serial(g_nextSerial.fetch_add(1)),
      m_document(std::move(document)),
      m_savedDocument(m_document),
      m_path(std::move(path)),
      m_credentials(credentials) {}

QString ConnectionSession::displayTitle() const {
    return m_document.title.empty() ? QStringLiteral("New connection")
                                    : toQString(m_document.title);
}

void ConnectionSession::setModified(bool modified) {
    if (m_modified == modified) {
        return;
    }
    m_modified = modified;
    emit modifiedChanged(modified);
}

QString ConnectionSession::keyFor(Side side) const {
    return credentialKey(QString::fromStdString(m_path.filename().string()), side);
}

QString ConnectionSession::password(Side side) {
    SideState& state = m_sides[index(side)];
    if (!state.loaded && !isNew()) {
        state.loaded = true;
        const auto result = m_credentials.read(keyFor(side));
        if (result.ok) {
            state.password = result.password;
            state.stored = result.found;
            state.credentialProblem.clear();
        } else {
            state.credentialProblem = result.error;
        }
        emit passwordStateChanged(side);
    }
    return state.password;
}

void ConnectionSession::setPassword(Side side, const QString& password) {
    SideState& state = m_sides[index(side)];
    if (state.loaded && state.password == password) {
        return;
    }
    state.password = password;
    state.loaded = true;
    state.modified = true;
    state.stored = false;
    clearSchema(side);
    setModified(true);
    emit passwordStateChanged(side);
    emit changed();
}

bool ConnectionSession::markSaved(const std::filesystem::path& path) {
    const bool renamed = !m_path.empty() && m_path != path;
    const auto oldPath = m_path;
    if (renamed) {
        // Passwords follow the file: read them under the old name before it changes.
        password(Side::Left);
        password(Side::Right);
    }
    m_path = path;
    bool ok = true;
    for (const Side side : {Side::Left, Side::Right}) {
        SideState& state = m_sides[index(side)];
        if (!state.modified && !renamed) {
            continue;
        }
        const auto result = state.password.isEmpty()
                                ? m_credentials.remove(keyFor(side))
                                : m_credentials.write(keyFor(side), state.password);
        if (result.ok) {
            state.modified = false;
            state.stored = !state.password.isEmpty();
            state.credentialProblem.clear();
        } else {
            ok = false;
            state.stored = false;
            state.credentialProblem = result.error;
        }
        if (renamed) {
            m_credentials.remove(
                credentialKey(QString::fromStdString(oldPath.filename().string()), side));
        }
        emit passwordStateChanged(side);
    }
    m_savedDocument = m_document;
    setModified(false);
    emit changed();
    return ok;
}

void ConnectionSession::discardChanges() {
    m_document = m_savedDocument;
    for (const Side side : {Side::Left, Side::Right}) {
        SideState& state = m_sides[index(side)];
        if (state.modified) {
            state.password.clear();
            state.loaded = false;
            state.modified = false;
            emit passwordStateChanged(side);
        }
        clearSchema(side);
    }
    setModified(false);
    emit changed();
}

void ConnectionSession::removeStoredPasswords() {
    if (isNew()) {
        return;
    }
    for (const Side side : {Side::Left, Side::Right}) {
        m_credentials.remove(keyFor(side));
    }
}

void ConnectionSession::setSchema(Side side, const Schema& schema) {
    m_sides[index(side)].schema = schema;
    emit sideInfoChanged(side);
}

void ConnectionSession::clearSchema(Side side) {
    SideState& state = m_sides[index(side)];
    if (!state.schema && !state.check) {
        return;
    }
    state.schema.reset();
    state.check.reset();
    m_mappingCheck.clear();
    emit sideInfoChanged(side);
}

void ConnectionSession::setCheck(const SideCheck& check) {
    SideState& state = m_sides[index(check.side)];
    state.check = check;
    if (check.ok) {
        state.schema = check.schema;
    }
    emit sideInfoChanged(check.side);
}

void ConnectionSession::setChecking(bool checking) {
    m_checking = checking;
    emit sideInfoChanged(Side::Left);
    emit sideInfoChanged(Side::Right);
}

void ConnectionSession::setMappingCheck(const QString& text) {
    m_mappingCheck = text;
    emit sideInfoChanged(Side::Left);
}

}  // namespace ferry::gui
