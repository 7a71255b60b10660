#include "csvstat/CsvTokenizer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace csvstat {
namespace {

// Every record's fields, as owned strings; fails the test on a tokenizer error.
std::vector<std::vector<std::string>> records(std::string_view input) {
  CsvTokenizer tokenizer(input);
  CsvRecord record;
  std::vector<std::vector<std::string>> out;
  while (tokenizer.next(record)) {
    out.emplace_back(record.fields.begin(), record.fields.end());
  }
  EXPECT_FALSE(tokenizer.failed()) << tokenizer.error().message;
  return out;
}

using Rows = std::vector<std::vector<std::string>>;

TEST(CsvTokenizer, SplitsFieldsAndRecords) {
  EXPECT_EQ(records("a,b,c\n1,2,3\n"), (Rows{{"a", "b", "c"}, {"1", "2", "3"}}));
}

TEST(CsvTokenizer, AcceptsCrlfAndAMissingFinalLineBreak) {
  EXPECT_EQ(records("a,b\r\n1,2"), (Rows{{"a", "b"}, {"1", "2"}}));
}

TEST(CsvTokenizer, KeepsEmptyFields) {
  EXPECT_EQ(records(",\na,,b,\n"), (Rows{{"", ""}, {"a", "", "b", ""}}));
  EXPECT_EQ(records("a,"), (Rows{{"a", ""}}));
}

TEST(CsvTokenizer, SkipsBlankLines) {
  EXPECT_EQ(records("\n\na\n\r\nb\n\n"), (Rows{{"a"}, {"b"}}));
  EXPECT_TRUE(records("").empty());
}

TEST(CsvTokenizer, ReadsQuotedFieldsWithCommasQuotesAndLineBreaks) {
  EXPECT_EQ(records("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\nx,\"\",\"\"\"\"\n"),
            (Rows{{"a,b", "say \"hi\"", "two\nlines"}, {"x", "", "\""}}));
}

TEST(CsvTokenizer, KeepsUnescapedFieldsValidAcrossTheRecord) {
  // Several escaped fields in one record: each view must survive the scratch buffer growing.
  std::string input;
  std::vector<std::string> expected;
  for (int i = 0; i < 40; ++i) {
    const std::string xs(static_cast<std::size_t>(i), 'x');
    if (i > 0) {
      input += ',';
    }
    input += '"';
    input += xs;
    input += "\"\"q\"";
    expected.push_back(xs);
    expected.back() += "\"q";
  }
  EXPECT_EQ(records(input + "\n"), (Rows{expected}));
}

TEST(CsvTokenizer, CountsLinesInsideQuotedFields) {
  CsvTokenizer tokenizer("\"a\nb\nc\"\nnext\n");
  CsvRecord record;
  ASSERT_TRUE(tokenizer.next(record));
  EXPECT_EQ(record.line, 1U);
  ASSERT_TRUE(tokenizer.next(record));
  EXPECT_EQ(record.line, 4U);
}

// The error the tokenizer stops with on `input`.
CsvError error_of(std::string_view input) {
  CsvTokenizer tokenizer(input);
  CsvRecord record;
  while (tokenizer.next(record)) {
  }
  EXPECT_TRUE(tokenizer.failed()) << input;
  return tokenizer.error();
}

TEST(CsvTokenizer, RejectsAnUnclosedQuote) {
  const CsvError error = error_of("a\nb,\"never\nclosed\n");
  EXPECT_EQ(error.line, 2U);
  EXPECT_EQ(error.offset, 4U);
  EXPECT_EQ(error.message, "quoted field is never closed");
}

TEST(CsvTokenizer, RejectsTextAfterAClosingQuote) {
  const CsvError error = error_of("\"a\"b,c\n");
  EXPECT_EQ(error.line, 1U);
  EXPECT_EQ(error.offset, 3U);
  EXPECT_NE(error.message.find("after a closing quote"), std::string::npos) << error.message;
}

TEST(CsvTokenizer, RejectsAQuoteInsideAnUnquotedField) {
  EXPECT_NE(error_of("ab\"c\n").message.find("quote inside an unquoted field"), std::string::npos);
}

TEST(CsvTokenizer, RejectsABareCarriageReturn) {
  EXPECT_EQ(error_of("a\rb\n").message, "carriage return not followed by a line feed");
}

TEST(CsvTokenizer, StopsAfterAnError) {
  CsvTokenizer tokenizer("\"x\ny\n");
  CsvRecord record;
  EXPECT_FALSE(tokenizer.next(record));
  EXPECT_TRUE(tokenizer.failed());
  EXPECT_FALSE(tokenizer.next(record));
}

}  // namespace
}  // namespace csvstat
