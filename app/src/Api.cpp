#include "Api.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <exception>
#include <memory>
#include <stdexcept>

#include <boost/json.hpp>

#include "BuildInfo.hpp"
#include "Digest.hpp"
#include "Metrics.hpp"
#include "Order.hpp"
#include "OrderStore.hpp"
#include "TaskPool.hpp"
#include "Text.hpp"
#include "Uri.hpp"

namespace pgokit {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(Api::Route::count)> kRouteLabels{
    "/health", "/metrics", "/api/orders", "/api/orders/{id}", "/api/order", "/api/tasks",
    "unmatched", "invalid"};

Response invalid_parameter(std::string_view name, std::string_view message) {
  return Response::error(400, "invalid_parameter", message, name);
}

// "application/json; charset=utf-8" is JSON too; media types are case-insensitive.
bool is_json(std::string_view content_type) noexcept {
  const auto semicolon = content_type.find(';');
  std::string_view media = content_type.substr(0, semicolon);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) {
    media.remove_suffix(1);
  }
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) {
    media.remove_prefix(1);
  }
  constexpr std::string_view kJson = "application/json";
  if (media.size() != kJson.size()) {
    return false;
  }
  for (std::size_t i = 0; i < kJson.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(media[i])) != kJson[i]) {
      return false;
    }
  }
  return true;
}

// A decimal unsigned integer and nothing else (no sign, no spaces, no overflow).
std::optional<std::uint64_t> parse_unsigned(std::string_view text) noexcept {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::string_view view(const json::string& text) noexcept {
  return std::string_view(text.data(), text.size());
}

std::string_view view(json::string_view text) noexcept {
  return std::string_view(text.data(), text.size());
}

// Validates a POST /api/tasks body; on failure `error` holds the 400 response.
std::optional<Digest::Spec> parse_task(std::string_view body, Response& error) {
  json::monotonic_resource resource;
  boost::system::error_code ec;
  const json::value document = json::parse(body, ec, &resource);
  if (ec) {
    error = Response::error(400, "invalid_json", "body is not valid JSON: " + ec.message(), "body");
    return std::nullopt;
  }
  const json::object* object = document.if_object();
  if (object == nullptr) {
    error = Response::error(400, "invalid_field", "body must be a JSON object", "body");
    return std::nullopt;
  }
  for (const auto& member : *object) {
    const std::string_view key = view(member.key());
    if (key != "data" && key != "rounds" && key != "encoding") {
      error = Response::error(400, "unknown_field", "unknown field '" + std::string(key) + "'", key);
      return std::nullopt;
    }
  }
  Digest::Spec spec;
  const json::value* data = object->if_contains("data");
  if (data == nullptr) {
    error = Response::error(400, "missing_field", "data is required", "data");
    return std::nullopt;
  }
  const json::string* data_text = data->if_string();
  if (data_text == nullptr) {
    error = Response::error(400, "invalid_field", "data must be a string", "data");
    return std::nullopt;
  }
  spec.data.assign(data_text->data(), data_text->size());
  if (const json::value* rounds = object->if_contains("rounds")) {
    const bool in_range = (rounds->is_int64() && rounds->get_int64() >= 1 &&
                           rounds->get_int64() <= Api::kMaxTaskRounds) ||
                          (rounds->is_uint64() && rounds->get_uint64() >= 1 &&
                           rounds->get_uint64() <= Api::kMaxTaskRounds);
    if (!in_range) {
      error = Response::error(
          400, "invalid_field",
          "rounds must be an integer between 1 and " + std::to_string(Api::kMaxTaskRounds),
          "rounds");
      return std::nullopt;
    }
    spec.rounds = static_cast<unsigned>(rounds->is_int64() ? rounds->get_int64()
                                                           : static_cast<std::int64_t>(rounds->get_uint64()));
  }
  if (const json::value* encoding = object->if_contains("encoding")) {
    const json::string* name = encoding->if_string();
    if (name != nullptr && view(*name) == "hex") {
      spec.encoding = Digest::Encoding::hex;
    } else if (name != nullptr && view(*name) == "base64") {
      spec.encoding = Digest::Encoding::base64;
    } else {
      error = Response::error(400, "invalid_field", "encoding must be \"hex\" or \"base64\"",
                              "encoding");
      return std::nullopt;
    }
  }
  return spec;
}

std::string task_result_json(const Digest::Spec& spec, const Digest::Result& result) {
  std::string body;
  body.reserve(128 + result.digest.size());
  body += R"({"bytes":)";
  append_decimal(body, static_cast<std::uint64_t>(spec.data.size()));
  body += R"(,"rounds":)";
  append_decimal(body, static_cast<std::uint64_t>(spec.rounds));
  body += R"(,"crc32":")";
  append_hex(body, result.crc32, 8);
  body += R"(","fnv1a64":")";
  append_hex(body, result.fnv1a64, 16);
  body += R"(",)";
  body += R"("encoding":")";
  body += Digest::name(spec.encoding);
  body += R"(","digest":")";
  body += result.digest;  // hex or base64: never needs escaping
  body += "\"}";
  return body;
}

}  // namespace

