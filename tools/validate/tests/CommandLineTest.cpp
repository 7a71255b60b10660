#include "CommandLine.hpp"

#include "TestSupport.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pgokit::validate {
namespace {

using test::runValidator;

std::string usageErrorOf(const std::vector<std::string>& args) {
  auto options = parseOptions(args);
  if (options) {
    ADD_FAILURE() << "accepted";
    return "";
  }
  return llvm::toString(options.takeError());
}

TEST(CommandLine, ParsesEveryOption) {
  auto options = parseOptions({"--arch", "arm64", "--expect=dist", "--profile", "p.profdata",
                               "--manifest=m.json", "--top", "25", "--json", "bin"});
  ASSERT_TRUE(static_cast<bool>(options)) << llvm::toString(options.takeError());
  EXPECT_EQ(options->arch, Arch::Arm64);
  EXPECT_TRUE(options->expect.provenance);
  EXPECT_EQ(options->profile, "p.profdata");
  EXPECT_EQ(options->manifest, "m.json");
  EXPECT_EQ(options->top, 25U);
  EXPECT_TRUE(options->json);
  EXPECT_EQ(options->binary, "bin");
}

TEST(CommandLine, ExpectsReleaseByDefault) {
  auto options = parseOptions({"--arch", "x86_64", "bin"});
  ASSERT_TRUE(static_cast<bool>(options)) << llvm::toString(options.takeError());
  EXPECT_EQ(options->expect.items(), std::vector<std::string>{"release"});
  EXPECT_EQ(options->top, 10U);
}

TEST(CommandLine, RejectsBadUsage) {
  EXPECT_EQ(usageErrorOf({"bin"}), "--arch is required (x86_64 or arm64)");
  EXPECT_EQ(usageErrorOf({"--arch", "x86_64"}), "no BINARY given");
  EXPECT_EQ(usageErrorOf({"--arch", "sparc", "bin"}),
            "--arch: unknown arch 'sparc' (x86_64 or arm64)");
  EXPECT_EQ(usageErrorOf({"--arch"}), "--arch needs a value");
  EXPECT_EQ(usageErrorOf({"--arch", "x86_64", "--fast", "bin"}), "unknown option '--fast'");
  EXPECT_EQ(usageErrorOf({"--arch", "x86_64", "a", "b"}), "one BINARY only (got 'a' and 'b')");
  EXPECT_EQ(usageErrorOf({"--arch", "x86_64", "--top", "0", "bin"}),
            "--top: '0' is not a count from 1 to 100000");
  EXPECT_EQ(usageErrorOf({"--arch", "x86_64", "--top=ten", "bin"}),
            "--top: 'ten' is not a count from 1 to 100000");
  EXPECT_NE(usageErrorOf({"--arch", "x86_64", "--expect", "release,instrumented", "bin"})
                .find("exclude each other"),
            std::string::npos);
}

TEST(CommandLine, UsageErrorsExitTwo) {
  const auto result = runValidator({"--arch", "x86_64"});
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_TRUE(result.out.empty());
  EXPECT_NE(result.err.find("pgokit-validate: error: no BINARY given"), std::string::npos);
  EXPECT_NE(result.err.find("usage: pgokit-validate --arch"), std::string::npos);
}

TEST(CommandLine, HelpExitsZero) {
  const auto result = runValidator({"--help"});
  EXPECT_EQ(result.code, kExitPass);
  EXPECT_NE(result.out.find("exit codes: 0 every check passed"), std::string::npos);
  EXPECT_NE(result.out.find("dist (=pgo,lto,bolt,provenance)"), std::string::npos);
}

TEST(CommandLine, MissingBinaryExitsThreeNamingIt) {
  const auto result = runValidator({"--arch", "x86_64", "/nonexistent/server"});
  EXPECT_EQ(result.code, kExitUnreadable);
  EXPECT_EQ(
      result.err,
      "pgokit-validate: error: /nonexistent/server: cannot read: No such file or directory\n");
}

TEST(CommandLine, DirectoryExitsThree) {
  const auto result = runValidator({"--arch", "x86_64", PGOKIT_VALIDATE_CORPUS});
  EXPECT_EQ(result.code, kExitUnreadable);
  EXPECT_NE(result.err.find(std::string(PGOKIT_VALIDATE_CORPUS) + ": is a directory, not a file"),
            std::string::npos);
}

TEST(CommandLine, UnreadableInputIsJsonToo) {
  const auto result = runValidator({"--arch", "x86_64", "--json", "/nonexistent/server"});
  EXPECT_EQ(result.code, kExitUnreadable);
  auto json = llvm::json::parse(result.out);
  ASSERT_TRUE(static_cast<bool>(json)) << llvm::toString(json.takeError());
  const llvm::json::Object* object = json->getAsObject();
  ASSERT_NE(object, nullptr);
  EXPECT_EQ(object->getString("result"), "error");
  EXPECT_EQ(object->getInteger("exit_code"), 3);
  EXPECT_NE(object->getString("error")->find("/nonexistent/server"), llvm::StringRef::npos);
}

TEST(CommandLine, MissingProfileAndManifestExitThree) {
  const std::string binary = test::corpusPath("elf-minimal-x86_64");
  auto result = runValidator({"--arch", "x86_64", "--profile", "/nonexistent/p.profdata", binary});
  EXPECT_EQ(result.code, kExitUnreadable);
  EXPECT_NE(result.err.find("/nonexistent/p.profdata: cannot read"), std::string::npos);
  result = runValidator({"--arch", "x86_64", "--manifest", "/nonexistent/m.json", binary});
  EXPECT_EQ(result.code, kExitUnreadable);
  EXPECT_NE(result.err.find("/nonexistent/m.json: cannot read"), std::string::npos);
}

}  // namespace
}  // namespace pgokit::validate
