#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pgokit {

// The server's settings: defaults, then PGOKIT_* environment variables, then command-line
// options, each checked against its allowed range.
struct Config {
  std::string address = "127.0.0.1";                        // listen address (IPv4 or IPv6)
  std::uint16_t port = 8080;                                // listen port; 0 picks a free one
  std::size_t threads = 1;                                  // I/O threads running the event loop
  std::size_t workers = 1;                                  // task pool threads
  std::uint64_t seed_orders = 100'000;                      // orders created at start
  std::size_t max_body_bytes = 1024 * 1024;                 // request body limit (413 beyond)
  std::size_t max_header_bytes = 8 * 1024;                  // request line + headers limit (431)
  std::chrono::milliseconds read_timeout{10'000};           // to read one request, and to write its response
  std::chrono::milliseconds idle_timeout{60'000};           // keep-alive wait for the next request
  std::chrono::milliseconds shutdown_timeout{10'000};       // drain time after SIGTERM
  std::size_t max_connections = 4096;                       // concurrent connections (503 beyond)
  std::size_t task_queue = 1024;                            // tasks waiting for a worker (503 beyond)

  // What the command line asked for.
  enum class Action { run, help, version, error };

  // The outcome of parse() (defined below, once Config is complete).
  struct Parsed;

  // Looks up an environment variable; returns nullptr when unset.
  using Environment = std::function<const char*(const char*)>;

  // Parses options (without the program name) over the environment's PGOKIT_* values.
  static Parsed parse(const std::vector<std::string_view>& args, const Environment& environment);

  // The --help text.
  static std::string usage();

  // Threads to use by default: the hardware's concurrency, at least one.
  static std::size_t default_threads() noexcept;
};

// The outcome of Config::parse(): the action, the settings for `run`, the message for `error`.
struct Config::Parsed {
  Action action = Action::run;
  Config config;
  std::string error;
};

}  // namespace pgokit
