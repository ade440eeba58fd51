// Text of run statuses, phases and change kinds, and the JSON form of a run report.
#include "ferry/report.h"

#include <nlohmann/json.hpp>

#include "ferry/value.h"

namespace ferry {

namespace {

using Json = nlohmann::ordered_json;

Json countsJson(const SideCounts& counts) {
    return Json{{"read", counts.read},           {"inserted", counts.inserted},
                {"updated", counts.updated},     {"deleted", counts.deleted},
                {"unchanged", counts.unchanged}, {"failed", counts.failed}};
}

}  // namespace

const char* toString(RunStatus status) {
    switch (status) {
        case RunStatus::Succeeded:
            return "succeeded";
        case RunStatus::CompletedWithErrors:
            return "completed-with-errors";
        case RunStatus::Aborted:
            return "aborted";
        case RunStatus::Cancelled:
            return "cancelled";
    }
    return "aborted";
}

const char* toString(ChangeKind kind) {
    switch (kind) {
        case ChangeKind::Insert:
            return "insert";
        case ChangeKind::Update:
            return "update";
        case ChangeKind::Delete:
            return "delete";
    }
    return "update";
}

const char* toString(RunPhase phase) {
    switch (phase) {
        case RunPhase::Connecting:
            return "connecting";
        case RunPhase::Describing:
            return "describing";
        case RunPhase::Reading:
            return "reading";
        case RunPhase::Planning:
            return "planning";
        case RunPhase::Writing:
            return "writing";
        case RunPhase::Finishing:
            return "finishing";
        case RunPhase::Done:
            return "done";
    }
    return "done";
}

std::string toJson(const RunReport& report, int indent) {
    Json json;
    json["status"] = toString(report.status);
    json["dryRun"] = report.dryRun;
    json["conflicts"] = report.conflicts;
    json["durationMs"] = report.durationMs;
    json["left"] = countsJson(report.left);
    json["right"] = countsJson(report.right);
    Json errors = Json::array();
    for (const auto& error : report.errors) {
        errors.push_back(
            Json{{"side", toString(error.side)}, {"key", error.key}, {"message", error.message}});
    }
    json["errors"] = std::move(errors);
    json["runId"] = report.runId;
    json["connection"] = report.connectionTitle;
    json["startedAt"] = formatDateTime(DateTime{report.startedAtMs * 1000});
    if (!report.message.empty()) {
        json["message"] = report.message;
    }
    if (report.status == RunStatus::Aborted) {
        json["abortCode"] = toString(report.abortCode);
    }
    json["warnings"] = report.warnings;
    Json conflicts = Json::array();
    for (const auto& conflict : report.conflictList) {
        conflicts.push_back(Json{{"key", conflict.key},
                                 {"columns", conflict.columns},
                                 {"reason", conflict.reason},
                                 {"resolution", conflict.resolution}});
    }
    json["conflictList"] = std::move(conflicts);
    if (report.dryRun) {
        Json changes = Json::array();
        for (const auto& change : report.plannedChanges) {
            changes.push_back(Json{{"side", toString(change.target)},
                                   {"kind", toString(change.kind)},
                                   {"key", change.key},
                                   {"columns", change.columns}});
        }
        json["plannedChanges"] = std::move(changes);
    }
    // Keys and messages come from remote systems: never let invalid UTF-8 throw here.
    return json.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace ferry
