#pragma once

#include <cstdint>
#include <string>

namespace csvstat {

// What the generator makes.
struct GeneratorOptions {
  std::int64_t rows = 100'000;
  std::uint64_t seed = 1;
};

// A deterministic CSV of orders (header + `rows` records): the same options
// give the same bytes on every arch. Regions and products are skewed like real
// sales; about one note in three is quoted, some with commas, escaped quotes
// or a line break.
std::string generate_orders(const GeneratorOptions& options);

}  // namespace csvstat
