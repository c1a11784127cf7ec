#include "moe/engine.hpp"
#include "core/bytes.hpp"
