#include "Provenance.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pgokit::validate {
namespace {

const std::string kSha(64, 'a');
const std::string kTextSha = "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef";

// What scripts/pgokit_cli/provenance.py writes, extra fields included.
std::string pipelineNote() {
  return R"({"arch":"arm64","format":1,"llvm_version":"19.1.7","profile_sha256":")" + kSha +
         R"(","scenario":"mixed","source_commit":"3aab8f9","source_digest":"x",)"
         R"("stages":["instrumented","trained","pgo","thinlto","bolt"],"target":"pgokit-server",)"
         R"("text_profile_sha256":")" +
         kTextSha + R"(","trained_under_emulation":true})";
}

std::string errorOf(llvm::StringRef json) {
  auto note = parseProvenance(json);
  if (note) {
    ADD_FAILURE() << "accepted: " << json.str();
    return "";
  }
  return llvm::toString(note.takeError());
}

TEST(Provenance, ParsesThePipelinesNote) {
  auto note = parseProvenance(pipelineNote());
  ASSERT_TRUE(static_cast<bool>(note)) << llvm::toString(note.takeError());
  EXPECT_EQ(note->target, "pgokit-server");
  EXPECT_EQ(note->arch, "arm64");
  EXPECT_EQ(note->stages.size(), 5U);
  EXPECT_TRUE(note->claims("thinlto"));
  EXPECT_FALSE(note->claims("lto"));
  EXPECT_EQ(note->profileSha256, kSha);
  // Hashes compare in lower case.
  EXPECT_EQ(note->textProfileSha256, llvm::StringRef(kTextSha).lower());
  EXPECT_EQ(note->llvmVersion, "19.1.7");
}

TEST(Provenance, SaysWhatIsWrong) {
  EXPECT_NE(errorOf("{").find("invalid JSON"), std::string::npos);
  EXPECT_EQ(errorOf("[1]"), "not a JSON object");
  EXPECT_EQ(errorOf(R"({"format":2})"), "format 2 is not one this validator reads (1)");
  EXPECT_EQ(errorOf(R"({"target":"x"})"), "no integer \"format\" field");
  EXPECT_EQ(errorOf(R"({"format":1,"target":"x"})"), "no \"arch\" field");
  EXPECT_EQ(errorOf(R"({"format":1,"target":"x","arch":7})"), "\"arch\" is not a string");
  EXPECT_EQ(errorOf(R"({"format":1,"target":"x","arch":"arm64","profile_sha256":"abc"})"),
            "\"profile_sha256\" is not a sha256 (64 hex digits): 'abc'");
  const std::string noStages = R"({"format":1,"target":"x","arch":"arm64","profile_sha256":")" +
                               kSha + R"(","text_profile_sha256":")" + kSha + R"("})";
  EXPECT_EQ(errorOf(noStages), "no \"stages\" array");
}

TEST(Provenance, RejectsInvalidUtf8) {
  EXPECT_NE(errorOf("{\"format\":1,\"target\":\"\xff\"}").find("invalid JSON"), std::string::npos);
}

TEST(Manifest, ReadsTheShaFields) {
  const std::string json = R"({"arch":"x86_64","profile_sha256":")" + kSha +
                           R"(","text_profile_sha256":")" + kTextSha + R"(","functions":12})";
  auto manifest = parseManifest(json, "profiles/x86_64/server.json");
  ASSERT_TRUE(static_cast<bool>(manifest)) << llvm::toString(manifest.takeError());
  EXPECT_EQ(manifest->arch, "x86_64");
  EXPECT_EQ(manifest->textProfileSha256, llvm::StringRef(kTextSha).lower());
}

TEST(Manifest, ErrorsNameTheFile) {
  auto manifest = parseManifest(R"({"profile_sha256":")" + kSha + R"("})", "m.json");
  ASSERT_FALSE(static_cast<bool>(manifest));
  EXPECT_EQ(llvm::toString(manifest.takeError()),
            "m.json: is not a profile manifest: no \"text_profile_sha256\" field");
}

TEST(Sha256, AcceptsOnlyHexOfTheRightLength) {
  EXPECT_TRUE(isSha256(kTextSha));
  EXPECT_FALSE(isSha256(kTextSha.substr(1)));
  EXPECT_FALSE(isSha256(std::string(64, 'g')));
}

}  // namespace
}  // namespace pgokit::validate
