#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace pgokit {

// An order's lifecycle state.
enum class OrderStatus : std::uint8_t { pending, paid, shipped, delivered, cancelled };

// One line of an order.
struct OrderItem {
  std::string sku;          // stock-keeping unit, [A-Za-z0-9._-]{1,64}
  std::uint32_t qty = 0;    // quantity, 1..Order::kMaxQty
  std::int64_t price = 0;   // unit price in cents, 0..Order::kMaxPrice
};

// Why a request body is not a valid new order: a machine-readable code, the JSON path of
// the offending field ("items[2].qty", "body" for the document itself) and a sentence.
struct OrderError {
  std::string code;     // invalid_json | missing_field | invalid_field | unknown_field
  std::string field;    // where the problem is
  std::string message;  // what is wrong, for people
};

// An order as the store keeps it and the API shows it.
struct Order {
  static constexpr std::size_t kMaxItems = 100;
  static constexpr std::uint32_t kMaxQty = 10'000;
  static constexpr std::int64_t kMaxPrice = 100'000'000;  // cents
  static constexpr std::size_t kMaxSkuLength = 64;
  static constexpr std::size_t kMaxMetadataEntries = 16;
  static constexpr std::size_t kMaxMetadataKeyLength = 64;
  static constexpr std::size_t kMaxMetadataValueLength = 256;

  std::uint64_t id = 0;                                          // sequential, from 1
  OrderStatus status = OrderStatus::pending;                     // lifecycle state
  std::int64_t amount = 0;                                       // total in cents
  std::string currency;                                          // ISO 4217 code, "EUR"
  std::int64_t created_at = 0;                                   // Unix seconds, UTC
  std::vector<OrderItem> items;                                  // at least one
  std::vector<std::pair<std::string, std::string>> metadata;     // free-form, ordered

  // The order as a JSON object.
  std::string to_json() const;

  // Validates a POST /api/orders body and builds the order it describes (id and
  // created_at left for the store); the error names the first offending field.
  static std::variant<Order, OrderError> from_json(std::string_view body);

  // The sum of qty * price over the items, in cents.
  std::int64_t items_total() const noexcept;
};

// The status's name in JSON ("pending", ...).
std::string_view to_string(OrderStatus status) noexcept;

// The status for a name; nullopt for an unknown one.
std::optional<OrderStatus> order_status_from_string(std::string_view name) noexcept;

// Formats Unix seconds as RFC 3339 UTC ("2024-01-05T10:20:30Z").
std::string format_rfc3339(std::int64_t unix_seconds);

// Appends format_rfc3339(unix_seconds) to `out`.
void append_rfc3339(std::string& out, std::int64_t unix_seconds);

}  // namespace pgokit
