# moe_options carries the language standard, warnings and sanitizers for every target.
add_library(moe_options INTERFACE)
add_library(moe::options ALIAS moe_options)

# C++23 (-std=c++2b on GCC 12) for std::expected; nothing else from C++23 is relied on.
target_compile_features(moe_options INTERFACE cxx_std_23)
set(CMAKE_CXX_EXTENSIONS OFF)

target_compile_options(moe_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused
  -Woverloaded-virtual -Wimplicit-fallthrough
  -Wno-maybe-uninitialized)

if(MOE_FUZZ)
  # libFuzzer targets (fuzz/): every library instrumented for coverage and checked by
  # AddressSanitizer and UndefinedBehaviorSanitizer; the targets link -fsanitize=fuzzer.
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MOE_FUZZ needs clang (scripts/fuzz.sh configures clang++-16)")
  endif()
  # libstdc++ 12 guards <expected> with __cpp_concepts >= 202002, which clang 16 implements
  # (P0848) without yet announcing it.
  target_compile_options(moe_options INTERFACE -D__cpp_concepts=202002L -Wno-macro-redefined -Wno-unknown-warning-option
    -fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(moe_options INTERFACE -fsanitize=address,undefined)
endif()

if(MOE_SANITIZE)
  target_compile_options(moe_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(moe_options INTERFACE -fsanitize=address,undefined)
endif()
