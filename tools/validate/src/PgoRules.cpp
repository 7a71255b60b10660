// Rules about profile-guided optimization: pgo.sections, pgo.hot-functions.
#include "Placement.hpp"
#include "Rules.hpp"

#include "llvm/ADT/StringExtras.h"

#include <cmath>

namespace pgokit::validate {

namespace {

std::string describeSections(const std::vector<const Section*>& sections) {
  std::vector<std::string> parts;
  for (const Section* section : sections) {
    parts.push_back(printable(section->name) + " (" + std::to_string(section->size) + " B)");
  }
  return llvm::join(parts, ", ");
}

}  // namespace

Finding checkPgoSections(const RuleContext& context) {
  constexpr llvm::StringRef id = "pgo.sections";
  const Evidence& evidence = context.evidence;
  std::vector<const Section*> sections = evidence.textHot;
  sections.insert(sections.end(), evidence.textUnlikely.begin(), evidence.textUnlikely.end());
  llvm::json::Object details{{"text_hot", !evidence.textHot.empty()},
                             {"text_unlikely", !evidence.textUnlikely.empty()},
                             {"bolted", evidence.boltNotePresent}};
  std::vector<std::string> found;
  if (!sections.empty()) {
    found.push_back(describeSections(sections));
  }
  if (evidence.boltHotText.value) {
    found.push_back("BOLT hot text " + evidence.boltHotText.value->describe());
  }
  if (!found.empty()) {
    return pass(id, llvm::join(found, "; "), std::move(details));
  }
  return unlessExpected(
      context.expect.pgo, "pgo",
      withHint(
          fail(id, "no .text.hot or .text.unlikely section, no BOLT hot text", std::move(details)),
          "the profile did not reach code generation, or the link lacked "
          "-Wl,-z,keep-text-section-prefix"));
}

Finding checkPgoHotFunctions(const RuleContext& context) {
  constexpr llvm::StringRef id = "pgo.hot-functions";
  const Evidence& evidence = context.evidence;
  HotRegion region{".text.hot", {}, std::nullopt};
  for (const Section* section : evidence.textHot) {
    region.ranges.push_back(AddressRange{section->address, section->address + section->size});
  }
  // After BOLT, the hot code is what BOLT moved into its hot text plus what
  // it left where the linker put it, in .text.hot.
  if (evidence.boltNotePresent) {
    if (!evidence.boltHotText.value) {
      return skip(id,
                  "BOLT rewrote the layout but __hot_start/__hot_end do not bound it "
                  "(see bolt.hot-text)");
    }
    region.name = region.ranges.empty() ? "BOLT's hot text" : ".text.hot or BOLT's hot text";
    region.ranges.push_back(*evidence.boltHotText.value);
  }
  if (region.ranges.empty()) {
    return skip(id, "no .text.hot to measure (see pgo.sections)");
  }
  return judgeHotFunctions(context, id, region);
}

Finding judgeHotFunctions(const RuleContext& context, llvm::StringRef id, const HotRegion& region) {
  const bool bolt = id.starts_with("bolt");
  const HotProfile* profile = context.profile;
  if (profile == nullptr) {
    return skip(id, "no --profile given");
  }
  if (!context.elf.hasSymbolTable) {
    return skip(id, "no .symtab (stripped): function addresses are unknown");
  }
  const std::vector<const ProfiledFunction*> ranked = profile->hot();
  if (ranked.empty()) {
    return skip(id, "the profile has no function LLVM counts as hot");
  }
  const Placement placement = placeHotFunctions(context.elf, ranked, region, context.top);
  // "hottest 10 with a symbol, entry count >= 1662; skipped 14 inlined"
  std::string selection = "hottest " + std::to_string(placement.judged()) +
                          (region.judgedFrom ? " that BOLT laid out" : " with a symbol") +
                          ", entry count >= " + std::to_string(*profile->hotCountThreshold);
  std::vector<std::string> skipped;
  if (placement.absent > 0) {
    skipped.push_back(std::to_string(placement.absent) + " inlined");
  }
  if (placement.leftInPlace > 0) {
    skipped.push_back(std::to_string(placement.leftInPlace) + " left in place");
  }
  if (!skipped.empty()) {
    selection += "; skipped " + llvm::join(skipped, ", ");
  }
  llvm::json::Object details{
      {"region", region.name},
      {"selection", selection},
      {"hot_count_threshold", static_cast<std::int64_t>(*profile->hotCountThreshold)},
      {"hot_functions", static_cast<std::int64_t>(ranked.size())},
      {"fraction", placement.fraction()},
      {"min_fraction", kMinHotFraction},
      {"functions", placement.toJson()},
  };
  if (placement.judged() == 0) {
    return skip(id,
                "none of the profile's " + std::to_string(ranked.size()) + " hot functions " +
                    (region.judgedFrom ? "was laid out by BOLT" : "kept a symbol (all inlined)"),
                std::move(details));
  }
  const std::string reason = placement.share() + " in " + region.name + " (" + selection + ")";
  if (placement.meetsThreshold()) {
    return pass(id, reason, std::move(details));
  }
  if (placement.judged() < kMinJudgedToFail) {
    // In a small program nearly everything is inlined; one or two functions left
    // outside the hot text are not evidence that the layout ignored the profile.
    return skip(id, reason + ": too few hot functions kept a symbol to judge (fewer than " +
                        std::to_string(kMinJudgedToFail) + ")",
                std::move(details));
  }
  return unlessExpected(
      bolt ? context.expect.bolt : context.expect.pgo, bolt ? "bolt" : "pgo",
      withHint(fail(id,
                    reason + ", below " +
                        std::to_string(static_cast<int>(std::lround(kMinHotFraction * 100))) + "%",
                    std::move(details)),
               "was the binary laid out from another profile?"));
}

}  // namespace pgokit::validate
