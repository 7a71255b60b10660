#include "OrderStore.hpp"

#include <algorithm>
#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace pgokit {
namespace {

Order sample_order() {
  Order order;
  order.currency = "EUR";
  order.items.push_back(OrderItem{"SKU-1", 2, 150});
  order.amount = order.items_total();
  return order;
}

TEST(OrderStore, SeedIsDeterministic) {
  OrderStore first;
  OrderStore second;
  first.seed(500);
  second.seed(500);
  for (std::uint64_t id = 1; id <= 500; ++id) {
    const auto a = first.find(id);
    const auto b = second.find(id);
    ASSERT_TRUE(a && b) << id;
    EXPECT_EQ(a->to_json(), b->to_json()) << id;
    EXPECT_EQ(a->to_json(), OrderStore::make_seed_order(id).to_json()) << id;
  }
}

TEST(OrderStore, SeedsValidOrders) {
  for (std::uint64_t id = 1; id <= 200; ++id) {
    const Order order = OrderStore::make_seed_order(id);
    EXPECT_EQ(order.id, id);
    EXPECT_EQ(order.currency.size(), 3U);
    EXPECT_FALSE(order.items.empty());
    EXPECT_EQ(order.amount, order.items_total());
    // What the store seeds must pass the same validation a client's order does.
    std::string body = order.to_json();
    const auto reparsed = Order::from_json(R"({"currency":")" + order.currency +
                                           R"(","items":[{"sku":")" + order.items[0].sku +
                                           R"(","qty":1,"price":1}]})");
    EXPECT_TRUE(std::holds_alternative<Order>(reparsed)) << body;
  }
}

TEST(OrderStore, NumbersIdsFromOne) {
  OrderStore store;
  store.seed(100);
  EXPECT_EQ(store.size(), 100U);
  EXPECT_EQ(store.last_id(), 100U);
  EXPECT_TRUE(store.find(1));
  EXPECT_TRUE(store.find(100));
  EXPECT_FALSE(store.find(0));
  EXPECT_FALSE(store.find(101));
  EXPECT_FALSE(store.find(~std::uint64_t{0}));
}

TEST(OrderStore, SeedRejectsNonEmptyStore) {
  OrderStore store;
  store.insert(sample_order());
  EXPECT_THROW(store.seed(10), std::logic_error);
}

TEST(OrderStore, InsertAssignsNextId) {
  OrderStore store;
  store.seed(10);
  const std::uint64_t id = store.insert(sample_order());
  EXPECT_EQ(id, 11U);
  const auto found = store.find(id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, 11U);
  EXPECT_EQ(found->currency, "EUR");
  EXPECT_EQ(store.size(), 11U);
}

TEST(OrderStore, CursorWalkCoversAllOrdersExactlyOnce) {
  OrderStore store;
  store.seed(1037);
  std::vector<std::uint64_t> seen;
  std::uint64_t after = 0;
  int pages = 0;
  for (;;) {
    const auto page = store.list(std::nullopt, after, 100);
    ++pages;
    for (const auto& order : page.orders) {
      seen.push_back(order->id);
    }
    if (!page.next_after) {
      break;
    }
    // Every page but the last is full.
    EXPECT_EQ(page.orders.size(), 100U);
    after = *OrderStore::decode_cursor(OrderStore::encode_cursor(*page.next_after));
  }
  EXPECT_EQ(pages, 11);
  ASSERT_EQ(seen.size(), 1037U);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i], i + 1);
  }
}

