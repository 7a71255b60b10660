#include "HotProfile.hpp"

#include "TestSupport.hpp"

#include "llvm/ProfileData/InstrProf.h"
#include "llvm/Support/Endian.h"

#include <gtest/gtest.h>

#include <string>

namespace pgokit::validate {
namespace {

llvm::Expected<HotProfile> readText(llvm::StringRef text) {
  return HotProfile::read(llvm::MemoryBuffer::getMemBufferCopy(text, "test.proftext"));
}

// Front-end text profile: name, hash, counter count, counters (the first is
// the entry count).
std::string record(llvm::StringRef name, std::initializer_list<std::uint64_t> counts) {
  std::string out = name.str() + "\n# Func Hash:\n1\n# Num Counters:\n" +
                    std::to_string(counts.size()) + "\n# Counter Values:\n";
  for (std::uint64_t count : counts) {
    out += std::to_string(count) + "\n";
  }
  return out + "\n";
}

TEST(HotProfile, StripsTheFilePrefixOfLocals) {
  EXPECT_EQ(linkageNameOf("Checksum.cpp:_ZN12_GLOBAL__N_16rotateEmj"),
            "_ZN12_GLOBAL__N_16rotateEmj");
  EXPECT_EQ(linkageNameOf("src/a.cpp;_ZL3foov"), "_ZL3foov");
  EXPECT_EQ(linkageNameOf("main"), "main");
}

TEST(HotProfile, RanksByEntryCountAndKeepsWhatLlvmCallsHot) {
  auto profile = readText(record("main", {1, 2000, 512000}) + record("_Z3hotv", {512000}) +
                          record("a.cpp:_ZL4warmv", {300000}) + record("_Z4coldv", {3}) +
                          record("_Z6unusedv", {0}));
  ASSERT_TRUE(static_cast<bool>(profile)) << llvm::toString(profile.takeError());
  EXPECT_EQ(profile->format, "text");
  ASSERT_TRUE(profile->hotCountThreshold.has_value());
  EXPECT_EQ(*profile->hotCountThreshold, 300000U);
  // main's loop is hot, but LLVM places by entry count: main is not a candidate.
  const auto hot = profile->hot();
  ASSERT_EQ(hot.size(), 2U);
  EXPECT_EQ(hot[0]->linkageName, "_Z3hotv");
  EXPECT_EQ(hot[1]->linkageName, "_ZL4warmv");
  EXPECT_EQ(hot[1]->profileName, "a.cpp:_ZL4warmv");
}

TEST(HotProfile, AllZeroProfileHasNoHotFunctions) {
  auto profile = readText(record("main", {0, 0}));
  ASSERT_TRUE(static_cast<bool>(profile)) << llvm::toString(profile.takeError());
  EXPECT_FALSE(profile->hotCountThreshold.has_value());
  EXPECT_TRUE(profile->hot().empty());
}

TEST(HotProfile, ReadsIndexedAndTextFormsAlike) {
  auto text = HotProfile::readFile(test::corpusPath("profile-minimal.proftext"));
  auto indexed = HotProfile::readFile(test::corpusPath("profile-minimal.profdata"));
  ASSERT_TRUE(static_cast<bool>(text)) << llvm::toString(text.takeError());
  ASSERT_TRUE(static_cast<bool>(indexed)) << llvm::toString(indexed.takeError());
  EXPECT_EQ(text->format, "text");
  EXPECT_EQ(indexed->format, "indexed");
  ASSERT_EQ(text->functions.size(), indexed->functions.size());
  for (std::size_t i = 0; i < text->functions.size(); ++i) {
    EXPECT_EQ(text->functions[i].profileName, indexed->functions[i].profileName);
    EXPECT_EQ(text->functions[i].heat, indexed->functions[i].heat);
  }
  EXPECT_NE(text->sha256, indexed->sha256);
}

TEST(HotProfile, HashesTheFileBytes) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HotProfile, RefusesRawProfiles) {
  std::string raw(128, '\0');
  llvm::support::endian::write64le(raw.data(), llvm::RawInstrProf::getMagic<std::uint64_t>());
  auto profile = HotProfile::read(llvm::MemoryBuffer::getMemBufferCopy(raw, "x.profraw"));
  ASSERT_FALSE(static_cast<bool>(profile));
  EXPECT_EQ(llvm::toString(profile.takeError()),
            "x.profraw: is a raw profile (.profraw): merge it with llvm-profdata first");
}

TEST(HotProfile, RefusesDeclaredSizesTheFileCannotHold) {
  auto counters = readText("f\n1\n4000000000\n1\n2\n");
  ASSERT_FALSE(static_cast<bool>(counters));
  EXPECT_EQ(llvm::toString(counters.takeError()),
            "test.proftext: is malformed: line 3 declares 4000000000 counters, but only 2 lines "
            "follow");
  // Value profile sites: kinds, then per kind its id and site count.
  auto sites = readText("f\n1\n1\n5\n1\n0\n3000000000\n");
  ASSERT_FALSE(static_cast<bool>(sites));
  EXPECT_NE(llvm::toString(sites.takeError()).find("declares 3000000000 value sites"),
            std::string::npos);
}

}  // namespace
}  // namespace pgokit::validate
