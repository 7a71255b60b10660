# clang 19 + lld cross-compiling for arm64 (aarch64) Linux from an x86_64 host,
# against a sysroot folder built from Debian's arm64 packages.
#
#   cmake -DCMAKE_TOOLCHAIN_FILE=<pgokit>/toolchains/clang-aarch64-linux-gnu.cmake \
#         -DPGOKIT_SYSROOT=<sysroot> ...
#
# Cache variables:
#   PGOKIT_SYSROOT     the arm64 sysroot (`make setup` builds one under build/sysroot/)
#   PGOKIT_LLVM_ROOT   LLVM install prefix (default /usr/lib/llvm-19)
#   PGOKIT_QEMU        qemu-aarch64 user-mode emulator used to run arm64 programs
#
# Test programs run under qemu-user through CMAKE_CROSSCOMPILING_EMULATOR, so
# ctest works unchanged on an x86_64 machine.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

if(NOT PGOKIT_SYSROOT AND DEFINED ENV{PGOKIT_SYSROOT})
  set(PGOKIT_SYSROOT "$ENV{PGOKIT_SYSROOT}")
endif()
set(PGOKIT_SYSROOT "${PGOKIT_SYSROOT}" CACHE PATH "arm64 sysroot folder")
if(NOT PGOKIT_SYSROOT OR NOT EXISTS "${PGOKIT_SYSROOT}/usr/include/aarch64-linux-gnu")
  message(FATAL_ERROR
    "PGOKIT_SYSROOT='${PGOKIT_SYSROOT}' is not an arm64 sysroot. "
    "Build one with `make setup` (it lands in build/sysroot/aarch64-linux-gnu) "
    "and pass -DPGOKIT_SYSROOT=<that folder>.")
endif()

include(${CMAKE_CURRENT_LIST_DIR}/clang-common.cmake)

set(CMAKE_SYSROOT "${PGOKIT_SYSROOT}")
set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
set(CMAKE_CXX_COMPILER_TARGET aarch64-linux-gnu)

# clang looks for its runtimes (libclang_rt.profile-aarch64.a) in its resource
# dir, not the sysroot. The sysroot carries libclang-rt-19-dev:arm64 at the
# same relative path, with include/ linked to the host's clang headers.
file(GLOB _pgokit_resource_dirs LIST_DIRECTORIES true
  "${PGOKIT_SYSROOT}/usr/lib/llvm-*/lib/clang/*")
if(_pgokit_resource_dirs)
  list(GET _pgokit_resource_dirs 0 _pgokit_resource_dir)
  string(APPEND CMAKE_C_FLAGS_INIT " -resource-dir=${_pgokit_resource_dir}")
  string(APPEND CMAKE_CXX_FLAGS_INIT " -resource-dir=${_pgokit_resource_dir}")
endif()

# Headers and libraries come from the sysroot only; programs from the host.
set(CMAKE_FIND_ROOT_PATH "${PGOKIT_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(PGOKIT_QEMU NAMES qemu-aarch64 qemu-aarch64-static
  DOC "qemu-user emulator for arm64 programs")
if(PGOKIT_QEMU)
  # -L: the arm64 dynamic loader and shared libraries come from the sysroot.
  set(CMAKE_CROSSCOMPILING_EMULATOR "${PGOKIT_QEMU};-L;${PGOKIT_SYSROOT}")
else()
  message(WARNING
    "qemu-aarch64 not found: arm64 programs cannot run here, so tests will fail. "
    "Install it with `apt-get install qemu-user`.")
endif()
