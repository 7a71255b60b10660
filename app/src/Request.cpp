#include "Request.hpp"

#include <array>
#include <utility>

namespace pgokit {

namespace {

constexpr std::array<std::pair<std::string_view, Method>, 7> kMethods{{
    {"GET", Method::get},
    {"HEAD", Method::head},
    {"POST", Method::post},
    {"PUT", Method::put},
    {"PATCH", Method::patch},
    {"DELETE", Method::del},
    {"OPTIONS", Method::options},
}};

}  // namespace

std::string_view to_string(Method method) noexcept {
  for (const auto& [name, value] : kMethods) {
    if (value == method) {
      return name;
    }
  }
  return "OTHER";
}

Method method_from_string(std::string_view token) noexcept {
  for (const auto& [name, value] : kMethods) {
    if (name == token) {
      return value;
    }
  }
  return Method::other;
}

}  // namespace pgokit
