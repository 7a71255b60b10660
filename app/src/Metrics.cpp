#include "Metrics.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "Text.hpp"

namespace pgokit {

namespace {

// Reads a small /proc file whole; empty when it cannot be read (e.g. no /proc mounted).
std::string read_proc_file(const char* path) {
  std::string text;
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return text;
  }
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n <= 0) {
      break;
    }
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

std::uint64_t parse_unsigned(std::string_view text) noexcept {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

void append_le(std::string& out, double bound) {
  append_general(out, bound, 6);  // as "%g"
}

}  // namespace

Metrics::Metrics(std::vector<std::string> routes)
    : routes_(std::move(routes)), stats_(std::make_unique<RouteStats[]>(routes_.size())) {
  for (std::size_t i = 0; i < kBucketSeconds.size(); ++i) {
    bucket_nanoseconds_[i] = static_cast<std::int64_t>(std::llround(kBucketSeconds[i] * 1e9));
  }
}

void Metrics::record(std::size_t route, unsigned status, std::chrono::nanoseconds latency) noexcept {
  if (route >= routes_.size()) {
    return;
  }
  RouteStats& stats = stats_[route];
  const unsigned slot =
      status < kMinStatus || status >= kMinStatus + kStatusSlots ? 500 - kMinStatus : status - kMinStatus;
  stats.by_status[slot].fetch_add(1, std::memory_order_relaxed);
  const std::int64_t ns = latency.count() < 0 ? 0 : latency.count();
  std::size_t bucket = 0;
  while (bucket < bucket_nanoseconds_.size() && ns > bucket_nanoseconds_[bucket]) {
    ++bucket;
  }
  stats.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  stats.sum_nanoseconds.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
}

std::uint64_t Metrics::requests(std::size_t route, unsigned status) const noexcept {
  if (route >= routes_.size() || status < kMinStatus || status >= kMinStatus + kStatusSlots) {
    return 0;
  }
  return stats_[route].by_status[status - kMinStatus].load(std::memory_order_relaxed);
}

void Metrics::append_family(std::string& out, std::string_view name, std::string_view type,
                            std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void Metrics::append_sample(std::string& out, std::string_view name, std::string_view labels,
                            double value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  // Integral values print without an exponent so counters read naturally.
  const bool integral = std::fabs(value) < 9.007199254740992e15 && value == std::floor(value);
  if (integral) {
    append_decimal(out, static_cast<std::int64_t>(value));
  } else {
    append_general(out, value, 9);  // as "%.9g"
  }
  out += '\n';
}

void Metrics::append_label_value(std::string& out, std::string_view value) {
  out += '"';
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
}

Metrics::ProcessStats Metrics::process_stats() {
  ProcessStats stats;
  // statm: size resident shared text lib data dt, in pages.
  const std::string statm = read_proc_file("/proc/self/statm");
  if (const auto space = statm.find(' '); space != std::string::npos) {
    const auto end = statm.find(' ', space + 1);
    const long page = ::sysconf(_SC_PAGESIZE);
    stats.resident_bytes =
        parse_unsigned(std::string_view(statm).substr(space + 1, end - space - 1)) *
        static_cast<std::uint64_t>(page > 0 ? page : 4096);
  }
  const std::string status = read_proc_file("/proc/self/status");
  if (const auto at = status.find("\nThreads:"); at != std::string::npos) {
    auto start = at + std::strlen("\nThreads:");
    while (start < status.size() && (status[start] == ' ' || status[start] == '\t')) {
      ++start;
    }
    stats.threads = parse_unsigned(std::string_view(status).substr(start));
  }
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) {
    stats.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                        static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  }
  return stats;
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(8192);

  append_family(out, "pgokit_http_requests_total", "counter",
                "HTTP requests answered, by route and status code.");
  std::string labels;
  for (std::size_t route = 0; route < routes_.size(); ++route) {
    for (unsigned slot = 0; slot < kStatusSlots; ++slot) {
      const std::uint64_t count = stats_[route].by_status[slot].load(std::memory_order_relaxed);
      if (count == 0) {
        continue;
      }
      labels = "route=";
      append_label_value(labels, routes_[route]);
      labels += ",code=\"";
      labels += std::to_string(kMinStatus + slot);
      labels += '"';
      append_sample(out, "pgokit_http_requests_total", labels, static_cast<double>(count));
    }
  }

  append_family(out, "pgokit_http_request_duration_seconds", "histogram",
                "Time from a parsed request to its response, by route.");
  for (std::size_t route = 0; route < routes_.size(); ++route) {
    const RouteStats& stats = stats_[route];
    std::array<std::uint64_t, kBucketSeconds.size() + 1> counts{};
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      counts[i] = stats.buckets[i].load(std::memory_order_relaxed);
      total += counts[i];
    }
    if (total == 0) {
      continue;
    }
    std::string route_label = "route=";
    append_label_value(route_label, routes_[route]);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      cumulative += counts[i];
      labels = route_label;
      labels += ",le=\"";
      if (i < kBucketSeconds.size()) {
        append_le(labels, kBucketSeconds[i]);
      } else {
        labels += "+Inf";
      }
      labels += '"';
      append_sample(out, "pgokit_http_request_duration_seconds_bucket", labels,
                    static_cast<double>(cumulative));
    }
    append_sample(out, "pgokit_http_request_duration_seconds_sum", route_label,
                  static_cast<double>(stats.sum_nanoseconds.load(std::memory_order_relaxed)) / 1e9);
    // The count is the bucket total just read, so +Inf and _count always agree.
    append_sample(out, "pgokit_http_request_duration_seconds_count", route_label,
                  static_cast<double>(total));
  }

  append_family(out, "pgokit_http_requests_in_flight", "gauge", "Requests being handled now.");
  append_sample(out, "pgokit_http_requests_in_flight", {}, static_cast<double>(in_flight()));
  append_family(out, "pgokit_http_connections_active", "gauge", "Connections being served now.");
  append_sample(out, "pgokit_http_connections_active", {}, static_cast<double>(connections()));
  append_family(out, "pgokit_http_connections_rejected_total", "counter",
                "Connections refused with 503 because of the connection cap.");
  append_sample(out, "pgokit_http_connections_rejected_total", {},
                static_cast<double>(rejected_connections()));

  const ProcessStats process = process_stats();
  append_family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  append_sample(out, "process_resident_memory_bytes", {}, static_cast<double>(process.resident_bytes));
  append_family(out, "process_threads", "gauge", "Threads in the process.");
  append_sample(out, "process_threads", {}, static_cast<double>(process.threads));
  append_family(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.");
  append_sample(out, "process_cpu_seconds_total", {}, process.cpu_seconds);
  return out;
}

}  // namespace pgokit
