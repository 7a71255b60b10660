#pragma once

#include "Arch.hpp"
#include "ElfImage.hpp"
#include "Evidence.hpp"
#include "Expectation.hpp"
#include "Finding.hpp"
#include "HotProfile.hpp"
#include "Placement.hpp"
#include "Provenance.hpp"

#include "llvm/ADT/ArrayRef.h"

#include <cstddef>

namespace pgokit::validate {

// What every rule sees: the binary, the facts gathered from it, and the
// command line's expectations and inputs.
struct RuleContext {
  const ElfImage& elf;
  const Evidence& evidence;
  Arch arch;
  const Expectation& expect;
  const HotProfile* profile = nullptr;  // --profile
  const Manifest* manifest = nullptr;   // --manifest
  std::size_t top = 10;                 // --top
};

using RuleCheck = Finding (*)(const RuleContext&);

// A named rule: its id (the report's first column) and what it checks.
struct Rule {
  llvm::StringRef id;
  llvm::StringRef checks;
  RuleCheck check;
};

// Every rule, in report order.
llvm::ArrayRef<Rule> allRules();

// The rules, one function each (ArchRules.cpp, StageRules.cpp, PgoRules.cpp,
// BoltRules.cpp, ProvenanceRules.cpp).
Finding checkElfArch(const RuleContext& context);
Finding checkInterpreter(const RuleContext& context);
Finding checkBuildId(const RuleContext& context);
Finding checkInstrumentation(const RuleContext& context);
Finding checkPgoSections(const RuleContext& context);
Finding checkPgoHotFunctions(const RuleContext& context);
Finding checkLto(const RuleContext& context);
Finding checkBoltNote(const RuleContext& context);
Finding checkBoltHotText(const RuleContext& context);
Finding checkBoltHotFunctions(const RuleContext& context);
Finding checkProvenanceNote(const RuleContext& context);
Finding checkProvenanceArch(const RuleContext& context);
Finding checkProvenanceStages(const RuleContext& context);
Finding checkProvenanceProfile(const RuleContext& context);
Finding checkProvenanceManifest(const RuleContext& context);

// Shorthands for rule bodies.
Finding pass(llvm::StringRef id, std::string reason, llvm::json::Object details = {});
Finding fail(llvm::StringRef id, std::string reason, llvm::json::Object details = {});
Finding skip(llvm::StringRef id, std::string reason, llvm::json::Object details = {});

// The share of the profile's top hot functions whose symbols lie in the
// region's hot text, judged against kMinHotFraction (Placement.hpp).
Finding judgeHotFunctions(const RuleContext& context, llvm::StringRef id, const HotRegion& region);

// The finding, with a hint shown when it fails.
Finding withHint(Finding finding, std::string hint);

// A rule the expectation does not require still reports what it saw, but a
// failure becomes a skip: "not expected (pgo): <reason>", without the hint.
Finding unlessExpected(bool expected, llvm::StringRef item, Finding finding);

}  // namespace pgokit::validate
