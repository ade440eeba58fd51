// Deterministic generated rows for the predefined tables (accounts, contacts, regions).
#pragma once

#include <cstdint>

#include "dynamics_emulator.h"
#include "entity_table.h"

namespace ferry::emulator {

// Fills the tables with options.accounts accounts and options.contacts contacts (every contact's
// parentcustomerid points to an account) and a few regions, all derived from options.seed.
// Each row takes the next value of `version`.
void fillSampleData(EntityTable& accounts, EntityTable& contacts, EntityTable& regions,
                    const DynamicsOptions& options, std::uint64_t& version);

}  // namespace ferry::emulator
