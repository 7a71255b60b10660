#include "Order.hpp"

#include <array>
#include <limits>

#include <boost/json.hpp>

#include "Text.hpp"

namespace pgokit {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 5> kStatusNames{"pending", "paid", "shipped", "delivered",
                                                       "cancelled"};

OrderError fail(std::string code, std::string field, std::string message) {
  return OrderError{std::move(code), std::move(field), std::move(message)};
}

// JSON numbers that are integers; a double such as 2.0 is rejected as a type error because
// clients sending amounts as floating point are the bug this validation exists to catch.
std::optional<std::int64_t> as_integer(const json::value& value) noexcept {
  if (value.is_int64()) {
    return value.get_int64();
  }
  if (value.is_uint64()) {
    const std::uint64_t u = value.get_uint64();
    return u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
               ? std::numeric_limits<std::int64_t>::max()
               : static_cast<std::int64_t>(u);
  }
  return std::nullopt;
}

std::string_view view(const json::string& text) noexcept {
  return std::string_view(text.data(), text.size());
}

bool is_sku(std::string_view sku) noexcept {
  if (sku.empty() || sku.size() > Order::kMaxSkuLength) {
    return false;
  }
  for (const char c : sku) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool is_currency(std::string_view code) noexcept {
  return code.size() == 3 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z' &&
         code[2] >= 'A' && code[2] <= 'Z';
}

std::optional<OrderError> parse_item(const json::value& value, std::size_t index, OrderItem& item) {
  const std::string path = "items[" + std::to_string(index) + "]";
  const json::object* object = value.if_object();
  if (object == nullptr) {
    return fail("invalid_field", path, path + " must be an object");
  }
  for (const auto& member : *object) {
    const std::string_view key(member.key().data(), member.key().size());
    if (key != "sku" && key != "qty" && key != "price") {
      return fail("unknown_field", path + "." + std::string(key),
                  path + " has an unknown field '" + std::string(key) + "'");
    }
  }

  const json::value* sku = object->if_contains("sku");
  if (sku == nullptr) {
    return fail("missing_field", path + ".sku", path + ".sku is required");
  }
  const json::string* sku_text = sku->if_string();
  if (sku_text == nullptr || !is_sku(view(*sku_text))) {
    return fail("invalid_field", path + ".sku",
                path + ".sku must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'");
  }
  item.sku.assign(sku_text->data(), sku_text->size());

  const json::value* qty = object->if_contains("qty");
  if (qty == nullptr) {
    return fail("missing_field", path + ".qty", path + ".qty is required");
  }
  const auto qty_value = as_integer(*qty);
  if (!qty_value || *qty_value < 1 || *qty_value > Order::kMaxQty) {
    return fail("invalid_field", path + ".qty",
                path + ".qty must be an integer between 1 and " + std::to_string(Order::kMaxQty));
  }
  item.qty = static_cast<std::uint32_t>(*qty_value);

  const json::value* price = object->if_contains("price");
  if (price == nullptr) {
    return fail("missing_field", path + ".price", path + ".price is required");
  }
  const auto price_value = as_integer(*price);
  if (!price_value || *price_value < 0 || *price_value > Order::kMaxPrice) {
    return fail("invalid_field", path + ".price",
                path + ".price must be an integer number of cents between 0 and " +
                    std::to_string(Order::kMaxPrice));
  }
  item.price = *price_value;
  return std::nullopt;
}

std::optional<OrderError> parse_metadata(const json::value& value, Order& order) {
  const json::object* object = value.if_object();
  if (object == nullptr) {
    return fail("invalid_field", "metadata", "metadata must be an object of strings");
  }
  if (object->size() > Order::kMaxMetadataEntries) {
    return fail("invalid_field", "metadata",
                "metadata must have at most " + std::to_string(Order::kMaxMetadataEntries) +
                    " entries");
  }
  order.metadata.reserve(object->size());
  for (const auto& member : *object) {
    const std::string_view key(member.key().data(), member.key().size());
    const std::string path = "metadata." + std::string(key);
    if (key.empty() || key.size() > Order::kMaxMetadataKeyLength) {
      return fail("invalid_field", "metadata",
                  "metadata keys must be 1 to " + std::to_string(Order::kMaxMetadataKeyLength) +
                      " characters");
    }
    const json::string* text = member.value().if_string();
    if (text == nullptr || text->size() > Order::kMaxMetadataValueLength) {
      return fail("invalid_field", path,
                  path + " must be a string of at most " +
                      std::to_string(Order::kMaxMetadataValueLength) + " characters");
    }
    order.metadata.emplace_back(std::string(key), std::string(text->data(), text->size()));
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(OrderStatus status) noexcept {
  return kStatusNames[static_cast<std::size_t>(status)];
}

std::optional<OrderStatus> order_status_from_string(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
    if (kStatusNames[i] == name) {
      return static_cast<OrderStatus>(i);
    }
  }
  return std::nullopt;
}

void append_rfc3339(std::string& out, std::int64_t unix_seconds) {
  // Howard Hinnant's days-to-civil algorithm: exact for the proleptic Gregorian calendar
  // and free of gmtime's locale and thread-safety concerns.
  std::int64_t days = unix_seconds / 86400;
  std::int64_t seconds_of_day = unix_seconds % 86400;
  if (seconds_of_day < 0) {
    seconds_of_day += 86400;
    days -= 1;
  }
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

  append_padded(out, static_cast<std::uint64_t>(year), 4);
  out += '-';
  append_padded(out, static_cast<std::uint64_t>(month), 2);
  out += '-';
  append_padded(out, static_cast<std::uint64_t>(day), 2);
  out += 'T';
  append_padded(out, static_cast<std::uint64_t>(seconds_of_day / 3600), 2);
  out += ':';
  append_padded(out, static_cast<std::uint64_t>(seconds_of_day / 60 % 60), 2);
  out += ':';
  append_padded(out, static_cast<std::uint64_t>(seconds_of_day % 60), 2);
  out += 'Z';
}

std::string format_rfc3339(std::int64_t unix_seconds) {
  std::string text;
  text.reserve(20);
  append_rfc3339(text, unix_seconds);
  return text;
}

std::int64_t Order::items_total() const noexcept {
  std::int64_t total = 0;
  for (const auto& item : items) {
    total += static_cast<std::int64_t>(item.qty) * item.price;
  }
  return total;
}

std::string Order::to_json() const {
  // Written directly rather than through a JSON DOM: this runs for every order of every
  // listing, and the DOM's hashing, allocation and generic serializer cost far more code
  // and time than the fixed shape needs. The output is what boost::json::serialize gives
  // for the same document (OrderTest holds the two together).
  std::string out;
  out.reserve(160 + items.size() * 48 + metadata.size() * 40);
  out += R"({"id":)";
  append_decimal(out, id);
  out += R"(,"status":)";
  append_json_utf8(out, to_string(status));
  out += R"(,"amount":)";
  append_decimal(out, amount);
  out += R"(,"currency":)";
  append_json_utf8(out, currency);
  out += R"(,"created_at":")";
  append_rfc3339(out, created_at);
  out += R"(","items":[)";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += i == 0 ? R"({"sku":)" : R"(,{"sku":)";
    append_json_utf8(out, items[i].sku);
    out += R"(,"qty":)";
    append_decimal(out, static_cast<std::uint64_t>(items[i].qty));
    out += R"(,"price":)";
    append_decimal(out, items[i].price);
    out += '}';
  }
  out += R"(],"metadata":{)";
  for (std::size_t i = 0; i < metadata.size(); ++i) {
    if (i != 0) {
      out += ',';
    }
    append_json_utf8(out, metadata[i].first);
    out += ':';
    append_json_utf8(out, metadata[i].second);
  }
  out += "}}";
  return out;
}

std::variant<Order, OrderError> Order::from_json(std::string_view body) {
  std::array<unsigned char, 4096> arena;
  json::monotonic_resource resource(arena.data(), arena.size());
  json::parse_options options;
  options.max_depth = 16;
  boost::system::error_code ec;
  const json::value document = json::parse(body, ec, &resource, options);
  if (ec) {
    return fail("invalid_json", "body", "body is not valid JSON: " + ec.message());
  }
  const json::object* object = document.if_object();
  if (object == nullptr) {
    return fail("invalid_field", "body", "body must be a JSON object");
  }
  for (const auto& member : *object) {
    const std::string_view key(member.key().data(), member.key().size());
    if (key != "currency" && key != "items" && key != "metadata" && key != "status" &&
        key != "amount") {
      return fail("unknown_field", std::string(key), "unknown field '" + std::string(key) + "'");
    }
  }

  Order order;
  const json::value* currency = object->if_contains("currency");
  if (currency == nullptr) {
    return fail("missing_field", "currency", "currency is required");
  }
  const json::string* currency_text = currency->if_string();
  if (currency_text == nullptr || !is_currency(view(*currency_text))) {
    return fail("invalid_field", "currency",
                "currency must be a 3-letter upper-case ISO 4217 code such as \"EUR\"");
  }
  order.currency.assign(currency_text->data(), currency_text->size());

  if (const json::value* status = object->if_contains("status")) {
    const json::string* status_text = status->if_string();
    const auto parsed = status_text != nullptr
                            ? order_status_from_string(view(*status_text))
                            : std::nullopt;
    if (!parsed) {
      return fail("invalid_field", "status",
                  "status must be one of pending, paid, shipped, delivered, cancelled");
    }
    order.status = *parsed;
  }

  const json::value* items = object->if_contains("items");
  if (items == nullptr) {
    return fail("missing_field", "items", "items is required");
  }
  const json::array* item_array = items->if_array();
  if (item_array == nullptr) {
    return fail("invalid_field", "items", "items must be an array");
  }
  if (item_array->empty() || item_array->size() > kMaxItems) {
    return fail("invalid_field", "items",
                "items must have between 1 and " + std::to_string(kMaxItems) + " entries");
  }
  order.items.resize(item_array->size());
  for (std::size_t i = 0; i < item_array->size(); ++i) {
    if (auto error = parse_item((*item_array)[i], i, order.items[i])) {
      return std::move(*error);
    }
  }
  order.amount = order.items_total();

  if (const json::value* amount = object->if_contains("amount")) {
    const auto value = as_integer(*amount);
    if (!value || *value != order.amount) {
      return fail("invalid_field", "amount",
                  "amount must be an integer equal to the sum of qty * price over items (" +
                      std::to_string(order.amount) + ")");
    }
  }

  if (const json::value* metadata = object->if_contains("metadata")) {
    if (auto error = parse_metadata(*metadata, order)) {
      return std::move(*error);
    }
  }
  return order;
}

}  // namespace pgokit
