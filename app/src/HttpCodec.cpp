#include "HttpCodec.hpp"

#include <future>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>

#include "Api.hpp"
#include "Text.hpp"

namespace pgokit {

namespace http = boost::beast::http;

namespace {

Method to_method(http::verb verb) noexcept {
  switch (verb) {
    case http::verb::get:
      return Method::get;
    case http::verb::head:
      return Method::head;
    case http::verb::post:
      return Method::post;
    case http::verb::put:
      return Method::put;
    case http::verb::patch:
      return Method::patch;
    case http::verb::delete_:
      return Method::del;
    case http::verb::options:
      return Method::options;
    default:
      return Method::other;
  }
}

// One header line. Values come from the server, never from a client; CR and LF are dropped
// all the same, so no value can ever split the header.
void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  for (const char c : value) {
    if (c != '\r' && c != '\n') {
      out += c;
    }
  }
  out += "\r\n";
}

}  // namespace

void HttpCodec::reset(std::optional<Parser>& parser, const Limits& limits) {
  parser.emplace();
  parser->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser->body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
}

Request HttpCodec::to_request(BeastRequest&& message) {
  Request request;
  request.method = to_method(message.method());
  request.target = std::string(message.target());
  if (const auto it = message.find(http::field::content_type); it != message.end()) {
    request.content_type = std::string(it->value());
  }
  request.version = message.version();
  request.keep_alive = message.keep_alive();
  request.body = std::move(message.body());
  return request;
}

std::string HttpCodec::serialize(Response&& response, unsigned version, bool keep_alive,
                                 bool head) {
  const unsigned status = response.status;
  // 1xx, 204 and 304 responses have no body and no Content-Length (RFC 9110, 8.6).
  const bool bodiless = status < 200 || status == 204 || status == 304;
  const std::string_view reason = http::obsolete_reason(static_cast<http::status>(status));
  std::string out;
  out.reserve(128 + response.content_type.size() + (head ? 0 : response.body.size()));
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  append_decimal(out, static_cast<std::uint64_t>(status));
  out += ' ';
  out += reason;
  out += "\r\nServer: pgokit-server\r\n";
  if (!response.content_type.empty()) {
    append_header(out, "Content-Type", response.content_type);
  }
  for (const auto& [name, value] : response.headers) {
    append_header(out, name, value);
  }
  // HTTP/1.1 connections persist unless closed; HTTP/1.0 ones close unless kept alive.
  if (version == 10 && keep_alive) {
    out += "Connection: keep-alive\r\n";
  } else if (version != 10 && !keep_alive) {
    out += "Connection: close\r\n";
  }
  if (!bodiless) {
    out += "Content-Length: ";
    append_decimal(out, static_cast<std::uint64_t>(response.body.size()));
    out += "\r\n";
  }
  out += "\r\n";
  if (!head && !bodiless) {
    out += response.body;
  }
  return out;
}

std::optional<RequestError> HttpCodec::check_framing(const Parser& parser) {
  const auto& header = parser.get();
  if (header.find(http::field::transfer_encoding) != header.end() && !parser.chunked()) {
    return RequestError::malformed;
  }
  return std::nullopt;
}

std::optional<RequestError> HttpCodec::classify(const boost::system::error_code& error) noexcept {
  if (error.category() != http::make_error_code(http::error::bad_method).category()) {
    return std::nullopt;
  }
  switch (static_cast<http::error>(error.value())) {
    case http::error::end_of_stream:
    case http::error::partial_message:
    case http::error::need_more:
    case http::error::short_read:
      // The peer stopped sending: nobody is waiting for an answer.
      return std::nullopt;
    case http::error::header_limit:
    case http::error::buffer_overflow:
      return RequestError::header_too_large;
    case http::error::body_limit:
      return RequestError::body_too_large;
    default:
      return RequestError::malformed;
  }
}

std::string HttpCodec::process(std::string_view input, Api& api, const Limits& limits) {
  std::string output;
  std::optional<Parser> parser;
  while (!input.empty()) {
    reset(parser, limits);
    parser->eager(true);
    boost::system::error_code ec;
    while (!parser->is_done()) {
      std::size_t used = 0;
      if (!input.empty()) {
        used = parser->put(boost::asio::buffer(input.data(), input.size()), ec);
        input.remove_prefix(used);
      }
      if (ec == http::error::need_more) {
        ec = {};
      }
      if (!ec && used == 0) {
        // All remaining bytes were offered and none could be used: the stream ended inside
        // a request (put_eof says whether that still completes it).
        parser->put_eof(ec);
      }
      if (ec) {
        if (const auto kind = classify(ec)) {
          output += serialize(api.reject(*kind), 11, false);
        }
        return output;
      }
      if (used == 0 && !parser->is_done()) {
        return output;
      }
    }

    if (const auto kind = check_framing(*parser)) {
      output += serialize(api.reject(*kind), 11, false);
      return output;
    }
    Request request = to_request(parser->release());
    const unsigned version = request.version;
    const bool keep_alive = request.keep_alive;
    const bool head = request.method == Method::head;
    std::promise<Response> promise;
    auto future = promise.get_future();
    api.handle(std::move(request), [&promise](Response response) {
      promise.set_value(std::move(response));
    });
    Response response = future.get();
    const bool keep = keep_alive && !response.close;
    output += serialize(std::move(response), version, keep, head);
    if (!keep) {
      break;
    }
  }
  return output;
}

}  // namespace pgokit
