// Where the app keeps passwords: the OS credential store (QtKeychain) or, for tests, memory.
#pragma once

#include <QHash>
#include <QString>

#include "ferry/document.h"

namespace ferry::gui {

// A keyed password store. Implementations report failures as values (the app then keeps the
// password for the session only and says so); they never throw.
class CredentialStore {
public:
    struct Result {
        bool ok = false;     // the operation reached the store
        bool found = false;  // read: a password was stored under the key
        QString password;    // read: the password when found
        QString error;       // plain-language reason when !ok
    };

    virtual ~CredentialStore() = default;
    CredentialStore() = default;
    CredentialStore(const CredentialStore&) = delete;
    CredentialStore& operator=(const CredentialStore&) = delete;

    virtual Result read(const QString& key) = 0;
    virtual Result write(const QString& key, const QString& password) = 0;
    // Removing a key that does not exist is ok.
    virtual Result remove(const QString& key) = 0;
    // "the operating system's credential store", "memory (tests)"
    virtual QString description() const = 0;
};

// The key a connection side's password is kept under: "<document file name>/<left|right>",
// e.g. "crm-accounts.json/left" (service "Ferry").
QString credentialKey(const QString& documentFileName, Side side);

// The OS credential store through QtKeychain (Windows Credential Manager, macOS Keychain,
// libsecret/KWallet). Blocks the calling thread (with a local event loop) until the store
// answered; the stores answer in milliseconds unless they prompt the user.
class KeychainCredentialStore final : public CredentialStore {
public:
    static constexpr const char* kService = "Ferry";
    Result read(const QString& key) override;
    Result write(const QString& key, const QString& password) override;
    Result remove(const QString& key) override;
    QString description() const override;
};

// Passwords in memory: for tests, and the failure path. `setFailure` makes every call fail with
// that reason (simulates a missing keyring).
class MemoryCredentialStore final : public CredentialStore {
public:
    Result read(const QString& key) override;
    Result write(const QString& key, const QString& password) override;
    Result remove(const QString& key) override;
    QString description() const override;

    void setFailure(const QString& reason) { m_failure = reason; }
    const QHash<QString, QString>& entries() const { return m_entries; }

private:
    QHash<QString, QString> m_entries;
    QString m_failure;
};

}  // namespace ferry::gui
