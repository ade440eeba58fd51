// `ferry preview <connection>`: the first rows (or the columns) of one side, as a table or JSON.
#include <cmath>

#include <nlohmann/json.hpp>

#include "cancel_signal.h"
#include "command.h"
#include "command_support.h"
#include "ferry/sync_engine.h"
#include "text_table.h"

namespace ferry::cli {

namespace {

constexpr std::size_t kDefaultRows = 10;
constexpr std::size_t kDefaultCellWidth = 40;  // a GUID (36) fits whole

bool isNumeric(ValueType type) {
    return type == ValueType::Int || type == ValueType::Double || type == ValueType::Decimal;
}

nlohmann::json toJsonValue(const Value& value) {
    switch (value.type()) {
        case ValueType::Null:
            return nullptr;
        case ValueType::Bool:
            return value.asBool();
        case ValueType::Int:
            return value.asInt();
        case ValueType::Double:
            if (std::isfinite(value.asDouble())) {
                return value.asDouble();
            }
            return value.toDisplay();
        default:
            return value.toDisplay();
    }
}

nlohmann::json columnJson(const Column& column) {
    nlohmann::json json = {{"name", column.name},         {"type", toString(column.type)},
                           {"key", column.key},           {"readOnly", column.readOnly},
                           {"nullable", column.nullable}, {"length", column.length}};
    if (column.displayName != column.name && !column.displayName.empty()) {
        json["displayName"] = column.displayName;
    }
    if (!column.nativeType.empty()) {
        json["nativeType"] = column.nativeType;
    }
    return json;
}

std::string typeText(const Column& column) {
    std::string text = toString(column.type);
    if (!column.nativeType.empty()) {
        text += " (" + column.nativeType;
        if (column.length > 0) {
            text += "(" + std::to_string(column.length) + ")";
        } else if (column.precision > 0) {
            text +=
                "(" + std::to_string(column.precision) + "," + std::to_string(column.scale) + ")";
        }
        text += ")";
    }
    return text;
}

void printSchema(std::ostream& out, const Schema& schema, std::size_t cellWidth) {
    TextTable table({"COLUMN", "TYPE", "KEY", "NULLABLE", "READ-ONLY"}, cellWidth);
    for (const auto& column : schema.columns) {
        table.addRow({column.name, typeText(column), column.key ? "key" : "",
                      column.nullable ? "yes" : "no", column.readOnly ? "read-only" : ""});
    }
    table.print(out);
}

ExitCode previewHandler(Context& context) {
    const std::string& connectionArg = context.args.positionals().front();
    const Side side = parseSide("--side", context.args.value("side").value_or("left"));
    const std::size_t rows =
        context.args.value("rows") ? parseCount("rows", *context.args.value("rows")) : kDefaultRows;
    const std::size_t cellWidth = context.args.value("cell-width")
                                      ? parseCount("cell-width", *context.args.value("cell-width"))
                                      : kDefaultCellWidth;
    const bool json = context.args.has("json");
    const bool schemaOnly = context.args.has("schema");

    const LoadedConnection connection = loadConnection(connectionArg);
    const Passwords passwords = readPasswords(context.args, context.io.in);
    const EntityConfig& entity =
        side == Side::Left ? connection.document.left : connection.document.right;
    if (!context.quiet && connectionStringHasPassword(builtinRegistry(), entity)) {
        context.io.err << "ferry: warning: " << passwordWarning(side) << '\n';
    }

    auto provider = openEntity(builtinRegistry(), entity, passwords.of(side));
    const Schema& schema = provider->describe();

    std::vector<Record> records;
    bool more = false;
    CancelOnSignal cancel;
    if (!schemaOnly && rows > 0) {
        ReadRequest request;
        request.maxRows = rows + 1;  // one extra row tells whether there are more
        request.pageSize = std::min<std::size_t>(rows + 1, 5000);
        provider->read(request, [&](std::vector<Record>& page) {
            for (auto& record : page) {
                if (records.size() == rows) {
                    more = true;
                    return false;
                }
                records.push_back(std::move(record));
            }
            return !cancel.cancelled();
        });
        if (cancel.cancelled()) {
            context.io.err << "ferry: preview cancelled\n";
            return ExitCode::Cancelled;
        }
    }

    if (json) {
        nlohmann::json result = {{"side", toString(side)},
                                 {"title", entity.title},
                                 {"columns", nlohmann::json::array()}};
        for (const auto& column : schema.columns) {
            result["columns"].push_back(columnJson(column));
        }
        if (!schemaOnly) {
            result["rows"] = nlohmann::json::array();
            for (const auto& record : records) {
                nlohmann::json row = nlohmann::json::array();
                for (const auto& value : record.values) {
                    row.push_back(toJsonValue(value));
                }
                result["rows"].push_back(std::move(row));
            }
            result["more"] = more;
        }
        context.io.out << result.dump(2) << '\n';
        return ExitCode::Success;
    }

    auto& out = context.io.out;
    const auto keys = schema.keyColumns();
    out << sideLabel(side, entity) << ": " << schema.columns.size() << " columns";
    if (!keys.empty()) {
        out << ", key ";
        for (std::size_t i = 0; i < keys.size(); ++i) {
            out << (i > 0 ? ", " : "") << keys[i];
        }
    }
    out << "\n\n";
    if (schemaOnly) {
        printSchema(out, schema, cellWidth);
        return ExitCode::Success;
    }

    std::vector<std::string> headers;
    for (const auto& column : schema.columns) {
        headers.push_back(column.name);
    }
    TextTable table(headers, cellWidth);
    for (std::size_t c = 0; c < schema.columns.size(); ++c) {
        if (isNumeric(schema.columns[c].type)) {
            table.setAlign(c, Align::Right);
        }
    }
    for (const auto& record : records) {
        std::vector<std::string> cells;
        cells.reserve(record.values.size());
        for (const auto& value : record.values) {
            cells.push_back(value.toDisplay());
        }
        table.addRow(std::move(cells));
    }
    table.print(out);
    out << '\n' << records.size() << (records.size() == 1 ? " row" : " rows");
    if (more) {
        out << " (the first " << rows << "; --rows N shows more)";
    }
    out << '\n';
    return ExitCode::Success;
}

}  // namespace

Command previewCommandSpec() {
    Command command;
    command.name = "preview";
    command.summary = "show the first rows of one side";
    command.usage = "ferry preview <connection> [--side left|right] [--rows N] [--json]";
    command.help = helpText(R"(
Connects to one side and shows its first rows as a table (long cells are cut with "…"),
or its columns with --schema. Nothing is written anywhere.

Options:
      --side left|right      the side to show (default: left)
      --rows N               how many rows (default: 10)
      --schema               show the columns (type, key, nullable, read-only) instead
      --cell-width N         cut cells longer than N characters (default: 40)
      --json                 print {"side", "title", "columns", "rows", "more"} as JSON
      --password-stdin SIDE  read SIDE's password from a line of standard input

)") + kPasswordHelp +
                   "\n" + kExitCodeHelp;
    command.options = {{"side", 0, true, false},    {"rows", 'n', true, false},
                       {"schema", 0, false, false}, {"cell-width", 0, true, false},
                       {"json", 0, false, false},   {"password-stdin", 0, true, true}};
    command.minPositionals = 1;
    command.maxPositionals = 1;
    command.handler = previewHandler;
    return command;
}

}  // namespace ferry::cli
