// The rules on hand-built ElfImages: each verdict, and the reason it gives.
#include "Rules.hpp"

#include "Placement.hpp"
#include "TestSupport.hpp"

#include "llvm/BinaryFormat/ELF.h"

#include <array>
#include <gtest/gtest.h>

#include <string>

namespace pgokit::validate {
namespace {

using test::describe;
using test::findingOf;
namespace ELF = llvm::ELF;

constexpr std::uint64_t kCode = ELF::SHF_ALLOC | ELF::SHF_EXECINSTR;
constexpr llvm::StringRef kBuildId("\x01\x23\x45\x67\x89\xab\xcd\xef", 8);

// A x86_64 PIE: .text at 0x1000, .text.hot at 0x3000, .text.unlikely at
// 0x4000; hot() lives in .text.hot, main() in .text.
class Rules : public testing::Test {
 protected:
  void SetUp() override {
    elf_.name = "server";
    elf_.fileType = ELF::ET_DYN;
    elf_.machine = ELF::EM_X86_64;
    elf_.interpreter = "/lib64/ld-linux-x86-64.so.2";
    elf_.sections = {
        {".text", ELF::SHT_PROGBITS, kCode, 0x1000, 0x2000},
        {".text.hot", ELF::SHT_PROGBITS, kCode, 0x3000, 0x100},
        {".text.unlikely", ELF::SHT_PROGBITS, kCode, 0x4000, 0x100},
        {".note.gnu.build-id", ELF::SHT_NOTE, ELF::SHF_ALLOC, 0x300, 0x24},
    };
    elf_.hasSymbolTable = true;
    elf_.symbols = {
        {"main", 0x1000, 0x40, ELF::STT_FUNC, ELF::STB_GLOBAL},
        {"_Z3hotv", 0x3000, 0x40, ELF::STT_FUNC, ELF::STB_GLOBAL},
        {"_Z4warmv", 0x1100, 0x40, ELF::STT_FUNC, ELF::STB_GLOBAL},
    };
    elf_.notes = {{".note.gnu.build-id", "GNU", ELF::NT_GNU_BUILD_ID, kBuildId}};
  }

  Report check(llvm::StringRef expect, Arch arch = Arch::X86_64) {
    auto expectation = parseExpectation(expect);
    EXPECT_TRUE(static_cast<bool>(expectation));
    return validate(ValidationRequest{elf_, arch, *expectation, profile_ ? &*profile_ : nullptr,
                                      manifest_ ? &*manifest_ : nullptr, 10});
  }

  Finding checkOne(llvm::StringRef id, llvm::StringRef expect, Arch arch = Arch::X86_64) {
    return findingOf(check(expect, arch), id);
  }

  void bolt(llvm::StringRef options) {
    boltDesc_ = "BOLT revision: <unknown>, command line: llvm-bolt in -o out " + options.str();
    elf_.sections.push_back({".note.bolt_info", ELF::SHT_NOTE, 0, 0, boltDesc_.size()});
    elf_.notes.push_back({".note.bolt_info", "GNU", 4, boltDesc_});
    elf_.symbols.push_back({"__hot_start", 0x200000, 0, ELF::STT_NOTYPE, ELF::STB_GLOBAL});
    elf_.symbols.push_back({"__hot_end", 0x200400, 0, ELF::STT_NOTYPE, ELF::STB_GLOBAL});
    elf_.sections.push_back({".text", ELF::SHT_PROGBITS, kCode, 0x200000, 0x800});
  }

  void provenance(std::string json) {
    provenanceJson_ = std::move(json);
    elf_.sections.push_back({".note.pgokit", ELF::SHT_NOTE, 0, 0, provenanceJson_.size()});
    elf_.notes.push_back({".note.pgokit", "pgokit", 1, provenanceJson_});
  }

