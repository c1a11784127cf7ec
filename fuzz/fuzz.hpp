#pragma once
// What the fuzz targets share.
#include <algorithm>

#include "core/bytes.hpp"

namespace moe::fuzz {

/// Byte-for-byte equality (std::span has no operator==).
inline bool same(core::ByteView a, core::ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace moe::fuzz
