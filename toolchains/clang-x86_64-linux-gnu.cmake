# clang 19 + lld for x86_64 Linux, built on an x86_64 host.
#
#   cmake -DCMAKE_TOOLCHAIN_FILE=<pgokit>/toolchains/clang-x86_64-linux-gnu.cmake ...
#
# Cache variables:
#   PGOKIT_LLVM_ROOT   LLVM install prefix (default /usr/lib/llvm-19)
#
# CMAKE_SYSTEM_NAME is left unset on purpose: on an x86_64 host this is a
# native build, so tests run directly and CMAKE_CROSSCOMPILING stays false.

include(${CMAKE_CURRENT_LIST_DIR}/clang-common.cmake)

set(CMAKE_C_COMPILER_TARGET x86_64-linux-gnu)
set(CMAKE_CXX_COMPILER_TARGET x86_64-linux-gnu)
