// csvstat: read options, get the CSV (generated or from a file), analyze it,
// print the report. Everything else is in csvstat_core.

#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "csvstat/Analyze.hpp"
#include "csvstat/Generator.hpp"
#include "csvstat/Options.hpp"
#include "csvstat/Report.hpp"

namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = std::move(buffer).str();
  return !in.bad();
}

bool write_file(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  csvstat::Options options;
  std::string error;
  if (!csvstat::Options::parse(args, options, error)) {
    std::cerr << "csvstat: " << error << "\n" << csvstat::Options::usage();
    return 2;
  }
  if (options.help) {
    std::cout << csvstat::Options::usage();
    return 0;
  }

  std::string csv;
  if (!options.input.empty()) {
    if (!read_file(options.input, csv)) {
      std::cerr << "csvstat: cannot read " << options.input << "\n";
      return 1;
    }
  } else {
    csv = csvstat::generate_orders({options.rows, options.seed});
    if (!options.output.empty() && !write_file(options.output, csv)) {
      std::cerr << "csvstat: cannot write " << options.output << "\n";
      return 1;
    }
  }

  try {
    csvstat::Summary summary = csvstat::analyze(csv, options.top);
    for (int run = 1; run < options.repeat; ++run) {
      const auto again = csvstat::analyze(csv, options.top);
      if (again.checksum != summary.checksum) {
        std::cerr << "csvstat: run " << run + 1 << " gave another checksum than the first\n";
        return 1;
      }
    }
    const std::string source = options.input.empty() ? "generated, seed " + std::to_string(options.seed)
                                                     : options.input;
    std::cout << csvstat::format_report(summary, {source, csv.size(), options.repeat});
  } catch (const csvstat::InputError& e) {
    std::cerr << "csvstat: " << (options.input.empty() ? "generated data" : options.input) << ": " << e.what()
              << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "csvstat: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
