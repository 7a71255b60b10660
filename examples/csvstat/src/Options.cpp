#include "csvstat/Options.hpp"

#include "csvstat/Numbers.hpp"

namespace csvstat {

namespace {

bool number(std::string_view name, std::string_view text, std::int64_t min, std::int64_t max, std::int64_t& out,
            std::string& error) {
  if (!parse_int64(text, out) || out < min || out > max) {
    error = std::string(name) + ": '" + std::string(text) + "' is not a whole number from " + std::to_string(min) +
            " to " + std::to_string(max);
    return false;
  }
  return true;
}

}  // namespace

bool Options::parse(const std::vector<std::string_view>& args, Options& options, std::string& error) {
  bool generated = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      return true;
    }
    if (arg != "--rows" && arg != "--seed" && arg != "--input" && arg != "--output" && arg != "--top" &&
        arg != "--repeat") {
      error = "unknown option '" + std::string(arg) + "'";
      return false;
    }
    if (i + 1 >= args.size()) {
      error = std::string(arg) + " needs a value";
      return false;
    }
    const std::string_view value = args[++i];
    std::int64_t n = 0;
    if (arg == "--rows") {
      if (!number(arg, value, 0, 100'000'000, options.rows, error)) {
        return false;
      }
      generated = true;
    } else if (arg == "--seed") {
      if (!number(arg, value, 0, INT64_MAX, n, error)) {
        return false;
      }
      options.seed = static_cast<std::uint64_t>(n);
      generated = true;
    } else if (arg == "--top") {
      if (!number(arg, value, 0, 1'000'000, n, error)) {
        return false;
      }
      options.top = static_cast<std::size_t>(n);
    } else if (arg == "--repeat") {
      if (!number(arg, value, 1, 1'000, n, error)) {
        return false;
      }
      options.repeat = static_cast<int>(n);
    } else if (arg == "--input") {
      options.input = value;
    } else {
      options.output = value;
      generated = true;
    }
  }
  if (!options.input.empty() && generated) {
    error = "--input reads orders from a file; --rows, --seed and --output are for generated ones";
    return false;
  }
  return true;
}

const char* Options::usage() noexcept {
  return "usage: csvstat [--rows N] [--seed S] [--output FILE] [--top K] [--repeat R]\n"
         "       csvstat --input FILE [--top K] [--repeat R]\n"
         "\n"
         "Generates N orders as CSV (deterministic for a seed; --output also writes them to FILE),\n"
         "or reads them from FILE, then parses them and prints per-region and top-K group\n"
         "statistics and a checksum of every group.\n"
         "\n"
         "  --rows N      orders to generate (default 100000)\n"
         "  --seed S      generator seed (default 1)\n"
         "  --output FILE write the generated CSV to FILE too\n"
         "  --input FILE  read orders from FILE (header: id,timestamp,region,product,quantity,price,note)\n"
         "  --top K       groups to list by revenue (default 10)\n"
         "  --repeat R    analyze the data R times, checking each gives the same checksum (default 1)\n"
         "\n"
         "exit codes: 0 done, 1 unreadable or malformed input, 2 usage error\n";
}

}  // namespace csvstat