  static std::string note(llvm::StringRef arch, llvm::StringRef stages) {
    return R"({"format":1,"target":"server","arch":")" + arch.str() + R"(","stages":[)" +
           stages.str() + R"(],"profile_sha256":")" + std::string(64, 'a') +
           R"(","text_profile_sha256":")" + std::string(64, 'b') + R"("})";
  }

  // A profile in which _Z3hotv and _Z4warmv are hot.
  void profile() {
    HotProfile p;
    p.name = "server.profdata";
    p.sha256 = std::string(64, 'a');
    p.hotCountThreshold = 1000;
    p.functions = {{"_Z3hotv", "_Z3hotv", 9000, 9000, 9000},
                   {"_Z4warmv", "_Z4warmv", 5000, 5000, 5000},
                   {"main", "main", 1, 90000, 1}};
    profile_ = std::move(p);
  }

  ElfImage elf_;
  std::string boltDesc_;
  std::string provenanceJson_;
  std::optional<HotProfile> profile_;
  std::optional<Manifest> manifest_;
};

TEST_F(Rules, PlainReleasePasses) {
  const Report report = check("release");
  EXPECT_EQ(report.exitCode(), kExitPass);
  EXPECT_EQ(findingOf(report, "build-id").reason, "0123456789abcdef");
  EXPECT_EQ(report.findings.size(), allRules().size());
}

TEST_F(Rules, ArchFailureNamesBothArches) {
  const Finding finding = checkOne("arch.elf", "release", Arch::Arm64);
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_EQ(finding.reason, "built for x86_64 (EM_X86_64), expected arm64 (EM_AARCH64)");
  elf_.machine = ELF::EM_RISCV;
  EXPECT_EQ(checkOne("arch.elf", "release").reason,
            "built for e_machine 243, expected x86_64 (EM_X86_64)");
}

TEST_F(Rules, ArchRejectsObjectFiles) {
  elf_.fileType = ELF::ET_REL;
  const Finding finding = checkOne("arch.elf", "release");
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_EQ(finding.reason, "not a linked program: e_type 1 (a relocatable object)");
}

TEST_F(Rules, InterpreterMustBeTheArchsLoader) {
  EXPECT_EQ(checkOne("arch.interp", "release").status, Status::Pass);
  const Finding other = checkOne("arch.interp", "release", Arch::Arm64);
  EXPECT_EQ(other.status, Status::Fail);
  EXPECT_EQ(other.reason,
            "/lib64/ld-linux-x86-64.so.2 is x86_64's loader, expected arm64's "
            "/lib/ld-linux-aarch64.so.1");
  elf_.interpreter = "/lib/ld-musl-x86_64.so.1\x1b[31m";
  EXPECT_EQ(checkOne("arch.interp", "release").reason,
            "/lib/ld-musl-x86_64.so.1\\x1b[31m is not x86_64's glibc loader "
            "/lib64/ld-linux-x86-64.so.2");
  elf_.interpreter.reset();
  EXPECT_EQ(checkOne("arch.interp", "release").status, Status::Skip);
}

TEST_F(Rules, BuildIdIsRequired) {
  elf_.notes.clear();
  const Finding finding = checkOne("build-id", "release");
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_EQ(finding.reason, "no NT_GNU_BUILD_ID note");
  EXPECT_NE(finding.hint.find("-Wl,--build-id"), std::string::npos);
}

TEST_F(Rules, LlvmInstrumentationFailsRelease) {
  elf_.sections.push_back({"__llvm_prf_cnts", ELF::SHT_PROGBITS, ELF::SHF_ALLOC, 0x8000, 64});
  elf_.symbols.push_back({"__profc_main", 0x8000, 8, ELF::STT_OBJECT, ELF::STB_LOCAL});
  elf_.symbols.push_back({"__profc__Z3hotv", 0x8008, 8, ELF::STT_OBJECT, ELF::STB_LOCAL});
  const Report report = check("release");
  EXPECT_EQ(report.exitCode(), kExitFailed);
  const Finding& finding = findingOf(report, "instrumentation");
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_EQ(
      finding.reason,
      "instrumented: LLVM: section __llvm_prf_cnts, 2 __profc_/__profd_ per-function symbols");
  EXPECT_EQ(checkOne("instrumentation", "instrumented").status, Status::Pass);
  // Shipping stages imply release.
  EXPECT_EQ(checkOne("instrumentation", "optimized").status, Status::Fail);
}

