#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "Request.hpp"

namespace pgokit {

// Maps (method, path) to a registered route. Patterns are literal segments and `{name}`
// parameters, e.g. "/api/orders/{id}". A route that takes GET also takes HEAD (RFC 9110
// requires it; the body is dropped when writing). Matching never allocates for a found route.
class Router {
 public:
  static constexpr std::size_t kMaxParams = 4;

  // Path parameters of a match; the views point into the matched path.
  class Params {
   public:
    // The value of parameter `name`, nullopt when the route has no such parameter.
    std::optional<std::string_view> get(std::string_view name) const noexcept;
    // Records a parameter; returns false past kMaxParams.
    bool add(std::string_view name, std::string_view value) noexcept;
    // Number of parameters held.
    std::size_t size() const noexcept { return count_; }

   private:
    std::array<std::string_view, kMaxParams> names_{};
    std::array<std::string_view, kMaxParams> values_{};
    std::size_t count_ = 0;
  };

  enum class Outcome { found, not_found, method_not_allowed };

  // The result of matching one request.
  struct Match {
    Outcome outcome = Outcome::not_found;  // what happened
    std::size_t route = 0;                 // the route index when found
    Params params;                         // path parameters when found
    std::string allow;                     // "GET, HEAD, POST" when method_not_allowed
  };

  // Registers a route; returns its index (0, 1, ... in registration order).
  // Throws std::invalid_argument for a pattern that does not start with '/' or has
  // more than kMaxParams parameters.
  std::size_t add(std::string_view pattern, std::initializer_list<Method> methods);

  // Finds the route for `method` and `path` (path only, no query).
  Match match(Method method, std::string_view path) const;

  // The pattern a route was registered with.
  std::string_view pattern(std::size_t route) const noexcept { return routes_[route].pattern; }

  // Number of registered routes.
  std::size_t size() const noexcept { return routes_.size(); }

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Entry {
    std::string pattern;
    std::vector<Segment> segments;
    std::vector<Method> methods;
  };

  static bool match_path(const Entry& entry, std::string_view path, Params& params) noexcept;
  static bool accepts(const Entry& entry, Method method) noexcept;

  std::vector<Entry> routes_;
};

}  // namespace pgokit
