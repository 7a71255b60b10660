#include "Api.hpp"

#include <cstdio>
#include <future>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "BuildInfo.hpp"
#include "BusyWorker.hpp"
#include "Digest.hpp"
#include "Metrics.hpp"
#include "OrderStore.hpp"
#include "TaskPool.hpp"

namespace pgokit {
namespace {

namespace json = boost::json;

constexpr std::size_t kBodyLimit = 4096;
constexpr const char* kOrder = R"({"currency":"EUR","items":[{"sku":"A-1","qty":2,"price":150}]})";

Response call(Api& api, Method method, std::string target, std::string body = {},
              std::string content_type = {}, unsigned version = 11) {
  Request request;
  request.method = method;
  request.target = std::move(target);
  request.body = std::move(body);
  request.content_type = std::move(content_type);
  request.version = version;
  std::promise<Response> promise;
  auto future = promise.get_future();
  api.handle(std::move(request), [&promise](Response response) { promise.set_value(std::move(response)); });
  return future.get();
}

json::object body_of(const Response& response) {
  return json::parse(response.body).as_object();
}

// Asserts the JSON error body every failure uses, naming `field` when given.
void expect_error(const Response& response, unsigned status, const std::string& code,
                  const std::string& field = {}) {
  EXPECT_EQ(response.status, status) << response.body;
  EXPECT_EQ(response.content_type, "application/json");
  const json::object error = body_of(response).at("error").as_object();
  EXPECT_EQ(error.at("code").as_string(), code) << response.body;
  EXPECT_FALSE(error.at("message").as_string().empty());
  if (field.empty()) {
    EXPECT_FALSE(error.contains("field")) << response.body;
  } else {
    ASSERT_TRUE(error.contains("field")) << response.body;
    EXPECT_EQ(error.at("field").as_string(), field) << response.body;
  }
}

class ApiHandlers : public ::testing::Test {
 protected:
  ApiHandlers() { store_.seed(1000); }

  Response get(std::string target) { return call(api_, Method::get, std::move(target)); }
  Response post(std::string target, std::string body,
                std::string content_type = "application/json") {
    return call(api_, Method::post, std::move(target), std::move(body), std::move(content_type));
  }