TEST_F(Rules, BoltAndGcovInstrumentationFailRelease) {
  bolt("-instrument -instrumentation-file=/tmp/prof.fdata");
  elf_.symbols.push_back({"__bolt_instr_setup", 0x200000, 8, ELF::STT_FUNC, ELF::STB_LOCAL});
  Finding finding = checkOne("instrumentation", "release");
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_EQ(finding.reason,
            "instrumented: BOLT: symbol __bolt_instr_setup, .note.bolt_info "
            "records -instrument");
  SetUp();
  elf_.symbols.push_back({"__gcov_dump", 0x1200, 8, ELF::STT_FUNC, ELF::STB_GLOBAL});
  finding = checkOne("instrumentation", "release");
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_EQ(finding.reason, "instrumented: gcov: symbol __gcov_dump");
}

TEST_F(Rules, InstrumentedExpectationNeedsInstrumentation) {
  const Finding finding = checkOne("instrumentation", "instrumented");
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_EQ(finding.reason, "no instrumentation found");
}

TEST_F(Rules, PgoSectionsAreEvidence) {
  EXPECT_EQ(checkOne("pgo.sections", "optimized").reason,
            ".text.hot (256 B), .text.unlikely (256 B)");
  elf_.sections.resize(1);
  const Finding missing = checkOne("pgo.sections", "optimized");
  EXPECT_EQ(missing.status, Status::Fail);
  EXPECT_NE(missing.hint.find("keep-text-section-prefix"), std::string::npos);
  // Not asked for: reported, but not a failure.
  const Finding optional = checkOne("pgo.sections", "release");
  EXPECT_EQ(optional.status, Status::Skip);
  EXPECT_EQ(optional.reason,
            "not expected (pgo): no .text.hot or .text.unlikely section, no "
            "BOLT hot text");
  EXPECT_TRUE(optional.hint.empty());
}

TEST_F(Rules, HalfTheHotFunctionsInTextHotIsEnough) {
  profile();
  const Finding finding = checkOne("pgo.hot-functions", "optimized");
  EXPECT_EQ(finding.status, Status::Pass) << describe(finding);
  EXPECT_EQ(finding.reason,
            "1/2 (50%) in .text.hot (hottest 2 with a symbol, entry count >= 1000)");
}

TEST_F(Rules, FewerHotFunctionsInTextHotFail) {
  profile();
  // Eight more hot functions, all laid out outside .text.hot: 1 of 10 placed.
  // The ELF model's names are StringRefs: keep the strings alive.
  static const std::array<std::string, 8> names = {"_Z5cool0v", "_Z5cool1v", "_Z5cool2v",
                                                   "_Z5cool3v", "_Z5cool4v", "_Z5cool5v",
                                                   "_Z5cool6v", "_Z5cool7v"};
  for (int i = 0; i < 8; ++i) {
    const std::string& name = names[static_cast<std::size_t>(i)];
    profile_->functions.insert(profile_->functions.begin() + 2,
                               ProfiledFunction{name, name, 2000, 2000, 2000});
    elf_.symbols.push_back({name, static_cast<std::uint64_t>(0x1200 + 0x40 * i), 0x40,
                            ELF::STT_FUNC, ELF::STB_GLOBAL});
  }
  const Finding finding = checkOne("pgo.hot-functions", "optimized");
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_EQ(finding.reason,
            "1/10 (10%) in .text.hot (hottest 10 with a symbol, entry count >= "
            "1000), below 20%");
  EXPECT_EQ(finding.hint, "was the binary laid out from another profile?");
  // --top limits the candidates to the hottest.
  const Report top1 = validate(
      ValidationRequest{elf_, Arch::X86_64, *parseExpectation("pgo"), &*profile_, nullptr, 1});
  EXPECT_EQ(findingOf(top1, "pgo.hot-functions").status, Status::Pass);
}

