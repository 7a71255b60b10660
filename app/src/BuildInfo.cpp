#include "BuildInfo.hpp"

// Both come from the build (app/CMakeLists.txt and pgokit_optimize); the fallbacks only let
// the file compile on its own, e.g. in an IDE.
#ifndef PGOKIT_VERSION
#define PGOKIT_VERSION "0.0.0"
#endif
#ifndef PGOKIT_BUILD_STAGE
#define PGOKIT_BUILD_STAGE "unknown"
#endif

namespace pgokit {

std::string_view BuildInfo::version() noexcept { return PGOKIT_VERSION; }

std::string_view BuildInfo::arch() noexcept {
#if defined(__aarch64__)
  return "arm64";
#elif defined(__x86_64__)
  return "x86_64";
#else
  return "unknown";
#endif
}

std::string_view BuildInfo::stage() noexcept { return PGOKIT_BUILD_STAGE; }

std::string_view BuildInfo::compiler() noexcept {
#if defined(__VERSION__)
  return __VERSION__;
#else
  return "unknown";
#endif
}

}  // namespace pgokit
