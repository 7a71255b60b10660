#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pgokit {

// Request, connection and process metrics, recorded lock-free from any thread and rendered
// in the Prometheus text exposition format (version 0.0.4).
class Metrics {
 public:
  // Upper bounds of the latency histogram buckets, in seconds (the +Inf bucket is implicit).
  static constexpr std::array<double, 16> kBucketSeconds{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};

  // What /proc and getrusage say about this process.
  struct ProcessStats {
    std::uint64_t resident_bytes = 0;  // resident set size
    std::uint64_t threads = 0;         // threads in the process
    double cpu_seconds = 0;            // user + system CPU time
  };

  // `routes` are the route label values, indexed as record() is called.
  explicit Metrics(std::vector<std::string> routes);

  // Counts a finished request on `route` with status code `status` that took `latency`.
  void record(std::size_t route, unsigned status, std::chrono::nanoseconds latency) noexcept;

  // A request entered handling.
  void request_started() noexcept { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  // A request left handling (its response exists).
  void request_finished() noexcept { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
  // A connection was accepted and is being served.
  void connection_opened() noexcept { connections_.fetch_add(1, std::memory_order_relaxed); }
  // A served connection was closed.
  void connection_closed() noexcept { connections_.fetch_sub(1, std::memory_order_relaxed); }
  // A connection was refused because of the connection cap.
  void connection_rejected() noexcept { rejected_.fetch_add(1, std::memory_order_relaxed); }

  // Requests being handled now.
  std::int64_t in_flight() const noexcept { return in_flight_.load(std::memory_order_relaxed); }
  // Connections being served now.
  std::int64_t connections() const noexcept { return connections_.load(std::memory_order_relaxed); }
  // Connections refused since start.
  std::uint64_t rejected_connections() const noexcept {
    return rejected_.load(std::memory_order_relaxed);
  }
  // Requests on `route` answered with `status` since start.
  std::uint64_t requests(std::size_t route, unsigned status) const noexcept;

  // The exposition text of every metric kept here plus process metrics.
  std::string render() const;

  // Reads the process's resident memory, thread count and CPU time.
  static ProcessStats process_stats();

  // Appends "# HELP" and "# TYPE" lines for a metric family.
  static void append_family(std::string& out, std::string_view name, std::string_view type,
                            std::string_view help);

  // Appends one sample line; `labels` is the text between braces, empty for none.
  static void append_sample(std::string& out, std::string_view name, std::string_view labels,
                            double value);

  // Appends `value` as a quoted label value, escaped as the format requires.
  static void append_label_value(std::string& out, std::string_view value);

 private:
  static constexpr unsigned kMinStatus = 100;
  static constexpr unsigned kStatusSlots = 500;  // 100..599

  struct RouteStats {
    std::array<std::atomic<std::uint64_t>, kStatusSlots> by_status{};
    std::array<std::atomic<std::uint64_t>, kBucketSeconds.size() + 1> buckets{};
    std::atomic<std::uint64_t> sum_nanoseconds{0};
  };

  std::vector<std::string> routes_;
  std::unique_ptr<RouteStats[]> stats_;
  std::array<std::int64_t, kBucketSeconds.size()> bucket_nanoseconds_{};
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::int64_t> connections_{0};
  std::atomic<std::uint64_t> rejected_{0};
};

}  // namespace pgokit
