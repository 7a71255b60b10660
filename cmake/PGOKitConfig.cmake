# Package configuration for find_package(PGOKit): the PGOKit module and
# pgokit's toolchain files, from an install (`cmake --install`) or straight
# from a pgokit checkout (-DPGOKit_DIR=<pgokit>/cmake).
#
#   find_package(PGOKit REQUIRED)
#   pgokit_optimize(my_server)
#
# Sets PGOKIT_TOOLCHAINS_DIR to the folder holding clang-<triple>.cmake.

include(${CMAKE_CURRENT_LIST_DIR}/PGOKit.cmake)

if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/../toolchains")
  get_filename_component(PGOKIT_TOOLCHAINS_DIR "${CMAKE_CURRENT_LIST_DIR}/../toolchains" ABSOLUTE)
else()
  get_filename_component(PGOKIT_TOOLCHAINS_DIR "${CMAKE_CURRENT_LIST_DIR}/../../../share/pgokit/toolchains"
    ABSOLUTE)
endif()
set(PGOKit_FOUND TRUE)
