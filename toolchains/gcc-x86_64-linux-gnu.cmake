# GCC for x86_64, the compiler many teams build their release with today. pgokit
# uses it only as a baseline for benchmarks (`pgokit bench`): PGO stages need
# clang (cmake/PGOKit.cmake refuses them with any other compiler).

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

find_program(PGOKIT_GCC gcc REQUIRED)
find_program(PGOKIT_GXX g++ REQUIRED)
set(CMAKE_C_COMPILER "${PGOKIT_GCC}")
set(CMAKE_CXX_COMPILER "${PGOKIT_GXX}")
