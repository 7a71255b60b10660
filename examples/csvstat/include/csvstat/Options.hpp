#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace csvstat {

// The command line.
struct Options {
  // Generate this many orders (unless `input` is set).
  std::int64_t rows = 100'000;
  std::uint64_t seed = 1;
  // Read orders from this file instead of generating them.
  std::string input;
  // Also write the generated orders to this file.
  std::string output;
  std::size_t top = 10;
  // Analyze the data this many times (each run must give the same checksum).
  int repeat = 1;
  bool help = false;

  // Parses argv[1..]; on a usage error returns false and sets `error`.
  static bool parse(const std::vector<std::string_view>& args, Options& options, std::string& error);

  static const char* usage() noexcept;
};

}  // namespace csvstat
