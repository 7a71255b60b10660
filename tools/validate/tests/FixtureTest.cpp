// End to end on real binaries: the program in fixtures/src built by
// make_fixtures.py in every stage, for x86_64 and arm64, with clang 19, lld,
// llvm-profdata and llvm-bolt (arm64 trained under qemu).
#include "TestSupport.hpp"

#include "Placement.hpp"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace pgokit::validate {
namespace {

using test::describe;
using test::findingOf;

class Fixture : public testing::TestWithParam<const char*> {
 protected:
  std::string arch() const { return GetParam(); }
  std::string otherArch() const { return arch() == "x86_64" ? "arm64" : "x86_64"; }

  // "clang19-<arch>-<what>"
  std::string path(llvm::StringRef what) const {
    return test::fixturePath("clang19-" + arch() + "-" + what.str());
  }

  // Reads and validates in process, for the findings.
  Report check(llvm::StringRef binary, llvm::StringRef expect, llvm::StringRef profile = "",
               llvm::StringRef manifest = "", std::optional<Arch> as = std::nullopt) const {
    auto elf = ElfImage::readFile(path(binary));
    EXPECT_TRUE(static_cast<bool>(elf)) << llvm::toString(elf.takeError());
    if (!elf) {
      return Report{};
    }
    std::optional<HotProfile> hot;
    if (!profile.empty()) {
      auto read = HotProfile::readFile(path(profile));
      EXPECT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
      if (read) {
        hot = std::move(*read);
      }
    }
    std::optional<Manifest> parsed;
    if (!manifest.empty()) {
      auto read = readManifestFile(manifest.starts_with("/") ? manifest.str() : path(manifest));
      EXPECT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
      if (read) {
        parsed = std::move(*read);
      }
    }
    return validate(ValidationRequest{*elf, as.value_or(*parseArch(arch())),
                                      *parseExpectation(expect), hot ? &*hot : nullptr,
                                      parsed ? &*parsed : nullptr, 10});
  }

  static void expectStatus(const Report& report, llvm::StringRef id, Status status) {
    const Finding& finding = findingOf(report, id);
    EXPECT_EQ(finding.status, status) << describe(finding);
  }