  OrderStore store_;
  Metrics metrics_{Api::route_labels()};
  TaskPool pool_{2, 16};
  Api api_{store_, metrics_, pool_, kBodyLimit, 8192};
};

TEST_F(ApiHandlers, HealthReportsBuildInfo) {
  const Response response = get("/health");
  EXPECT_EQ(response.status, 200U);
  EXPECT_EQ(response.content_type, "application/health+json");
  const json::object body = body_of(response);
  EXPECT_EQ(body.at("status").as_string(), "ok");
  EXPECT_EQ(body.at("version").as_string(), BuildInfo::version());
  EXPECT_EQ(body.at("arch").as_string(), BuildInfo::arch());
  EXPECT_EQ(body.at("stage").as_string(), BuildInfo::stage());
  EXPECT_GE(body.at("uptime_seconds").as_int64(), 0);
#if defined(__x86_64__)
  EXPECT_EQ(BuildInfo::arch(), "x86_64");
#elif defined(__aarch64__)
  EXPECT_EQ(BuildInfo::arch(), "arm64");
#endif
  EXPECT_EQ(BuildInfo::version(), "0.1.0");
  EXPECT_EQ(BuildInfo::stage(), "release");
}

TEST_F(ApiHandlers, MetricsUsesPrometheusTextFormat) {
  get("/health");
  const Response response = get("/metrics");
  EXPECT_EQ(response.status, 200U);
  EXPECT_EQ(response.content_type.rfind("text/plain; version=0.0.4", 0), 0U);
  EXPECT_NE(response.body.find(R"(pgokit_http_requests_total{route="/health",code="200"} 1)"),
            std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("# TYPE pgokit_tasks_queued gauge"), std::string::npos);
  EXPECT_NE(response.body.find("pgokit_orders 1000"), std::string::npos);
  EXPECT_NE(response.body.find("pgokit_build_info{version=\"0.1.0\""), std::string::npos);
  // The scrape itself is in flight while it renders.
  EXPECT_NE(response.body.find("pgokit_http_requests_in_flight 1"), std::string::npos);
}

TEST_F(ApiHandlers, RecordsMetricsPerRoute) {
  get("/health");
  get("/api/orders/1");
  get("/api/orders/99999");
  EXPECT_EQ(metrics_.requests(static_cast<std::size_t>(Api::Route::health), 200), 1U);
  EXPECT_EQ(metrics_.requests(static_cast<std::size_t>(Api::Route::order), 200), 1U);
  EXPECT_EQ(metrics_.requests(static_cast<std::size_t>(Api::Route::order), 404), 1U);
  EXPECT_EQ(metrics_.in_flight(), 0);
}

TEST_F(ApiHandlers, GetsOrderById) {
  const Response response = get("/api/orders/42");
  EXPECT_EQ(response.status, 200U);
  EXPECT_EQ(response.content_type, "application/json");
  const json::object body = body_of(response);
  EXPECT_EQ(body.at("id").to_number<std::uint64_t>(), 42U);
  for (const char* key : {"status", "amount", "currency", "created_at", "items", "metadata"}) {
    EXPECT_TRUE(body.contains(key)) << key;
  }
  EXPECT_EQ(response.body, store_.find(42)->to_json());
}

TEST_F(ApiHandlers, AnswersUnknownOrderWith404) {
  expect_error(get("/api/orders/1001"), 404, "not_found");
  expect_error(get("/api/orders/0"), 404, "not_found");
}

TEST_F(ApiHandlers, AnswersNonNumericIdWith400) {
  expect_error(get("/api/orders/abc"), 400, "invalid_parameter", "id");
  expect_error(get("/api/orders/-1"), 400, "invalid_parameter", "id");
  expect_error(get("/api/orders/1e3"), 400, "invalid_parameter", "id");
  expect_error(get("/api/orders/99999999999999999999999"), 400, "invalid_parameter", "id");
}

TEST_F(ApiHandlers, ServesLegacyOrderRoute) {
  const Response legacy = get("/api/order?id=5");
  EXPECT_EQ(legacy.status, 200U);
  EXPECT_EQ(legacy.body, get("/api/orders/5").body);
  expect_error(get("/api/order"), 400, "invalid_parameter", "id");
  expect_error(get("/api/order?id=x"), 400, "invalid_parameter", "id");
  expect_error(get("/api/order?id=5000"), 404, "not_found");
}

TEST_F(ApiHandlers, ListsFirstPageByDefault) {
  const Response response = get("/api/orders");
  ASSERT_EQ(response.status, 200U);
  const json::object body = body_of(response);
  const json::array& orders = body.at("orders").as_array();
  ASSERT_EQ(orders.size(), Api::kDefaultPageSize);
  EXPECT_EQ(orders.front().as_object().at("id").to_number<std::uint64_t>(), 1U);
  EXPECT_TRUE(body.at("next_cursor").is_string());
}

TEST_F(ApiHandlers, CapsPageSize) {
  const json::object body = body_of(get("/api/orders?limit=100000"));
  EXPECT_EQ(body.at("orders").as_array().size(), Api::kMaxPageSize);
}

TEST_F(ApiHandlers, FollowsCursorToNextPage) {
  const json::object first = body_of(get("/api/orders?limit=5"));
  const std::string cursor(first.at("next_cursor").as_string());
  const json::object second = body_of(get("/api/orders?limit=5&cursor=" + cursor));
  EXPECT_EQ(second.at("orders").as_array().front().as_object().at("id").to_number<std::uint64_t>(), 6U);
}

TEST_F(ApiHandlers, EndsWalkWithNullCursor) {
  std::string cursor;
  std::size_t total = 0;
  for (int page = 0; page < 20; ++page) {
    const json::object body =
        body_of(get("/api/orders?limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    total += body.at("orders").as_array().size();
    if (body.at("next_cursor").is_null()) {
      break;
    }
    cursor = std::string(body.at("next_cursor").as_string());
  }
  EXPECT_EQ(total, 1000U);
}

TEST_F(ApiHandlers, FiltersByStatus) {
  const json::object body = body_of(get("/api/orders?status=delivered&limit=50"));
  const json::array& orders = body.at("orders").as_array();
  EXPECT_FALSE(orders.empty());
  for (const auto& order : orders) {
    EXPECT_EQ(order.as_object().at("status").as_string(), "delivered");
  }
}

TEST_F(ApiHandlers, RejectsBadListParameters) {
  expect_error(get("/api/orders?limit=0"), 400, "invalid_parameter", "limit");
  expect_error(get("/api/orders?limit=-3"), 400, "invalid_parameter", "limit");
  expect_error(get("/api/orders?limit=ten"), 400, "invalid_parameter", "limit");
  expect_error(get("/api/orders?status=lost"), 400, "invalid_parameter", "status");
  expect_error(get("/api/orders?cursor=abc"), 400, "invalid_parameter", "cursor");
  expect_error(get("/api/orders?cursor="), 400, "invalid_parameter", "cursor");
}

TEST_F(ApiHandlers, CreatesOrder) {
  const Response response = post("/api/orders", kOrder);
  ASSERT_EQ(response.status, 201U) << response.body;
  const std::uint64_t id = body_of(response).at("id").to_number<std::uint64_t>();
  EXPECT_EQ(id, 1001U);
  EXPECT_EQ(response.header("Location"), "/api/orders/1001");
  const json::object stored = body_of(get("/api/orders/1001"));
  EXPECT_EQ(stored.at("amount").as_int64(), 300);
  EXPECT_EQ(stored.at("status").as_string(), "pending");
  EXPECT_EQ(stored.at("created_at").as_string().size(), 20U);
}

TEST_F(ApiHandlers, AcceptsJsonWithParameters) {
  EXPECT_EQ(post("/api/orders", kOrder, "Application/JSON; charset=utf-8").status, 201U);
}

TEST_F(ApiHandlers, RequiresJsonContentType) {
  expect_error(post("/api/orders", kOrder, "text/plain"), 415, "unsupported_media_type");
  expect_error(post("/api/orders", kOrder, ""), 415, "unsupported_media_type");
  expect_error(post("/api/orders", kOrder, "application/jsonx"), 415, "unsupported_media_type");
}

TEST_F(ApiHandlers, RefusesBodyOverLimit) {
  expect_error(post("/api/orders", std::string(kBodyLimit + 1, ' ')), 413, "payload_too_large");
  expect_error(post("/api/tasks", std::string(kBodyLimit + 1, ' ')), 413, "payload_too_large");
}

TEST_F(ApiHandlers, AnswersInvalidJsonWith400) {
  expect_error(post("/api/orders", "{not json"), 400, "invalid_json", "body");
}

TEST_F(ApiHandlers, NamesInvalidField) {
  expect_error(post("/api/orders", R"({"currency":"EUR","items":[{"sku":"A","qty":0,"price":1}]})"),
               400, "invalid_field", "items[0].qty");
  expect_error(post("/api/orders", R"({"items":[{"sku":"A","qty":1,"price":1}]})"), 400,
               "missing_field", "currency");
}

TEST_F(ApiHandlers, RunsTask) {
  const Response response = post("/api/tasks", R"({"data":"hello","rounds":3,"encoding":"base64"})");
  ASSERT_EQ(response.status, 200U) << response.body;
  const json::object body = body_of(response);
  const auto expected = Digest::compute({"hello", 3, Digest::Encoding::base64});
  char crc[9];
  std::snprintf(crc, sizeof crc, "%08x", expected.crc32);
  EXPECT_EQ(body.at("crc32").as_string(), crc);
  EXPECT_EQ(body.at("digest").as_string(), expected.digest);
  EXPECT_EQ(body.at("bytes").as_int64(), 5);
  EXPECT_EQ(body.at("rounds").as_int64(), 3);
  EXPECT_EQ(body.at("encoding").as_string(), "base64");
  EXPECT_EQ(body.at("fnv1a64").as_string().size(), 16U);
}

TEST_F(ApiHandlers, RunsTaskWithDefaults) {
  const json::object body = body_of(post("/api/tasks", R"({"data":""})"));
  EXPECT_EQ(body.at("rounds").as_int64(), 1);
  EXPECT_EQ(body.at("encoding").as_string(), "hex");
}

TEST_F(ApiHandlers, ValidatesTaskBody) {
  expect_error(post("/api/tasks", R"({"rounds":1})"), 400, "missing_field", "data");
  expect_error(post("/api/tasks", R"({"data":5})"), 400, "invalid_field", "data");
  expect_error(post("/api/tasks", R"({"data":"x","rounds":0})"), 400, "invalid_field", "rounds");
  expect_error(post("/api/tasks", R"({"data":"x","rounds":1001})"), 400, "invalid_field", "rounds");
  expect_error(post("/api/tasks", R"({"data":"x","rounds":1.5})"), 400, "invalid_field", "rounds");
  expect_error(post("/api/tasks", R"({"data":"x","encoding":"rot13"})"), 400, "invalid_field",
               "encoding");
  expect_error(post("/api/tasks", R"({"data":"x","extra":1})"), 400, "unknown_field", "extra");
  expect_error(post("/api/tasks", "[1]"), 400, "invalid_field", "body");
  expect_error(post("/api/tasks", "nope"), 400, "invalid_json", "body");
  expect_error(post("/api/tasks", R"({"data":"x"})", "text/plain"), 415, "unsupported_media_type");
}

TEST_F(ApiHandlers, AnswersUnknownRouteWith404) {
  const Response response = get("/nope");
  expect_error(response, 404, "not_found");
  EXPECT_NE(response.body.find("/nope"), std::string::npos);
}

TEST_F(ApiHandlers, EscapesEchoedPath) {
  const Response response = get("/\"\x01\xff");
  expect_error(response, 404, "not_found");
}

TEST_F(ApiHandlers, AnswersWrongMethodWith405AndAllow) {
  const Response health = call(api_, Method::del, "/health");
  expect_error(health, 405, "method_not_allowed");
  EXPECT_EQ(health.header("Allow"), "GET, HEAD");
  EXPECT_EQ(call(api_, Method::put, "/api/orders").header("allow"), "GET, HEAD, POST");
  EXPECT_EQ(call(api_, Method::get, "/api/tasks").header("Allow"), "POST");
}

TEST_F(ApiHandlers, AnswersBadTargetWith400) {
  expect_error(get("*"), 400, "bad_request");
  expect_error(get("http://example.com/health"), 400, "bad_request");
  expect_error(get("/api/orders?status=%zz"), 400, "bad_request");
}

TEST_F(ApiHandlers, AnswersUnsupportedVersionWith505) {
  const Response response = call(api_, Method::get, "/health", {}, {}, 20);
  expect_error(response, 505, "http_version_not_supported");
  EXPECT_TRUE(response.close);
}

TEST_F(ApiHandlers, MapsParseErrorsToStatuses) {
  const Response header = api_.reject(RequestError::header_too_large);
  expect_error(header, 431, "header_too_large");
  EXPECT_TRUE(header.close);
  const Response body = api_.reject(RequestError::body_too_large);
  expect_error(body, 413, "payload_too_large");
  EXPECT_TRUE(body.close);
  const Response malformed = api_.reject(RequestError::malformed);
  expect_error(malformed, 400, "bad_request");
  EXPECT_TRUE(malformed.close);
  EXPECT_EQ(metrics_.requests(static_cast<std::size_t>(Api::Route::invalid), 431), 1U);
}

TEST(ApiBackPressure, AnswersFullTaskQueueWith503) {
  OrderStore store;
  Metrics metrics{Api::route_labels()};
  TaskPool pool{1, 1};
  Api api{store, metrics, pool, kBodyLimit, 8192};

  // Occupy the only worker, then the only queue slot.
  test::BusyWorker worker(pool);
  ASSERT_TRUE(worker.occupied());
  std::promise<Response> queued;
  Request request;
  request.method = Method::post;
  request.target = "/api/tasks";
  request.content_type = "application/json";
  request.body = R"({"data":"x"})";
  api.handle(request, [&queued](Response response) { queued.set_value(std::move(response)); });

  const Response busy = call(api, Method::post, "/api/tasks", R"({"data":"x"})", "application/json");
  expect_error(busy, 503, "overloaded");
  EXPECT_EQ(busy.header("Retry-After"), "1");
  EXPECT_EQ(metrics.requests(static_cast<std::size_t>(Api::Route::tasks), 503), 1U);

  worker.release();
  EXPECT_EQ(queued.get_future().get().status, 200U);
  pool.shutdown();
  EXPECT_EQ(metrics.in_flight(), 0);
}

}  // namespace
}  // namespace pgokit
