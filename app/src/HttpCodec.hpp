#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include "Request.hpp"
#include "Response.hpp"

namespace pgokit {

class Api;

// Translates between Beast's HTTP messages and the API's Request/Response, and runs whole
// byte streams through the API with exactly the parser settings a Connection uses.
class HttpCodec {
 public:
  using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  // Size limits applied while parsing.
  struct Limits {
    std::size_t max_header_bytes = 8 * 1024;    // request line + headers
    std::size_t max_body_bytes = 1024 * 1024;   // body, declared or chunked
  };

  // A fresh parser for one request, with `limits` applied.
  static void reset(std::optional<Parser>& parser, const Limits& limits);

  // The Request for a parsed message (the body is moved out).
  static Request to_request(BeastRequest&& message);

  // The response's wire bytes, header and body in one buffer, so a connection sends it with a
  // single write. HTTP/1.0 clients are answered in 1.0, everyone else in 1.1; `keep_alive`
  // sets the Connection header. For a HEAD request (`head`) the body is dropped and
  // Content-Length still gives its size.
  static std::string serialize(Response&& response, unsigned version, bool keep_alive,
                               bool head = false);

  // A parsed request whose framing a proxy in front could read differently: a
  // Transfer-Encoding that does not end in chunked (RFC 9112, 6.3). Such a request gets a
  // 400 and the connection closes, or its body could be served as a smuggled request.
  static std::optional<RequestError> check_framing(const Parser& parser);

  // How a read error should be answered: nullopt when it is not a protocol error (the peer
  // left, a timeout, shutdown), in which case the connection just closes.
  static std::optional<RequestError> classify(const boost::system::error_code& error) noexcept;

  // Serves a byte stream as one connection would: parses each pipelined request, handles it
  // (waiting for task workers), and returns the concatenated response bytes. Stops after a
  // response that closes the connection; an incomplete final request gets no response, as a
  // real client that stops sending would get none before the read timeout.
  static std::string process(std::string_view input, Api& api, const Limits& limits);
};

}  // namespace pgokit