std::vector<std::string> Api::route_labels() {
  return {kRouteLabels.begin(), kRouteLabels.end()};
}

Api::Api(OrderStore& store, Metrics& metrics, TaskPool& tasks, std::size_t max_body_bytes,
         std::size_t max_header_bytes)
    : store_(store),
      metrics_(metrics),
      tasks_(tasks),
      max_body_bytes_(max_body_bytes),
      max_header_bytes_(max_header_bytes),
      started_(Clock::now()) {
  // Registration order must follow the Route enum: the router's index is the Route.
  const auto add = [this](Route route, std::initializer_list<Method> methods) {
    const std::size_t index = router_.add(kRouteLabels[static_cast<std::size_t>(route)], methods);
    if (index != static_cast<std::size_t>(route)) {
      throw std::logic_error("route registered out of order");
    }
  };
  add(Route::health, {Method::get});
  add(Route::metrics, {Method::get});
  add(Route::orders, {Method::get, Method::post});
  add(Route::order, {Method::get});
  add(Route::legacy_order, {Method::get});
  add(Route::tasks, {Method::post});
}

void Api::finish(Route route, Clock::time_point start, Response response, const Completion& done) {
  metrics_.record(static_cast<std::size_t>(route), response.status, Clock::now() - start);
  metrics_.request_finished();
  done(std::move(response));
}

void Api::handle(Request request, Completion done) {
  const auto start = Clock::now();
  metrics_.request_started();
  Route route = Route::unmatched;
  std::optional<Response> response;
  try {
    response = dispatch(request, route, start, done);
  } catch (const std::exception& error) {
    // A handler bug or an allocation failure costs one request, not the server.
    response = Response::error(500, "internal_error", error.what());
  }
  // Empty when a task worker took `done` and answers from there.
  if (response && done) {
    finish(route, start, std::move(*response), done);
  }
}

std::optional<Response> Api::dispatch(Request& request, Route& route, Clock::time_point start,
                                      Completion& done) {
  if (request.version != 10 && request.version != 11) {
    Response response = Response::error(505, "http_version_not_supported",
                                        "only HTTP/1.0 and HTTP/1.1 are served");
    response.close = true;
    return response;
  }
  const auto uri = Uri::parse(request.target);
  if (!uri) {
    return Response::error(400, "bad_request",
                           "request target must be a path starting with '/' with a valid query");
  }
  const Router::Match match = router_.match(request.method, uri->path());
  if (match.outcome == Router::Outcome::not_found) {
    return Response::error(404, "not_found", "no route for " + std::string(uri->path()));
  }
  if (match.outcome == Router::Outcome::method_not_allowed) {
    Response response = Response::error(
        405, "method_not_allowed",
        std::string(to_string(request.method)) + " is not allowed on " + std::string(uri->path()));
    response.with_header("Allow", match.allow);
    return response;
  }
  route = static_cast<Route>(match.route);
  switch (route) {
    case Route::health:
      return health();
    case Route::metrics:
      return metrics_text();
    case Route::order:
      return get_order(match.params.get("id").value_or(""));
    case Route::legacy_order: {
      const auto id = uri->parameter("id");
      return id ? get_order(*id) : invalid_parameter("id", "query parameter id is required");
    }
    case Route::orders:
      return request.method == Method::post ? create_order(request) : list_orders(*uri);
    case Route::tasks:
      return submit_task(request, start, done);
    case Route::unmatched:
    case Route::invalid:
    case Route::count:
      break;
  }
  throw std::logic_error("route without a handler");
}

