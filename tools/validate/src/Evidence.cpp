#include "Evidence.hpp"

#include "Finding.hpp"

#include "llvm/ADT/StringExtras.h"
#include "llvm/BinaryFormat/ELF.h"

namespace pgokit::validate {

namespace {

constexpr llvm::StringRef kBoltNoteSection = ".note.bolt_info";
// Marks listed by name before the rest are only counted.
constexpr std::size_t kMarksShown = 4;

// Names the first few marks of one kind of instrumentation, counts the rest.
class MarkList {
 public:
  explicit MarkList(std::vector<std::string>& out) : out_(out) {}

  void add(llvm::StringRef what) {
    if (out_.size() < kMarksShown) {
      out_.push_back(what.str());
    } else {
      ++more_;
    }
  }

  void finish() {
    if (more_ > 0) {
      out_.push_back("and " + std::to_string(more_) + " more");
    }
  }

 private:
  std::vector<std::string>& out_;
  std::size_t more_ = 0;
};

// clang's per-function counters, data and value-profile records.
bool isPerFunctionCounter(llvm::StringRef name) {
  return name.starts_with("__profc_") || name.starts_with("__profd_") ||
         name.starts_with("__profvp_");
}

// The profile runtime and its sections' bounds (__llvm_profile_runtime,
// __llvm_profile_write_file, __llvm_prf_cnts start/stop symbols, ...).
bool isLlvmProfileSymbol(llvm::StringRef name) {
  return name.starts_with("__llvm_profile_") || name.starts_with("__llvm_prf_");
}

bool isGcovSymbol(llvm::StringRef name) {
  return name.starts_with("__gcov_") || name.starts_with("llvm_gcda_") ||
         name.starts_with("llvm_gcov_") || name.starts_with("__llvm_gcov_");
}

Instrumentation findInstrumentation(const ElfImage& elf, const Found<BoltNote>& boltNote) {
  Instrumentation found;
  MarkList llvmMarks(found.llvm);
  MarkList boltMarks(found.bolt);
  MarkList gcovMarks(found.gcov);
  const std::vector<Symbol>* tables[] = {&elf.symbols, &elf.dynamicSymbols};
  // Sections survive strip; symbols say more when they are there.
  for (const Section& section : elf.sections) {
    if (section.name.starts_with("__llvm_prf_")) {
      llvmMarks.add("section " + section.name.str());
    } else if (section.name.starts_with(".bolt.instr")) {
      boltMarks.add("section " + section.name.str());
    }
  }
  // One counter symbol per function: counted, not listed.
  std::size_t counters = 0;
  for (const auto* table : tables) {
    counters += static_cast<std::size_t>(llvm::count_if(
        *table, [](const Symbol& symbol) { return isPerFunctionCounter(symbol.name); }));
  }
  if (counters > 0) {
    llvmMarks.add(std::to_string(counters) + " __profc_/__profd_ per-function symbols");
  }
  for (const auto* table : tables) {
    for (const Symbol& symbol : *table) {
      const llvm::StringRef name = symbol.name;
      if (isLlvmProfileSymbol(name)) {
        llvmMarks.add("symbol " + name.str());
      } else if (name.starts_with("__bolt_instr_")) {
        boltMarks.add("symbol " + name.str());
      } else if (isGcovSymbol(name)) {
        gcovMarks.add("symbol " + name.str());
      }
    }
  }
  if (boltNote.value && boltNote.value->instrumenting) {
    boltMarks.add(".note.bolt_info records -instrument");
  }
  llvmMarks.finish();
  boltMarks.finish();
  gcovMarks.finish();
  return found;
}

void findTextSections(const ElfImage& elf, Evidence& evidence) {
  for (const Section& section : elf.sections) {
    if (!section.executable()) {
      continue;
    }
    if (section.name == ".text.hot" || section.name.starts_with(".text.hot.")) {
      evidence.textHot.push_back(&section);
    } else if (section.name == ".text.unlikely" || section.name.starts_with(".text.unlikely.")) {
      evidence.textUnlikely.push_back(&section);
    }
  }
}

Found<BoltNote> findBoltNote(const ElfImage& elf) {
  Found<BoltNote> found;
  const Section* section = elf.findSection(kBoltNoteSection);
  if (section == nullptr) {
    return found;
  }
  if (section->type != llvm::ELF::SHT_NOTE) {
    found.problem = kBoltNoteSection.str() + " is not a SHT_NOTE section";
    return found;
  }
  for (const Note& note : elf.notes) {
    if (note.section != kBoltNoteSection) {
      continue;
    }
    auto parsed = parseBoltNote(note.desc);
    if (!parsed) {
      found.problem = kBoltNoteSection.str() + " " + llvm::toString(parsed.takeError());
      return found;
    }
    found.value = std::move(*parsed);
    return found;
  }
  found.problem = kBoltNoteSection.str() + " holds no note";
  return found;
}

// The section and the range share an address (without overflow).
bool overlaps(const Section& section, const AddressRange& range) {
  if (section.size == 0 || section.address >= range.end) {
    return false;
  }
  return section.address >= range.begin || range.begin - section.address < section.size;
}

Found<AddressRange> findBoltHotText(const ElfImage& elf) {
  Found<AddressRange> found;
  const Symbol* start = elf.findSymbol("__hot_start");
  const Symbol* end = elf.findSymbol("__hot_end");
  if (start == nullptr && end == nullptr) {
    if (!elf.hasSymbolTable) {
      found.problem = "no .symtab (stripped): __hot_start/__hot_end cannot be read";
    }
    return found;
  }
  if (start == nullptr || end == nullptr) {
    found.problem = std::string(start == nullptr ? "__hot_start" : "__hot_end") +
                    " is not defined while its partner is";
    return found;
  }
  if (end->value <= start->value) {
    found.problem = "__hot_end (" + hexAddress(end->value) + ") does not lie after __hot_start (" +
                    hexAddress(start->value) + ")";
    return found;
  }
  // BOLT's hot text can span sections (x86_64's -split-strategy=cdsplit puts
  // .text.warm after .text, and __hot_end after both): both ends must lie in
  // code, and every section the range overlaps must be code.
  const AddressRange range{start->value, end->value};
  const auto inCode = [&](std::uint64_t address) {
    return llvm::any_of(elf.sections, [&](const Section& section) {
      return section.executable() && section.contains(address);
    });
  };
  const bool overlapsData = llvm::any_of(elf.sections, [&](const Section& section) {
    // TLS templates (.tbss) take no room in the address space: skip them.
    const bool data = (section.flags & llvm::ELF::SHF_ALLOC) != 0 && !section.executable() &&
                      (section.flags & llvm::ELF::SHF_TLS) == 0;
    return data && overlaps(section, range);
  });
  if (!inCode(range.begin) || !inCode(range.end - 1) || overlapsData) {
    found.problem = "[__hot_start, __hot_end) = " + range.describe() + " is not all code";
    return found;
  }
  found.value = range;
  return found;
}

void countPromotedLocals(const ElfImage& elf, Evidence& evidence) {
  for (const Symbol& symbol : elf.symbols) {
    const std::size_t at = symbol.name.find(".llvm.");
    if (at == llvm::StringRef::npos) {
      continue;
    }
    const llvm::StringRef hash =
        symbol.name.drop_front(at + 6).take_until([](char c) { return c == '.'; });
    if (!hash.empty() && llvm::all_of(hash, llvm::isDigit)) {
      if (evidence.promotedLocals++ == 0) {
        evidence.promotedExample = symbol.name.str();
      }
    }
  }
}

Found<std::string> findBuildId(const ElfImage& elf) {
  Found<std::string> found;
  for (const Note& note : elf.notes) {
    if (note.owner == "GNU" && note.type == llvm::ELF::NT_GNU_BUILD_ID) {
      if (note.desc.empty()) {
        found.problem = "the NT_GNU_BUILD_ID note is empty";
        return found;
      }
      found.value = llvm::toHex(note.desc, /*LowerCase=*/true);
      return found;
    }
  }
  return found;
}

void findProvenance(const ElfImage& elf, Evidence& evidence) {
  Found<Provenance>& found = evidence.provenance;
  const Section* section = elf.findSection(kProvenanceSection);
  evidence.provenancePresent = section != nullptr;
  if (section != nullptr && section->type != llvm::ELF::SHT_NOTE) {
    found.problem = kProvenanceSection.str() + " is not a SHT_NOTE section";
    return;
  }
  const Note* provenance = nullptr;
  for (const Note& note : elf.notes) {
    if (note.owner != kProvenanceOwner || note.type != kProvenanceNoteType) {
      continue;
    }
    evidence.provenancePresent = true;
    if (provenance != nullptr) {
      found.problem = "more than one pgokit provenance note";
      return;
    }
    provenance = &note;
  }
  if (provenance == nullptr) {
    if (section != nullptr) {
      found.problem = kProvenanceSection.str() + " holds no note with owner \"pgokit\", type " +
                      std::to_string(kProvenanceNoteType);
    }
    return;
  }
  auto parsed = parseProvenance(provenance->desc.rtrim('\0'));
  if (!parsed) {
    found.problem = "the pgokit note in " +
                    (provenance->section.empty() ? std::string("a PT_NOTE segment")
                                                 : provenance->section.str()) +
                    " is malformed: " + llvm::toString(parsed.takeError());
    return;
  }
  found.value = std::move(*parsed);
}

}  // namespace

std::string AddressRange::describe() const {
  return "[" + hexAddress(begin) + ", " + hexAddress(end) + ")";
}

std::string Instrumentation::describe() const {
  std::string out;
  const std::pair<const char*, const std::vector<std::string>*> kinds[] = {
      {"LLVM", &llvm}, {"BOLT", &bolt}, {"gcov", &gcov}};
  for (const auto& [kind, marks] : kinds) {
    if (marks->empty()) {
      continue;
    }
    if (!out.empty()) {
      out += "; ";
    }
    out += std::string(kind) + ": " + llvm::join(*marks, ", ");
  }
  return out;
}

Evidence Evidence::gather(const ElfImage& elf) {
  Evidence evidence;
  evidence.boltNotePresent = elf.findSection(kBoltNoteSection) != nullptr;
  evidence.boltNote = findBoltNote(elf);
  evidence.instrumentation = findInstrumentation(elf, evidence.boltNote);
  findTextSections(elf, evidence);
  evidence.boltHotText = findBoltHotText(elf);
  countPromotedLocals(elf, evidence);
  evidence.buildId = findBuildId(elf);
  findProvenance(elf, evidence);
  return evidence;
}

}  // namespace pgokit::validate
