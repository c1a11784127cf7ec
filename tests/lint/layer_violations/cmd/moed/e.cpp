#include "rpc/server.hpp"
#include "moe/offline/trainer.hpp"
#include "tools/load/load_generator.hpp"
