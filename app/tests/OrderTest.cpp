#include "Order.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace pgokit {
namespace {

namespace json = boost::json;

constexpr const char* kValid =
    R"({"currency":"EUR","items":[{"sku":"A-1","qty":2,"price":150},{"sku":"b_2.x","qty":1,"price":0}]})";

// Asserts that `body` is refused with `code`, naming `field`.
void expect_error(const std::string& body, const std::string& code, const std::string& field) {
  const auto result = Order::from_json(body);
  const auto* error = std::get_if<OrderError>(&result);
  ASSERT_NE(error, nullptr) << "accepted: " << body;
  EXPECT_EQ(error->code, code) << error->message;
  EXPECT_EQ(error->field, field) << error->message;
  EXPECT_FALSE(error->message.empty());
}

std::string with_items(const std::string& items) {
  return R"({"currency":"EUR","items":)" + items + "}";
}

TEST(Order, FormatsRfc3339) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1704067200), "2024-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1709251199), "2024-02-29T23:59:59Z");
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_rfc3339(4102444800), "2100-01-01T00:00:00Z");
}

TEST(Order, SerializesEveryField) {
  Order order;
  order.id = 7;
  order.status = OrderStatus::shipped;
  order.currency = "USD";
  order.created_at = 1704067200;
  order.items = {{"SKU-1", 3, 250}};
  order.amount = order.items_total();
  order.metadata = {{"channel", "web"}, {"note", "say \"hi\""}};
  const json::value value = json::parse(order.to_json());
  const json::object& object = value.as_object();
  EXPECT_EQ(object.at("id").to_number<std::uint64_t>(), 7U);
  EXPECT_EQ(object.at("status").as_string(), "shipped");
  EXPECT_EQ(object.at("amount").as_int64(), 750);
  EXPECT_EQ(object.at("currency").as_string(), "USD");
  EXPECT_EQ(object.at("created_at").as_string(), "2024-01-01T00:00:00Z");
  const json::object& item = object.at("items").as_array().at(0).as_object();
  EXPECT_EQ(item.at("sku").as_string(), "SKU-1");
  EXPECT_EQ(item.at("qty").to_number<std::uint64_t>(), 3U);
  EXPECT_EQ(item.at("price").as_int64(), 250);
  EXPECT_EQ(object.at("metadata").as_object().at("note").as_string(), "say \"hi\"");
  // Keys come out in a fixed order, so responses are byte-stable.
  EXPECT_EQ(order.to_json().substr(0, 30), R"({"id":7,"status":"shipped","am)");
}

TEST(Order, SerializesExactlyAsTheJsonLibraryWould) {
  // to_json writes its JSON by hand; it must stay byte-identical to Boost.JSON's serializer,
  // including escapes of quotes, backslashes, control characters and UTF-8 passed through.
  Order order;
  order.id = 18446744073709551615ULL;
  order.status = OrderStatus::cancelled;
  order.currency = "EUR";
  order.created_at = 951782400;
  order.items = {{"A-1", 2, 150}, {"b_2.x", 1, 0}};
  order.amount = order.items_total();
  order.metadata = {{"note", "q\"b\\s\n\r\t\b\f\x01\x1f\x7f"}, {"caf\xc3\xa9", "\xe2\x82\xac 5"}};
  json::object expected;
  expected["id"] = order.id;
  expected["status"] = "cancelled";
  expected["amount"] = order.amount;
  expected["currency"] = "EUR";
  expected["created_at"] = "2000-02-29T00:00:00Z";
  json::array items;
  for (const auto& item : order.items) {
    items.push_back(json::object{{"sku", item.sku}, {"qty", item.qty}, {"price", item.price}});
  }
  expected["items"] = std::move(items);
  json::object metadata;
  for (const auto& [key, value] : order.metadata) {
    metadata[key] = value;
  }
  expected["metadata"] = std::move(metadata);
  EXPECT_EQ(order.to_json(), json::serialize(expected));
}

TEST(Order, SerializesOrderWithoutMetadata) {
  Order order;
  order.id = 1;
  order.currency = "USD";
  order.items = {{"X", 1, 1}};
  order.amount = 1;
  EXPECT_EQ(order.to_json(),
            R"({"id":1,"status":"pending","amount":1,"currency":"USD",)"
            R"("created_at":"1970-01-01T00:00:00Z","items":[{"sku":"X","qty":1,"price":1}],)"
            R"("metadata":{}})");
}

