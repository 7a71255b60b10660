#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "csvstat/OrderParser.hpp"

namespace csvstat {

// Statistics of a set of orders. Money is in units of 1/kFixedScale.
struct GroupStats {
  std::int64_t rows = 0;
  std::int64_t quantity = 0;
  // Sum of quantity x price.
  std::int64_t revenue = 0;
  std::int64_t price_sum = 0;
  std::int64_t min_price = 0;
  std::int64_t max_price = 0;

  // Mean price, rounded half away from zero (0 for no rows).
  [[nodiscard]] std::int64_t mean_price() const noexcept;
  // Adds another set's statistics (throws std::overflow_error if a sum overflows).
  void merge(const GroupStats& other);
};

// A named group and its statistics.
struct GroupRow {
  std::string region;
  std::string product;
  GroupStats stats;
};

// Everything the report shows.
struct Summary {
  std::int64_t rows = 0;
  std::int64_t first_time = 0;
  std::int64_t last_time = 0;
  GroupStats total;
  std::int64_t notes = 0;
  std::int64_t note_bytes = 0;
  std::size_t groups = 0;
  // Per region, by name.
  std::vector<GroupRow> regions;
  // The `top` groups with the largest revenue (ties by region, then product).
  std::vector<GroupRow> top;
  // FNV-1a over every group's key and statistics in key order, and the totals:
  // the same orders give the same checksum on every arch and build.
  std::uint64_t checksum = 0;
};

// Group-by over orders: count, quantity, revenue, min/max/mean price per
// (region, product).
class Aggregator {
 public:
  // Adds one order. Throws std::overflow_error if a sum leaves int64.
  void add(const Order& order);

  // The summary with the `top` largest groups by revenue.
  [[nodiscard]] Summary summary(std::size_t top) const;

 private:
  struct Key {
    std::string region;
    std::string product;
  };
  struct KeyView {
    std::string_view region;
    std::string_view product;
  };
  // Transparent hash and equality, so a lookup by views allocates nothing.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(const KeyView& key) const noexcept;
    std::size_t operator()(const Key& key) const noexcept { return (*this)(KeyView{key.region, key.product}); }
  };
  struct KeyEqual {
    using is_transparent = void;
    static KeyView view(const Key& key) noexcept { return {key.region, key.product}; }
    static KeyView view(const KeyView& key) noexcept { return key; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const noexcept {
      return view(a).region == view(b).region && view(a).product == view(b).product;
    }
  };

  std::unordered_map<Key, GroupStats, KeyHash, KeyEqual> groups_;
  std::int64_t rows_ = 0;
  std::int64_t first_time_ = 0;
  std::int64_t last_time_ = 0;
  std::int64_t notes_ = 0;
  std::int64_t note_bytes_ = 0;
};

}  // namespace csvstat
