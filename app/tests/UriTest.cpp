#include "Uri.hpp"

#include <gtest/gtest.h>

namespace pgokit {
namespace {

TEST(Uri, SplitsPathAndQuery) {
  const auto uri = Uri::parse("/api/orders?status=paid&limit=5");
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->path(), "/api/orders");
  ASSERT_EQ(uri->parameters().size(), 2U);
  EXPECT_EQ(uri->parameter("status"), "paid");
  EXPECT_EQ(uri->parameter("limit"), "5");
  EXPECT_EQ(uri->parameter("cursor"), std::nullopt);
}

TEST(Uri, KeepsPathWithoutQuery) {
  const auto uri = Uri::parse("/health");
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->path(), "/health");
  EXPECT_TRUE(uri->parameters().empty());
}

TEST(Uri, DecodesPercentEscapesAndPlus) {
  const auto uri = Uri::parse("/q?name=a%20b+c&%41=%2f");
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->parameter("name"), "a b c");
  EXPECT_EQ(uri->parameter("A"), "/");
}

TEST(Uri, RejectsBrokenEscape) {
  EXPECT_FALSE(Uri::parse("/q?a=%zz"));
  EXPECT_FALSE(Uri::parse("/q?a=%4"));
  EXPECT_FALSE(Uri::parse("/q?a=%"));
}

TEST(Uri, KeepsFirstOfRepeatedParameter) {
  const auto uri = Uri::parse("/q?id=1&id=2");
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->parameter("id"), "1");
  EXPECT_EQ(uri->parameters().size(), 2U);
}

TEST(Uri, ReadsParameterWithoutValueAsEmpty) {
  const auto uri = Uri::parse("/q?flag&x=");
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->parameter("flag"), "");
  EXPECT_EQ(uri->parameter("x"), "");
}

TEST(Uri, SkipsEmptyPairs) {
  const auto uri = Uri::parse("/q?&&a=1&");
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->parameters().size(), 1U);
}

TEST(Uri, StripsFragment) {
  const auto uri = Uri::parse("/health?x=1#top");
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->path(), "/health");
  EXPECT_EQ(uri->parameter("x"), "1");
}

TEST(Uri, RejectsNonOriginForm) {
  EXPECT_FALSE(Uri::parse(""));
  EXPECT_FALSE(Uri::parse("*"));
  EXPECT_FALSE(Uri::parse("http://example.com/health"));
}

TEST(Uri, DecodeLeavesPlusWhenAsked) {
  EXPECT_EQ(Uri::decode("a+b", false), "a+b");
  EXPECT_EQ(Uri::decode("a+b", true), "a b");
  EXPECT_EQ(Uri::decode("%zz", true), std::nullopt);
}

}  // namespace
}  // namespace pgokit
