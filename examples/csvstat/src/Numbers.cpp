#include "csvstat/Numbers.hpp"

#include <limits>

namespace csvstat {

namespace {

constexpr std::uint64_t kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// 10^n for the fraction digits a value was written with.
constexpr std::int64_t kPow10[] = {1, 10, 100, 1'000, 10'000};
static_assert(kPow10[kFractionDigits] == kFixedScale);

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Reads digits from text[pos..] into `value`, stopping at the first non-digit.
// False if the digits overflow `limit`.
bool read_digits(std::string_view text, std::size_t& pos, std::uint64_t& value, std::uint64_t limit) noexcept {
  for (; pos < text.size() && is_digit(text[pos]); ++pos) {
    const auto digit = static_cast<std::uint64_t>(text[pos] - '0');
    if (value > (limit - digit) / 10) {
      return false;
    }
    value = value * 10 + digit;
  }
  return true;
}

// Applies a sign to a magnitude known to fit: up to INT64_MAX, or INT64_MAX + 1 when negative.
std::int64_t signed_value(std::uint64_t magnitude, bool negative) noexcept {
  // Two's complement negation in unsigned arithmetic is exact for INT64_MIN too.
  return negative ? static_cast<std::int64_t>(~magnitude + 1) : static_cast<std::int64_t>(magnitude);
}

// The two decimal digits of text[pos], text[pos + 1], or -1.
int two_digits(std::string_view text, std::size_t pos) noexcept {
  if (!is_digit(text[pos]) || !is_digit(text[pos + 1])) {
    return -1;
  }
  return (text[pos] - '0') * 10 + (text[pos + 1] - '0');
}

bool is_leap(std::int64_t year) noexcept { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(std::int64_t year, unsigned month) noexcept {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Writes the decimal digits of `value` backwards, ending at `end`; returns where they start.
char* digits_backwards(char* end, std::uint64_t value) noexcept {
  do {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  return end;
}

void append_padded(std::string& out, std::uint64_t value, int width) {
  char buffer[24];
  char* const end = buffer + sizeof buffer;
  char* begin = digits_backwards(end, value);
  while (end - begin < width) {
    *--begin = '0';
  }
  out.append(begin, end);
}

}  // namespace

bool parse_int64(std::string_view text, std::int64_t& out) noexcept {
  std::size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    pos = 1;
  }
  const std::size_t first = pos;
  std::uint64_t value = 0;
  if (!read_digits(text, pos, value, kInt64Max + (negative ? 1 : 0)) || pos == first || pos != text.size()) {
    return false;
  }
  out = signed_value(value, negative);
  return true;
}

bool parse_fixed(std::string_view text, std::int64_t& out) noexcept {
  std::size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    pos = 1;
  }
  const std::uint64_t limit = kInt64Max + (negative ? 1 : 0);
  const std::size_t int_start = pos;
  std::uint64_t whole = 0;
  // The integer part may use at most limit / kFixedScale, leaving room for the fraction.
  if (!read_digits(text, pos, whole, limit / kFixedScale)) {
    return false;
  }
  const std::size_t int_digits = pos - int_start;
  std::uint64_t fraction = 0;
  std::size_t fraction_digits = 0;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t start = ++pos;
    if (!read_digits(text, pos, fraction, kFixedScale - 1)) {
      return false;
    }
    fraction_digits = pos - start;
    if (fraction_digits == 0 || fraction_digits > static_cast<std::size_t>(kFractionDigits)) {
      return false;
    }
  }
  if (pos != text.size() || (int_digits == 0 && fraction_digits == 0)) {
    return false;
  }
  // "12.5" is 12 whole and 5 tenths: scale the fraction up to kFractionDigits.
  fraction *= static_cast<std::uint64_t>(kPow10[kFractionDigits - static_cast<int>(fraction_digits)]);
  const std::uint64_t magnitude = whole * static_cast<std::uint64_t>(kFixedScale) + fraction;
  if (magnitude > limit) {
    return false;
  }
  out = signed_value(magnitude, negative);
  return true;
}

bool parse_timestamp(std::string_view text, std::int64_t& seconds) noexcept {
  // YYYY-MM-DDTHH:MM:SSZ
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return false;
  }
  const int century = two_digits(text, 0);
  const int year_in_century = two_digits(text, 2);
  const int month = two_digits(text, 5);
  const int day = two_digits(text, 8);
  const int hour = two_digits(text, 11);
  const int minute = two_digits(text, 14);
  const int second = two_digits(text, 17);
  if (century < 0 || year_in_century < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 59) {
    return false;
  }
  const std::int64_t year = century * 100 + year_in_century;
  if (static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month))) {
    return false;
  }
  seconds = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86'400 +
            hour * 3'600 + minute * 60 + second;
  return true;
}

void append_int(std::string& out, std::int64_t value) {
  if (value < 0) {
    out += '-';
  }
  // The magnitude in unsigned arithmetic: exact for INT64_MIN too.
  const std::uint64_t magnitude =
      value < 0 ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
  append_padded(out, magnitude, 1);
}

void append_fixed(std::string& out, std::int64_t value, int decimals) {
  if (decimals < 0) {
    decimals = 0;
  } else if (decimals > kFractionDigits) {
    decimals = kFractionDigits;
  }
  const bool negative = value < 0;
  std::uint64_t magnitude = negative ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
  const auto drop = static_cast<std::uint64_t>(kPow10[kFractionDigits - decimals]);
  // Round half away from zero to the digits shown.
  magnitude = magnitude / drop + (magnitude % drop >= (drop + 1) / 2 && drop > 1 ? 1 : 0);
  const auto shown_scale = static_cast<std::uint64_t>(kPow10[decimals]);
  if (negative && magnitude != 0) {
    out += '-';
  }
  append_padded(out, magnitude / shown_scale, 1);
  if (decimals > 0) {
    out += '.';
    append_padded(out, magnitude % shown_scale, decimals);
  }
}

void append_timestamp(std::string& out, std::int64_t seconds) {
  std::int64_t days = seconds / 86'400;
  std::int64_t rest = seconds % 86'400;
  if (rest < 0) {
    rest += 86'400;
    --days;
  }
  std::int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  civil_from_days(days, year, month, day);
  append_padded(out, static_cast<std::uint64_t>(year), 4);
  out += '-';
  append_padded(out, month, 2);
  out += '-';
  append_padded(out, day, 2);
  out += 'T';
  append_padded(out, static_cast<std::uint64_t>(rest / 3'600), 2);
  out += ':';
  append_padded(out, static_cast<std::uint64_t>(rest / 60 % 60), 2);
  out += ':';
  append_padded(out, static_cast<std::uint64_t>(rest % 60), 2);
  out += 'Z';
}

// Howard Hinnant's algorithms (https://howardhinnant.github.io/date_algorithms.html):
// eras of 400 years, with years starting in March so the leap day comes last.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146'097 + static_cast<std::int64_t>(day_of_era) - 719'468;
}

void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) noexcept {
  days += 719'468;
  const std::int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146'097);
  const unsigned year_of_era = (day_of_era - day_of_era / 1'460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  const unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned shifted_month = (5 * day_of_year + 2) / 153;
  day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
}

}  // namespace csvstat
