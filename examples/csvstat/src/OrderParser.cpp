#include "csvstat/OrderParser.hpp"

#include <algorithm>

#include "csvstat/Numbers.hpp"

namespace csvstat {

namespace {

constexpr std::size_t kMissing = static_cast<std::size_t>(-1);

enum Column : std::size_t { kId, kTimestamp, kRegion, kProduct, kQuantity, kPrice, kNote };

// Out of line: only malformed input gets here.
[[gnu::noinline]] bool field_error(const CsvRecord& record, std::size_t column, std::string_view what,
                                   std::string& error) {
  error = "line " + std::to_string(record.line) + ": " + std::string(kColumns[column]) + ": ";
  error += what;
  return false;
}

[[gnu::noinline]] bool value_error(const CsvRecord& record, std::size_t column, std::string_view value,
                                   std::string_view expected, std::string& error) {
  std::string what = "'";
  what += value.substr(0, 40);
  what += value.size() > 40 ? "...' is not " : "' is not ";
  what += expected;
  return field_error(record, column, what, error);
}

}  // namespace

std::optional<OrderParser> OrderParser::from_header(const CsvRecord& header, std::string& error) {
  std::array<std::size_t, kColumns.size()> index;
  index.fill(kMissing);
  for (std::size_t field = 0; field < header.fields.size(); ++field) {
    const auto column = std::find(kColumns.begin(), kColumns.end(), header.fields[field]);
    if (column == kColumns.end()) {
      continue;  // a column we do not use
    }
    auto& slot = index[static_cast<std::size_t>(column - kColumns.begin())];
    if (slot != kMissing) {
      error = "header: column '" + std::string(*column) + "' appears twice";
      return std::nullopt;
    }
    slot = field;
  }
  for (std::size_t column = 0; column < kColumns.size(); ++column) {
    if (index[column] == kMissing) {
      error = "header: no '" + std::string(kColumns[column]) + "' column (expected: id,timestamp,region,"
              "product,quantity,price,note in any order)";
      return std::nullopt;
    }
  }
  return OrderParser(index, *std::max_element(index.begin(), index.end()) + 1);
}

bool OrderParser::parse(const CsvRecord& record, Order& order, std::string& error) const {
  const auto& fields = record.fields;
  if (fields.size() < width_) {
    error = "line " + std::to_string(record.line) + ": " + std::to_string(fields.size()) + " fields, expected at least " +
            std::to_string(width_);
    return false;
  }
  if (!parse_int64(fields[index_[kId]], order.id)) {
    return value_error(record, kId, fields[index_[kId]], "an integer", error);
  }
  if (!parse_timestamp(fields[index_[kTimestamp]], order.time)) {
    return value_error(record, kTimestamp, fields[index_[kTimestamp]], "a UTC time YYYY-MM-DDTHH:MM:SSZ", error);
  }
  order.region = fields[index_[kRegion]];
  order.product = fields[index_[kProduct]];
  if (order.region.empty()) {
    return field_error(record, kRegion, "empty", error);
  }
  if (order.product.empty()) {
    return field_error(record, kProduct, "empty", error);
  }
  if (!parse_int64(fields[index_[kQuantity]], order.quantity)) {
    return value_error(record, kQuantity, fields[index_[kQuantity]], "an integer", error);
  }
  if (!parse_fixed(fields[index_[kPrice]], order.price) || order.price < 0) {
    return value_error(record, kPrice, fields[index_[kPrice]], "a price (0 or more, up to 4 decimals)", error);
  }
  order.note = fields[index_[kNote]];
  return true;
}

}  // namespace csvstat