Response Api::reject(RequestError error) {
  Response response;
  switch (error) {
    case RequestError::header_too_large:
      response = Response::error(431, "header_too_large",
                                 "request line and headers exceed " +
                                     std::to_string(max_header_bytes_) + " bytes");
      break;
    case RequestError::body_too_large:
      response = Response::error(413, "payload_too_large",
                                 "body exceeds " + std::to_string(max_body_bytes_) + " bytes");
      break;
    case RequestError::malformed:
      response = Response::error(400, "bad_request", "malformed HTTP request");
      break;
  }
  // The rest of the stream cannot be trusted to start at a request boundary.
  response.close = true;
  metrics_.record(static_cast<std::size_t>(Route::invalid), response.status,
                  std::chrono::nanoseconds{0});
  return response;
}

Response Api::health() const {
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_);
  std::string body = R"({"status":"ok","version":)";
  append_json_string(body, BuildInfo::version());
  body += R"(,"arch":)";
  append_json_string(body, BuildInfo::arch());
  body += R"(,"stage":)";
  append_json_string(body, BuildInfo::stage());
  body += R"(,"uptime_seconds":)";
  body += std::to_string(uptime.count());
  body += '}';
  Response response = Response::json(200, std::move(body));
  response.content_type = "application/health+json";
  return response;
}

Response Api::metrics_text() const {
  std::string text = metrics_.render();

  Metrics::append_family(text, "pgokit_tasks_queued", "gauge", "Tasks waiting for a worker.");
  Metrics::append_sample(text, "pgokit_tasks_queued", {}, static_cast<double>(tasks_.queued()));
  Metrics::append_family(text, "pgokit_tasks_running", "gauge", "Tasks a worker is running.");
  Metrics::append_sample(text, "pgokit_tasks_running", {}, static_cast<double>(tasks_.running()));
  Metrics::append_family(text, "pgokit_tasks_completed_total", "counter", "Tasks finished.");
  Metrics::append_sample(text, "pgokit_tasks_completed_total", {},
                         static_cast<double>(tasks_.completed()));
  Metrics::append_family(text, "pgokit_tasks_rejected_total", "counter",
                         "Tasks refused with 503 because the queue was full.");
  Metrics::append_sample(text, "pgokit_tasks_rejected_total", {},
                         static_cast<double>(tasks_.rejected()));
  Metrics::append_family(text, "pgokit_orders", "gauge", "Orders in the store.");
  Metrics::append_sample(text, "pgokit_orders", {}, static_cast<double>(store_.size()));

  Metrics::append_family(text, "pgokit_uptime_seconds", "gauge", "Seconds since the server started.");
  Metrics::append_sample(text, "pgokit_uptime_seconds", {},
                         std::chrono::duration<double>(Clock::now() - started_).count());
  Metrics::append_family(text, "pgokit_build_info", "gauge",
                         "Build of this binary: version, target arch and PGO stage.");
  std::string labels = "version=";
  Metrics::append_label_value(labels, BuildInfo::version());
  labels += ",arch=";
  Metrics::append_label_value(labels, BuildInfo::arch());
  labels += ",stage=";
  Metrics::append_label_value(labels, BuildInfo::stage());
  Metrics::append_sample(text, "pgokit_build_info", labels, 1);

  Response response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = std::move(text);
  return response;
}

Response Api::get_order(std::string_view id_text) const {
  const auto id = parse_unsigned(id_text);
  if (!id) {
    return invalid_parameter("id", "id must be a positive integer");
  }
  const auto order = store_.find(*id);
  if (!order) {
    return Response::error(404, "not_found", "order " + std::to_string(*id) + " does not exist");
  }
  return Response::json(200, order->to_json());
}

