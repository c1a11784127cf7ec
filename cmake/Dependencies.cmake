# Every dependency is a Debian 12 package (scripts/install-deps.sh).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED)             # oneDNN's threads are OpenMP's: benchmarks set their count

# libsecp256k1 and Crypto++ ship no CMake package on Debian 12: pkg-config finds them.
pkg_check_modules(SECP256K1 REQUIRED IMPORTED_TARGET libsecp256k1)
pkg_check_modules(CRYPTOPP REQUIRED IMPORTED_TARGET libcrypto++)

find_package(Boost 1.74 REQUIRED)            # Multiprecision, Beast, Asio: headers only
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 2.1 REQUIRED CONFIG)     # moed's command line (cmd/moed)
find_package(ZLIB REQUIRED)                 # gzip training data (moe_offline)
find_package(RocksDB REQUIRED CONFIG)
# Debian's dnnl-config.cmake demands OpenCL (its GPU runtime), which the CPU engine never uses:
# find the library and header directly instead of pulling in OpenCL development packages.
find_library(DNNL_LIBRARY NAMES dnnl REQUIRED)
find_path(DNNL_INCLUDE_DIR NAMES oneapi/dnnl/dnnl.hpp REQUIRED)
add_library(dnnl_cpu UNKNOWN IMPORTED)
set_target_properties(dnnl_cpu PROPERTIES
  IMPORTED_LOCATION "${DNNL_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${DNNL_INCLUDE_DIR}")
add_library(moe::dnnl ALIAS dnnl_cpu)

if(MOE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(MOE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
