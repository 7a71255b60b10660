#pragma once

#include <string_view>

namespace pgokit {

// What this binary is: fixed at compile time, so /health tells the truth about the artifact
// that actually runs (which arch the compiler targeted, which pipeline stage built it).
class BuildInfo {
 public:
  // The project version ("0.1.0").
  static std::string_view version() noexcept;

  // The target architecture from the compiler's predefined macros: "x86_64", "arm64" or "unknown".
  static std::string_view arch() noexcept;

  // The PGO pipeline stage: "release", "instrumented" or "optimized".
  static std::string_view stage() noexcept;

  // The compiler that built this file (__VERSION__).
  static std::string_view compiler() noexcept;
};

}  // namespace pgokit
