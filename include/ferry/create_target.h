// Creating the entity one side of a connection names from the other side's columns
// (`ferry create-target`, the desktop app's "Create Target…").
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ferry/document.h"
#include "ferry/provider.h"

namespace ferry {

// The side a first run writes into: the target of a one-way connection, else the right side.
Side defaultTargetSide(Direction direction);

// What creating the target would make, with both sides open.
struct TargetPlan {
    Side side = Side::Right;      // the side to create
    std::vector<Column> columns;  // columnsForNewEntity() of the other side's schema
    std::unique_ptr<Provider> target;
};

// Opens both sides and plans the new entity. Throws Error{InvalidArgument} when the target's
// provider cannot create entities or the entity exists already (nothing is changed),
// Error{InvalidDocument} when the mapping carries no column, and the providers' errors.
TargetPlan planTarget(const ProviderRegistry& registry, const ConnectionDocument& document,
                      Side side, const std::string& leftPassword, const std::string& rightPassword);

// Makes the planned entity (Provider::createEntity).
CreatedEntity createTarget(TargetPlan& plan);

}  // namespace ferry
