#pragma once

#include "ElfImage.hpp"
#include "Evidence.hpp"
#include "HotProfile.hpp"

#include "llvm/Support/JSON.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace pgokit::validate {

// The share of the profile's hottest functions (those with a symbol) that
// must lie in the hot text. Far from all of them: a front-end entry count
// also counts calls that were inlined, so a function the profile calls hot
// may have an out-of-line copy that never runs (on arm64,
// std::string::_M_construct<const char*> is absent from BOLT's own profile)
// and is rightly kept cold. On pgokit's own server, top 10 to 100: 50-100%
// on x86_64; 30-60% on arm64 (trained 5-10 s under qemu). A binary laid out
// for another workload scores near 0 (the fixture tests' "text" profile: 0
// of 2), which is what this rule is there to catch.
inline constexpr double kMinHotFraction = 0.2;
// Below this many judged functions a low share is not a verdict (the rule is skipped).
inline constexpr std::size_t kMinJudgedToFail = 2;

// Where the hot text is, for one rule.
struct HotRegion {
  std::string name;                  // ".text.hot", "[__hot_start, __hot_end)"
  std::vector<AddressRange> ranges;  // the hot text
  // Only functions at or above this address are judged: BOLT lays out the
  // code it rewrites from __hot_start on and leaves the rest where the
  // linker put it, which is not BOLT's decision.
  std::optional<std::uint64_t> judgedFrom;
};

// Where one of the profile's hot functions ended up.
struct PlacedFunction {
  enum class Where {
    Hot,          // in the hot text
    Elsewhere,    // somewhere else
    Absent,       // no symbol: inlined everywhere, or removed
    LeftInPlace,  // below HotRegion::judgedFrom: not laid out by BOLT
  };
  const ProfiledFunction* function = nullptr;
  Where where = Where::Absent;
  llvm::StringRef symbol;
  std::uint64_t address = 0;
};

// How the profile's hottest functions are laid out against a hot region.
struct Placement {
  // In rank order up to the last one judged; the hotter ones that could not
  // be judged (absent, left in place) are listed too.
  std::vector<PlacedFunction> functions;
  std::size_t hot = 0;
  std::size_t elsewhere = 0;
  std::size_t absent = 0;
  std::size_t leftInPlace = 0;

  std::size_t judged() const { return hot + elsewhere; }
  // hot / judged.
  double fraction() const;
  bool meetsThreshold() const { return fraction() >= kMinHotFraction; }
  // "3/4 (75%)"
  std::string share() const;
  // [{"function": demangled, "profile_name", "entry_count", "max_count",
  //   "placement", "symbol", "address"}]
  llvm::json::Array toJson() const;
};

// Finds the symbols of the profile's hot functions (ranked, hottest first)
// in the binary's .symtab and judges the first `top` that can be judged.
// Compiler and BOLT suffixes (.llvm.<hash>, ...) are looked through; cold
// fragments (.cold) never count as the function itself.
Placement placeHotFunctions(const ElfImage& elf, const std::vector<const ProfiledFunction*>& ranked,
                            const HotRegion& region, std::size_t top);

// The demangled name for a report ("scramble(unsigned int)").
std::string displayName(llvm::StringRef linkageName);

}  // namespace pgokit::validate
