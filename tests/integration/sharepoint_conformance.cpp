// The provider conformance suite for the SharePoint provider against the SharePoint emulator.
#include <algorithm>
#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "ferry/connection_string.h"
#include "provider_conformance.h"
#include "sharepoint/sharepoint_provider.h"
#include "sharepoint_emulator.h"

namespace ferry::test {

namespace {

using emulator::SharePointEmulator;
using emulator::SharePointOptions;
using emulator::SpField;
using emulator::SpFieldType;
using emulator::SpListDefinition;
using nlohmann::json;

// A spec column as a SharePoint field. The list's own ID is the identity key; the suite leaves
// out binary and date-only columns, and gives integers as doubles (Number) and GUIDs as text.
SpField fieldFor(const ColumnSpec& column) {
    SpField field;
    field.internalName = column.name;
    field.title = column.name;
    field.required = !column.nullable;
    field.indexed = column.key;  // the explicit key is looked up by $filter on each write
    switch (column.type) {
        case ValueType::String:
            field.type =
                column.length > 0 && column.length <= 255 ? SpFieldType::Text : SpFieldType::Note;
            field.maxLength = static_cast<int>(column.length > 0 ? column.length : 255);
            break;
        case ValueType::Int:
        case ValueType::Double:
            field.type = SpFieldType::Number;
            break;
        case ValueType::Decimal:
            field.type = SpFieldType::Currency;
            break;
        case ValueType::Bool:
            field.type = SpFieldType::Boolean;
            break;
        case ValueType::DateTime:
        case ValueType::Date:
            field.type = SpFieldType::DateTime;
            break;
        default:
            field.type = SpFieldType::Text;
            break;
    }
    return field;
}

json nativeValue(const Value& value) {
    switch (value.type()) {
        case ValueType::Null:
            return nullptr;
        case ValueType::Bool:
            return value.asBool();
        case ValueType::Int:
            return value.asInt();
        case ValueType::Double:
            return value.asDouble();
        case ValueType::Decimal:
            return json::parse(value.asDecimal().text);
        case ValueType::DateTime:
            return formatDateTime(value.asDateTime());
        case ValueType::Date:
            return formatDate(value.asDate()) + "T00:00:00Z";
        default:
            return value.toDisplay();
    }
}

Value fromNative(const json& value, ValueType type) {
    if (value.is_null()) {
        return Value();
    }
    switch (type) {
        case ValueType::Int:
            return Value(value.get<std::int64_t>());
        case ValueType::Double:
            return Value(value.get<double>());
        case ValueType::Decimal:
            return Value(parseDecimal(value.dump()).value_or(Decimal{"0"}));
        case ValueType::Bool:
            return Value(value.get<bool>());
        case ValueType::DateTime:
            return Value(parseDateTime(value.get<std::string>()).value_or(DateTime{}));
        default:
            return value.is_string() ? Value(value.get<std::string>()) : Value(value.dump());
    }
}

class SharePointBackend final : public ConformanceBackend {
public:
    SharePointBackend() {
        m_service = std::make_unique<SharePointEmulator>(SharePointOptions{});
        m_service->start();
    }

    BackendTraits traits() const override {
        BackendTraits traits;
        traits.keyKind = KeyKind::ServerInteger;
        traits.serverKeyName = "ID";
        traits.keyColumn = "ferry_key";  // "id" is the list's own ID in any case
        traits.integers = false;         // Number columns are doubles
        traits.dateOnly = false;         // DateTime columns only
        traits.guids = false;
        traits.decimalPrecision = false;  // Currency declares neither precision nor scale
        traits.uniqueKeys = false;        // no unique constraint the suite can rely on
        traits.maxDecimalPrecision = 15;  // Currency is a double on the wire
        traits.maxDecimalScale = 4;
        traits.binary = false;
        traits.nonAsciiNames = false;  // internal names encode other characters as _xNNNN_
        traits.dateTimeFractionDigits = 0;
        traits.emptyText = false;        // "" is stored as null
        traits.readOnlySelects = false;  // a select is always one list's own items
        return traits;
    }

