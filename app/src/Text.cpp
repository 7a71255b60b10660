#include "Text.hpp"

#include <array>
#include <charconv>

namespace pgokit {

namespace {

constexpr char kHex[] = "0123456789abcdef";

template <typename Integer>
void append_integer(std::string& out, Integer value) {
  std::array<char, 24> text;
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value);
  out.append(text.data(), result.ptr);
}

}  // namespace

void append_decimal(std::string& out, std::int64_t value) { append_integer(out, value); }

void append_decimal(std::string& out, std::uint64_t value) { append_integer(out, value); }

void append_padded(std::string& out, std::uint64_t value, std::size_t width) {
  std::array<char, 24> text;
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value);
  const auto length = static_cast<std::size_t>(result.ptr - text.data());
  if (length < width) {
    out.append(width - length, '0');
  }
  out.append(text.data(), length);
}

void append_hex(std::string& out, std::uint64_t value, std::size_t digits) {
  for (std::size_t shift = digits * 4; shift > 0; shift -= 4) {
    out += kHex[(value >> (shift - 4)) & 0x0f];
  }
}

void append_general(std::string& out, double value, int precision) {
  std::array<char, 40> text;
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value,
                                    std::chars_format::general, precision);
  out.append(text.data(), result.ptr);
}

void append_json_utf8(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 0x0f];
      }
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace pgokit
