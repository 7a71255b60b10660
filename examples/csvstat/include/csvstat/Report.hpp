#pragma once

#include <string>
#include <string_view>

#include "csvstat/Aggregator.hpp"

namespace csvstat {

// How a run went, apart from its summary.
struct RunInfo {
  std::string_view source;  // "generated" or the input file
  std::size_t bytes = 0;
  int repeat = 1;
};

// The text report: totals, one line per region, the top groups, the checksum.
std::string format_report(const Summary& summary, const RunInfo& run);

}  // namespace csvstat
