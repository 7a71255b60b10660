#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include "Config.hpp"

namespace pgokit {

class Metrics;

// The HTTP server: owns the event loop, the listening socket, the order store, the task pool
// and every connection. Shuts down gracefully on SIGTERM/SIGINT (or stop()): stops accepting,
// lets in-flight requests finish for up to Config::shutdown_timeout, joins its threads, and
// returns from run().
class Server {
 public:
  // Seeds the order store and starts the task workers; does not listen yet.
  explicit Server(Config config);

  // Stops the task workers; run() must have returned (or never been called).
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on the configured address; the error says why not.
  std::error_code listen();

  // The bound address as "127.0.0.1:PORT" ("[::1]:PORT" for IPv6); valid after listen().
  std::string local_address() const;

  // The bound port (the chosen one when configured as 0); valid after listen().
  std::uint16_t port() const;

  // Serves on Config::threads threads (this one included) until shutdown completes.
  void run();

  // Starts a graceful shutdown, as SIGTERM does; callable from any thread, any time.
  void stop();

  // The server's metrics, e.g. to watch in-flight requests.
  const Metrics& metrics() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgokit
