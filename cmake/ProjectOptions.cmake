# Language level and warnings for pgokit's own targets. Optimization flags come
# from presets (build type) and PGOKit.cmake (stage), never from here.

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

add_library(pgokit_warnings INTERFACE)
target_compile_options(pgokit_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual
  # GCC 12 reports libstdc++'s own shared_ptr code under this flag (false
  # positives in system headers after inlining); clang's is precise.
  $<$<CXX_COMPILER_ID:Clang>:-Wnull-dereference>)
