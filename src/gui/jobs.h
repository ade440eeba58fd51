// Long work off the GUI thread: verify, describe, preview, run and create target, each a job on
// a worker thread
// that reports through queued signals. Exceptions never cross threads: a job catches and emits
// failed().
#pragma once

#include <QObject>
#include <QThread>
#include <atomic>
#include <filesystem>
#include <memory>
#include <vector>

#include "ferry/create_target.h"
#include "ferry/document.h"
#include "ferry/provider.h"
#include "ferry/report.h"
#include "gui_types.h"

namespace ferry::gui {

// The base of every job. A job lives in the thread that created it; work() runs on a thread of
// its own. Receivers connect with a context object in the GUI thread, so every signal arrives
// queued, in the order it was emitted. Destroying a job cancels it and waits for the worker.
class Job : public QObject {
    Q_OBJECT
public:
    ~Job() override;
    Job(const Job&) = delete;
    Job& operator=(const Job&) = delete;

    // Starts work() on a new worker thread; a job runs once.
    void start();
    // Asks the work to stop at its next check (between pages and batches).
    void cancel() { m_cancel.store(true); }
    bool isCancelRequested() const { return m_cancel.load(); }
    bool isRunning() const;
    // Blocks until the worker has ended (used on shutdown).
    void wait();

signals:
    void started();
    // The last signal of a successful job, after its result signals.
    void finished();
    // The last signal of a failed job.
    void failed(const ferry::gui::UserError& error);

protected:
    explicit Job(QObject* parent);
    // Runs on the worker thread. Throws ferry::Error for a failure the user should read.
    virtual void work() = 0;
    const std::atomic<bool>* cancelFlag() const { return &m_cancel; }
    // Derived destructors call this first: the worker must end before their members die.
    void stopAndWait();

private:
    std::atomic<bool> m_cancel{false};
    std::unique_ptr<QThread> m_thread;
};

// Lets a job that may still be running end in the background and delete itself afterwards (a
// window closes without waiting for a slow server). Its result signals then go nowhere.
void abandonJob(std::unique_ptr<Job> job);

// Checks sides like `ferry verify`: the provider, the connection-string keys, connecting,
// credentials, the select statement, the key and writability; then, when both sides are checked
// and pass, the mapping.
class VerifyJob final : public Job {
    Q_OBJECT
public:
    VerifyJob(const ProviderRegistry& registry, ConnectionDocument document,
              std::vector<Side> sides, QString leftPassword, QString rightPassword,
              QObject* parent = nullptr);
    ~VerifyJob() override;

signals:
    void sideChecked(const ferry::gui::SideCheck& check);
    // Both sides passed: the resolved column pairs in words, or why the mapping cannot work.
    void mappingChecked(bool ok, const QString& text);

private:
    void work() override;
    SideCheck checkSide(Side side) const;

    const ProviderRegistry& m_registry;
    ConnectionDocument m_document;
    std::vector<Side> m_sides;
    std::string m_passwords[2];
};

// Opens one side and describes its columns (for the key chooser and the mapping editor).
class DescribeJob final : public Job {
    Q_OBJECT
public:
    DescribeJob(const ProviderRegistry& registry, EntityConfig entity, Side side, QString password,
                QObject* parent = nullptr);
    ~DescribeJob() override;
    Side side() const { return m_side; }

signals:
    void described(ferry::Side side, const ferry::Schema& schema);

private:
    void work() override;

    const ProviderRegistry& m_registry;
    EntityConfig m_entity;
    Side m_side;
    std::string m_password;
};

// Reads the first rows of one side in chunks. Every signal carries the generation the job was
// started with, so a receiver drops results of a preview it no longer shows.
class PreviewJob final : public Job {
    Q_OBJECT
public:
    PreviewJob(const ProviderRegistry& registry, EntityConfig entity, QString password,
               int generation, std::size_t maxRows, std::size_t chunkRows,
               QObject* parent = nullptr);
    ~PreviewJob() override;

signals:
    void schemaReady(int generation, const ferry::Schema& schema);
    void rowsReady(int generation, const std::vector<ferry::Record>& rows);
    // After the last chunk: whether the entity has more rows than were read.
    void completed(int generation, bool more);

private:
    void work() override;

    const ProviderRegistry& m_registry;
    EntityConfig m_entity;
    std::string m_password;
    int m_generation;
    std::size_t m_maxRows;
    std::size_t m_chunkRows;
};

// One synchronization through SyncEngine, with the state store opened on the worker thread.
class RunJob final : public Job {
    Q_OBJECT
public:
    RunJob(const ProviderRegistry& registry, std::filesystem::path stateStorePath,
           ConnectionDocument document, bool dryRun, QString leftPassword, QString rightPassword,
           QObject* parent = nullptr);
    ~RunJob() override;
    bool isDryRun() const { return m_dryRun; }
    const ConnectionDocument& document() const { return m_document; }

signals:
    void progressed(const ferry::Progress& progress);
    void completed(const ferry::RunReport& report);

private:
    void work() override;

    const ProviderRegistry& m_registry;
    std::filesystem::path m_stateStorePath;
    ConnectionDocument m_document;
    bool m_dryRun;
    std::string m_passwords[2];
};

// The first half of Create Target: opens both sides like `ferry create-target --dry-run` and
// reports the columns the new entity would get. Fails with planTarget()'s errors (the entity
// exists, its provider cannot create one, the mapping carries no column, connecting failed).
class PlanTargetJob final : public Job {
    Q_OBJECT
public:
    PlanTargetJob(const ProviderRegistry& registry, ConnectionDocument document, Side side,
                  QString leftPassword, QString rightPassword, QObject* parent = nullptr);
    ~PlanTargetJob() override;

signals:
    void planned(ferry::Side side, const std::vector<ferry::Column>& columns);

private:
    void work() override;

    const ProviderRegistry& m_registry;
    ConnectionDocument m_document;
    Side m_side;
    std::string m_passwords[2];
};

// The second half, after the user confirmed: plans again on its own worker (the entity may have
// appeared meanwhile, and no connection is held open while a dialog waits), checks that the
// columns are still the confirmed ones, and creates the entity. Nothing is created when the
// plan changed.
class CreateTargetJob final : public Job {
    Q_OBJECT
public:
    CreateTargetJob(const ProviderRegistry& registry, ConnectionDocument document, Side side,
                    std::vector<Column> confirmedColumns, QString leftPassword,
                    QString rightPassword, QObject* parent = nullptr);
    ~CreateTargetJob() override;

signals:
    void created(ferry::Side side, const ferry::CreatedEntity& entity);

private:
    void work() override;

    const ProviderRegistry& m_registry;
    ConnectionDocument m_document;
    Side m_side;
    std::vector<Column> m_confirmedColumns;
    std::string m_passwords[2];
};

}  // namespace ferry::gui