TEST_F(Rules, OneMisplacedHotFunctionIsNoVerdict) {
  profile();
  // _Z4warmv inlined everywhere, _Z3hotv laid out outside .text.hot: a single function
  // is too few to say the layout ignored the profile.
  elf_.symbols.erase(elf_.symbols.begin() + 2);
  elf_.symbols[1].value = 0x1200;
  const Finding finding = checkOne("pgo.hot-functions", "optimized");
  EXPECT_EQ(finding.status, Status::Skip) << describe(finding);
  EXPECT_EQ(finding.reason,
            "0/1 (0%) in .text.hot (hottest 1 with a symbol, entry count >= 1000; skipped 1 "
            "inlined): too few hot functions kept a symbol to judge (fewer than 2)");
}

TEST_F(Rules, HotFunctionPlacementLooksThroughSuffixes) {
  profile();
  // ThinLTO's promoted name, and a split-off cold fragment that must not count.
  elf_.symbols[2] = {"_Z4warmv.llvm.4242", 0x3040, 0x40, ELF::STT_FUNC, ELF::STB_LOCAL};
  elf_.symbols.push_back({"_Z3hotv.cold.1", 0x4000, 0x10, ELF::STT_FUNC, ELF::STB_LOCAL});
  const Finding finding = checkOne("pgo.hot-functions", "optimized");
  EXPECT_EQ(finding.status, Status::Pass) << describe(finding);
  EXPECT_EQ(finding.reason,
            "2/2 (100%) in .text.hot (hottest 2 with a symbol, entry count >= 1000)");
}

TEST_F(Rules, InlinedHotFunctionsAreNotCounted) {
  profile();
  elf_.symbols.erase(elf_.symbols.begin() + 2);  // _Z4warmv was inlined everywhere
  const Finding finding = checkOne("pgo.hot-functions", "optimized");
  EXPECT_EQ(finding.status, Status::Pass) << describe(finding);
  EXPECT_EQ(finding.reason,
            "1/1 (100%) in .text.hot (hottest 1 with a symbol, entry count >= "
            "1000; skipped 1 inlined)");
}

TEST_F(Rules, HotFunctionsNeedAProfileAndSymbols) {
  EXPECT_EQ(checkOne("pgo.hot-functions", "optimized").reason, "no --profile given");
  profile();
  elf_.hasSymbolTable = false;
  elf_.symbols.clear();
  EXPECT_EQ(checkOne("pgo.hot-functions", "optimized").reason,
            "no .symtab (stripped): function addresses are unknown");
}

TEST_F(Rules, LtoEvidence) {
  EXPECT_EQ(checkOne("lto", "optimized").status, Status::Skip);
  elf_.symbols.push_back({"_ZL6helperv.llvm.12345", 0x1300, 8, ELF::STT_FUNC, ELF::STB_LOCAL});
  elf_.symbols.push_back({"not.llvm.promoted", 0x1400, 8, ELF::STT_FUNC, ELF::STB_LOCAL});
  const Finding promoted = checkOne("lto", "optimized");
  EXPECT_EQ(promoted.status, Status::Pass);
  EXPECT_EQ(promoted.reason,
            "1 local symbol promoted for cross-module import (e.g. "
            "_ZL6helperv.llvm.12345)");
}

TEST_F(Rules, LtoFailsWhenTheNoteSaysOtherwise) {
  provenance(note("x86_64", R"("instrumented","trained","pgo")"));
  const Finding finding = checkOne("lto", "optimized");
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_EQ(finding.reason,
            "the provenance note's stages (instrumented, trained, pgo) do not "
            "include thinlto, and no symbol was promoted across modules");
}

TEST_F(Rules, BoltNoteAndHotText) {
  bolt("-data=x.fdata -reorder-functions=cdsort --bolt-id=pgokit:x");
  const Report report = check("bolt");
  EXPECT_EQ(findingOf(report, "bolt.note").reason,
            "BOLT revision <unknown>; options: -reorder-functions=cdsort --bolt-id=pgokit:x");
  EXPECT_EQ(findingOf(report, "bolt.hot-text").reason, "[0x200000, 0x200400): 1024 B of hot text");
  EXPECT_EQ(findingOf(report, "pgo.sections").reason,
            ".text.hot (256 B), .text.unlikely (256 B); BOLT hot text [0x200000, 0x200400)");
}

