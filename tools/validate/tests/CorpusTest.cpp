// Every crafted file in fuzz/corpus/ through the command: the broken ones
// exit 3 with a message that names the file and says what is wrong; the
// seeds are read. (validate.corpus runs the same files through the
// sanitized fuzzer target.)
#include "TestSupport.hpp"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace pgokit::validate {
namespace {

struct CorpusCase {
  const char* file;
  const char* message;  // expected in the error, after "<path>: "; empty for a seed
};

const CorpusCase kCases[] = {
    {"elf-minimal-x86_64", ""},
    {"elf-minimal-bolted-x86_64", ""},
    {"elf-minimal-instrumented-x86_64", ""},
    {"elf-minimal-headerless-x86_64", ""},
    {"elf-empty", "is empty"},
    {"elf-not-elf", "is not an ELF file (no \\x7fELF magic)"},
    {"elf-wrong-magic", "is not an ELF file (no \\x7fELF magic)"},
    {"elf-32bit", "is a 32-bit ELF file (ELFCLASS32)"},
    {"elf-big-endian", "is a big-endian ELF file (ELFDATA2MSB)"},
    {"elf-bad-class", "has an invalid ELF class"},
    {"elf-truncated-header", "the size (40) is smaller than an ELF header (64)"},
    {"elf-truncated-sections", "section table goes past the end of file"},
    {"elf-shoff-out-of-bounds", "section header table goes past the end of the file"},
    {"elf-huge-shnum", "section table goes past the end of file"},
    {"elf-huge-phnum", "program headers are longer than binary of size 1416"},
    {"elf-shstrndx-out-of-range", "section header string table index 200 does not exist"},
    {"elf-lying-note-size", "note .note.pgokit is malformed: ELF note overflows container"},
    {"elf-note-out-of-bounds", "note .note.pgokit (offset 0x1000000000, size 0x134) lies outside"},
    {"elf-note-size-wraps", "note .note.gnu.build-id (offset 0x104, size 0xffffffffffffffdf)"},
    {"elf-interp-out-of-bounds", "PT_INTERP (offset 0x1000000000, size 0x1c) lies outside"},
    {"elf-symtab-bad-link", ".symtab string table: invalid section index: 99"},
    {"elf-symtab-ragged-size", "is not a multiple of its sh_entsize (24)"},
    {"elf-symtab-huge-size", "is not a multiple of its sh_entsize (24)"},
    {"elf-symbol-name-out-of-bounds", "st_name (0x7fffffff) is past the end of the string table"},
    {"profile-minimal.proftext", ""},
    {"profile-minimal.profdata", ""},
    {"profile-empty.profdata", "is empty"},
    {"profile-binary-garbage.profdata", "unrecognized instrumentation profile encoding format"},
    {"profile-bad-counters.proftext", "number of counters is not a valid integer"},
    {"profile-truncated.proftext", "declares 3 counters, but only 0 lines follow"},
    {"profile-huge-counters.proftext", "declares 99999999999 counters, but only 7 lines follow"},
    {"profile-truncated.profdata", "truncated: the profile summary runs past the end"},
    {"profile-header-only.profdata", "truncated: 16 bytes, shorter than an indexed profile header"},
    {"profile-future-version.profdata", "unsupported instrumentation profile format version"},
    {"profile-memprof.profdata", "carries a memory profile (MemProf) section"},
    {"profile-huge-record-counters.profdata",
     "truncated: hash table entry 0 declares 2305843009213693952 counters, but only"},
    {"profile-huge-bitmap.profdata",
     "truncated: hash table entry 0 declares 2305843009213693952 bitmap bytes, but only"},
    {"manifest-not-json.json", "is not a profile manifest: invalid JSON"},
    {"manifest-no-text-sha.json", "no \"text_profile_sha256\" field"},
    {"manifest-bad-sha.json", "\"text_profile_sha256\" is not a sha256"},
};

// The file in the slot its name says: a binary, a --profile or a --manifest.
std::vector<std::string> argsFor(llvm::StringRef file) {
  const std::string path = test::corpusPath(file);
  const std::string seed = test::corpusPath("elf-minimal-x86_64");
  if (file.starts_with("profile-")) {
    return {"--arch", "x86_64", "--profile", path, seed};
  }
  if (file.starts_with("manifest-")) {
    return {"--arch", "x86_64", "--manifest", path, seed};
  }
  return {"--arch", "x86_64", path};
}

class CorpusFile : public testing::TestWithParam<CorpusCase> {};

TEST_P(CorpusFile, IsReadOrRejectedByName) {
  const CorpusCase& c = GetParam();
  const auto result = test::runValidator(argsFor(c.file));
  if (llvm::StringRef(c.message).empty()) {
    EXPECT_NE(result.code, kExitUnreadable) << result.err;
    EXPECT_TRUE(result.err.empty()) << result.err;
    return;
  }
  EXPECT_EQ(result.code, kExitUnreadable) << result.out;
  const std::string prefix = "pgokit-validate: error: " + test::corpusPath(c.file) + ": ";
  EXPECT_TRUE(llvm::StringRef(result.err).starts_with(prefix)) << result.err;
  EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
}

std::string caseName(const testing::TestParamInfo<CorpusCase>& info) {
  // "elf-lying-note-size" -> "ElfLyingNoteSize": test names without '_' or '-'.
  std::string name;
  bool upper = true;
  for (char c : llvm::StringRef(info.param.file)) {
    if (!llvm::isAlnum(c)) {
      upper = true;
      continue;
    }
    name += upper ? llvm::toUpper(c) : c;
    upper = false;
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusFile, testing::ValuesIn(kCases), caseName);

TEST(Corpus, EveryFileHasAnExpectation) {
  std::set<std::string> expected;
  for (const CorpusCase& c : kCases) {
    expected.insert(c.file);
  }
  std::set<std::string> found;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(PGOKIT_VALIDATE_CORPUS, ec), end; it != end && !ec;
       it.increment(ec)) {
    found.insert(llvm::sys::path::filename(it->path()).str());
  }
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(found, expected) << "fuzz/corpus/ and kCases disagree; regenerate with "
                                "make_corpus.py and list new files here";
}

}  // namespace
}  // namespace pgokit::validate