Response Api::list_orders(const Uri& uri) const {
  std::optional<OrderStatus> status;
  if (const auto text = uri.parameter("status")) {
    status = order_status_from_string(*text);
    if (!status) {
      return invalid_parameter(
          "status", "status must be one of pending, paid, shipped, delivered, cancelled");
    }
  }
  std::size_t limit = kDefaultPageSize;
  if (const auto text = uri.parameter("limit")) {
    const auto value = parse_unsigned(*text);
    if (!value || *value == 0) {
      return invalid_parameter("limit", "limit must be a positive integer (pages hold at most " +
                                            std::to_string(kMaxPageSize) + " orders)");
    }
    // Larger requests are served, capped, rather than refused: the cursor covers the rest.
    limit = *value > kMaxPageSize ? kMaxPageSize : static_cast<std::size_t>(*value);
  }
  std::uint64_t after = 0;
  if (const auto text = uri.parameter("cursor")) {
    const auto decoded = OrderStore::decode_cursor(*text);
    if (!decoded) {
      return invalid_parameter("cursor", "cursor is not one this server issued");
    }
    after = *decoded;
  }

  const OrderStore::Page page = store_.list(status, after, limit);
  std::string body = R"({"orders":[)";
  for (std::size_t i = 0; i < page.orders.size(); ++i) {
    if (i != 0) {
      body += ',';
    }
    body += page.orders[i]->to_json();
  }
  body += R"(],"next_cursor":)";
  if (page.next_after) {
    body += '"';
    body += OrderStore::encode_cursor(*page.next_after);
    body += '"';
  } else {
    body += "null";
  }
  body += '}';
  return Response::json(200, std::move(body));
}

Response Api::create_order(const Request& request) {
  if (!is_json(request.content_type)) {
    return Response::error(415, "unsupported_media_type", "Content-Type must be application/json");
  }
  if (request.body.size() > max_body_bytes_) {
    return Response::error(413, "payload_too_large",
                           "body exceeds " + std::to_string(max_body_bytes_) + " bytes");
  }
  auto parsed = Order::from_json(request.body);
  if (auto* error = std::get_if<OrderError>(&parsed)) {
    return Response::error(400, error->code, error->message, error->field);
  }
  Order& order = std::get<Order>(parsed);
  order.created_at =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const std::uint64_t id = store_.insert(std::move(order));
  Response response = Response::json(201, R"({"id":)" + std::to_string(id) + "}");
  response.with_header("Location", "/api/orders/" + std::to_string(id));
  return response;
}

std::optional<Response> Api::submit_task(Request& request, Clock::time_point start,
                                         Completion& done) {
  if (!is_json(request.content_type)) {
    return Response::error(415, "unsupported_media_type", "Content-Type must be application/json");
  }
  if (request.body.size() > max_body_bytes_) {
    return Response::error(413, "payload_too_large",
                           "body exceeds " + std::to_string(max_body_bytes_) + " bytes");
  }
  Response error;
  auto spec = parse_task(request.body, error);
  if (!spec) {
    return error;
  }

  // Shared between this call and the job, so that a refused job hands `done` back.
  struct State {
    Digest::Spec spec;
    Completion done;
  };
  auto state = std::make_shared<State>(State{std::move(*spec), std::move(done)});
  bool accepted = false;
  try {
    accepted = tasks_.try_submit([this, start, state] {
      Response response;
      try {
        const Digest::Result result = Digest::compute(state->spec);
        response = Response::json(200, task_result_json(state->spec, result));
      } catch (const std::exception& failure) {
        response = Response::error(500, "internal_error", failure.what());
      }
      finish(Route::tasks, start, std::move(response), state->done);
    });
  } catch (const std::exception&) {
    accepted = false;  // could not even queue it (allocation): as good as a full queue
  }
  if (accepted) {
    return std::nullopt;
  }
  // The job was destroyed unrun, so this is the only owner of `done` again.
  done = std::move(state->done);
  Response busy = Response::error(503, "overloaded", "task queue is full, retry later");
  busy.with_header("Retry-After", "1");
  return busy;
}

}  // namespace pgokit
