#include "Digest.hpp"

#include <gtest/gtest.h>

namespace pgokit {
namespace {

TEST(Digest, Crc32MatchesCheckValue) {
  EXPECT_EQ(Digest::crc32(""), 0U);
  EXPECT_EQ(Digest::crc32("123456789"), 0xCBF43926U);
  EXPECT_EQ(Digest::crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339U);
}

TEST(Digest, Crc32Continues) {
  EXPECT_EQ(Digest::crc32("6789", Digest::crc32("12345")), Digest::crc32("123456789"));
}

TEST(Digest, Fnv1a64MatchesReferenceValues) {
  EXPECT_EQ(Digest::fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Digest::fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Digest::fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(Digest, Fnv1a64Continues) {
  EXPECT_EQ(Digest::fnv1a64("bar", Digest::fnv1a64("foo")), Digest::fnv1a64("foobar"));
}

TEST(Digest, HexEncodesEveryByte) {
  std::string out = "x";
  Digest::append_hex(out, std::string_view("\x00\x7f\xff", 3));
  EXPECT_EQ(out, "x007fff");
}

TEST(Digest, Base64MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [input, expected] : vectors) {
    std::string out;
    Digest::append_base64(out, input);
    EXPECT_EQ(out, expected) << "input '" << input << "'";
  }
}

TEST(Digest, Base64EncodesHighBytes) {
  std::string out;
  Digest::append_base64(out, std::string_view("\xfb\xff", 2));
  EXPECT_EQ(out, "+/8=");
}

TEST(Digest, ComputeOneRoundIsCrcOfEncodingAndFnvOfPayload) {
  Digest::Spec spec{"hello", 1, Digest::Encoding::hex};
  const auto result = Digest::compute(spec);
  std::string encoded;
  Digest::append_hex(encoded, "hello");
  EXPECT_EQ(result.crc32, Digest::crc32(encoded));
  EXPECT_EQ(result.fnv1a64, Digest::fnv1a64("hello"));
  EXPECT_EQ(result.digest.size(), 24U);  // 12 bytes as hex
}

TEST(Digest, ComputeDependsOnRoundsAndEncoding) {
  const auto one = Digest::compute({"payload", 1, Digest::Encoding::hex});
  const auto two = Digest::compute({"payload", 2, Digest::Encoding::hex});
  const auto base64 = Digest::compute({"payload", 2, Digest::Encoding::base64});
  EXPECT_NE(one.digest, two.digest);
  EXPECT_NE(two.crc32, base64.crc32);
  EXPECT_EQ(two.fnv1a64, base64.fnv1a64);
  EXPECT_EQ(base64.digest.size(), 16U);  // 12 bytes as base64
  EXPECT_EQ(Digest::compute({"payload", 2, Digest::Encoding::hex}).digest, two.digest);
}

TEST(Digest, NamesEncodings) {
  EXPECT_EQ(Digest::name(Digest::Encoding::hex), "hex");
  EXPECT_EQ(Digest::name(Digest::Encoding::base64), "base64");
}

}  // namespace
}  // namespace pgokit
