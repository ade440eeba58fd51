// Plans and creates the entity one side of a connection names from the other side's columns.
#include "ferry/create_target.h"

#include "ferry/sync_engine.h"

namespace ferry {

Side defaultTargetSide(Direction direction) {
    return direction == Direction::RightToLeft ? Side::Left : Side::Right;
}

TargetPlan planTarget(const ProviderRegistry& registry, const ConnectionDocument& document,
                      Side side, const std::string& leftPassword,
                      const std::string& rightPassword) {
    const Side source = other(side);
    const EntityConfig& targetEntity = side == Side::Left ? document.left : document.right;
    const EntityConfig& sourceEntity = source == Side::Left ? document.left : document.right;
    const std::string targetName =
        "the " + std::string(toString(side)) + " entity '" + targetEntity.title + "'";

    TargetPlan plan;
    plan.side = side;
    plan.target =
        openEntity(registry, targetEntity, side == Side::Left ? leftPassword : rightPassword);
    if (!plan.target->capabilities().canCreateEntity) {
        throw Error(ErrorCode::InvalidArgument,
                    "the " + targetEntity.provider + " provider cannot create " + targetName, {},
                    "Create it in its own tools, then run the connection.");
    }
    if (plan.target->entityExists()) {
        throw Error(ErrorCode::InvalidArgument, targetName + " already exists; nothing was changed",
                    {}, "Map its columns in the connection, or name a new entity.");
    }
    auto sourceProvider =
        openEntity(registry, sourceEntity, source == Side::Left ? leftPassword : rightPassword);
    plan.columns = columnsForNewEntity(document.mapping, sourceProvider->describe(), source);
    if (plan.columns.empty()) {
        throw Error(ErrorCode::InvalidDocument,
                    "the mapping carries no column of the " + std::string(toString(source)) +
                        " side into the new entity",
                    {}, "Turn on auto mapping or list the column pairs.");
    }
    return plan;
}

CreatedEntity createTarget(TargetPlan& plan) {
    return plan.target->createEntity(plan.columns);
}

}  // namespace ferry