    ProviderSettings createTable(const TableSpec& spec) override {
        m_spec = spec;
        m_title = "ferry_conformance_" + std::to_string(++m_tables);
        SpListDefinition list;
        list.title = m_title;
        list.urlName = m_title;
        SpField title;
        title.internalName = "Title";
        title.required = false;  // the suite's tables have no required title
        list.fields.push_back(title);
        // An identity column is the list's own ID; other key columns are ordinary columns,
        // named as the explicit primary key.
        std::string select;
        std::vector<std::string> keys;
        for (const auto& column : spec.columns) {
            if (column.identity) {
                if (!column.key || column.type != ValueType::Int) {
                    throw std::invalid_argument("SharePoint generates only integer IDs");
                }
                continue;
            }
            list.fields.push_back(fieldFor(column));
            select += (select.empty() ? "" : ",") + column.name;
            if (column.key) {
                keys.push_back(column.name);
            }
        }
        m_service->createList(list);
        ProviderSettings settings =
            settingsFor(m_service->siteUrl() + "/Lists/" + m_title + "/AllItems.aspx", "Passw0rd!");
        settings.select = select.empty() ? "" : "$select=" + select;
        settings.primaryKey = keys;
        return settings;
    }

    std::unique_ptr<Provider> open(const ProviderSettings& settings) override {
        return sharepoint::providerInfo().factory(settings);
    }

    void insertRows(const std::vector<Row>& rows) override {
        std::vector<json> items;
        for (const auto& row : rows) {
            json item = json::object();
            for (std::size_t c = 0; c < m_spec.columns.size() && c < row.size(); ++c) {
                if (!m_spec.columns[c].identity) {
                    item[m_spec.columns[c].name] = nativeValue(row[c]);
                }
            }
            items.push_back(std::move(item));
        }
        m_service->addItems(m_title, items);
    }

    std::vector<Row> readRows() override {
        std::vector<Row> rows;
        for (const auto& item : m_service->items(m_title)) {
            Row row;
            for (const auto& column : m_spec.columns) {
                const json& value =
                    column.identity ? item.at("ID") : item.value(column.name, json(nullptr));
                row.push_back(fromNative(value, column.type));
            }
            rows.push_back(std::move(row));
        }
        // Ordered by the first column (the suite's key), as the suite reads them.
        std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
            const auto number = [](const Value& v) {
                return v.type() == ValueType::Int      ? static_cast<double>(v.asInt())
                       : v.type() == ValueType::Double ? v.asDouble()
                                                       : 0.0;
            };
            return number(a.front()) < number(b.front());
        });
        return rows;
    }

    ReadOnlySelect readOnlySelect() override {
        // A SharePoint select is always one list's items: there is no read-only select.
        throw std::logic_error("SharePoint has no read-only select statement");
    }

    std::optional<ProviderSettings> wrongPassword() override {
        return settingsFor(m_service->siteUrl() + "/Lists/" + m_title, "not-the-password");
    }

    ProviderSettings unreachable() override {
        return settingsFor("http://127.0.0.1:1/sites/sales/Lists/Accounts", "Passw0rd!");
    }

    ProviderSettings missingTable() override {
        return settingsFor(m_service->siteUrl() + "/Lists/NoSuchList", "Passw0rd!");
    }

private:
    ProviderSettings settingsFor(const std::string& url, const std::string& password) const {
        ProviderSettings settings;
        settings.title = "SharePoint";
        settings.connectionString = ConnectionString::parse(
            "URL=" + url + ";Authentication=Microsoft_Modern;User=admin@contoso.com;" +
            "TokenEndpoint=" + m_service->tokenEndpoint() + ";Timeout=10");
        settings.password = password;
        return settings;
    }

    std::unique_ptr<SharePointEmulator> m_service;
    TableSpec m_spec;
    std::string m_title;
    int m_tables = 0;
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(SharePoint, ProviderConformance,
                         ::testing::Values(BackendParam{
                             "SharePoint", [] { return std::make_unique<SharePointBackend>(); }}),
                         backendParamName);
INSTANTIATE_TEST_SUITE_P(SharePoint, AuthenticatedProviderConformance,
                         ::testing::Values(BackendParam{
                             "SharePoint", [] { return std::make_unique<SharePointBackend>(); }}),
                         backendParamName);

}  // namespace ferry::test
