#include "core/transaction.hpp"
#include "node/node.hpp"  // violation: the load generator is a client of RPC only
