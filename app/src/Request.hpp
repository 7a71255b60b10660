#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pgokit {

// HTTP methods the router distinguishes; everything else is `other`.
enum class Method : std::uint8_t { get, head, post, put, patch, del, options, other };

// The method's name as it appears on the request line ("GET"); "OTHER" for `other`.
std::string_view to_string(Method method) noexcept;

// The method for a request-line token; case-sensitive, as RFC 9110 says.
Method method_from_string(std::string_view token) noexcept;

// Why a byte stream could not become a Request.
enum class RequestError : std::uint8_t {
  malformed,         // request line or header syntax; answered with 400
  header_too_large,  // request line + headers over the limit; answered with 431
  body_too_large,    // declared or received body over the limit; answered with 413
};

// A parsed HTTP request, independent of the I/O library that read it.
struct Request {
  Method method = Method::get;   // the request method
  std::string target;            // origin-form target: path and optional query
  std::string content_type;      // Content-Type header value, empty when absent
  std::string body;              // the complete (de-chunked) body
  unsigned version = 11;         // HTTP version times ten (10 or 11)
  bool keep_alive = true;        // whether the client allows another request on the connection
};

}  // namespace pgokit