TEST(Order, NamesStatuses) {
  EXPECT_EQ(to_string(OrderStatus::pending), "pending");
  EXPECT_EQ(to_string(OrderStatus::cancelled), "cancelled");
  EXPECT_EQ(order_status_from_string("delivered"), OrderStatus::delivered);
  EXPECT_EQ(order_status_from_string("Delivered"), std::nullopt);
}

TEST(OrderValidation, AcceptsValidOrder) {
  const auto result = Order::from_json(kValid);
  const auto* order = std::get_if<Order>(&result);
  ASSERT_NE(order, nullptr) << std::get<OrderError>(result).message;
  EXPECT_EQ(order->currency, "EUR");
  EXPECT_EQ(order->status, OrderStatus::pending);
  ASSERT_EQ(order->items.size(), 2U);
  EXPECT_EQ(order->items[0].sku, "A-1");
  EXPECT_EQ(order->amount, 300);
}

TEST(OrderValidation, AcceptsStatusAmountAndMetadata) {
  const auto result = Order::from_json(
      R"({"currency":"SEK","status":"paid","amount":300,"items":[{"sku":"A","qty":2,"price":150}],"metadata":{"channel":"api","k":""}})");
  const auto* order = std::get_if<Order>(&result);
  ASSERT_NE(order, nullptr) << std::get<OrderError>(result).message;
  EXPECT_EQ(order->status, OrderStatus::paid);
  ASSERT_EQ(order->metadata.size(), 2U);
  EXPECT_EQ(order->metadata[0].first, "channel");
  EXPECT_EQ(order->metadata[0].second, "api");
}

TEST(OrderValidation, RejectsInvalidJson) {
  expect_error("{", "invalid_json", "body");
  expect_error("", "invalid_json", "body");
  expect_error(R"({"currency":"EUR",})", "invalid_json", "body");
  expect_error("\"\xff\"", "invalid_json", "body");
}

TEST(OrderValidation, RejectsDeeplyNestedJson) {
  expect_error(std::string(100, '[') + std::string(100, ']'), "invalid_json", "body");
}

TEST(OrderValidation, RejectsNonObjectBody) {
  expect_error("[]", "invalid_field", "body");
  expect_error("42", "invalid_field", "body");
}

TEST(OrderValidation, RejectsUnknownField) {
  expect_error(R"({"currency":"EUR","items":[{"sku":"A","qty":1,"price":1}],"discount":5})",
               "unknown_field", "discount");
}

TEST(OrderValidation, RequiresCurrency) {
  expect_error(R"({"items":[{"sku":"A","qty":1,"price":1}]})", "missing_field", "currency");
}

TEST(OrderValidation, RejectsMalformedCurrency) {
  for (const char* currency : {R"("eur")", R"("EURO")", R"("EU")", R"("E1R")", "978", "null"}) {
    expect_error(std::string(R"({"currency":)") + currency +
                     R"(,"items":[{"sku":"A","qty":1,"price":1}]})",
                 "invalid_field", "currency");
  }
}

TEST(OrderValidation, RejectsUnknownStatus) {
  expect_error(R"({"currency":"EUR","status":"lost","items":[{"sku":"A","qty":1,"price":1}]})",
               "invalid_field", "status");
  expect_error(R"({"currency":"EUR","status":1,"items":[{"sku":"A","qty":1,"price":1}]})",
               "invalid_field", "status");
}

TEST(OrderValidation, RequiresItems) {
  expect_error(R"({"currency":"EUR"})", "missing_field", "items");
}

TEST(OrderValidation, RejectsItemsThatAreNotAnArray) {
  expect_error(with_items(R"({"sku":"A","qty":1,"price":1})"), "invalid_field", "items");
}

TEST(OrderValidation, RejectsEmptyItems) {
  expect_error(with_items("[]"), "invalid_field", "items");
}

TEST(OrderValidation, RejectsTooManyItems) {
  std::string items = "[";
  for (std::size_t i = 0; i <= Order::kMaxItems; ++i) {
    items += (i ? "," : "") + std::string(R"({"sku":"A","qty":1,"price":1})");
  }
  expect_error(with_items(items + "]"), "invalid_field", "items");
}