TEST_F(Rules, BoltHotTextMustBeOrderedAndInCode) {
  bolt("-reorder-functions=cdsort");
  elf_.symbols.back().value = 0x100000;  // __hot_end before __hot_start
  EXPECT_EQ(checkOne("bolt.hot-text", "bolt").reason,
            "__hot_end (0x100000) does not lie after __hot_start (0x200000)");
  elf_.symbols.back().value = 0x900000;  // past the end of the new .text
  EXPECT_EQ(checkOne("bolt.hot-text", "bolt").reason,
            "[__hot_start, __hot_end) = [0x200000, 0x900000) is not all code");
  // x86_64's cdsplit: hot text runs on from .text into .text.warm.
  elf_.sections.push_back({".text.warm", ELF::SHT_PROGBITS, kCode, 0x200840, 0x100});
  elf_.symbols.back().value = 0x200940;
  EXPECT_EQ(checkOne("bolt.hot-text", "bolt").status, Status::Pass);
  elf_.sections.push_back({".rodata", ELF::SHT_PROGBITS, ELF::SHF_ALLOC, 0x200800, 0x40});
  EXPECT_EQ(checkOne("bolt.hot-text", "bolt").reason,
            "[__hot_start, __hot_end) = [0x200000, 0x200940) is not all code");
}

TEST_F(Rules, BoltInstrumentationRunIsNotABoltedRelease) {
  bolt("-instrument");
  const Finding finding = checkOne("bolt.note", "instrumented,pgo,bolt");
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_EQ(finding.reason,
            "written by llvm-bolt -instrument: BOLT revision <unknown>; options: "
            "-instrument");
}

TEST_F(Rules, BoltedLayoutIsJudgedByBoltsHotText) {
  profile();
  bolt("-reorder-functions=cdsort");
  // hot() moved into BOLT's hot text; .text.hot is stale.
  elf_.symbols[1].value = 0x200010;
  elf_.symbols[2].value = 0x200100;
  const Report report = check("bolt");
  EXPECT_EQ(findingOf(report, "pgo.hot-functions").reason,
            "2/2 (100%) in .text.hot or BOLT's hot text (hottest 2 with a symbol, entry count "
            ">= 1000)");
  EXPECT_EQ(findingOf(report, "bolt.hot-functions").reason,
            "2/2 (100%) in [__hot_start, __hot_end) (hottest 2 that BOLT laid out, entry "
            "count >= 1000)");
  // Left where the linker put it (below __hot_start): not BOLT's decision.
  elf_.symbols[2].value = 0x1100;
  EXPECT_EQ(findingOf(check("bolt"), "bolt.hot-functions").reason,
            "1/1 (100%) in [__hot_start, __hot_end) (hottest 1 that BOLT laid out, entry count "
            ">= 1000; skipped 1 left in place)");
}

TEST_F(Rules, MissingProvenanceFailsOnlyWhenExpected) {
  EXPECT_EQ(checkOne("provenance.note", "release").status, Status::Skip);
  const Report report = check("dist");
  EXPECT_EQ(findingOf(report, "provenance.note").status, Status::Fail);
  EXPECT_EQ(findingOf(report, "provenance.profile").reason,
            "no provenance note (see provenance.note)");
}

TEST_F(Rules, PresentProvenanceIsAlwaysChecked) {
  provenance(note("arm64", R"("pgo","thinlto")"));
  const Report report = check("release");
  EXPECT_EQ(findingOf(report, "provenance.note").status, Status::Pass);
  const Finding& arch = findingOf(report, "provenance.arch");
  EXPECT_EQ(arch.status, Status::Fail);
  EXPECT_EQ(arch.reason, "the note is for arm64, expected x86_64");
  EXPECT_EQ(report.exitCode(), kExitFailed);
}

TEST_F(Rules, MalformedProvenanceFails) {
  provenance(R"({"format":1,"target":"server"})");
  const Finding finding = checkOne("provenance.note", "release");
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_EQ(finding.reason, "the pgokit note in .note.pgokit is malformed: no \"arch\" field");
}

