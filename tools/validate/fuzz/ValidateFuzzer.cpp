// libFuzzer target: the whole pipeline on in-memory input. The bytes are read
// as a binary (then every rule runs on it, for a release, an instrumented
// and a dist expectation, and both report formats are rendered), as a
// profile, and as note, manifest and BOLT-note text. Expected errors are fine; crashes,
// sanitizer reports and leaks are not.
#include "BoltNote.hpp"
#include "ElfImage.hpp"
#include "Expectation.hpp"
#include "HotProfile.hpp"
#include "Provenance.hpp"
#include "Validator.hpp"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>

namespace {

using namespace pgokit::validate;

// A profile whose hot functions are names the seed ELF and real binaries
// have, so placement runs on every parsed input.
const HotProfile& seedProfile() {
  static const HotProfile profile = [] {
    HotProfile p;
    p.name = "seed.proftext";
    p.sha256 = std::string(64, '0');
    p.format = "text";
    p.hotCountThreshold = 1000;
    for (const char* name : {"_Z8scramblej", "main", "Checksum.cpp;_ZN12_GLOBAL__N_16rotateEmj"}) {
      p.functions.push_back(ProfiledFunction{name, linkageNameOf(name).str(), 5000, 5000, 5000});
    }
    return p;
  }();
  return profile;
}

const Manifest& seedManifest() {
  static const Manifest manifest{"seed.json", "x86_64", std::string(64, '0'), std::string(64, '1')};
  return manifest;
}

void validateAll(const ElfImage& elf) {
  // Each expectation takes other paths through the rules; the arch only
  // changes comparisons, so one per expectation is enough.
  const std::pair<const char*, Arch> runs[] = {
      {"release", Arch::X86_64}, {"instrumented", Arch::Arm64}, {"dist", Arch::X86_64}};
  for (const auto& [expect, arch] : runs) {
    auto expectation = parseExpectation(expect);
    if (!expectation) {
      llvm::consumeError(expectation.takeError());
      continue;
    }
    const Report report =
        validate(ValidationRequest{elf, arch, *expectation, &seedProfile(), &seedManifest(), 10});
    printTable(report, llvm::nulls());
    printJson(report, llvm::nulls());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const llvm::StringRef bytes(reinterpret_cast<const char*>(data), size);

  // Copies: LLVM's readers keep the buffer, and the text reader wants a NUL
  // after the last byte.
  auto elf = ElfImage::read(llvm::MemoryBuffer::getMemBufferCopy(bytes, "fuzz.elf"));
  if (elf) {
    validateAll(*elf);
  } else {
    llvm::consumeError(elf.takeError());
  }

  auto profile = HotProfile::read(llvm::MemoryBuffer::getMemBufferCopy(bytes, "fuzz.profdata"));
  if (profile) {
    (void)profile->hot();
  } else {
    llvm::consumeError(profile.takeError());
  }

  auto note = parseProvenance(bytes);
  if (!note) {
    llvm::consumeError(note.takeError());
  }
  auto manifest = parseManifest(bytes, "fuzz.json");
  if (!manifest) {
    llvm::consumeError(manifest.takeError());
  }
  auto bolt = parseBoltNote(bytes);
  if (!bolt) {
    llvm::consumeError(bolt.takeError());
  }
  return 0;
}

// An input that declares terabytes of counters must fail to allocate (and
// be reported as malformed), not end the run: let ASan's allocator return
// null so operator new throws, as it would without ASan.
extern "C" const char* __asan_default_options() {  // NOLINT(bugprone-reserved-identifier)
  return "allocator_may_return_null=1";
}
