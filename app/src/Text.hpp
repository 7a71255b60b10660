#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pgokit {

// Small formatters for building response bodies in place. They replace printf-style calls on
// the request path: std::snprintf goes through the C library's whole format interpreter for
// every number, which is a lot of code for the instruction cache to hold per request.

// Appends `value` in decimal.
void append_decimal(std::string& out, std::int64_t value);
void append_decimal(std::string& out, std::uint64_t value);

// Appends `value` in decimal, left-padded with zeros to at least `width` digits.
void append_padded(std::string& out, std::uint64_t value, std::size_t width);

// Appends `value` in lower-case hex, left-padded with zeros to exactly `digits` digits
// (the low `digits` nibbles).
void append_hex(std::string& out, std::uint64_t value, std::size_t digits);

// Appends `value` as printf's "%.<precision>g" would.
void append_general(std::string& out, double value, int precision);

// Appends `text` as a quoted JSON string, escaping quotes, backslashes and control
// characters only. For text already known to be valid UTF-8 (it came through the JSON
// parser or from the server itself); append_json_string is the choice for raw client bytes.
void append_json_utf8(std::string& out, std::string_view text);

}  // namespace pgokit
