#include "csvstat/Analyze.hpp"

#include <string>

#include "csvstat/CsvTokenizer.hpp"
#include "csvstat/OrderParser.hpp"

namespace csvstat {

namespace {

[[noreturn, gnu::noinline]] void tokenizer_failed(const CsvTokenizer& tokenizer) {
  const CsvError& error = tokenizer.error();
  throw InputError("line " + std::to_string(error.line) + " (byte " + std::to_string(error.offset) +
                   "): " + error.message);
}

}  // namespace

Summary analyze(std::string_view csv, std::size_t top) {
  CsvTokenizer tokenizer(csv);
  CsvRecord record;
  if (!tokenizer.next(record)) {
    if (tokenizer.failed()) {
      tokenizer_failed(tokenizer);
    }
    throw InputError("empty input: no header line");
  }
  std::string error;
  const auto parser = OrderParser::from_header(record, error);
  if (!parser) {
    throw InputError(error);
  }
  Aggregator aggregator;
  Order order;
  while (tokenizer.next(record)) {
    if (!parser->parse(record, order, error)) {
      throw InputError(error);
    }
    aggregator.add(order);
  }
  if (tokenizer.failed()) {
    tokenizer_failed(tokenizer);
  }
  return aggregator.summary(top);
}

}  // namespace csvstat
