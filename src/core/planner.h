// The per-item decision of a sync: given how an item looks on each side and in the state store,
// which writes flow where (rclone bisync's comparison, as one pure function).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/document.h"

namespace ferry::engine {

// An item's state on one side, relative to the last successful sync.
enum class ItemState {
    Absent,     // never seen on this side (not in the state store, not read now)
    New,        // read now, not in the state store
    Unchanged,  // read now, same values as the state store remembers
    Changed,    // read now, different values
    Deleted,    // in the state store, not read now
};

struct SideView {
    ItemState state = ItemState::Absent;
    // One 8-byte hash per mapped column pair (Unchanged/Changed/New). For Unchanged it may be
    // empty: the state's hashes apply.
    std::string_view hashes;
    std::optional<std::int64_t> modifiedMicros;  // for newest-wins
};

struct ItemInput {
    SideView left;
    SideView right;
    std::string_view stateHashes;  // empty for items the state store does not know
    std::optional<Side> decision;  // the user's decision on an open conflict
};

enum class WriteOp : std::uint8_t { None, Insert, Update, Delete };
enum class StateOp : std::uint8_t { Keep, Upsert, Remove };

struct ItemPlan {
    WriteOp toLeft = WriteOp::None;
    WriteOp toRight = WriteOp::None;
    StateOp state = StateOp::Keep;
    // Per pair, where the agreed value comes from: 0 = left, 1 = right. Used for the values
    // written and the hashes remembered.
    std::vector<std::uint8_t> takeFrom;
    bool conflict = false;
    std::vector<std::size_t> conflictPairs;  // pairs changed on both sides to different values
    std::string reason;      // "changed on both sides", "deleted on the left, changed on the right"
    std::string resolution;  // "left-wins", "right-wins", "skipped", "newest-wins (left)", "fail"
    bool needsLeftValues = false;   // a write takes values from the left
    bool needsRightValues = false;  // a write takes values from the right
    bool ignoredOneSided = false;   // a never-seen item on the target side of a one-way run
};

ItemPlan planItem(const ItemInput& item, Direction direction, ConflictResolution policy,
                  std::size_t pairCount);

// The hashes to remember after applying `plan` (one 8-byte hash per pair).
std::string agreedHashes(const ItemInput& item, const ItemPlan& plan, std::size_t pairCount);

}  // namespace ferry::engine
