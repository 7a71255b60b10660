#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace csvstat {

// Decimal numbers are read into fixed point with this many fraction digits, so
// sums are exact and the same on every arch and at every optimization level.
inline constexpr int kFractionDigits = 4;
inline constexpr std::int64_t kFixedScale = 10'000;

// Parses an optional sign and 1 to 19 decimal digits. False on anything else
// (spaces, an empty field, a value outside int64).
bool parse_int64(std::string_view text, std::int64_t& out) noexcept;

// Parses "[-+]digits[.digits]" with at most kFractionDigits fraction digits
// into units of 1/kFixedScale ("12.5" -> 125000). False on anything else,
// including more fraction digits than can be represented exactly.
bool parse_fixed(std::string_view text, std::int64_t& out) noexcept;

// Parses an RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SSZ" into seconds since
// 1970-01-01T00:00:00Z, checking each field's range (February 29 only in leap years).
bool parse_timestamp(std::string_view text, std::int64_t& seconds) noexcept;

// Appends `value` in decimal.
void append_int(std::string& out, std::int64_t value);

// Appends a fixed-point value (units of 1/kFixedScale) with `decimals` fraction
// digits (0 to kFractionDigits), rounded half away from zero.
void append_fixed(std::string& out, std::int64_t value, int decimals);

// Appends seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ".
void append_timestamp(std::string& out, std::int64_t seconds);

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept;
void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) noexcept;

}  // namespace csvstat
