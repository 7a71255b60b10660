#include "Router.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace pgokit {
namespace {

Router make_router() {
  Router router;
  router.add("/health", {Method::get});
  router.add("/api/orders", {Method::get, Method::post});
  router.add("/api/orders/{id}", {Method::get});
  router.add("/api/orders/{id}/items/{sku}", {Method::get, Method::put});
  router.add("/", {Method::get});
  return router;
}

TEST(Router, MatchesLiteralPath) {
  const Router router = make_router();
  const auto match = router.match(Method::get, "/health");
  EXPECT_EQ(match.outcome, Router::Outcome::found);
  EXPECT_EQ(match.route, 0U);
  EXPECT_EQ(match.params.size(), 0U);
}

TEST(Router, ChoosesRouteByMethod) {
  const Router router = make_router();
  EXPECT_EQ(router.match(Method::post, "/api/orders").route, 1U);
  EXPECT_EQ(router.match(Method::get, "/api/orders").route, 1U);
}

TEST(Router, ExtractsPathParameter) {
  const Router router = make_router();
  const auto match = router.match(Method::get, "/api/orders/12345");
  ASSERT_EQ(match.outcome, Router::Outcome::found);
  EXPECT_EQ(match.route, 2U);
  EXPECT_EQ(match.params.get("id"), "12345");
  EXPECT_EQ(match.params.get("sku"), std::nullopt);
}

TEST(Router, ExtractsSeveralPathParameters) {
  const Router router = make_router();
  const auto match = router.match(Method::put, "/api/orders/7/items/SKU-1");
  ASSERT_EQ(match.outcome, Router::Outcome::found);
  EXPECT_EQ(match.route, 3U);
  EXPECT_EQ(match.params.get("id"), "7");
  EXPECT_EQ(match.params.get("sku"), "SKU-1");
}

TEST(Router, RejectsEmptyParameterSegment) {
  const Router router = make_router();
  EXPECT_EQ(router.match(Method::get, "/api/orders/").outcome, Router::Outcome::not_found);
}

TEST(Router, RequiresSameNumberOfSegments) {
  const Router router = make_router();
  EXPECT_EQ(router.match(Method::get, "/api/orders/1/items").outcome, Router::Outcome::not_found);
  EXPECT_EQ(router.match(Method::get, "/api").outcome, Router::Outcome::not_found);
  EXPECT_EQ(router.match(Method::get, "/health/").outcome, Router::Outcome::not_found);
  EXPECT_EQ(router.match(Method::get, "//health").outcome, Router::Outcome::not_found);
}

TEST(Router, MatchesRootPath) {
  const Router router = make_router();
  const auto match = router.match(Method::get, "/");
  EXPECT_EQ(match.outcome, Router::Outcome::found);
  EXPECT_EQ(match.route, 4U);
}

TEST(Router, ReturnsNotFoundForUnknownPath) {
  const Router router = make_router();
  const auto match = router.match(Method::get, "/nope");
  EXPECT_EQ(match.outcome, Router::Outcome::not_found);
  EXPECT_TRUE(match.allow.empty());
}

TEST(Router, ReturnsNotFoundForPathWithoutLeadingSlash) {
  const Router router = make_router();
  EXPECT_EQ(router.match(Method::get, "health").outcome, Router::Outcome::not_found);
  EXPECT_EQ(router.match(Method::get, "").outcome, Router::Outcome::not_found);
}

TEST(Router, ReturnsMethodNotAllowedWithAllowList) {
  const Router router = make_router();
  const auto match = router.match(Method::del, "/api/orders");
  EXPECT_EQ(match.outcome, Router::Outcome::method_not_allowed);
  EXPECT_EQ(match.allow, "GET, HEAD, POST");
}

TEST(Router, TreatsUnknownMethodAsNotAllowed) {
  const Router router = make_router();
  const auto match = router.match(Method::other, "/health");
  EXPECT_EQ(match.outcome, Router::Outcome::method_not_allowed);
  EXPECT_EQ(match.allow, "GET, HEAD");
}

TEST(Router, ServesHeadWhereGetIsServed) {
  const Router router = make_router();
  const auto match = router.match(Method::head, "/api/orders/5");
  EXPECT_EQ(match.outcome, Router::Outcome::found);
  EXPECT_EQ(match.route, 2U);
  Router posts;
  posts.add("/tasks", {Method::post});
  EXPECT_EQ(posts.match(Method::head, "/tasks").outcome, Router::Outcome::method_not_allowed);
}

TEST(Router, ReportsPatternOfRoute) {
  const Router router = make_router();
  EXPECT_EQ(router.pattern(2), "/api/orders/{id}");
  EXPECT_EQ(router.size(), 5U);
}

TEST(Router, RejectsPatternWithoutLeadingSlash) {
  Router router;
  EXPECT_THROW(router.add("health", {Method::get}), std::invalid_argument);
}

TEST(Router, RejectsPatternWithTooManyParameters) {
  Router router;
  EXPECT_THROW(router.add("/{a}/{b}/{c}/{d}/{e}", {Method::get}), std::invalid_argument);
}

TEST(Method, RoundTripsNames) {
  EXPECT_EQ(method_from_string("GET"), Method::get);
  EXPECT_EQ(method_from_string("DELETE"), Method::del);
  EXPECT_EQ(method_from_string("get"), Method::other);
  EXPECT_EQ(to_string(Method::patch), "PATCH");
  EXPECT_EQ(to_string(Method::other), "OTHER");
}

}  // namespace
}  // namespace pgokit
