#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace pgokit::validate {

// What the binary is expected to be: the --expect list, expanded.
//
// Items: pgo, lto, bolt, provenance, instrumented, release.
// Stage names expand to items:
//   release       release
//   instrumented  instrumented
//   optimized     pgo,lto            (PGOKit.cmake's optimized stage: PGO + ThinLTO)
//   bolt          pgo,lto,bolt       (the optimized stage after llvm-bolt)
//   dist          pgo,lto,bolt,provenance (what `pgokit pipeline` ships)
// Everything that ships (pgo, lto, bolt, provenance) implies release, unless
// instrumented is asked for too (a BOLT-instrumented PGO binary is
// "instrumented,pgo"). release together with instrumented is a usage error.
struct Expectation {
  bool pgo = false;
  bool lto = false;
  bool bolt = false;
  bool provenance = false;
  bool instrumented = false;
  bool release = false;

  // The expanded items in a fixed order, e.g. {"pgo", "lto", "release"}.
  std::vector<std::string> items() const;
};

// Parses a comma list of items and stage names; the error says which word is wrong.
llvm::Expected<Expectation> parseExpectation(llvm::StringRef list);

}  // namespace pgokit::validate
