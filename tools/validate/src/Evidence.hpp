#pragma once

#include "BoltNote.hpp"
#include "ElfImage.hpp"
#include "Provenance.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgokit::validate {

// A half-open address range [begin, end).
struct AddressRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;

  bool contains(std::uint64_t address) const { return address >= begin && address < end; }
  // "[0x200000, 0x2003e2)"
  std::string describe() const;
};

// Traces that instrumentation leaves in a linked binary.
struct Instrumentation {
  // Each a short description: "section __llvm_prf_cnts", "312 __profc_* symbols".
  std::vector<std::string> llvm;  // clang -fprofile-instr-generate / -fprofile-generate
  std::vector<std::string> bolt;  // llvm-bolt -instrument
  std::vector<std::string> gcov;  // -fprofile-arcs / GCC -fprofile-generate

  bool any() const { return !llvm.empty() || !bolt.empty() || !gcov.empty(); }
  // "LLVM: section __llvm_prf_cnts, ...; BOLT: ..." (at most a few marks each).
  std::string describe() const;
};

// A value read from the binary, or why it could not be.
template <typename T>
struct Found {
  std::optional<T> value;
  std::string problem;  // empty when value is set, or when there was nothing at all
};

// Facts about one binary that several rules share, gathered once from the
// ElfImage. Nothing here judges; the rules do.
struct Evidence {
  Instrumentation instrumentation;
  std::vector<const Section*> textHot;       // .text.hot*
  std::vector<const Section*> textUnlikely;  // .text.unlikely*
  bool boltNotePresent = false;              // a .note.bolt_info section exists
  Found<BoltNote> boltNote;
  Found<AddressRange> boltHotText;  // [__hot_start, __hot_end)
  std::size_t promotedLocals = 0;   // ThinLTO's <name>.llvm.<hash> symbols
  std::string promotedExample;
  Found<std::string> buildId;      // lower-case hex
  bool provenancePresent = false;  // a .note.pgokit section or pgokit note
  Found<Provenance> provenance;

  static Evidence gather(const ElfImage& elf);

  // The profile reached code generation: PGO sections, or BOLT's hot text.
  bool hasPgoLayout() const {
    return !textHot.empty() || !textUnlikely.empty() || boltHotText.value;
  }
};

}  // namespace pgokit::validate
