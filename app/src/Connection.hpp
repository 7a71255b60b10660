#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/basic_stream.hpp>
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
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // A concrete strand rather than any_io_executor: no type-erased dispatch per handler, at
  // run time or in the compiler.
  using Executor = boost::asio::strand<boost::asio::io_context::executor_type>;
  using Socket = boost::asio::ip::tcp::socket::rebind_executor<Executor>::other;
  using Stream = boost::beast::basic_stream<boost::asio::ip::tcp, Executor>;

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
  void on_idle_read(const boost::system::error_code& error, std::size_t bytes);
  void read_header();
  void on_header(const boost::system::error_code& error, std::size_t bytes);
  void on_continue_sent(const boost::system::error_code& error, std::size_t bytes);
  void read_body();
  void on_body(const boost::system::error_code& error, std::size_t bytes);
  void on_read_error(const boost::system::error_code& error);
  void handle_request();
  void write(Response response, unsigned version, bool keep_alive, bool head = false);
  void on_write(const boost::system::error_code& error, std::size_t bytes);
  void close(bool linger);
  void linger_read();

  Stream stream_;
  ConnectionContext& context_;
  boost::beast::flat_buffer buffer_;
  std::optional<HttpCodec::Parser> parser_;
  std::optional<HttpCodec::BeastResponse> response_;
  Phase phase_ = Phase::idle;
  bool counted_ = false;      // included in the active-connections gauge
  bool stopping_ = false;     // shutdown() was called
  bool keep_alive_ = false;   // what the response being written promised
  bool linger_ = false;       // the request was not read to its end
  std::size_t lingered_ = 0;  // bytes discarded while lingering
};

}  // namespace pgokit
