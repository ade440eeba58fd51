// `ferry create-target <connection>`: makes the entity one side names (a SharePoint list, a
// table) from the other side's columns, so a first run has somewhere to write.
#include <nlohmann/json.hpp>

#include "command.h"
#include "command_support.h"
#include "ferry/create_target.h"
#include "text_table.h"

namespace ferry::cli {

namespace {

std::string sourceType(const Column& column) {
    std::string text = toString(column.type);
    if (!column.nativeType.empty()) {
        text += " (" + column.nativeType + ")";
    }
    return text;
}

ExitCode createTargetHandler(Context& context) {
    const LoadedConnection connection = loadConnection(context.args.positionals().front());
    const ConnectionDocument& document = connection.document;
    const Side target = context.args.value("side")
                            ? parseSide("--side", *context.args.value("side"))
                            : defaultTargetSide(document.direction);
    const Side source = other(target);
    const bool json = context.args.has("json");
    const bool dryRun = context.args.has("dry-run");
    const EntityConfig& targetEntity = target == Side::Left ? document.left : document.right;
    const EntityConfig& sourceEntity = source == Side::Left ? document.left : document.right;

    const Passwords passwords = readPasswords(context.args, context.io.in);
    TargetPlan plan =
        planTarget(builtinRegistry(), document, target, passwords.left, passwords.right);
    const std::vector<Column>& columns = plan.columns;

    CreatedEntity created;
    if (!dryRun) {
        created = createTarget(plan);
    }

    if (json) {
        nlohmann::json result = {{"side", toString(target)},
                                 {"title", targetEntity.title},
                                 {"dryRun", dryRun},
                                 {"entity", created.name},
                                 {"requested", nlohmann::json::array()},
                                 {"created", created.columns},
                                 {"notes", created.notes}};
        for (const auto& column : columns) {
            result["requested"].push_back({{"name", column.name},
                                           {"type", toString(column.type)},
                                           {"key", column.key},
                                           {"nativeType", column.nativeType}});
        }
        context.io.out << result.dump(2) << '\n';
        return ExitCode::Success;
    }

    auto& out = context.io.out;
    if (dryRun) {
        out << "Would create " << sideLabel(target, targetEntity) << " with " << columns.size()
            << (columns.size() == 1 ? " column" : " columns") << " from "
            << sideLabel(source, sourceEntity) << ":\n\n";
        TextTable table({"COLUMN", "SOURCE TYPE", "KEY"}, 60);
        for (const auto& column : columns) {
            table.addRow({column.name, sourceType(column), column.key ? "key" : ""});
        }
        table.print(out);
        out << "\nNothing was created (--dry-run).\n";
        return ExitCode::Success;
    }
    out << "Created " << created.name << " on the " << toString(target) << " side with "
        << created.columns.size() << (created.columns.size() == 1 ? " column" : " columns")
        << ":\n";
    for (const auto& line : created.columns) {
        out << "  " << line << '\n';
    }
    for (const auto& note : created.notes) {
        out << "Note: " << note << '\n';
    }
    out << "\nNext: ferry run " << context.args.positionals().front() << '\n';
    return ExitCode::Success;
}

}  // namespace

Command createTargetCommandSpec() {
    Command command;
    command.name = "create-target";
    command.summary = "create the target list or table from the source's columns";
    command.usage = "ferry create-target <connection> [--side left|right] [--dry-run] [--json]";
    command.help = helpText(R"(
Creates the entity one side of the connection names (a SharePoint list: the list its URL
points to) with a column for every column the mapping carries from the other side: explicit
pairs under their names on the new side, and with auto mapping every other source column under
its own name, so auto mapping matches them on the first run. Types are mapped to the nearest
native type (e.g. GUID to Text, money to Currency, an option set label to Choice); the output
lists what was made. Nothing is changed when the entity already exists.

Options:
      --side left|right      the side to create (default: the target of a one-way
                             connection; right for a bi-directional one)
      --dry-run              list the columns that would be created; create nothing
      --json                 print {"side", "title", "entity", "requested", "created",
                             "notes"} as JSON
      --password-stdin SIDE  read SIDE's password from a line of standard input

)") + kPasswordHelp +
                   "\n" + kExitCodeHelp;
    command.options = {{"side", 0, true, false},
                       {"dry-run", 0, false, false},
                       {"json", 0, false, false},
                       {"password-stdin", 0, true, true}};
    command.minPositionals = 1;
    command.maxPositionals = 1;
    command.handler = createTargetHandler;
    return command;
}

}  // namespace ferry::cli
