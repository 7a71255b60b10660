#include "csvstat/Analyze.hpp"

#include <gtest/gtest.h>

#include <string>

#include "csvstat/Generator.hpp"
#include "csvstat/Report.hpp"

namespace csvstat {
namespace {

// The message analyze() throws for `csv`.
std::string input_error(std::string_view csv) {
  try {
    analyze(csv, 5);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError for: " << csv;
  return {};
}

TEST(Analyze, ReadsColumnsInAnyOrder) {
  const Summary summary = analyze(
      "note,price,quantity,product,region,timestamp,id,extra\n"
      "\"a, b\",1.50,2,mug,eu,2024-01-01T00:00:00Z,1,x\n"
      ",2.50,1,mug,eu,2024-01-02T00:00:00Z,2,y\n",
      5);
  EXPECT_EQ(summary.rows, 2);
  EXPECT_EQ(summary.total.revenue, 55'000);
  EXPECT_EQ(summary.notes, 1);
  EXPECT_EQ(summary.last_time - summary.first_time, 86'400);
}

TEST(Analyze, NamesTheLineAndColumnOfABadValue) {
  const std::string header = "id,timestamp,region,product,quantity,price,note\n";
  EXPECT_EQ(input_error(header + "1,2024-01-01T00:00:00Z,eu,mug,2,1.5,\n2,2024-01-01T00:00:00Z,eu,mug,two,1.5,\n"),
            "line 3: quantity: 'two' is not an integer");
  EXPECT_EQ(input_error(header + "1,2024-01-01T00:00:00Z,eu,mug,2,1.23456,\n"),
            "line 2: price: '1.23456' is not a price (0 or more, up to 4 decimals)");
  EXPECT_EQ(input_error(header + "1,2024-02-30T00:00:00Z,eu,mug,2,1.5,\n"),
            "line 2: timestamp: '2024-02-30T00:00:00Z' is not a UTC time YYYY-MM-DDTHH:MM:SSZ");
  EXPECT_EQ(input_error(header + "1,2024-01-01T00:00:00Z,,mug,2,1.5,\n"), "line 2: region: empty");
  EXPECT_EQ(input_error(header + "1,2024-01-01T00:00:00Z,eu\n"), "line 2: 3 fields, expected at least 7");
}

TEST(Analyze, RejectsAHeaderWithoutAColumn) {
  EXPECT_EQ(input_error("id,timestamp,region,product,quantity,note\n"),
            "header: no 'price' column (expected: id,timestamp,region,product,quantity,price,note in any order)");
  EXPECT_EQ(input_error("id,id,timestamp,region,product,quantity,price,note\n"),
            "header: column 'id' appears twice");
  EXPECT_EQ(input_error(""), "empty input: no header line");
}

TEST(Analyze, ReportsWhereTheCsvIsMalformed) {
  EXPECT_EQ(input_error("id,timestamp,region,product,quantity,price,note\n1,\"2024"),
            "line 2 (byte 50): quoted field is never closed");
}

TEST(Analyze, GivesTheSameChecksumEverywhere) {
  // Pinned: the same on x86_64 and arm64, at -O0, -O2 and in every PGO stage.
  // A change here means the generator or the statistics changed.
  const Summary summary = analyze(generate_orders({1'000, 7}), 3);
  EXPECT_EQ(summary.rows, 1'000);
  EXPECT_EQ(summary.checksum, 0xfe61e7e867697203ULL);
  const std::string report = format_report(summary, {"generated", 0, 1});
  EXPECT_NE(report.find("top 3 groups by revenue"), std::string::npos) << report;
}

}  // namespace
}  // namespace csvstat
