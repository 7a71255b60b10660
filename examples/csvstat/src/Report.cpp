#include "csvstat/Report.hpp"

#include <cstdio>

#include "csvstat/Numbers.hpp"

namespace csvstat {

namespace {

// Appends `text` padded with spaces to `width` (left-aligned, or right-aligned).
void cell(std::string& out, std::string_view text, std::size_t width, bool right) {
  const std::size_t pad = text.size() < width ? width - text.size() : 0;
  if (right) {
    out.append(pad, ' ');
  }
  out += text;
  if (!right) {
    out.append(pad, ' ');
  }
}

std::string int_text(std::int64_t value) {
  std::string text;
  append_int(text, value);
  return text;
}

std::string money(std::int64_t value, int decimals = 2) {
  std::string text;
  append_fixed(text, value, decimals);
  return text;
}

void stats_columns(std::string& out, const GroupStats& stats) {
  cell(out, int_text(stats.rows), 9, true);
  cell(out, int_text(stats.quantity), 10, true);
  cell(out, money(stats.revenue), 16, true);
  cell(out, money(stats.min_price), 10, true);
  cell(out, money(stats.max_price), 10, true);
  cell(out, money(stats.mean_price(), 4), 12, true);
  out += '\n';
}

void stats_header(std::string& out, std::string_view first, std::size_t width) {
  cell(out, first, width, false);
  out += "     rows  quantity         revenue min price max price  mean price\n";
}

}  // namespace

std::string format_report(const Summary& summary, const RunInfo& run) {
  std::string out;
  out += "input      ";
  out += run.source;
  out += " (" + int_text(static_cast<std::int64_t>(run.bytes)) + " bytes";
  if (run.repeat > 1) {
    out += ", analyzed " + int_text(run.repeat) + " times";
  }
  out += ")\n";
  out += "rows       " + int_text(summary.rows) + "\n";
  out += "groups     " + int_text(static_cast<std::int64_t>(summary.groups)) + " (region x product), " +
         int_text(static_cast<std::int64_t>(summary.regions.size())) + " regions\n";
  if (summary.rows > 0) {
    out += "time span  ";
    append_timestamp(out, summary.first_time);
    out += " .. ";
    append_timestamp(out, summary.last_time);
    out += '\n';
  }
  out += "quantity   " + int_text(summary.total.quantity) + "\n";
  out += "revenue    " + money(summary.total.revenue) + "\n";
  out += "notes      " + int_text(summary.notes) + " rows, " + int_text(summary.note_bytes) + " bytes\n\n";

  stats_header(out, "region", 14);
  for (const auto& region : summary.regions) {
    cell(out, region.region, 14, false);
    stats_columns(out, region.stats);
  }

  out += "\ntop " + int_text(static_cast<std::int64_t>(summary.top.size())) + " groups by revenue\n";
  stats_header(out, "region / product", 36);
  for (const auto& group : summary.top) {
    cell(out, group.region + " / " + group.product, 36, false);
    stats_columns(out, group.stats);
  }

  char checksum[17];
  std::snprintf(checksum, sizeof checksum, "%016llx", static_cast<unsigned long long>(summary.checksum));
  out += "\nchecksum   ";
  out += checksum;
  out += '\n';
  return out;
}

}  // namespace csvstat
