#include "Expectation.hpp"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSwitch.h"

namespace pgokit::validate {

namespace {

enum Item : unsigned {
  kPgo = 1U << 0U,
  kLto = 1U << 1U,
  kBolt = 1U << 2U,
  kProvenance = 1U << 3U,
  kInstrumented = 1U << 4U,
  kRelease = 1U << 5U,
};

unsigned expand(llvm::StringRef word) {
  return llvm::StringSwitch<unsigned>(word)
      .Case("pgo", kPgo)
      .Case("lto", kLto)
      .Case("provenance", kProvenance)
      .Case("instrumented", kInstrumented)
      .Case("release", kRelease)
      .Case("optimized", kPgo | kLto)
      .Case("bolt", kPgo | kLto | kBolt)
      .Case("dist", kPgo | kLto | kBolt | kProvenance)
      .Default(0);
}

}  // namespace

std::vector<std::string> Expectation::items() const {
  std::vector<std::string> out;
  const std::pair<bool, const char*> named[] = {
      {pgo, "pgo"},
      {lto, "lto"},
      {bolt, "bolt"},
      {provenance, "provenance"},
      {instrumented, "instrumented"},
      {release, "release"},
  };
  for (const auto& [on, name] : named) {
    if (on) {
      out.emplace_back(name);
    }
  }
  return out;
}

llvm::Expected<Expectation> parseExpectation(llvm::StringRef list) {
  llvm::SmallVector<llvm::StringRef, 8> words;
  list.split(words, ',');
  unsigned items = 0;
  for (llvm::StringRef word : words) {
    word = word.trim();
    const unsigned expanded = expand(word);
    if (expanded == 0) {
      return llvm::createStringError("--expect: unknown item '" + word.str() +
                                     "' (items: pgo, lto, bolt, provenance, instrumented, release; "
                                     "stages: release, instrumented, optimized, bolt, dist)");
    }
    items |= expanded;
  }
  if ((items & kRelease) != 0 && (items & kInstrumented) != 0) {
    return llvm::createStringError(
        "--expect: release and instrumented exclude each other: a release binary "
        "must carry no instrumentation");
  }
  Expectation expect;
  expect.pgo = (items & kPgo) != 0;
  expect.lto = (items & kLto) != 0;
  expect.bolt = (items & kBolt) != 0;
  expect.provenance = (items & kProvenance) != 0;
  expect.instrumented = (items & kInstrumented) != 0;
  // Whatever ships must be free of instrumentation, unless asked otherwise.
  expect.release = (items & kRelease) != 0 ||
                   ((items & (kPgo | kLto | kBolt | kProvenance)) != 0 && !expect.instrumented);
  return expect;
}

}  // namespace pgokit::validate
