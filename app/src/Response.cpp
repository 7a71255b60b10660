#include "Response.hpp"

#include <algorithm>
#include <cctype>

namespace pgokit {

Response Response::json(unsigned status, std::string body) {
  Response response;
  response.status = status;
  response.content_type = "application/json";
  response.body = std::move(body);
  return response;
}

Response Response::error(unsigned status, std::string_view code, std::string_view message,
                         std::string_view field) {
  std::string body;
  body.reserve(64 + code.size() + message.size() + field.size());
  body += R"({"error":{"code":)";
  append_json_string(body, code);
  body += R"(,"message":)";
  append_json_string(body, message);
  if (!field.empty()) {
    body += R"(,"field":)";
    append_json_string(body, field);
  }
  body += "}}";
  return json(status, std::move(body));
}

Response& Response::with_header(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::string_view Response::header(std::string_view name) const noexcept {
  const auto same = [name](const std::string& candidate) {
    return std::equal(candidate.begin(), candidate.end(), name.begin(), name.end(),
                      [](char a, char b) {
                        return std::tolower(static_cast<unsigned char>(a)) ==
                               std::tolower(static_cast<unsigned char>(b));
                      });
  };
  for (const auto& [key, value] : headers) {
    if (same(key)) {
      return value;
    }
  }
  return {};
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte >= 0x7f) {
      // Escaping every non-ASCII byte keeps the output valid JSON even when a client sent
      // invalid UTF-8 in a path we echo back.
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace pgokit
