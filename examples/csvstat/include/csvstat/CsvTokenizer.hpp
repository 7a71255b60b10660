#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace csvstat {

// One CSV record. Fields view the tokenizer's input, or `scratch` for quoted
// fields that held escaped quotes; both stay valid until the next read into it.
struct CsvRecord {
  std::vector<std::string_view> fields;
  // Unescaped text of quoted fields that contained "".
  std::string scratch;
  // 1-based line on which the record starts.
  std::size_t line = 0;
};

// Where and why the input is not CSV.
struct CsvError {
  std::size_t line = 0;
  std::size_t offset = 0;
  std::string message;
};

// Reads RFC 4180 CSV from memory: comma-separated fields, LF or CRLF record
// ends, double-quoted fields that may hold commas, line breaks and "" for a
// quote. Blank lines are skipped. The input must outlive the tokenizer.
class CsvTokenizer {
 public:
  explicit CsvTokenizer(std::string_view input) noexcept : input_(input) {}

  // Reads the next record. False at the end of the input, or on malformed
  // input, when error() says why and where.
  bool next(CsvRecord& record);

  // Set after next() returned false because the input is malformed.
  [[nodiscard]] bool failed() const noexcept { return failed_; }
  [[nodiscard]] const CsvError& error() const noexcept { return error_; }

  // Bytes consumed so far.
  [[nodiscard]] std::size_t offset() const noexcept { return pos_; }

 private:
  bool fail(std::size_t line, std::size_t offset, std::string message);

  std::string_view input_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  bool failed_ = false;
  CsvError error_;
  // (field index, (scratch offset, length)) of unescaped fields: resolved to views
  // once the record is complete, since appending to scratch may move it.
  std::vector<std::pair<std::size_t, std::pair<std::size_t, std::size_t>>> fixups_;
};

}  // namespace csvstat
