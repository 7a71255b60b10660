#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "csvstat/CsvTokenizer.hpp"

namespace csvstat {

// One order, viewing the record it was parsed from.
struct Order {
  std::int64_t id = 0;
  // Seconds since the epoch.
  std::int64_t time = 0;
  std::string_view region;
  std::string_view product;
  // Negative for a return.
  std::int64_t quantity = 0;
  // Units of 1/kFixedScale.
  std::int64_t price = 0;
  std::string_view note;
};

// The columns an order file has; any order, extra columns ignored.
inline constexpr std::array<std::string_view, 7> kColumns = {
    "id", "timestamp", "region", "product", "quantity", "price", "note"};

// Which field of a record holds each of kColumns, read from the header record.
class OrderParser {
 public:
  // The parser for a file whose first record is `header`; nullopt (and
  // `error` says which column is missing or repeated) if it lacks one of kColumns.
  static std::optional<OrderParser> from_header(const CsvRecord& header, std::string& error);

  // Parses one data record into `order`. False, with `error` naming the record's
  // line and the column, on a missing field or a value that does not parse.
  bool parse(const CsvRecord& record, Order& order, std::string& error) const;

 private:
  explicit OrderParser(const std::array<std::size_t, kColumns.size()>& index, std::size_t width)
      : index_(index), width_(width) {}

  std::array<std::size_t, kColumns.size()> index_;
  // Fields a record needs: one past the largest index.
  std::size_t width_;
};

}  // namespace csvstat
