#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "Order.hpp"

namespace pgokit {

// In-memory orders, sharded by id so readers on different shards never meet and readers on
// one shard share its lock. Ids are sequential from 1; stored orders are immutable, handed out
// as shared pointers so no lock is held while a response is built.
class OrderStore {
 public:
  static constexpr std::size_t kShards = 16;

  // One page of a listing.
  struct Page {
    std::vector<std::shared_ptr<const Order>> orders;  // ascending id
    std::optional<std::uint64_t> next_after;           // resume after this id; nullopt at the end
  };

  OrderStore() = default;
  OrderStore(const OrderStore&) = delete;
  OrderStore& operator=(const OrderStore&) = delete;

  // Fills an empty store with orders 1..count from make_seed_order.
  // Throws std::logic_error when the store is not empty.
  void seed(std::uint64_t count);

  // The deterministic order with this id that seed() stores: a function of the id alone.
  static Order make_seed_order(std::uint64_t id);

  // The order with this id, or nullptr.
  std::shared_ptr<const Order> find(std::uint64_t id) const;

  // Stores `order` under the next id (its id field is overwritten) and returns that id.
  std::uint64_t insert(Order order);

  // Up to `limit` orders with id > after_id, optionally only those with `status`.
  Page list(std::optional<OrderStatus> status, std::uint64_t after_id, std::size_t limit) const;

  // The highest id handed out so far (0 when empty).
  std::uint64_t last_id() const noexcept { return next_id_.load(std::memory_order_acquire) - 1; }

  // Orders stored.
  std::size_t size() const noexcept { return count_.load(std::memory_order_relaxed); }

  // An opaque, tamper-evident cursor that resumes a listing after `after_id`.
  static std::string encode_cursor(std::uint64_t after_id);

  // The id a cursor resumes after; nullopt when it was not made by encode_cursor.
  static std::optional<std::uint64_t> decode_cursor(std::string_view cursor) noexcept;

 private:
  // Own cache line per shard: a writer bumping one shard's lock must not slow readers of its
  // neighbours through false sharing.
  struct alignas(64) Shard {
    mutable std::shared_mutex mutex;
    std::vector<std::shared_ptr<const Order>> slots;  // slot (id - 1) / kShards
  };

  static std::size_t shard_of(std::uint64_t id) noexcept { return (id - 1) % kShards; }
  static std::size_t slot_of(std::uint64_t id) noexcept { return (id - 1) / kShards; }

  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> next_id_{1};
  std::atomic<std::size_t> count_{0};
};

}  // namespace pgokit
