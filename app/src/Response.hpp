#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgokit {

// An HTTP response, independent of the I/O library that writes it.
struct Response {
  unsigned status = 200;                                        // status code
  std::string content_type;                                     // Content-Type, omitted when empty
  std::string body;                                             // the complete body
  std::vector<std::pair<std::string, std::string>> headers;     // extra headers (Location, Allow, ...)
  bool close = false;                                           // close the connection after writing

  // A response with a JSON body.
  static Response json(unsigned status, std::string body);

  // The JSON error body every failure uses: {"error":{"code","message"[,"field"]}}.
  static Response error(unsigned status, std::string_view code, std::string_view message,
                        std::string_view field = {});

  // Adds a header to send with the response.
  Response& with_header(std::string name, std::string value);

  // The value of an extra header, empty when absent (case-insensitive name).
  std::string_view header(std::string_view name) const noexcept;
};

// Appends `text` to `out` as a quoted JSON string; bytes outside printable ASCII are escaped,
// so the result is valid JSON whatever bytes a client sent.
void append_json_string(std::string& out, std::string_view text);

}  // namespace pgokit
