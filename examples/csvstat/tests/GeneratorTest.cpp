#include "csvstat/Generator.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "csvstat/CsvTokenizer.hpp"

namespace csvstat {
namespace {

TEST(Generator, IsDeterministicForASeed) {
  EXPECT_EQ(generate_orders({500, 3}), generate_orders({500, 3}));
  EXPECT_NE(generate_orders({500, 3}), generate_orders({500, 4}));
}

TEST(Generator, WritesAHeaderAndOneRecordPerRow) {
  const std::string csv = generate_orders({2'000, 1});
  CsvTokenizer tokenizer(csv);
  CsvRecord record;
  ASSERT_TRUE(tokenizer.next(record));
  EXPECT_EQ(record.fields.size(), 7U);
  EXPECT_EQ(record.fields[0], "id");
  int rows = 0;
  bool quoted_comma = false;
  bool escaped_quote = false;
  bool line_break = false;
  while (tokenizer.next(record)) {
    ASSERT_EQ(record.fields.size(), 7U) << "line " << record.line;
    ++rows;
    const std::string_view note = record.fields[6];
    quoted_comma = quoted_comma || note.find(',') != std::string_view::npos;
    escaped_quote = escaped_quote || note.find('"') != std::string_view::npos;
    line_break = line_break || note.find('\n') != std::string_view::npos;
  }
  EXPECT_FALSE(tokenizer.failed()) << tokenizer.error().message;
  EXPECT_EQ(rows, 2'000);
  EXPECT_TRUE(quoted_comma && escaped_quote && line_break) << "the data should exercise every quoting rule";
}

TEST(Generator, MakesNoRowsForZero) {
  EXPECT_EQ(generate_orders({0, 1}), "id,timestamp,region,product,quantity,price,note\n");
}

}  // namespace
}  // namespace csvstat
