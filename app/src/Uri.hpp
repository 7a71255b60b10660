#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgokit {

// A request target split into its path and decoded query parameters.
class Uri {
 public:
  using Parameters = std::vector<std::pair<std::string, std::string>>;

  // Splits an origin-form target ("/path?query"); nullopt when it is not origin-form
  // or its query has a broken %-escape.
  static std::optional<Uri> parse(std::string_view target);

  // Decodes %XX escapes and, when `plus_is_space`, '+' as a space; nullopt on a bad escape.
  static std::optional<std::string> decode(std::string_view text, bool plus_is_space);

  // The path, undecoded (routes match on raw segments).
  std::string_view path() const noexcept { return path_; }

  // The decoded query parameters in request order (repeated names kept).
  const Parameters& parameters() const noexcept { return parameters_; }

  // The first value of query parameter `name`, nullopt when absent.
  std::optional<std::string_view> parameter(std::string_view name) const noexcept;

 private:
  std::string path_;
  Parameters parameters_;
};

}  // namespace pgokit
