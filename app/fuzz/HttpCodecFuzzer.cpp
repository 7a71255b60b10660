// libFuzzer target: arbitrary bytes through HttpCodec::process, the path a connection's bytes
// take (Beast's parser with the server's limits, routing, JSON validation, the handlers, the
// task pool, serialization). Crashes and sanitizer reports are failures, and so is any
// broken invariant of what a client is sent:
//   - the output is a sequence of well-framed HTTP/1.x responses (status line, headers,
//     Content-Length bytes of body, or none after HEAD), and nothing follows one that closes;
//   - no 5xx other than 503 (back-pressure): a 500 is a handler that threw;
//   - a response comes back exactly when the input holds a complete request or bytes that
//     cannot be one; an incomplete request gets none, as on a socket.
#include "HttpCodec.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "Api.hpp"
#include "Metrics.hpp"
#include "OrderStore.hpp"
#include "TaskPool.hpp"

namespace {

using pgokit::HttpCodec;

// Small limits so the 431 and 413 paths are reached by short inputs; the code paths are the
// same as with the server's defaults.
constexpr HttpCodec::Limits kLimits{1024, 4096};
constexpr std::uint64_t kSeedOrders = 32;

[[noreturn]] void fail(const char* what, std::string_view input, std::string_view output) {
  std::fprintf(stderr, "invariant broken: %s\n--- input (%zu bytes)\n%.*s\n--- output\n%.*s\n",
               what, input.size(), static_cast<int>(input.size()), input.data(),
               static_cast<int>(output.size()), output.data());
  std::abort();
}

// Whether a connection owes an answer for the first request in `input`: it parses completely,
// or fails in a way that is answered (400/413/431) rather than by silence.
bool answer_owed(std::string_view input) {
  std::optional<HttpCodec::Parser> parser;
  HttpCodec::reset(parser, kLimits);
  parser->eager(true);
  while (!input.empty() && !parser->is_done()) {
    boost::system::error_code ec;
    const std::size_t used = parser->put(boost::asio::buffer(input.data(), input.size()), ec);
    input.remove_prefix(used);
    if (ec == boost::beast::http::error::need_more) {
      if (used == 0) {
        return false;
      }
      continue;
    }
    if (ec) {
      return HttpCodec::classify(ec).has_value();
    }
    if (used == 0) {
      return false;
    }
  }
  return parser->is_done();
}

std::string_view header_value(std::string_view head, std::string_view name) {
  const std::string line = "\r\n" + std::string(name) + ": ";
  const auto at = head.find(line);
  if (at == std::string_view::npos) {
    return {};
  }
  const auto value = head.substr(at + line.size());
  return value.substr(0, value.find("\r\n"));
}

// Walks the responses in `output` and checks each one's framing and status.
void check_responses(std::string_view input, std::string_view output) {
  std::size_t at = 0;
  while (at < output.size()) {
    const std::string_view rest = output.substr(at);
    if (!rest.starts_with("HTTP/1.0 ") && !rest.starts_with("HTTP/1.1 ")) {
      fail("a response does not begin with \"HTTP/1.0 \" or \"HTTP/1.1 \"", input, output);
    }
    if (rest.size() < 13 || rest[12] != ' ') {
      fail("status line is not \"HTTP/1.x NNN \"", input, output);
    }
    unsigned status = 0;
    for (std::size_t i = 9; i < 12; ++i) {
      if (rest[i] < '0' || rest[i] > '9') {
        fail("status code is not three digits", input, output);
      }
      status = status * 10 + static_cast<unsigned>(rest[i] - '0');
    }
    if (status >= 500 && status != 503) {
      fail("a 5xx other than 503", input, output);
    }
    const auto head_end = rest.find("\r\n\r\n");
    if (head_end == std::string_view::npos) {
      fail("a response header without its blank line", input, output);
    }
    const std::string_view head = rest.substr(0, head_end + 2);
    const std::string_view length_text = header_value(head, "Content-Length");
    std::size_t length = 0;
    for (const char c : length_text) {
      if (c < '0' || c > '9') {
        fail("Content-Length is not a number", input, output);
      }
      length = length * 10 + static_cast<std::size_t>(c - '0');
    }
    const std::size_t body_at = head_end + 4;
    const auto next_starts_at = [rest](std::size_t offset) {
      return offset == rest.size() || rest.substr(offset).starts_with("HTTP/1.");
    };
    std::size_t next = 0;
    if (body_at + length <= rest.size() && next_starts_at(body_at + length)) {
      next = body_at + length;
    } else if (next_starts_at(body_at)) {
      next = body_at;  // the answer to a HEAD request: its length, no body
    } else {
      fail("a body that does not match Content-Length", input, output);
    }
    const bool closes = rest.starts_with("HTTP/1.1 ")
                            ? header_value(head, "Connection") == "close"
                            : header_value(head, "Connection") != "keep-alive";
    if (closes && next != rest.size()) {
      fail("a response after one that closed the connection", input, output);
    }
    at += next;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Workers are threads: one pool for the whole run. Store, metrics and API are per input,
  // so an input's result never depends on the ones before it (or the store grows forever).
  static pgokit::TaskPool pool(1, 4);
  pgokit::OrderStore store;
  store.seed(kSeedOrders);
  pgokit::Metrics metrics(pgokit::Api::route_labels());
  pgokit::Api api(store, metrics, pool, kLimits.max_body_bytes, kLimits.max_header_bytes);

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string output = HttpCodec::process(input, api, kLimits);

  check_responses(input, output);
  if (answer_owed(input) != !output.empty()) {
    fail(output.empty() ? "no response to a complete or unparseable request"
                        : "a response to an incomplete request",
         input, output);
  }
  return 0;
}
