#include "Text.hpp"

#include <array>
#include <charconv>

namespace pgokit {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Writes the decimal digits of `value` backwards, ending at `end`; returns where they start.
// A plain loop rather than std::to_chars: to_chars' digit-pair table and length probing
// make every inlined copy several times larger, and these run once or twice per field.
char* decimal_backwards(char* end, std::uint64_t value) {
  do {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  return end;
}

// The escape for one byte that cannot appear raw in a JSON string. Out of line: it is rare.
[[gnu::noinline]] void append_escape(std::string& out, unsigned char byte) {
  switch (byte) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
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
}

}  // namespace

void append_decimal(std::string& out, std::int64_t value) {
  if (value < 0) {
    out += '-';
    // Two's complement negation in unsigned arithmetic is exact even for INT64_MIN.
    append_decimal(out, ~static_cast<std::uint64_t>(value) + 1);
    return;
  }
  append_decimal(out, static_cast<std::uint64_t>(value));
}

void append_decimal(std::string& out, std::uint64_t value) {
  std::array<char, 20> text;
  const char* start = decimal_backwards(text.data() + text.size(), value);
  out.append(start, static_cast<std::size_t>(text.data() + text.size() - start));
}

void append_padded(std::string& out, std::uint64_t value, std::size_t width) {
  std::array<char, 20> text;
  const char* start = decimal_backwards(text.data() + text.size(), value);
  const auto length = static_cast<std::size_t>(text.data() + text.size() - start);
  if (length < width) {
    out.append(width - length, '0');
  }
  out.append(start, length);
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
  // Copies runs of bytes that need no escape in one append each; most strings are one run.
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte != '"' && byte != '\\') {
      continue;
    }
    out.append(text.data() + run, i - run);
    append_escape(out, byte);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

}  // namespace pgokit
