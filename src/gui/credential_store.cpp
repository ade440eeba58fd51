// Where the app keeps passwords: the OS credential store (QtKeychain) or, for tests, memory.
#include "credential_store.h"

#include <qt6keychain/keychain.h>
#include <QEventLoop>

namespace ferry::gui {

namespace {

// Runs a QtKeychain job to completion. QtKeychain is asynchronous only; the app asks for a
// password at moments where it cannot go on without it, so waiting here is the simple choice.
void runJob(QKeychain::Job& job) {
    QEventLoop loop;
    QObject::connect(&job, &QKeychain::Job::finished, &loop, &QEventLoop::quit);
    job.setAutoDelete(false);
    job.start();
    loop.exec(QEventLoop::ExcludeUserInputEvents);
}

QString keychainError(const QKeychain::Job& job) {
    return QStringLiteral("the credential store is not available: %1").arg(job.errorString());
}

}  // namespace

QString credentialKey(const QString& documentFileName, Side side) {
    return documentFileName + QLatin1Char('/') + QString::fromLatin1(toString(side));
}

CredentialStore::Result KeychainCredentialStore::read(const QString& key) {
    QKeychain::ReadPasswordJob job(QString::fromLatin1(kService));
    job.setKey(key);
    runJob(job);
    Result result;
    if (job.error() == QKeychain::NoError) {
        result.ok = true;
        result.found = true;
        result.password = job.textData();
    } else if (job.error() == QKeychain::EntryNotFound) {
        result.ok = true;
    } else {
        result.error = keychainError(job);
    }
    return result;
}

CredentialStore::Result KeychainCredentialStore::write(const QString& key,
                                                       const QString& password) {
    QKeychain::WritePasswordJob job(QString::fromLatin1(kService));
    job.setKey(key);
    job.setTextData(password);
    runJob(job);
    Result result;
    result.ok = job.error() == QKeychain::NoError;
    if (!result.ok) {
        result.error = keychainError(job);
    }
    return result;
}

CredentialStore::Result KeychainCredentialStore::remove(const QString& key) {
    QKeychain::DeletePasswordJob job(QString::fromLatin1(kService));
    job.setKey(key);
    runJob(job);
    Result result;
    result.ok = job.error() == QKeychain::NoError || job.error() == QKeychain::EntryNotFound;
    if (!result.ok) {
        result.error = keychainError(job);
    }
    return result;
}

QString KeychainCredentialStore::description() const {
    return QStringLiteral("the operating system's credential store");
}

CredentialStore::Result MemoryCredentialStore::read(const QString& key) {
    Result result;
    if (!m_failure.isEmpty()) {
        result.error = m_failure;
        return result;
    }
    result.ok = true;
    if (auto it = m_entries.constFind(key); it != m_entries.constEnd()) {
        result.found = true;
        result.password = it.value();
    }
    return result;
}

CredentialStore::Result MemoryCredentialStore::write(const QString& key, const QString& password) {
    Result result;
    if (!m_failure.isEmpty()) {
        result.error = m_failure;
        return result;
    }
    m_entries.insert(key, password);
    result.ok = true;
    return result;
}

CredentialStore::Result MemoryCredentialStore::remove(const QString& key) {
    Result result;
    if (!m_failure.isEmpty()) {
        result.error = m_failure;
        return result;
    }
    m_entries.remove(key);
    result.ok = true;
    return result;
}

QString MemoryCredentialStore::description() const {
    return QStringLiteral("memory");
}

}  // namespace ferry::gui
