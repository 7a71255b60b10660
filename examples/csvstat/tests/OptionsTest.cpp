#include "csvstat/Options.hpp"

#include <gtest/gtest.h>

namespace csvstat {
namespace {

TEST(Options, ReadsEveryOption) {
  Options options;
  std::string error;
  ASSERT_TRUE(Options::parse({"--rows", "50", "--seed", "9", "--output", "o.csv", "--top", "3", "--repeat", "2"},
                             options, error))
      << error;
  EXPECT_EQ(options.rows, 50);
  EXPECT_EQ(options.seed, 9U);
  EXPECT_EQ(options.output, "o.csv");
  EXPECT_EQ(options.top, 3U);
  EXPECT_EQ(options.repeat, 2);
  EXPECT_FALSE(options.help);
}

TEST(Options, RejectsBadValues) {
  const auto error_of = [](std::vector<std::string_view> args) {
    Options options;
    std::string error;
    EXPECT_FALSE(Options::parse(args, options, error));
    return error;
  };
  EXPECT_EQ(error_of({"--rows", "-1"}), "--rows: '-1' is not a whole number from 0 to 100000000");
  EXPECT_EQ(error_of({"--repeat", "0"}), "--repeat: '0' is not a whole number from 1 to 1000");
  EXPECT_EQ(error_of({"--top"}), "--top needs a value");
  EXPECT_EQ(error_of({"--fast"}), "unknown option '--fast'");
  EXPECT_EQ(error_of({"--input", "a.csv", "--rows", "5"}),
            "--input reads orders from a file; --rows, --seed and --output are for generated ones");
}

TEST(Options, StopsAtHelp) {
  Options options;
  std::string error;
  ASSERT_TRUE(Options::parse({"--help", "--bogus"}, options, error));
  EXPECT_TRUE(options.help);
}

}  // namespace
}  // namespace csvstat
