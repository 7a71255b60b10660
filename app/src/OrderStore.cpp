#include "OrderStore.hpp"

#include <array>
#include <cstdio>
#include <mutex>
#include <stdexcept>

#include "Digest.hpp"
#include "Text.hpp"

namespace pgokit {

namespace {

// splitmix64: a cheap, well-mixed hash of the id, so every seeded field is a pure function
// of the id and the data set is identical across runs, arches and thread counts.
std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::array<const char*, 6> kCurrencies{"USD", "EUR", "GBP", "JPY", "CHF", "SEK"};
constexpr std::array<const char*, 4> kChannels{"web", "mobile", "api", "store"};
constexpr std::int64_t kSeedEpoch = 1704067200;  // 2024-01-01T00:00:00Z
// Cursors scramble the id with an invertible multiply and xor: opaque to clients (they cannot
// guess neighbours or depend on the encoding), exact to invert.
constexpr std::uint64_t kCursorKey = 0x5bd1e9955bd1e995ULL;
constexpr std::uint64_t kCursorMultiplier = 0x9e3779b97f4a7c15ULL;  // odd, so invertible mod 2^64

constexpr std::uint64_t inverse_mod_2_64(std::uint64_t odd) noexcept {
  std::uint64_t x = odd;  // correct to 3 bits; each Newton step doubles that
  for (int i = 0; i < 5; ++i) {
    x *= 2 - odd * x;
  }
  return x;
}

constexpr std::uint64_t kCursorInverse = inverse_mod_2_64(kCursorMultiplier);
static_assert(kCursorMultiplier * kCursorInverse == 1);

std::uint32_t cursor_check(std::uint64_t value) noexcept {
  std::array<char, 8> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(value >> (8 * i));
  }
  const std::uint64_t hash = Digest::fnv1a64(std::string_view(bytes.data(), bytes.size()));
  return static_cast<std::uint32_t>(hash ^ (hash >> 32));
}

}  // namespace

Order OrderStore::make_seed_order(std::uint64_t id) {
  const std::uint64_t r = mix(id);
  Order order;
  order.id = id;
  order.status = static_cast<OrderStatus>(r % 5);
  order.currency = kCurrencies[(r >> 8) % kCurrencies.size()];
  order.created_at = kSeedEpoch + static_cast<std::int64_t>(id * 30 + (r >> 16) % 30);
  const std::size_t item_count = 1 + (r >> 24) % 4;
  order.items.reserve(item_count);
  for (std::size_t i = 0; i < item_count; ++i) {
    const std::uint64_t ri = mix(r + i);
    std::array<char, 16> sku{};
    const int length = std::snprintf(sku.data(), sku.size(), "SKU-%05u",
                                     static_cast<unsigned>(ri % 100000));
    order.items.push_back(OrderItem{std::string(sku.data(), static_cast<std::size_t>(length)),
                                    static_cast<std::uint32_t>(1 + (ri >> 20) % 5),
                                    static_cast<std::int64_t>(100 + (ri >> 32) % 99900)});
  }
  order.amount = order.items_total();
  std::array<char, 16> customer{};
  const int length = std::snprintf(customer.data(), customer.size(), "cust-%06u",
                                   static_cast<unsigned>((r >> 40) % 1000000));
  order.metadata.reserve(2);
  order.metadata.emplace_back("channel", kChannels[(r >> 36) % kChannels.size()]);
  order.metadata.emplace_back("customer",
                              std::string(customer.data(), static_cast<std::size_t>(length)));
  return order;
}

void OrderStore::seed(std::uint64_t count) {
  if (next_id_.load() != 1) {
    throw std::logic_error("OrderStore::seed needs an empty store");
  }
  for (auto& shard : shards_) {
    std::unique_lock lock(shard.mutex);
    shard.slots.reserve(count / kShards + 1);
  }
  for (std::uint64_t id = 1; id <= count; ++id) {
    auto order = std::make_shared<const Order>(make_seed_order(id));
    Shard& shard = shards_[shard_of(id)];
    // Ids arrive in order, so each shard's next slot is exactly this id's slot.
    std::unique_lock lock(shard.mutex);
    shard.slots.push_back(std::move(order));
  }
  count_.store(count);
  next_id_.store(count + 1, std::memory_order_release);
}

std::shared_ptr<const Order> OrderStore::find(std::uint64_t id) const {
  if (id == 0) {
    return nullptr;
  }
  const Shard& shard = shards_[shard_of(id)];
  const std::size_t slot = slot_of(id);
  std::shared_lock lock(shard.mutex);
  return slot < shard.slots.size() ? shard.slots[slot] : nullptr;
}

std::uint64_t OrderStore::insert(Order order) {
  const std::uint64_t id = next_id_.fetch_add(1, std::memory_order_acq_rel);
  order.id = id;
  auto stored = std::make_shared<const Order>(std::move(order));
  Shard& shard = shards_[shard_of(id)];
  const std::size_t slot = slot_of(id);
  {
    std::unique_lock lock(shard.mutex);
    // Concurrent inserts may land out of order within a shard; the gap stays empty
    // (find() returns nullptr) until its own insert arrives.
    if (slot >= shard.slots.size()) {
      shard.slots.resize(slot + 1);
    }
    shard.slots[slot] = std::move(stored);
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  return id;
}

OrderStore::Page OrderStore::list(std::optional<OrderStatus> status, std::uint64_t after_id,
                                  std::size_t limit) const {
  Page page;
  if (limit == 0) {
    return page;
  }
  page.orders.reserve(limit);
  const std::uint64_t last = last_id();
  std::uint64_t id = after_id;
  while (id < last) {
    ++id;
    auto order = find(id);
    if (!order || (status && order->status != *status)) {
      continue;
    }
    if (page.orders.size() == limit) {
      // One more match exists, so the page is not the last one.
      page.next_after = page.orders.back()->id;
      break;
    }
    page.orders.push_back(std::move(order));
  }
  return page;
}

std::string OrderStore::encode_cursor(std::uint64_t after_id) {
  const std::uint64_t value = (after_id * kCursorMultiplier) ^ kCursorKey;
  std::string text;
  text.reserve(24);
  append_hex(text, value, 16);
  append_hex(text, cursor_check(value), 8);
  return text;
}

std::optional<std::uint64_t> OrderStore::decode_cursor(std::string_view cursor) noexcept {
  if (cursor.size() != 24) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  std::uint32_t check = 0;
  for (std::size_t i = 0; i < cursor.size(); ++i) {
    const char c = cursor[i];
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    if (i < 16) {
      value = value << 4 | digit;
    } else {
      check = check << 4 | digit;
    }
  }
  if (check != cursor_check(value)) {
    return std::nullopt;
  }
  return (value ^ kCursorKey) * kCursorInverse;
}

}  // namespace pgokit
