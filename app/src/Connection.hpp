#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "HttpCodec.hpp"

namespace pgokit {

class Api;
class Metrics;

// What every connection shares: the API, the metrics and the I/O limits.
struct ConnectionContext {
  Api& api;                              // handles parsed requests
  Metrics& metrics;                      // connection gauges
  HttpCodec::Limits limits;              // parser limits
  std::chrono::milliseconds read_timeout;  // to read a request / write a response
  std::chrono::milliseconds idle_timeout;  // keep-alive wait between requests
};

// One client connection: reads requests, hands them to the Api, writes the responses, with
// keep-alive and timeouts. The only class that does I/O on a client socket. All its handlers
// run on the socket's strand; errors arrive as error codes and end the connection.
//
// The request path is kept short on purpose, because it is what every request executes: the
// socket is read with plain async_read_some and the bytes are fed to Beast's parser directly
// (no composed read operations), each response is serialized into one buffer and sent with
// one async_write, and timeouts are a deadline checked by a single lazily re-armed timer
// rather than a timer started and cancelled around every operation.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // A concrete strand rather than any_io_executor: no type-erased dispatch per handler, at
  // run time or in the compiler.
  using Executor = boost::asio::strand<boost::asio::io_context::executor_type>;
  using Socket = boost::asio::ip::tcp::socket::rebind_executor<Executor>::other;
  using Clock = std::chrono::steady_clock;

  // Takes an accepted socket; its strand runs every handler of this connection.
  Connection(Socket socket, ConnectionContext& context);

  // Updates the connection gauge.
  ~Connection();

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts serving requests.
  void start();

  // Answers 503 to a connection over the cap, then closes it.
  void reject();

  // Asks for a graceful close, from any thread: an idle connection closes now, a busy one
  // after its current response.
  void shutdown();

  // Closes the socket at once, from any thread: pending operations end with an error.
  void abort();

 private:
  enum class Phase { idle, reading, handling, writing, closing };

  void wait_for_request();
  void begin_request();
  void parse();
  void read_more();
  void on_read(const boost::system::error_code& error, std::size_t bytes);
  void on_continue_sent(const boost::system::error_code& error, std::size_t bytes);
  void on_parse_error(const boost::system::error_code& error);
  void handle_request();
  void write(Response response, unsigned version, bool keep_alive, bool head = false);
  void on_write(const boost::system::error_code& error, std::size_t bytes);
  void close(bool linger);
  void linger_read();

  // The current phase must end within `timeout`; expires_never() lifts the deadline.
  void expires_after(std::chrono::milliseconds timeout);
  void expires_never();
  void arm_timer(Clock::time_point at);
  void on_timer(const boost::system::error_code& error, std::uint64_t generation);

  Socket socket_;
  ConnectionContext& context_;
  boost::asio::basic_waitable_timer<Clock, boost::asio::wait_traits<Clock>, Executor> timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::duration check_interval_;  // the timer wakes at least this often while a deadline is set
  std::uint64_t timer_generation_ = 0;  // identifies the wait that is still wanted
  boost::beast::flat_buffer buffer_;
  std::optional<HttpCodec::Parser> parser_;
  std::string response_;  // wire bytes being written
  Phase phase_ = Phase::idle;
  bool watching_ = false;       // timer_ has a wanted wait pending
  bool continue_sent_ = false;  // "100 Continue" went out for the current request
  bool counted_ = false;      // included in the active-connections gauge
  bool stopping_ = false;     // shutdown() was called
  bool keep_alive_ = false;   // what the response being written promised
  bool linger_ = false;       // the request was not read to its end
  std::size_t lingered_ = 0;  // bytes discarded while lingering
};

}  // namespace pgokit
