# Third-party packages. Boost is used header-only (Asio, Beast, JSON) so that
# every line of it is compiled, and later profiled, with the stage's flags.

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)

# Debian's libboost1.81-dev ships BoostConfig; only headers are needed.
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS headers)

if(BUILD_TESTING)
  # libgtest-dev (host) or the sysroot's libgtest-dev:arm64 (cross).
  find_package(GTest 1.12 REQUIRED CONFIG)
  include(GoogleTest)
  # Scripts run by ctest (smoke tests) need a Python with only its stdlib.
  find_program(PGOKIT_PYTHON NAMES python3 REQUIRED
    HINTS /usr/bin
    DOC "Python interpreter for script-driven tests")
endif()
