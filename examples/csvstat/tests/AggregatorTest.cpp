#include "csvstat/Aggregator.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace csvstat {
namespace {

Order order(std::string_view region, std::string_view product, std::int64_t quantity, std::int64_t price,
            std::int64_t time = 0, std::string_view note = "") {
  Order o;
  o.region = region;
  o.product = product;
  o.quantity = quantity;
  o.price = price;
  o.time = time;
  o.note = note;
  return o;
}

TEST(Aggregator, GroupsByRegionAndProduct) {
  Aggregator aggregator;
  aggregator.add(order("eu", "mug", 2, 50'000, 30));
  aggregator.add(order("eu", "mug", 1, 70'000, 10, "gift"));
  aggregator.add(order("us", "mug", 3, 10'000, 20));
  const Summary summary = aggregator.summary(10);
  EXPECT_EQ(summary.rows, 3);
  EXPECT_EQ(summary.groups, 2U);
  EXPECT_EQ(summary.first_time, 10);
  EXPECT_EQ(summary.last_time, 30);
  EXPECT_EQ(summary.notes, 1);
  EXPECT_EQ(summary.note_bytes, 4);
  ASSERT_EQ(summary.top.size(), 2U);
  const GroupStats& eu = summary.top[0].stats;
  EXPECT_EQ(summary.top[0].region, "eu");
  EXPECT_EQ(eu.rows, 2);
  EXPECT_EQ(eu.quantity, 3);
  EXPECT_EQ(eu.revenue, 170'000);
  EXPECT_EQ(eu.min_price, 50'000);
  EXPECT_EQ(eu.max_price, 70'000);
  EXPECT_EQ(eu.mean_price(), 60'000);
  EXPECT_EQ(summary.total.revenue, 200'000);
  ASSERT_EQ(summary.regions.size(), 2U);
  EXPECT_EQ(summary.regions[1].region, "us");
  EXPECT_EQ(summary.regions[1].stats.quantity, 3);
}

TEST(Aggregator, ReturnsReduceQuantityAndRevenue) {
  Aggregator aggregator;
  aggregator.add(order("eu", "mug", 3, 10'000));
  aggregator.add(order("eu", "mug", -1, 10'000));
  const Summary summary = aggregator.summary(1);
  EXPECT_EQ(summary.total.quantity, 2);
  EXPECT_EQ(summary.total.revenue, 20'000);
  EXPECT_EQ(summary.total.rows, 2);
}

TEST(Aggregator, RanksTopGroupsByRevenueThenName) {
  Aggregator aggregator;
  aggregator.add(order("b", "x", 1, 100));
  aggregator.add(order("a", "y", 1, 100));
  aggregator.add(order("c", "z", 1, 500));
  aggregator.add(order("a", "x", 1, 1));
  const Summary summary = aggregator.summary(3);
  ASSERT_EQ(summary.top.size(), 3U);
  EXPECT_EQ(summary.top[0].region, "c");
  EXPECT_EQ(summary.top[1].region, "a");
  EXPECT_EQ(summary.top[1].product, "y");
  EXPECT_EQ(summary.top[2].region, "b");
}

TEST(Aggregator, ChecksumDoesNotDependOnInsertionOrder) {
  Aggregator forward;
  Aggregator backward;
  const Order orders[] = {order("eu", "mug", 1, 5), order("us", "lamp", 2, 7), order("ap", "mug", 3, 9)};
  for (const auto& o : orders) {
    forward.add(o);
  }
  for (auto it = std::rbegin(orders); it != std::rend(orders); ++it) {
    backward.add(*it);
  }
  EXPECT_EQ(forward.summary(0).checksum, backward.summary(5).checksum);
  Aggregator other;
  other.add(order("eu", "mug", 1, 6));
  EXPECT_NE(other.summary(0).checksum, forward.summary(0).checksum);
}

TEST(Aggregator, RejectsRevenueThatOverflows) {
  Aggregator aggregator;
  EXPECT_THROW(aggregator.add(order("eu", "mug", INT64_MAX / 2, 10'000)), std::overflow_error);
  aggregator.add(order("eu", "mug", 1, INT64_MAX - 1));
  try {
    aggregator.add(order("eu", "mug", 1, INT64_MAX - 1));
    FAIL() << "no overflow_error";
  } catch (const std::overflow_error& e) {
    EXPECT_STREQ(e.what(), "revenue of eu / mug does not fit in 64 bits");
  }
}

TEST(Aggregator, SummarizesNothing) {
  const Summary summary = Aggregator().summary(10);
  EXPECT_EQ(summary.rows, 0);
  EXPECT_TRUE(summary.top.empty());
  EXPECT_EQ(summary.total.mean_price(), 0);
}

}  // namespace
}  // namespace csvstat
