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
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

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
    : stream_(std::move(socket)), context_(context) {}

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
  stream_.socket().set_option(net::ip::tcp::no_delay(true), ignored);
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->wait_for_request(); });
}

void Connection::reject() {
  context_.metrics.connection_rejected();
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    Response response = Response::error(503, "overloaded", "too many connections, retry later");
    response.with_header("Retry-After", "1");
    self->linger_ = true;
    self->write(std::move(response), 11, false);
  });
}

void Connection::shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    if (self->phase_ == Phase::idle) {
      // Completes the pending idle read with operation_aborted, which closes.
      self->stream_.cancel();
    }
  });
}

void Connection::abort() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    self->stream_.close();
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
    read_header();
    return;
  }
  // Waiting for the first byte is the idle phase; the read timeout starts with that byte, so
  // keep-alive clients get the idle timeout and slow senders the read timeout.
  stream_.expires_after(context_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Connection::on_idle_read, shared_from_this()));
}

void Connection::on_idle_read(const error_code& error, std::size_t bytes) {
  buffer_.commit(bytes);
  if (error) {
    // eof: the client is done; timeout: idle too long; operation_aborted: shutdown.
    close(false);
    return;
  }
  read_header();
}

void Connection::read_header() {
  phase_ = Phase::reading;
  HttpCodec::reset(parser_, context_.limits);
  stream_.expires_after(context_.read_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Connection::on_header, shared_from_this()));
}

void Connection::on_header(const error_code& error, std::size_t /*bytes*/) {
  if (error) {
    on_read_error(error);
    return;
  }
  const auto& header = parser_->get();
  const auto expect = header.find(http::field::expect);
  if (expect != header.end() && beast::iequals(expect->value(), "100-continue") &&
      !parser_->is_done()) {
    // curl and others wait for this before sending a large body.
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     beast::bind_front_handler(&Connection::on_continue_sent, shared_from_this()));
    return;
  }
  read_body();
}

void Connection::on_continue_sent(const error_code& error, std::size_t /*bytes*/) {
  if (error) {
    close(false);
    return;
  }
  read_body();
}

void Connection::read_body() {
  if (parser_->is_done()) {
    handle_request();
    return;
  }
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Connection::on_body, shared_from_this()));
}

void Connection::on_body(const error_code& error, std::size_t /*bytes*/) {
  if (error) {
    on_read_error(error);
    return;
  }
  handle_request();
}

void Connection::on_read_error(const error_code& error) {
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
  stream_.expires_never();
  Request request = HttpCodec::to_request(parser_->release());
  const unsigned version = request.version;
  const bool keep_alive = request.keep_alive;
  const bool head = request.method == Method::head;
  // Tracked: a task's completion keeps the event loop alive until it is delivered, even
  // when nothing else is pending (as during a graceful shutdown).
  auto executor = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
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
  response_.emplace(HttpCodec::to_beast(std::move(response), version, keep_alive_, head));
  // A client that does not read its responses is as slow as one that does not send.
  stream_.expires_after(context_.read_timeout);
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&Connection::on_write, shared_from_this()));
}

void Connection::on_write(const error_code& error, std::size_t /*bytes*/) {
  response_.reset();
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
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  if (linger && stream_.socket().is_open()) {
    stream_.expires_after(std::min(context_.read_timeout, kMaxLinger));
    buffer_.clear();
    linger_read();
    return;
  }
  stream_.close();
}

void Connection::linger_read() {
  stream_.async_read_some(buffer_.prepare(16 * 1024),
                          [self = shared_from_this()](const error_code& error, std::size_t bytes) {
                            self->lingered_ += bytes;
                            if (error || self->lingered_ > kMaxLingerBytes) {
                              self->stream_.close();
                              return;
                            }
                            self->linger_read();
                          });
}

}  // namespace pgokit