  static std::string failures(const Report& report) {
    std::string out;
    for (const Finding& finding : report.findings) {
      if (finding.status == Status::Fail) {
        out += describe(finding) + "\n";
      }
    }
    return out;
  }
};

TEST_P(Fixture, PlainBuildPassesRelease) {
  const Report report = check("plain", "release");
  EXPECT_EQ(report.exitCode(), kExitPass) << failures(report);
  expectStatus(report, "arch.elf", Status::Pass);
  expectStatus(report, "arch.interp", Status::Pass);
  expectStatus(report, "build-id", Status::Pass);
  expectStatus(report, "instrumentation", Status::Pass);
}

TEST_P(Fixture, PlainBuildIsNotOptimized) {
  const Report report = check("plain", "optimized");
  EXPECT_EQ(report.exitCode(), kExitFailed);
  expectStatus(report, "pgo.sections", Status::Fail);
}

TEST_P(Fixture, InstrumentedBuildPassesAsInstrumented) {
  const Report report = check("instrumented", "instrumented");
  EXPECT_EQ(report.exitCode(), kExitPass) << failures(report);
  EXPECT_NE(findingOf(report, "instrumentation").reason.find("section __llvm_prf_cnts"),
            std::string::npos);
}

TEST_P(Fixture, InstrumentedBuildNeverPassesAsRelease) {
  for (const char* expect : {"release", "optimized", "bolt", "dist"}) {
    const Report report = check("instrumented", expect);
    EXPECT_EQ(report.exitCode(), kExitFailed) << expect;
    expectStatus(report, "instrumentation", Status::Fail);
  }
}

TEST_P(Fixture, PgoBuildPassesOptimized) {
  const Report report = check("pgo", "optimized", "checksum.profdata");
  EXPECT_EQ(report.exitCode(), kExitPass) << failures(report);
  expectStatus(report, "pgo.sections", Status::Pass);
  expectStatus(report, "pgo.hot-functions", Status::Pass);
  // rotate() is promoted when ThinLTO imports its caller into main's module.
  const Finding& lto = findingOf(report, "lto");
  EXPECT_EQ(lto.status, Status::Pass) << describe(lto);
  EXPECT_NE(lto.reason.find("_ZN12_GLOBAL__N_16rotateEmj.llvm."), std::string::npos);
}

TEST_P(Fixture, PgoBuildJudgedAgainstTheOtherWorkloadsProfileFails) {
  const Report report = check("pgo", "optimized", "text.profdata");
  EXPECT_EQ(report.exitCode(), kExitFailed);
  const Finding& hot = findingOf(report, "pgo.hot-functions");
  EXPECT_EQ(hot.status, Status::Fail) << describe(hot);
  EXPECT_EQ(hot.reason.rfind("0/2 (0%) in .text.hot", 0), 0U) << hot.reason;
}

TEST_P(Fixture, TextProfileRanksLikeTheIndexedOne) {
  const Report report = check("pgo", "optimized", "checksum.proftext");
  expectStatus(report, "pgo.hot-functions", Status::Pass);
}

TEST_P(Fixture, BoltBuildPassesBolt) {
  const Report report = check("pgo-bolt", "bolt", "checksum.profdata");
  EXPECT_EQ(report.exitCode(), kExitPass) << failures(report);
  for (const char* id : {"bolt.note", "bolt.hot-text", "bolt.hot-functions", "pgo.sections",
                         "pgo.hot-functions", "lto"}) {
    expectStatus(report, id, Status::Pass);
  }
  EXPECT_NE(findingOf(report, "bolt.note").reason.find("--bolt-id=pgokit:fixture:" + arch()),
            std::string::npos);
}

TEST_P(Fixture, PgoBuildIsNotBolted) {
  const Report report = check("pgo", "bolt");
  EXPECT_EQ(report.exitCode(), kExitFailed);
  expectStatus(report, "bolt.note", Status::Fail);
  expectStatus(report, "bolt.hot-text", Status::Fail);
}

TEST_P(Fixture, BoltInstrumentedBuildFailsReleaseAndBolt) {
  const Report report = check("pgo-boltinstr", "bolt", "checksum.profdata");
  EXPECT_EQ(report.exitCode(), kExitFailed);
  const Finding& instrumentation = findingOf(report, "instrumentation");
  EXPECT_EQ(instrumentation.status, Status::Fail);
  EXPECT_NE(instrumentation.reason.find("BOLT: section .bolt.instr.counters"), std::string::npos)
      << instrumentation.reason;
  expectStatus(report, "bolt.note", Status::Fail);
  // What it is: a PGO binary with BOLT's instrumentation.
  EXPECT_EQ(check("pgo-boltinstr", "instrumented,pgo").exitCode(), kExitPass);
}

TEST_P(Fixture, DistBuildPassesEveryCheck) {
  const auto result = test::runValidator(
      {"--arch", arch(), "--expect", "dist", "--profile", path("checksum.profdata"), "--manifest",
       path("checksum.manifest.json"), "--json", path("pgo-bolt-dist")});
  EXPECT_EQ(result.code, kExitPass) << result.out << result.err;
  auto json = llvm::json::parse(result.out);
  ASSERT_TRUE(static_cast<bool>(json)) << llvm::toString(json.takeError());
  const llvm::json::Object& object = *json->getAsObject();
  EXPECT_EQ(object.getString("result"), "pass");
  EXPECT_EQ(object.getInteger("failed"), 0);
  EXPECT_EQ(object.getInteger("skipped"), 0);
}

TEST_P(Fixture, DistBuildAcceptsTheCommittedTextProfile) {
  const Report report = check("pgo-bolt-dist", "dist", "checksum.proftext");
  const Finding& profile = findingOf(report, "provenance.profile");
  EXPECT_EQ(profile.status, Status::Pass) << describe(profile);
  EXPECT_NE(profile.reason.find("is the committed text profile"), std::string::npos);
}

TEST_P(Fixture, DistBuildFromAnotherProfileFailsProvenance) {
  const Report report = check("pgo-bolt-dist", "dist", "text.profdata");
  EXPECT_EQ(report.exitCode(), kExitFailed);
  const Finding& profile = findingOf(report, "provenance.profile");
  EXPECT_EQ(profile.status, Status::Fail);
  EXPECT_NE(profile.reason.find("is not what the binary was built from"), std::string::npos);
  expectStatus(report, "pgo.hot-functions", Status::Fail);
  // BOLT leaves functions without samples where they are (x86_64) or moves
  // them to .text.cold (arm64): a skip or a failure, never a pass.
  const Finding& bolt = findingOf(report, "bolt.hot-functions");
  EXPECT_NE(bolt.status, Status::Pass) << describe(bolt);
}

TEST_P(Fixture, NoteNamingAnotherProfileFailsProvenance) {
  // As if rebuilt from the "text" profile: its note names that profile.
  const Report report =
      check("pgo-bolt-dist-othernote", "dist", "checksum.profdata", "checksum.manifest.json");
  EXPECT_EQ(report.exitCode(), kExitFailed);
  expectStatus(report, "provenance.note", Status::Pass);
  expectStatus(report, "provenance.profile", Status::Fail);
  expectStatus(report, "provenance.manifest", Status::Fail);
}

TEST_P(Fixture, DistBuildWithTheOtherArchsManifestFails) {
  const std::string manifest =
      test::fixturePath("clang19-" + otherArch() + "-checksum.manifest.json");
  const Report report = check("pgo-bolt-dist", "dist", "", manifest);
  const Finding& finding = findingOf(report, "provenance.manifest");
  EXPECT_EQ(finding.status, Status::Fail);
  EXPECT_NE(finding.reason.find("is for " + otherArch() + ", expected " + arch()),
            std::string::npos)
      << finding.reason;
}

TEST_P(Fixture, WrongArchFailsNamingBoth) {
  const Arch other = *parseArch(otherArch());
  const Report report = check("pgo-bolt-dist", "dist", "", "", other);
  EXPECT_EQ(report.exitCode(), kExitFailed);
  const Finding& elf = findingOf(report, "arch.elf");
  EXPECT_EQ(elf.status, Status::Fail);
  EXPECT_NE(elf.reason.find("built for " + arch()), std::string::npos) << elf.reason;
  EXPECT_NE(elf.reason.find("expected " + otherArch()), std::string::npos) << elf.reason;
  expectStatus(report, "arch.interp", Status::Fail);
  expectStatus(report, "provenance.arch", Status::Fail);
}

TEST_P(Fixture, CommandExitCodesMatchTheVerdict) {
  EXPECT_EQ(test::runValidator({"--arch", arch(), path("plain")}).code, kExitPass);
  EXPECT_EQ(test::runValidator({"--arch", arch(), path("instrumented")}).code, kExitFailed);
  EXPECT_EQ(test::runValidator({"--arch", otherArch(), path("plain")}).code, kExitFailed);
  EXPECT_EQ(test::runValidator({"--arch", arch(), "--profile", path("plain"), path("plain")}).code,
            kExitUnreadable);
}

std::string archName(const testing::TestParamInfo<const char*>& info) {
  return llvm::StringRef(info.param) == "x86_64" ? "X86" : "Arm64";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Fixture, testing::Values("x86_64", "arm64"), archName);

TEST(FixtureStripped, StrippedBoltBuildSkipsWhatNeedsSymbols) {
  auto elf = ElfImage::readFile(test::fixturePath("clang19-x86_64-pgo-bolt-stripped"));
  ASSERT_TRUE(static_cast<bool>(elf)) << llvm::toString(elf.takeError());
  auto profile = HotProfile::readFile(test::fixturePath("clang19-x86_64-checksum.profdata"));
  ASSERT_TRUE(static_cast<bool>(profile)) << llvm::toString(profile.takeError());
  const Report report = validate(ValidationRequest{
      *elf, Arch::X86_64, *parseExpectation("optimized"), &*profile, nullptr, 10});
  EXPECT_EQ(findingOf(report, "pgo.hot-functions").reason,
            "no .symtab (stripped): function addresses are unknown");
  EXPECT_EQ(findingOf(report, "instrumentation").status, Status::Pass);
  EXPECT_EQ(findingOf(report, "build-id").status, Status::Pass);
}

TEST(Speed, ValidatesItsOwnTestBinaryWellUnderASecond) {
  // This test program links LLVM's libraries statically: tens of MB with a
  // large symbol table, the biggest ELF file at hand.
  const std::string self = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  const auto started = std::chrono::steady_clock::now();
  const auto result = test::runValidator({"--arch", "x86_64", self});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_NE(result.code, kExitUnreadable) << result.err;
  std::uint64_t size = 0;
  ASSERT_FALSE(llvm::sys::fs::file_size(self, size));
  RecordProperty("binary_mb", std::to_string(size >> 20U));
  RecordProperty("seconds", std::to_string(seconds));
  EXPECT_LT(seconds, 0.5) << self << " (" << (size >> 20U) << " MB)";
}

}  // namespace
}  // namespace pgokit::validate
