#include "csvstat/Numbers.hpp"

#include <gtest/gtest.h>

#include <string>

namespace csvstat {
namespace {

TEST(ParseInt64, ReadsSignedDecimals) {
  std::int64_t value = 0;
  EXPECT_TRUE(parse_int64("0", value));
  EXPECT_EQ(value, 0);
  EXPECT_TRUE(parse_int64("-42", value));
  EXPECT_EQ(value, -42);
  EXPECT_TRUE(parse_int64("+7", value));
  EXPECT_EQ(value, 7);
  EXPECT_TRUE(parse_int64("9223372036854775807", value));
  EXPECT_EQ(value, INT64_MAX);
  EXPECT_TRUE(parse_int64("-9223372036854775808", value));
  EXPECT_EQ(value, INT64_MIN);
}

TEST(ParseInt64, RejectsWhatIsNotAnInteger) {
  std::int64_t value = 5;
  for (const char* text : {"", "-", "+", " 1", "1 ", "1.0", "0x10", "12a", "9223372036854775808",
                           "-9223372036854775809", "99999999999999999999"}) {
    EXPECT_FALSE(parse_int64(text, value)) << text;
  }
  EXPECT_EQ(value, 5) << "a failed parse leaves the output alone";
}

TEST(ParseFixed, ReadsUpToFourDecimals) {
  std::int64_t value = 0;
  EXPECT_TRUE(parse_fixed("12", value));
  EXPECT_EQ(value, 120'000);
  EXPECT_TRUE(parse_fixed("12.5", value));
  EXPECT_EQ(value, 125'000);
  EXPECT_TRUE(parse_fixed("0.0001", value));
  EXPECT_EQ(value, 1);
  EXPECT_TRUE(parse_fixed("-3.25", value));
  EXPECT_EQ(value, -32'500);
  EXPECT_TRUE(parse_fixed(".5", value));
  EXPECT_EQ(value, 5'000);
  EXPECT_TRUE(parse_fixed("922337203685477.5807", value));
  EXPECT_EQ(value, INT64_MAX);
  EXPECT_TRUE(parse_fixed("-922337203685477.5808", value));
  EXPECT_EQ(value, INT64_MIN);
}

TEST(ParseFixed, RejectsInexactOrMalformedValues) {
  std::int64_t value = 0;
  for (const char* text : {"", ".", "1.", "1.23456", "1,5", "1e3", "--1", "1.2.3", " 1.5",
                           "922337203685477.5808", "1000000000000000"}) {
    EXPECT_FALSE(parse_fixed(text, value)) << text;
  }
}

TEST(ParseTimestamp, ReadsUtcTimes) {
  std::int64_t seconds = 0;
  EXPECT_TRUE(parse_timestamp("1970-01-01T00:00:00Z", seconds));
  EXPECT_EQ(seconds, 0);
  EXPECT_TRUE(parse_timestamp("2024-01-01T00:00:00Z", seconds));
  EXPECT_EQ(seconds, 1'704'067'200);
  EXPECT_TRUE(parse_timestamp("2024-02-29T23:59:59Z", seconds));
  EXPECT_EQ(seconds, 1'709'251'199);
}

TEST(ParseTimestamp, RejectsImpossibleDates) {
  std::int64_t seconds = 0;
  for (const char* text : {"2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
                           "2024-04-31T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z",
                           "2024-01-01 00:00:00Z", "2024-01-01T00:00:00", "2024-1-01T00:00:00Z"}) {
    EXPECT_FALSE(parse_timestamp(text, seconds)) << text;
  }
  EXPECT_TRUE(parse_timestamp("2000-02-29T00:00:00Z", seconds)) << "2000 is a leap year";
}

TEST(AppendTimestamp, RoundTripsThroughParse) {
  for (const std::int64_t seconds : {0LL, 951'782'400LL, 1'709'251'199LL, 4'102'444'799LL}) {
    std::string text;
    append_timestamp(text, seconds);
    std::int64_t back = -1;
    ASSERT_TRUE(parse_timestamp(text, back)) << text;
    EXPECT_EQ(back, seconds) << text;
  }
}

TEST(AppendFixed, RoundsHalfAwayFromZero) {
  const auto text = [](std::int64_t value, int decimals) {
    std::string out;
    append_fixed(out, value, decimals);
    return out;
  };
  EXPECT_EQ(text(125'000, 2), "12.50");
  EXPECT_EQ(text(125'050, 2), "12.51");
  EXPECT_EQ(text(125'049, 2), "12.50");
  EXPECT_EQ(text(-125'050, 2), "-12.51");
  EXPECT_EQ(text(-49, 2), "0.00") << "no minus sign on a value that rounds to zero";
  EXPECT_EQ(text(1, 4), "0.0001");
  EXPECT_EQ(text(INT64_MIN, 4), "-922337203685477.5808");
}

}  // namespace
}  // namespace csvstat
