#include "csvstat/Aggregator.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <tuple>

namespace csvstat {

namespace {

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

std::uint64_t fnv1a(std::uint64_t hash, std::string_view bytes) noexcept {
  for (const char c : bytes) {
    hash = (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
  }
  return hash;
}

// The value's 8 bytes, little-endian whatever the arch.
std::uint64_t fnv1a(std::uint64_t hash, std::int64_t value) noexcept {
  auto bits = static_cast<std::uint64_t>(value);
  for (int i = 0; i < 8; ++i, bits >>= 8) {
    hash = (hash ^ (bits & 0xff)) * kFnvPrime;
  }
  return hash;
}

std::uint64_t fnv1a(std::uint64_t hash, const GroupStats& stats) noexcept {
  for (const std::int64_t value :
       {stats.rows, stats.quantity, stats.revenue, stats.price_sum, stats.min_price, stats.max_price}) {
    hash = fnv1a(hash, value);
  }
  return hash;
}

// Out of line: only absurd input gets here.
[[noreturn, gnu::noinline]] void overflow(std::string_view what, std::string_view region, std::string_view product) {
  throw std::overflow_error(std::string(what) + " of " + std::string(region) + " / " + std::string(product) +
                            " does not fit in 64 bits");
}

std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what, std::string_view region,
                         std::string_view product) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    overflow(what, region, product);
  }
  return sum;
}

}  // namespace

std::int64_t GroupStats::mean_price() const noexcept {
  if (rows == 0) {
    return 0;
  }
  // Integer division rounded half away from zero (prices are never negative).
  return (price_sum + rows / 2) / rows;
}

void GroupStats::merge(const GroupStats& other) {
  if (other.rows == 0) {
    return;
  }
  const std::int64_t new_rows = checked_add(rows, other.rows, "row count", "*", "*");
  const std::int64_t new_quantity = checked_add(quantity, other.quantity, "quantity", "*", "*");
  const std::int64_t new_revenue = checked_add(revenue, other.revenue, "revenue", "*", "*");
  const std::int64_t new_price_sum = checked_add(price_sum, other.price_sum, "price sum", "*", "*");
  min_price = rows == 0 ? other.min_price : std::min(min_price, other.min_price);
  max_price = rows == 0 ? other.max_price : std::max(max_price, other.max_price);
  rows = new_rows;
  quantity = new_quantity;
  revenue = new_revenue;
  price_sum = new_price_sum;
}

std::size_t Aggregator::KeyHash::operator()(const KeyView& key) const noexcept {
  // FNV-1a over region, a separator no name holds, and product.
  std::uint64_t hash = fnv1a(kFnvOffset, key.region);
  hash = (hash ^ 0x1f) * kFnvPrime;
  return static_cast<std::size_t>(fnv1a(hash, key.product));
}

void Aggregator::add(const Order& order) {
  std::int64_t line_revenue = 0;
  if (__builtin_mul_overflow(order.quantity, order.price, &line_revenue)) {
    overflow("quantity x price", order.region, order.product);
  }
  auto found = groups_.find(KeyView{order.region, order.product});
  if (found == groups_.end()) {
    found = groups_.emplace(Key{std::string(order.region), std::string(order.product)}, GroupStats{}).first;
  }
  GroupStats& stats = found->second;
  // Every sum is checked before any is stored: an order that overflows leaves no trace.
  const std::int64_t quantity = checked_add(stats.quantity, order.quantity, "quantity", order.region, order.product);
  const std::int64_t revenue = checked_add(stats.revenue, line_revenue, "revenue", order.region, order.product);
  const std::int64_t price_sum = checked_add(stats.price_sum, order.price, "price sum", order.region, order.product);
  if (stats.rows == 0) {
    stats.min_price = order.price;
    stats.max_price = order.price;
  } else {
    stats.min_price = std::min(stats.min_price, order.price);
    stats.max_price = std::max(stats.max_price, order.price);
  }
  ++stats.rows;
  stats.quantity = quantity;
  stats.revenue = revenue;
  stats.price_sum = price_sum;

  if (rows_ == 0) {
    first_time_ = order.time;
    last_time_ = order.time;
  } else {
    first_time_ = std::min(first_time_, order.time);
    last_time_ = std::max(last_time_, order.time);
  }
  ++rows_;
  if (!order.note.empty()) {
    ++notes_;
    note_bytes_ += static_cast<std::int64_t>(order.note.size());
  }
}

Summary Aggregator::summary(std::size_t top) const {
  Summary summary;
  summary.rows = rows_;
  summary.first_time = first_time_;
  summary.last_time = last_time_;
  summary.notes = notes_;
  summary.note_bytes = note_bytes_;
  summary.groups = groups_.size();

  // Key order, so the checksum does not depend on the hash table's.
  std::vector<GroupRow> rows;
  rows.reserve(groups_.size());
  for (const auto& [key, stats] : groups_) {
    rows.push_back(GroupRow{key.region, key.product, stats});
  }
  std::sort(rows.begin(), rows.end(), [](const GroupRow& a, const GroupRow& b) {
    return std::tie(a.region, a.product) < std::tie(b.region, b.product);
  });

  std::uint64_t checksum = kFnvOffset;
  std::map<std::string, GroupStats> regions;
  for (const auto& row : rows) {
    checksum = fnv1a(fnv1a(fnv1a(checksum, row.region), row.product), row.stats);
    regions[row.region].merge(row.stats);
    summary.total.merge(row.stats);
  }
  for (const std::int64_t value : {rows_, first_time_, last_time_, notes_, note_bytes_}) {
    checksum = fnv1a(checksum, value);
  }
  summary.checksum = checksum;
  for (auto& [name, stats] : regions) {
    summary.regions.push_back(GroupRow{name, "", stats});
  }

  const std::size_t keep = std::min(top, rows.size());
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(keep), rows.end(),
                    [](const GroupRow& a, const GroupRow& b) {
                      if (a.stats.revenue != b.stats.revenue) {
                        return a.stats.revenue > b.stats.revenue;
                      }
                      return std::tie(a.region, a.product) < std::tie(b.region, b.product);
                    });
  rows.resize(keep);
  summary.top = std::move(rows);
  return summary;
}

}  // namespace csvstat
