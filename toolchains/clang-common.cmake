# Shared by pgokit's toolchain files: one LLVM for every stage (compiler,
# linker, archiver, profile tools), so a profile written by this LLVM is read
# by the same LLVM.

set(PGOKIT_LLVM_ROOT "/usr/lib/llvm-19" CACHE PATH "LLVM install prefix (clang, lld, llvm-ar)")
if(NOT EXISTS "${PGOKIT_LLVM_ROOT}/bin/clang++")
  message(FATAL_ERROR
    "No clang++ in PGOKIT_LLVM_ROOT='${PGOKIT_LLVM_ROOT}/bin'. "
    "Install LLVM 19 with `make setup` (or apt-get install clang-19 lld-19 llvm-19) "
    "or point -DPGOKIT_LLVM_ROOT at another LLVM 19 prefix.")
endif()

# try_compile() projects re-read this file; hand them the same settings.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PGOKIT_LLVM_ROOT PGOKIT_SYSROOT)

set(CMAKE_C_COMPILER "${PGOKIT_LLVM_ROOT}/bin/clang")
set(CMAKE_CXX_COMPILER "${PGOKIT_LLVM_ROOT}/bin/clang++")
# llvm-ar indexes LLVM bitcode members, which ThinLTO static libraries hold.
set(CMAKE_AR "${PGOKIT_LLVM_ROOT}/bin/llvm-ar" CACHE FILEPATH "Archiver")
set(CMAKE_RANLIB "${PGOKIT_LLVM_ROOT}/bin/llvm-ranlib" CACHE FILEPATH "Archive indexer")

foreach(kind EXE SHARED MODULE)
  # lld: the linker ThinLTO and BOLT's --emit-relocs flow are verified with.
  string(APPEND CMAKE_${kind}_LINKER_FLAGS_INIT " -fuse-ld=lld")
endforeach()