TEST(OrderValidation, RejectsItemThatIsNotAnObject) {
  expect_error(with_items(R"([{"sku":"A","qty":1,"price":1},"B"])"), "invalid_field", "items[1]");
}

TEST(OrderValidation, RejectsUnknownItemField) {
  expect_error(with_items(R"([{"sku":"A","qty":1,"price":1,"colour":"red"}])"), "unknown_field",
               "items[0].colour");
}

TEST(OrderValidation, RequiresSku) {
  expect_error(with_items(R"([{"qty":1,"price":1}])"), "missing_field", "items[0].sku");
}

TEST(OrderValidation, RejectsBadSku) {
  for (const char* sku : {R"("")", R"("has space")", R"("ü")", "12", R"("x/y")"}) {
    expect_error(with_items(std::string(R"([{"sku":)") + sku + R"(,"qty":1,"price":1}])"),
                 "invalid_field", "items[0].sku");
  }
  expect_error(with_items(R"([{"sku":")" + std::string(65, 'a') + R"(","qty":1,"price":1}])"),
               "invalid_field", "items[0].sku");
}

TEST(OrderValidation, RequiresQty) {
  expect_error(with_items(R"([{"sku":"A","price":1}])"), "missing_field", "items[0].qty");
}

TEST(OrderValidation, RejectsQtyOutOfRange) {
  for (const char* qty : {"0", "-1", "10001", "1.5", "2.0", R"("3")", "18446744073709551615"}) {
    expect_error(with_items(std::string(R"([{"sku":"A","qty":)") + qty + R"(,"price":1}])"),
                 "invalid_field", "items[0].qty");
  }
}

TEST(OrderValidation, RequiresPrice) {
  expect_error(with_items(R"([{"sku":"A","qty":1}])"), "missing_field", "items[0].price");
}

TEST(OrderValidation, RejectsPriceOutOfRange) {
  for (const char* price : {"-1", "100000001", "9.99", "null"}) {
    expect_error(with_items(std::string(R"([{"sku":"A","qty":1,"price":)") + price + "}]"),
                 "invalid_field", "items[0].price");
  }
}

TEST(OrderValidation, RejectsAmountThatDoesNotMatchItems) {
  expect_error(R"({"currency":"EUR","amount":299,"items":[{"sku":"A","qty":2,"price":150}]})",
               "invalid_field", "amount");
  expect_error(R"({"currency":"EUR","amount":"300","items":[{"sku":"A","qty":2,"price":150}]})",
               "invalid_field", "amount");
}

TEST(OrderValidation, RejectsMetadataThatIsNotAnObject) {
  expect_error(R"({"currency":"EUR","items":[{"sku":"A","qty":1,"price":1}],"metadata":[]})",
               "invalid_field", "metadata");
}

TEST(OrderValidation, RejectsNonStringMetadataValue) {
  expect_error(
      R"({"currency":"EUR","items":[{"sku":"A","qty":1,"price":1}],"metadata":{"vip":true}})",
      "invalid_field", "metadata.vip");
}

TEST(OrderValidation, RejectsLongMetadataValue) {
  expect_error(R"({"currency":"EUR","items":[{"sku":"A","qty":1,"price":1}],"metadata":{"k":")" +
                   std::string(257, 'v') + R"("}})",
               "invalid_field", "metadata.k");
}

TEST(OrderValidation, RejectsTooManyMetadataEntries) {
  std::string metadata = "{";
  for (std::size_t i = 0; i <= Order::kMaxMetadataEntries; ++i) {
    metadata += (i ? "," : "") + std::string(R"("k)") + std::to_string(i) + R"(":"v")";
  }
  expect_error(R"({"currency":"EUR","items":[{"sku":"A","qty":1,"price":1}],"metadata":)" +
                   metadata + "}}",
               "invalid_field", "metadata");
}

TEST(OrderValidation, RejectsEmptyMetadataKey) {
  expect_error(R"({"currency":"EUR","items":[{"sku":"A","qty":1,"price":1}],"metadata":{"":"v"}})",
               "invalid_field", "metadata");
}

}  // namespace
}  // namespace pgokit
