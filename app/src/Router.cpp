#include "Router.hpp"

#include <algorithm>
#include <stdexcept>

namespace pgokit {

std::optional<std::string_view> Router::Params::get(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < count_; ++i) {
    if (names_[i] == name) {
      return values_[i];
    }
  }
  return std::nullopt;
}

bool Router::Params::add(std::string_view name, std::string_view value) noexcept {
  if (count_ == kMaxParams) {
    return false;
  }
  names_[count_] = name;
  values_[count_] = value;
  ++count_;
  return true;
}

std::size_t Router::add(std::string_view pattern, std::initializer_list<Method> methods) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
  }
  Entry entry;
  entry.pattern = std::string(pattern);
  entry.methods.assign(methods.begin(), methods.end());
  std::string_view rest = pattern.substr(1);
  std::size_t params = 0;
  for (;;) {
    const auto slash = rest.find('/');
    const std::string_view text = rest.substr(0, slash);
    Segment segment;
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
      segment.is_param = true;
      segment.text = std::string(text.substr(1, text.size() - 2));
      ++params;
    } else {
      segment.text = std::string(text);
    }
    entry.segments.push_back(std::move(segment));
    if (slash == std::string_view::npos) {
      break;
    }
    rest = rest.substr(slash + 1);
  }
  if (params > kMaxParams) {
    throw std::invalid_argument("too many parameters in route pattern: " + std::string(pattern));
  }
  routes_.push_back(std::move(entry));
  return routes_.size() - 1;
}

bool Router::match_path(const Entry& entry, std::string_view path, Params& params) noexcept {
  if (path.empty() || path.front() != '/') {
    return false;
  }
  std::string_view rest = path.substr(1);
  const std::size_t count = entry.segments.size();
  for (std::size_t i = 0; i < count; ++i) {
    const auto slash = rest.find('/');
    const bool last = i + 1 == count;
    // The path must have exactly as many segments as the pattern.
    if (last != (slash == std::string_view::npos)) {
      return false;
    }
    const std::string_view text = rest.substr(0, slash);
    const Segment& segment = entry.segments[i];
    if (segment.is_param) {
      if (text.empty() || !params.add(segment.text, text)) {
        return false;
      }
    } else if (text != segment.text) {
      return false;
    }
    if (!last) {
      rest = rest.substr(slash + 1);
    }
  }
  return true;
}

bool Router::accepts(const Entry& entry, Method method) noexcept {
  const auto has = [&entry](Method m) {
    return std::find(entry.methods.begin(), entry.methods.end(), m) != entry.methods.end();
  };
  return has(method) || (method == Method::head && has(Method::get));
}

Router::Match Router::match(Method method, std::string_view path) const {
  Match result;
  std::vector<Method> allowed;
  for (std::size_t index = 0; index < routes_.size(); ++index) {
    const Entry& entry = routes_[index];
    Params params;
    if (!match_path(entry, path, params)) {
      continue;
    }
    if (accepts(entry, method)) {
      result.outcome = Outcome::found;
      result.route = index;
      result.params = params;
      return result;
    }
    for (const Method m : entry.methods) {
      if (std::find(allowed.begin(), allowed.end(), m) == allowed.end()) {
        allowed.push_back(m);
      }
      if (m == Method::get && std::find(allowed.begin(), allowed.end(), Method::head) == allowed.end()) {
        allowed.push_back(Method::head);
      }
    }
  }
  if (allowed.empty()) {
    result.outcome = Outcome::not_found;
    return result;
  }
  result.outcome = Outcome::method_not_allowed;
  for (const Method m : allowed) {
    if (!result.allow.empty()) {
      result.allow += ", ";
    }
    result.allow += to_string(m);
  }
  return result;
}

}  // namespace pgokit