TEST_F(Rules, ProvenanceStagesMustMatchTheBinary) {
  provenance(note("x86_64", R"("pgo","thinlto","bolt")"));
  Finding finding = checkOne("provenance.stages", "optimized");
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_EQ(finding.reason,
            "the note claims bolt, but the binary has no .note.bolt_info from an "
            "optimizing llvm-bolt run");
  bolt("-reorder-functions=cdsort");
  finding = checkOne("provenance.stages", "dist");
  EXPECT_EQ(finding.status, Status::Pass) << describe(finding);
  EXPECT_EQ(finding.reason, "the binary bears out the note's pgo, bolt");
}

TEST_F(Rules, ProvenanceMustNameWhatIsExpected) {
  provenance(note("x86_64", R"("pgo")"));
  const Finding finding = checkOne("provenance.stages", "optimized");
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_EQ(finding.reason, "the note does not claim thinlto, which --expect asks for");
}

TEST_F(Rules, ProvenanceTiesTheProfile) {
  provenance(note("x86_64", R"("pgo","thinlto")"));
  profile();
  EXPECT_EQ(checkOne("provenance.profile", "optimized").reason,
            "server.profdata (aaaaaaaaaaaa) is the profile the compiler read");
  profile_->sha256 = std::string(64, 'b');
  EXPECT_EQ(checkOne("provenance.profile", "optimized").reason,
            "server.profdata (bbbbbbbbbbbb) is the committed text profile it was built from");
  profile_->sha256 = std::string(64, 'c');
  const Finding other = checkOne("provenance.profile", "optimized");
  EXPECT_EQ(other.status, Status::Fail);
  EXPECT_EQ(other.reason,
            "server.profdata (cccccccccccc) is not what the binary was built from "
            "(note: profile aaaaaaaaaaaa, text profile bbbbbbbbbbbb)");
}

TEST_F(Rules, ProvenanceTiesTheManifest) {
  provenance(note("x86_64", R"("pgo","thinlto")"));
  manifest_ = Manifest{"m.json", "x86_64", std::string(64, 'a'), std::string(64, 'b')};
  EXPECT_EQ(checkOne("provenance.manifest", "optimized").status, Status::Pass);
  manifest_->textProfileSha256 = std::string(64, 'd');
  EXPECT_EQ(checkOne("provenance.manifest", "optimized").reason,
            "m.json names text profile dddddddddddd, the binary was built from bbbbbbbbbbbb");
  manifest_->textProfileSha256 = std::string(64, 'b');
  manifest_->arch = "arm64";
  EXPECT_EQ(checkOne("provenance.manifest", "optimized").reason,
            "m.json is for arm64, expected x86_64");
}

TEST_F(Rules, ReportRendersAsTableAndJson) {
  elf_.notes.clear();
  const Report report = check("release");
  std::string table;
  llvm::raw_string_ostream tableOut(table);
  printTable(report, tableOut);
  EXPECT_NE(table.find("  build-id             fail  no NT_GNU_BUILD_ID note (link with "),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("FAIL: 4 passed, 1 failed, 10 skipped"), std::string::npos) << table;

  std::string json;
  llvm::raw_string_ostream jsonOut(json);
  printJson(report, jsonOut);
  auto parsed = llvm::json::parse(json);
  ASSERT_TRUE(static_cast<bool>(parsed)) << llvm::toString(parsed.takeError());
  const llvm::json::Object& object = *parsed->getAsObject();
  EXPECT_EQ(object.getString("result"), "fail");
  EXPECT_EQ(object.getInteger("exit_code"), 1);
  EXPECT_EQ(object.getArray("findings")->size(), allRules().size());
}

TEST(Printable, EscapesControlBytesAndBadUtf8) {
  EXPECT_EQ(printable("ok \xc3\xa9"), "ok \xc3\xa9");
  EXPECT_EQ(printable("a\x1b[2Jb\n"), "a\\x1b[2Jb\\x0a");
  EXPECT_EQ(printable("\xff\xc3"), "\\xff\\xc3");
}

}  // namespace
}  // namespace pgokit::validate
