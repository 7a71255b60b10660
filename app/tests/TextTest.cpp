#include "Text.hpp"

#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace pgokit {
namespace {

template <typename... Args>
std::string printf_text(const char* format, Args... args) {
  char text[64];
  const int length = std::snprintf(text, sizeof text, format, args...);
  return std::string(text, static_cast<std::size_t>(length));
}

TEST(Text, AppendsDecimalsLikePrintf) {
  for (const std::int64_t value : {std::int64_t{0}, std::int64_t{7}, std::int64_t{-7}, std::int64_t{10},
                                   std::int64_t{1234567890123}, std::numeric_limits<std::int64_t>::max(),
                                   std::numeric_limits<std::int64_t>::min()}) {
    std::string out = "x";
    append_decimal(out, value);
    EXPECT_EQ(out, "x" + printf_text("%lld", static_cast<long long>(value)));
  }
  std::string out;
  append_decimal(out, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(out, "18446744073709551615");
}

TEST(Text, PadsToWidthButNeverTruncates) {
  for (const std::uint64_t value : {0ULL, 5ULL, 42ULL, 2024ULL, 123456ULL}) {
    std::string out;
    append_padded(out, value, 4);
    EXPECT_EQ(out, printf_text("%04llu", static_cast<unsigned long long>(value)));
  }
}

TEST(Text, AppendsFixedWidthHex) {
  std::string out;
  append_hex(out, 0xdeadbeefULL, 8);
  append_hex(out, 0x1ULL, 4);
  append_hex(out, 0xffffffffffffffffULL, 16);
  EXPECT_EQ(out, "deadbeef0001ffffffffffffffff");
}

TEST(Text, AppendsGeneralLikePrintf) {
  for (const double value : {0.0, 0.5, 1.0, 0.005, 2.5e-7, 123456789.0, 1e20, -3.25}) {
    std::string six;
    append_general(six, value, 6);
    EXPECT_EQ(six, printf_text("%g", value));
    std::string nine;
    append_general(nine, value, 9);
    EXPECT_EQ(nine, printf_text("%.9g", value));
  }
}

TEST(Text, EscapesOnlyWhatJsonRequires) {
  std::string out;
  append_json_utf8(out, "plain caf\xc3\xa9 \x7f");
  EXPECT_EQ(out, "\"plain caf\xc3\xa9 \x7f\"");
  out.clear();
  append_json_utf8(out, "q\"b\\s\n\r\t\b\f\x01\x1f end");
  EXPECT_EQ(out, R"("q\"b\\s\n\r\t\b\f\u0001\u001f end")");
  out.clear();
  append_json_utf8(out, "");
  EXPECT_EQ(out, "\"\"");
}

}  // namespace
}  // namespace pgokit
