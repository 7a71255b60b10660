#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "Request.hpp"
#include "Response.hpp"
#include "Router.hpp"

namespace pgokit {

class Metrics;
class OrderStore;
class TaskPool;
class Uri;

// The service's HTTP API: routes a Request to its handler and produces a Response. It never
// touches a socket, so every route and error path can be driven from a unit test or a fuzzer.
class Api {
 public:
  // Routes in registration order; also the metrics label index. `unmatched` counts 404/405
  // and bad targets, `invalid` counts bytes that never became a request.
  enum class Route : std::size_t {
    health, metrics, orders, order, legacy_order, tasks, unmatched, invalid, count
  };

  static constexpr std::size_t kDefaultPageSize = 20;
  static constexpr std::size_t kMaxPageSize = 100;
  static constexpr unsigned kMaxTaskRounds = 1000;

  // Receives the response; called exactly once, on the calling thread or on a task worker.
  using Completion = std::function<void(Response)>;

  // The metrics label of every Route, indexed by its value.
  static std::vector<std::string> route_labels();

  // The API over these components; bodies over `max_body_bytes` are refused with 413.
  Api(OrderStore& store, Metrics& metrics, TaskPool& tasks, std::size_t max_body_bytes,
      std::size_t max_header_bytes);

  // Handles one request and hands its response to `done`.
  void handle(Request request, Completion done);

  // The response for bytes that could not be parsed into a request (always closes).
  Response reject(RequestError error);

  // The router, e.g. to list routes.
  const Router& router() const noexcept { return router_; }

 private:
  using Clock = std::chrono::steady_clock;

  void finish(Route route, Clock::time_point start, Response response, const Completion& done);
  Response health() const;
  Response metrics_text() const;
  Response get_order(std::string_view id_text) const;
  Response list_orders(const Uri& uri) const;
  Response create_order(const Request& request);
  // The response for `request`, or nullopt when a task worker took `done` to answer later.
  std::optional<Response> dispatch(Request& request, Route& route, Clock::time_point start,
                                   Completion& done);
  std::optional<Response> submit_task(Request& request, Clock::time_point start, Completion& done);

  OrderStore& store_;
  Metrics& metrics_;
  TaskPool& tasks_;
  std::size_t max_body_bytes_;
  std::size_t max_header_bytes_;
  Router router_;
  Clock::time_point started_;
};

}  // namespace pgokit