TEST(OrderStore, FilteredWalkReturnsEachMatchOnce) {
  OrderStore store;
  store.seed(2000);
  std::size_t expected = 0;
  for (std::uint64_t id = 1; id <= 2000; ++id) {
    expected += store.find(id)->status == OrderStatus::shipped ? 1 : 0;
  }
  std::set<std::uint64_t> seen;
  std::uint64_t after = 0;
  for (;;) {
    const auto page = store.list(OrderStatus::shipped, after, 7);
    for (const auto& order : page.orders) {
      EXPECT_EQ(order->status, OrderStatus::shipped);
      EXPECT_TRUE(seen.insert(order->id).second) << "seen twice: " << order->id;
    }
    if (!page.next_after) {
      break;
    }
    after = *page.next_after;
  }
  EXPECT_GT(expected, 0U);
  EXPECT_EQ(seen.size(), expected);
}

TEST(OrderStore, LastPageHasNoCursor) {
  OrderStore store;
  store.seed(10);
  const auto exact = store.list(std::nullopt, 0, 10);
  EXPECT_EQ(exact.orders.size(), 10U);
  EXPECT_FALSE(exact.next_after);
  const auto beyond = store.list(std::nullopt, 10, 10);
  EXPECT_TRUE(beyond.orders.empty());
  EXPECT_FALSE(beyond.next_after);
  EXPECT_TRUE(store.list(std::nullopt, 0, 0).orders.empty());
}

TEST(OrderStore, CursorRoundTrips) {
  for (const std::uint64_t id : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{99999},
                                 ~std::uint64_t{0}}) {
    const std::string cursor = OrderStore::encode_cursor(id);
    EXPECT_EQ(cursor.size(), 24U);
    EXPECT_EQ(OrderStore::decode_cursor(cursor), id) << cursor;
  }
  // Neighbouring ids do not give neighbouring cursors.
  EXPECT_NE(OrderStore::encode_cursor(1).substr(0, 12), OrderStore::encode_cursor(2).substr(0, 12));
}

TEST(OrderStore, DecodeRejectsForeignCursors) {
  std::string cursor = OrderStore::encode_cursor(42);
  cursor[3] = cursor[3] == '0' ? '1' : '0';
  EXPECT_FALSE(OrderStore::decode_cursor(cursor));
  EXPECT_FALSE(OrderStore::decode_cursor(""));
  EXPECT_FALSE(OrderStore::decode_cursor("42"));
  EXPECT_FALSE(OrderStore::decode_cursor(std::string(24, 'z')));
  std::string upper = OrderStore::encode_cursor(42);
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  if (upper != OrderStore::encode_cursor(42)) {
    EXPECT_FALSE(OrderStore::decode_cursor(upper));
  }
}

TEST(OrderStore, ConcurrentReadsAndWrites) {
  OrderStore store;
  store.seed(1000);
  constexpr int kWriters = 2;
  constexpr int kInsertsPerWriter = 500;
  std::atomic<bool> reading{true};
  std::atomic<int> missing{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      std::uint64_t id = 1 + static_cast<std::uint64_t>(r);
      while (reading.load()) {
        if (!store.find(id)) {
          missing.fetch_add(1);
        }
        id = id % 1000 + 1;
        (void)store.list(std::nullopt, id, 5);
      }
    });
  }
  std::vector<std::vector<std::uint64_t>> ids(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kInsertsPerWriter; ++i) {
        ids[static_cast<std::size_t>(w)].push_back(store.insert(sample_order()));
      }
    });
  }
  for (auto& writer : writers) {
    writer.join();
  }
  reading = false;
  for (auto& reader : readers) {
    reader.join();
  }
  EXPECT_EQ(missing.load(), 0);
  EXPECT_EQ(store.size(), 1000U + kWriters * kInsertsPerWriter);
  std::set<std::uint64_t> unique;
  for (const auto& list : ids) {
    for (const std::uint64_t id : list) {
      EXPECT_TRUE(unique.insert(id).second) << "id handed out twice: " << id;
      ASSERT_TRUE(store.find(id));
      EXPECT_EQ(store.find(id)->id, id);
    }
  }
  EXPECT_EQ(*unique.begin(), 1001U);
  EXPECT_EQ(*unique.rbegin(), 2000U);
}

}  // namespace
}  // namespace pgokit
