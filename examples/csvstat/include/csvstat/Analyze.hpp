#pragma once

#include <cstddef>
#include <stdexcept>
#include <string_view>

#include "csvstat/Aggregator.hpp"

namespace csvstat {

// The input is not an order file; the message names the line and the problem.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Tokenizes, parses and aggregates a whole order file (header first) and
// summarizes it with the `top` largest groups. Throws InputError on malformed
// input and std::overflow_error if a sum leaves int64.
Summary analyze(std::string_view csv, std::size_t top);

}  // namespace csvstat
