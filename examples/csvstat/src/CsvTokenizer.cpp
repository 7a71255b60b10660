#include "csvstat/CsvTokenizer.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace csvstat {

namespace {

// The bytes that end an unquoted field, or are wrong inside one.
constexpr std::array<bool, 256> kSpecial = [] {
  std::array<bool, 256> table{};
  table[static_cast<unsigned char>(',')] = true;
  table[static_cast<unsigned char>('\n')] = true;
  table[static_cast<unsigned char>('\r')] = true;
  table[static_cast<unsigned char>('"')] = true;
  return table;
}();

// Appends `raw` (the inside of a quoted field) to `out` with each "" made one ".
void unescape(std::string_view raw, std::string& out) {
  for (std::size_t pos = 0; pos < raw.size(); ++pos) {
    out += raw[pos];
    if (raw[pos] == '"') {
      ++pos;  // the second quote of the pair
    }
  }
}

}  // namespace

bool CsvTokenizer::fail(std::size_t line, std::size_t offset, std::string message) {
  failed_ = true;
  error_ = CsvError{line, offset, std::move(message)};
  pos_ = input_.size();
  return false;
}

bool CsvTokenizer::next(CsvRecord& record) {
  record.fields.clear();
  record.scratch.clear();
  fixups_.clear();
  const char* const data = input_.data();
  const std::size_t size = input_.size();
  std::size_t pos = pos_;
  // Blank lines separate nothing: skip them.
  while (pos < size && (data[pos] == '\n' || (data[pos] == '\r' && pos + 1 < size && data[pos + 1] == '\n'))) {
    pos += data[pos] == '\r' ? 2 : 1;
    ++line_;
  }
  if (pos >= size) {
    pos_ = size;
    return false;
  }
  record.line = line_;
  for (;;) {
    if (data[pos] == '"') {
      const std::size_t open = pos;
      const std::size_t open_line = line_;
      const std::size_t start = ++pos;
      bool escaped = false;
      // Find the closing quote: a quote not followed by another.
      for (;;) {
        const void* found = std::memchr(data + pos, '"', size - pos);
        const std::size_t quote = found ? static_cast<std::size_t>(static_cast<const char*>(found) - data) : size;
        // Line breaks inside the field still count as lines for error messages.
        line_ += static_cast<std::size_t>(std::count(data + pos, data + quote, '\n'));
        if (quote == size) {
          return fail(open_line, open, "quoted field is never closed");
        }
        if (quote + 1 < size && data[quote + 1] == '"') {
          escaped = true;
          pos = quote + 2;
          continue;
        }
        pos = quote;
        break;
      }
      const std::string_view raw(data + start, pos - start);
      ++pos;  // past the closing quote
      if (escaped) {
        const std::size_t offset = record.scratch.size();
        unescape(raw, record.scratch);
        fixups_.push_back({record.fields.size(), {offset, record.scratch.size() - offset}});
        record.fields.emplace_back();
      } else {
        record.fields.push_back(raw);
      }
      if (pos < size && data[pos] != ',' && data[pos] != '\n' && data[pos] != '\r') {
        return fail(line_, pos, "unexpected character after a closing quote (a quote inside a quoted field is written \"\")");
      }
    } else {
      const std::size_t start = pos;
      while (pos < size && !kSpecial[static_cast<unsigned char>(data[pos])]) {
        ++pos;
      }
      if (pos < size && data[pos] == '"') {
        return fail(line_, pos, "quote inside an unquoted field (quote the whole field and write \"\" for a quote)");
      }
      record.fields.emplace_back(data + start, pos - start);
    }
    if (pos >= size) {
      break;  // the last record needs no line break
    }
    if (data[pos] == ',') {
      ++pos;
      if (pos >= size) {
        record.fields.emplace_back();  // "a," ends with an empty field
        break;
      }
      continue;
    }
    if (data[pos] == '\r') {
      if (pos + 1 >= size || data[pos + 1] != '\n') {
        return fail(line_, pos, "carriage return not followed by a line feed");
      }
      ++pos;
    }
    ++pos;  // the line feed
    ++line_;
    break;
  }
  for (const auto& [index, span] : fixups_) {
    record.fields[index] = std::string_view(record.scratch).substr(span.first, span.second);
  }
  pos_ = pos;
  return true;
}

}  // namespace csvstat
