#include "Connection.hpp"

#include <algorithm>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include "Api.hpp"
#include "Metrics.hpp"

namespace pgokit {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::size_t kReadChunk = 4096;
// After an error response, unread request bytes are drained for a while before closing:
// closing a socket with unread data sends RST, which can destroy the response in flight.
constexpr std::size_t kMaxLingerBytes = 1024 * 1024;
constexpr std::chrono::milliseconds kMaxLinger{2000};

}  // namespace

Connection::Connection(Socket socket, ConnectionContext& context)
    : socket_(std::move(socket)),
      context_(context),
      timer_(socket_.get_executor()),
      // Every deadline is at least this far away when it is set, so a timer that wakes this
      // often never fires late, and moving a deadline later (every request) costs no timer
      // operation at all.
      check_interval_(std::min(context.read_timeout, context.idle_timeout)) {}

Connection::~Connection() {
  if (counted_) {
    context_.metrics.connection_closed();
  }
}

void Connection::start() {
  counted_ = true;
  context_.metrics.connection_opened();
  error_code ignored;
  // Responses go out in one write; Nagle would only delay the next one on keep-alive.
  socket_.set_option(net::ip::tcp::no_delay(true), ignored);
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->wait_for_request(); });
}

void Connection::reject() {
  context_.metrics.connection_rejected();
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    Response response = Response::error(503, "overloaded", "too many connections, retry later");
    response.with_header("Retry-After", "1");
    self->linger_ = true;
    self->write(std::move(response), 11, false);
  });
}

void Connection::shutdown() {
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    if (self->phase_ == Phase::idle) {
      // Completes the pending idle read with operation_aborted, which closes.
      error_code ignored;
      self->socket_.cancel(ignored);
    }
  });
}

void Connection::abort() {
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    error_code ignored;
    self->socket_.close(ignored);
  });
}

void Connection::wait_for_request() {
  phase_ = Phase::idle;
  if (stopping_) {
    close(false);
    return;
  }
  if (buffer_.size() > 0) {
    // A pipelined request is already buffered: no idle wait.
    begin_request();
    parse();
    return;
  }
  // Waiting for the first byte is the idle phase; the read timeout starts with that byte, so
  // keep-alive clients get the idle timeout and slow senders the read timeout.
  expires_after(context_.idle_timeout);
  read_more();
}

void Connection::begin_request() {
  phase_ = Phase::reading;
  HttpCodec::reset(parser_, context_.limits);
  // The body is parsed in the same pass as the header when it is already buffered.
  parser_->eager(true);
  continue_sent_ = false;
  expires_after(context_.read_timeout);
}

void Connection::read_more() {
  socket_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Connection::on_read, shared_from_this()));
}

void Connection::on_read(const error_code& error, std::size_t bytes) {
  buffer_.commit(bytes);
  if (error) {
    // eof: the client is done (mid-request, nobody waits for an answer); operation_aborted:
    // shutdown or a passed deadline; anything else: the connection is gone.
    close(false);
    return;
  }
  if (phase_ == Phase::idle) {
    begin_request();
  }
  parse();
}

void Connection::parse() {
  error_code error;
  while (buffer_.size() > 0 && !parser_->is_done()) {
    const std::size_t used = parser_->put(buffer_.data(), error);
    buffer_.consume(used);
    if (error == http::error::need_more) {
      error = {};
      break;
    }
    if (error) {
      on_parse_error(error);
      return;
    }
    if (used == 0) {
      break;
    }
  }
  if (parser_->is_done()) {
    if (const auto kind = HttpCodec::check_framing(*parser_)) {
      // Answer, then close: where this request ends is ambiguous.
      linger_ = true;
      write(context_.api.reject(*kind), 11, false);
      return;
    }
    handle_request();
    return;
  }
  if (parser_->is_header_done() && !continue_sent_) {
    const auto& header = parser_->get();
    const auto expect = header.find(http::field::expect);
    if (expect != header.end() && beast::iequals(expect->value(), "100-continue")) {
      // curl and others wait for this before sending a large body.
      continue_sent_ = true;
      net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                       beast::bind_front_handler(&Connection::on_continue_sent, shared_from_this()));
      return;
    }
  }
  read_more();
}

