#include "moe/engine.hpp"
#include "rpc/server.hpp"  // violation: rpc is below node
#include "moe/offline/trainer.hpp"  // violation: the validator never links the trainer
