// Rules about the build stage: instrumentation, lto.
#include "Rules.hpp"

#include "llvm/ADT/StringExtras.h"

namespace pgokit::validate {

namespace {

llvm::json::Array toJson(const std::vector<std::string>& marks) {
  llvm::json::Array out;
  for (const std::string& mark : marks) {
    out.push_back(jsonText(mark));
  }
  return out;
}

bool claimsLto(const Provenance& note) { return note.claims("thinlto") || note.claims("lto"); }

}  // namespace

Finding checkInstrumentation(const RuleContext& context) {
  constexpr llvm::StringRef id = "instrumentation";
  const Instrumentation& found = context.evidence.instrumentation;
  llvm::json::Object details{
      {"llvm", toJson(found.llvm)}, {"bolt", toJson(found.bolt)}, {"gcov", toJson(found.gcov)}};
  if (context.expect.instrumented) {
    if (found.any()) {
      return pass(id, "instrumented: " + printable(found.describe()), std::move(details));
    }
    return withHint(fail(id, "no instrumentation found", std::move(details)),
                    "looked for __llvm_prf_* sections, __llvm_profile_*/__profc_* symbols, "
                    ".bolt.instr* sections, __bolt_instr_* symbols and gcov symbols");
  }
  if (found.any()) {
    return withHint(fail(id, "instrumented: " + printable(found.describe()), std::move(details)),
                    "an instrumented binary must never ship");
  }
  return pass(id, "no LLVM, BOLT or gcov instrumentation", std::move(details));
}

Finding checkLto(const RuleContext& context) {
  constexpr llvm::StringRef id = "lto";
  const Evidence& evidence = context.evidence;
  const std::optional<Provenance>& note = evidence.provenance.value;
  llvm::json::Object details{
      {"promoted_locals", static_cast<std::int64_t>(evidence.promotedLocals)}};
  std::vector<std::string> reasons;
  if (evidence.promotedLocals > 0) {
    reasons.push_back(std::to_string(evidence.promotedLocals) +
                      (evidence.promotedLocals == 1 ? " local symbol" : " local symbols") +
                      " promoted for cross-module import (e.g. " +
                      printable(evidence.promotedExample) + ")");
  }
  if (note && claimsLto(*note)) {
    reasons.emplace_back("the provenance note lists thinlto");
  }
  if (!reasons.empty()) {
    return pass(id, llvm::join(reasons, "; "), std::move(details));
  }
  if (note) {
    return unlessExpected(
        context.expect.lto, "lto",
        fail(id,
             "the provenance note's stages (" + printable(llvm::join(note->stages, ", ")) +
                 ") do not include thinlto, and no symbol was promoted "
                 "across modules",
             std::move(details)));
  }
  return skip(id,
              "no evidence either way: ThinLTO marks a linked binary only when it promotes a "
              "local (<name>.llvm.<hash>), and there is no provenance note",
              std::move(details));
}

}  // namespace pgokit::validate
