// The per-item decision of a sync: direction, column-level merge, conflicts and deletes.
#include "planner.h"

#include <cstring>

namespace ferry::engine {

namespace {

constexpr std::size_t kHashSize = 8;

std::string_view pairHash(std::string_view hashes, std::size_t pair) {
    return hashes.substr(pair * kHashSize, kHashSize);
}

bool present(ItemState s) {
    return s == ItemState::New || s == ItemState::Unchanged || s == ItemState::Changed;
}

// The current hashes of a side: its own when read with values, else what the state remembers.
std::string_view currentHashes(const SideView& side, std::string_view stateHashes) {
    return side.hashes.empty() ? stateHashes : side.hashes;
}

void takeAll(ItemPlan& plan, std::size_t pairCount, std::uint8_t from) {
    plan.takeFrom.assign(pairCount, from);
}

// Writes the values of `from` to the other side as an update, skipping it when equal already.
void overwrite(ItemPlan& plan, const ItemInput& item, std::size_t pairCount, Side from) {
    const SideView& source = from == Side::Left ? item.left : item.right;
    const SideView& target = from == Side::Left ? item.right : item.left;
    takeAll(plan, pairCount, from == Side::Left ? 0 : 1);
    plan.state = StateOp::Upsert;
    const bool targetPresent = present(target.state);
    const bool equal = targetPresent && currentHashes(source, item.stateHashes) ==
                                            currentHashes(target, item.stateHashes);
    if (equal) {
        return;
    }
    const WriteOp op = targetPresent ? WriteOp::Update : WriteOp::Insert;
    if (from == Side::Left) {
        plan.toRight = op;
        plan.needsLeftValues = true;
    } else {
        plan.toLeft = op;
        plan.needsRightValues = true;
    }
}

void deleteOn(ItemPlan& plan, Side side) {
    (side == Side::Left ? plan.toLeft : plan.toRight) = WriteOp::Delete;
    plan.state = StateOp::Remove;
}

const char* winsText(Side side) {
    return side == Side::Left ? "left-wins" : "right-wins";
}

// Which side wins a conflict; nullopt = leave the item as it is (skip or undecidable).
std::optional<Side> winner(const ItemInput& item, ConflictResolution policy,
                           std::string& resolution) {
    if (item.decision) {
        resolution = std::string("decided: ") + winsText(*item.decision);
        return item.decision;
    }
    switch (policy) {
        case ConflictResolution::LeftWins:
            resolution = "left-wins";
            return Side::Left;
        case ConflictResolution::RightWins:
            resolution = "right-wins";
            return Side::Right;
        case ConflictResolution::NewestWins: {
            const auto& l = item.left.modifiedMicros;
            const auto& r = item.right.modifiedMicros;
            if (item.left.state == ItemState::Deleted) {
                resolution = "newest-wins (the change outlives the delete)";
                return Side::Right;
            }
            if (item.right.state == ItemState::Deleted) {
                resolution = "newest-wins (the change outlives the delete)";
                return Side::Left;
            }
            if (l && r && *l != *r) {
                resolution = *l > *r ? "newest-wins (left)" : "newest-wins (right)";
                return *l > *r ? Side::Left : Side::Right;
            }
            resolution = "skipped (no newer side)";
            return std::nullopt;
        }
        case ConflictResolution::Fail:
            resolution = "fail";
            return std::nullopt;
        case ConflictResolution::Skip:
            break;
    }
    resolution = "skipped";
    return std::nullopt;
}

void planOneWay(ItemPlan& plan, const ItemInput& item, std::size_t pairCount, Side from) {
    const SideView& source = from == Side::Left ? item.left : item.right;
    const SideView& target = from == Side::Left ? item.right : item.left;
    const Side to = other(from);
    switch (source.state) {
        case ItemState::Absent:
            // Only on the target and never synchronized: not ours to delete.
            plan.ignoredOneSided = target.state == ItemState::New;
            if (target.state == ItemState::Deleted) {
                plan.state = StateOp::Remove;
            }
            return;
        case ItemState::Deleted:
            if (present(target.state)) {
                deleteOn(plan, to);
            } else {
                plan.state = StateOp::Remove;
            }
            return;
        case ItemState::New:
        case ItemState::Changed:
        case ItemState::Unchanged:
            // Unchanged sources reach here only when the target drifted: restore it.
            overwrite(plan, item, pairCount, from);
            return;
    }
}

void planBothNew(ItemPlan& plan, const ItemInput& item, std::size_t pairCount,
                 ConflictResolution policy) {
    // No common base: every column that differs is a conflict.
    for (std::size_t p = 0; p < pairCount; ++p) {
        if (pairHash(item.left.hashes, p) != pairHash(item.right.hashes, p)) {
            plan.conflictPairs.push_back(p);
        }
    }
    if (plan.conflictPairs.empty()) {
        takeAll(plan, pairCount, 0);
        plan.state = StateOp::Upsert;
        return;
    }
    plan.conflict = true;
    plan.reason = "exists on both sides with different values";
    if (const auto side = winner(item, policy, plan.resolution)) {
        overwrite(plan, item, pairCount, *side);
    }
}

void planMerge(ItemPlan& plan, const ItemInput& item, std::size_t pairCount,
               ConflictResolution policy) {
    const std::string_view base = item.stateHashes;
    const std::string_view l = item.left.hashes;
    const std::string_view r = item.right.hashes;
    plan.takeFrom.assign(pairCount, 0);
    for (std::size_t p = 0; p < pairCount; ++p) {
        const bool leftChanged = pairHash(l, p) != pairHash(base, p);
        const bool rightChanged = pairHash(r, p) != pairHash(base, p);
        if (leftChanged && rightChanged && pairHash(l, p) != pairHash(r, p)) {
            plan.conflictPairs.push_back(p);
        } else if (rightChanged) {
            plan.takeFrom[p] = 1;
        }
    }
    if (!plan.conflictPairs.empty()) {
        plan.conflict = true;
        plan.reason = "changed on both sides";
        const auto side = winner(item, policy, plan.resolution);
        if (!side) {
            plan.takeFrom.clear();
            return;
        }
        for (const auto p : plan.conflictPairs) {
            plan.takeFrom[p] = *side == Side::Left ? 0 : 1;
        }
    }
    plan.state = StateOp::Upsert;
    for (std::size_t p = 0; p < pairCount; ++p) {
        if (pairHash(l, p) == pairHash(r, p)) {
            continue;
        }
        if (plan.takeFrom[p] == 0) {
            plan.toRight = WriteOp::Update;
            plan.needsLeftValues = true;
        } else {
            plan.toLeft = WriteOp::Update;
            plan.needsRightValues = true;
        }
    }
    if (plan.toLeft == WriteOp::Update || plan.toRight == WriteOp::Update) {
        // A merged write carries values from both sides.
        plan.needsLeftValues = plan.needsRightValues = true;
    }
}

void planDeleteVersusChange(ItemPlan& plan, const ItemInput& item, std::size_t pairCount,
                            ConflictResolution policy, Side deletedSide) {
    plan.conflict = true;
    plan.reason = deletedSide == Side::Left ? "deleted on the left, changed on the right"
                                            : "deleted on the right, changed on the left";
    const auto side = winner(item, policy, plan.resolution);
    if (!side) {
        return;
    }
    if (*side == deletedSide) {
        deleteOn(plan, other(deletedSide));
    } else {
        overwrite(plan, item, pairCount, other(deletedSide));
    }
}

void planBidirectional(ItemPlan& plan, const ItemInput& item, std::size_t pairCount,
                       ConflictResolution policy) {
    const ItemState l = item.left.state;
    const ItemState r = item.right.state;
    if (l == ItemState::New && r == ItemState::New) {
        planBothNew(plan, item, pairCount, policy);
    } else if (l == ItemState::New || (l == ItemState::Changed && r == ItemState::Unchanged) ||
               (l == ItemState::Changed && r == ItemState::Absent)) {
        overwrite(plan, item, pairCount, Side::Left);
    } else if (r == ItemState::New || (r == ItemState::Changed && l == ItemState::Unchanged) ||
               (r == ItemState::Changed && l == ItemState::Absent)) {
        overwrite(plan, item, pairCount, Side::Right);
    } else if (l == ItemState::Changed && r == ItemState::Changed) {
        planMerge(plan, item, pairCount, policy);
    } else if (l == ItemState::Deleted && r == ItemState::Deleted) {
        plan.state = StateOp::Remove;
    } else if (l == ItemState::Deleted && r == ItemState::Changed) {
        planDeleteVersusChange(plan, item, pairCount, policy, Side::Left);
    } else if (r == ItemState::Deleted && l == ItemState::Changed) {
        planDeleteVersusChange(plan, item, pairCount, policy, Side::Right);
    } else if (l == ItemState::Deleted) {
        deleteOn(plan, Side::Right);
    } else if (r == ItemState::Deleted) {
        deleteOn(plan, Side::Left);
    }
}

}  // namespace

ItemPlan planItem(const ItemInput& item, Direction direction, ConflictResolution policy,
                  std::size_t pairCount) {
    ItemPlan plan;
    switch (direction) {
        case Direction::LeftToRight:
            planOneWay(plan, item, pairCount, Side::Left);
            break;
        case Direction::RightToLeft:
            planOneWay(plan, item, pairCount, Side::Right);
            break;
        case Direction::Bidirectional:
            planBidirectional(plan, item, pairCount, policy);
            break;
    }
    return plan;
}

std::string agreedHashes(const ItemInput& item, const ItemPlan& plan, std::size_t pairCount) {
    const std::string_view l = currentHashes(item.left, item.stateHashes);
    const std::string_view r = currentHashes(item.right, item.stateHashes);
    std::string hashes;
    hashes.reserve(pairCount * kHashSize);
    for (std::size_t p = 0; p < pairCount; ++p) {
        const bool fromRight = !plan.takeFrom.empty() && plan.takeFrom[p] == 1;
        hashes.append(pairHash(fromRight ? r : l, p));
    }
    return hashes;
}

}  // namespace ferry::engine
