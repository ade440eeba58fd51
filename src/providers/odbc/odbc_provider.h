// The ODBC provider's registration entry and the provider class (the rest is private to it).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ferry/provider.h"

namespace ferry::odbc {

// Name "odbc", its connection-string keys and its factory.
ProviderInfo providerInfo();

class Connection;
class Statement;
class Dialect;
class DriverError;
class ParameterBuffer;
struct ColumnPlan;
struct ItemProblem;
struct SelectStatement;
struct TranslatedConnection;

// One table or select statement of a SQL database reached through ODBC. Connects lazily on
// first use and keeps the connection (and its prepared statements) for the provider's life.
class OdbcProvider final : public Provider {
public:
    explicit OdbcProvider(ProviderSettings settings);
    ~OdbcProvider() override;

    // writable=false with whyNotWritable when the select statement is not a single table.
    ProviderCapabilities capabilities() const override;

private:
    // Throws the connection diagnosis (AuthenticationFailed, ConnectionFailed, ...) or the
    // query's (EntityNotFound, QueryFailed).
    void doVerify() override;
    Schema doDescribe() override;
    void doRead(const ReadRequest& request, const PageSink& sink) override;
    std::vector<WriteOutcome> doWrite(const WriteBatch& batch) override;
    // Batches of keys as `SELECT * FROM (<select>) WHERE (k = ?) OR ...`.
    void doReadKeys(const std::vector<std::vector<Value>>& keys, const PageSink& sink) override;
    // The select statement's table: whether `SELECT * FROM it` runs.
    bool doEntityExists() override;
    // CREATE TABLE for the select statement's table (Dialect::createTableStatement).
    CreatedEntity doCreateEntity(const std::vector<Column>& columns) override;

    struct WritePlan;
    const SelectStatement& select() const;
    void ensureConnected();
    // The statement that reads the rows (the select, adjusted where a driver needs it).
    std::string readStatement() const;
    Statement& prepared(const std::string& sql);
    void refineSqliteColumns();
    std::vector<std::size_t> measureSqliteColumns(const std::string& selectSql);
    void readPrimaryKeys(Schema& schema);
    void applyItems(const WriteBatch& batch, const std::vector<std::size_t>& items,
                    const WritePlan& plan, std::vector<WriteOutcome>& outcomes);
    void insertRows(const WriteBatch& batch, const std::vector<std::size_t>& items,
                    const WritePlan& plan, std::vector<WriteOutcome>& outcomes);
    void insertWithGeneratedKey(const WriteBatch& batch, std::size_t item, const WritePlan& plan,
                                std::vector<WriteOutcome>& outcomes);
    void updateOrDelete(const WriteBatch& batch, std::size_t item, const WritePlan& plan,
                        std::vector<WriteOutcome>& outcomes);
    // The plain-language reason a single item failed, from the driver's diagnostics.
    ItemProblem itemProblem(const DriverError& error, const WriteBatch& batch, std::size_t item,
                            const WritePlan& plan) const;
    // Removes the password from driver text before it reaches a message or a log.
    std::string redact(std::string text) const;

    ProviderSettings m_settings;
    std::unique_ptr<ParameterBuffer> m_params;
    std::unique_ptr<SelectStatement> m_select;
    std::unique_ptr<Error> m_selectError;  // the parse failure, thrown on first use
    std::unique_ptr<TranslatedConnection> m_translated;
    std::unique_ptr<Connection> m_connection;
    std::unique_ptr<Dialect> m_dialect;
    bool m_getDataAnyColumn = false;
    std::vector<ColumnPlan> m_columns;  // aligned with describe()'s columns
    std::unordered_map<std::string, std::unique_ptr<Statement>> m_statements;
};

}  // namespace ferry::odbc
