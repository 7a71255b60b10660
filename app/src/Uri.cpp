#include "Uri.hpp"

namespace pgokit {

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

std::optional<std::string> Uri::decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return std::nullopt;
      }
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) {
        return std::nullopt;
      }
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<Uri> Uri::parse(std::string_view target) {
  // Only origin-form reaches a server that is not a proxy; anything else is a client error.
  if (target.empty() || target.front() != '/') {
    return std::nullopt;
  }
  if (const auto hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  Uri uri;
  const auto question = target.find('?');
  uri.path_ = std::string(target.substr(0, question));
  if (question == std::string_view::npos) {
    return uri;
  }
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const auto eq = pair.find('=');
    auto name = decode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>{std::string{}}
                                              : decode(pair.substr(eq + 1), true);
    if (!name || !value) {
      return std::nullopt;
    }
    uri.parameters_.emplace_back(std::move(*name), std::move(*value));
  }
  return uri;
}

std::optional<std::string_view> Uri::parameter(std::string_view name) const noexcept {
  for (const auto& [key, value] : parameters_) {
    if (key == name) {
      return std::string_view{value};
    }
  }
  return std::nullopt;
}

}  // namespace pgokit
