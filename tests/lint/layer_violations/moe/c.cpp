#include "moe/offline/metrics.hpp"  // violation: the engine may not use its offline part
