#include "core/bytes.hpp"
#include "evm/state.hpp"  // violation: core uses nothing