void Connection::on_continue_sent(const error_code& error, std::size_t /*bytes*/) {
  if (error) {
    close(false);
    return;
  }
  read_more();
}

void Connection::on_parse_error(const error_code& error) {
  if (const auto kind = HttpCodec::classify(error)) {
    // Answer, then close: the rest of the stream is not at a request boundary.
    linger_ = true;
    write(context_.api.reject(*kind), 11, false);
    return;
  }
  close(false);
}

void Connection::handle_request() {
  phase_ = Phase::handling;
  // The handler's time (a queued task) is not the client's: no timeout while handling.
  expires_never();
  Request request = HttpCodec::to_request(parser_->release());
  const unsigned version = request.version;
  const bool keep_alive = request.keep_alive;
  const bool head = request.method == Method::head;
  // Tracked: a task's completion keeps the event loop alive until it is delivered, even
  // when nothing else is pending (as during a graceful shutdown).
  auto executor = net::prefer(socket_.get_executor(), net::execution::outstanding_work.tracked);
  context_.api.handle(std::move(request), [self = shared_from_this(), executor, version,
                                           keep_alive, head](Response response) {
    // Inline when already on this connection's strand (synchronous routes).
    net::dispatch(executor,
                  [self, response = std::move(response), version, keep_alive, head]() mutable {
                    self->write(std::move(response), version, keep_alive, head);
                  });
  });
}

void Connection::write(Response response, unsigned version, bool keep_alive, bool head) {
  phase_ = Phase::writing;
  keep_alive_ = keep_alive && !response.close && !stopping_;
  response_ = HttpCodec::serialize(std::move(response), version, keep_alive_, head);
  // A client that does not read its responses is as slow as one that does not send.
  expires_after(context_.read_timeout);
  net::async_write(socket_, net::buffer(response_),
                   beast::bind_front_handler(&Connection::on_write, shared_from_this()));
}

void Connection::on_write(const error_code& error, std::size_t /*bytes*/) {
  response_.clear();
  if (error) {
    close(false);
    return;
  }
  if (!keep_alive_ || stopping_) {
    close(linger_);
    return;
  }
  wait_for_request();
}

void Connection::close(bool linger) {
  phase_ = Phase::closing;
  error_code ignored;
  socket_.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  if (linger && socket_.is_open()) {
    expires_after(std::min(context_.read_timeout, kMaxLinger));
    buffer_.clear();
    linger_read();
    return;
  }
  socket_.close(ignored);
  // Releases the timer's hold on this connection.
  timer_.cancel();
}

void Connection::linger_read() {
  socket_.async_read_some(buffer_.prepare(16 * 1024),
                          [self = shared_from_this()](const error_code& error, std::size_t bytes) {
                            self->lingered_ += bytes;
                            if (error || self->lingered_ > kMaxLingerBytes) {
                              self->close(false);
                              return;
                            }
                            self->linger_read();
                          });
}

void Connection::expires_after(std::chrono::milliseconds timeout) {
  const Clock::time_point now = Clock::now();
  deadline_ = now + timeout;
  // Only a deadline earlier than the pending wakeup (the short linger) needs a new wait.
  if (!watching_ || deadline_ < timer_.expiry()) {
    arm_timer(std::min(deadline_, now + check_interval_));
  }
}

void Connection::expires_never() { deadline_ = Clock::time_point::max(); }

void Connection::arm_timer(Clock::time_point at) {
  watching_ = true;
  const std::uint64_t generation = ++timer_generation_;
  timer_.expires_at(at);
  timer_.async_wait([self = shared_from_this(), generation](const error_code& error) {
    self->on_timer(error, generation);
  });
}

void Connection::on_timer(const error_code& error, std::uint64_t generation) {
  if (error || generation != timer_generation_) {
    // Cancelled (the connection closed) or superseded by a newer wait.
    return;
  }
  watching_ = false;
  if (!socket_.is_open() || deadline_ == Clock::time_point::max()) {
    // Closed, or no deadline now (handling): the next expires_after() waits again.
    return;
  }
  const Clock::time_point now = Clock::now();
  if (now < deadline_) {
    arm_timer(std::min(deadline_, now + check_interval_));
    return;
  }
  // Too slow: closing the socket ends the pending read or write with an error, and its
  // handler closes the connection.
  error_code ignored;
  socket_.close(ignored);
}

}  // namespace pgokit
