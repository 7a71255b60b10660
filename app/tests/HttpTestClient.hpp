#pragma once

// A blocking HTTP/1.1 client over POSIX sockets for the integration tests: deliberately not
// Asio, so the tests check the server against an independent implementation.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace pgokit::test {

// Generous on purpose: arm64 tests run under qemu, roughly ten times slower.
inline constexpr std::chrono::seconds kIoTimeout{60};

struct HttpReply {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

class HttpTestClient {
 public:
  explicit HttpTestClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~HttpTestClient() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  HttpTestClient(const HttpTestClient&) = delete;
  HttpTestClient& operator=(const HttpTestClient&) = delete;

  bool connected() const { return connected_; }

  // Sends all of `data`; false if the peer is gone.
  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Sends a request with Host and, for a body, Content-Type and Content-Length.
  bool request(std::string_view method, std::string_view target, std::string_view body = {},
               std::string_view extra_headers = {}) {
    std::string text = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n";
    if (!body.empty() || method == "POST") {
      text += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\n";
    }
    text += extra_headers;
    text += "\r\n";
    text += body;
    return send(text);
  }

  // Reads one response (Content-Length framed); nullopt on timeout or a closed connection.
  std::optional<HttpReply> read_reply() {
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) {
        return std::nullopt;
      }
    }
    HttpReply reply;
    const std::string head = buffer_.substr(0, header_end);
    if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0) {
      return std::nullopt;
    }
    reply.status = static_cast<unsigned>(std::stoul(head.substr(9, 3)));
    std::size_t line = head.find("\r\n");
    while (line != std::string::npos) {
      const std::size_t next = head.find("\r\n", line + 2);
      const std::string field = head.substr(line + 2, next == std::string::npos ? std::string::npos
                                                                                 : next - line - 2);
      const auto colon = field.find(':');
      if (colon != std::string::npos) {
        std::string name = field.substr(0, colon);
        for (char& c : name) {
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        std::string value = field.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') {
          value.erase(0, 1);
        }
        reply.headers[name] = value;
      }
      line = next;
    }
    const std::size_t length =
        reply.headers.count("content-length") ? std::stoul(reply.headers["content-length"]) : 0;
    while (buffer_.size() < header_end + 4 + length) {
      if (!fill()) {
        return std::nullopt;
      }
    }
    reply.body = buffer_.substr(header_end + 4, length);
    buffer_.erase(0, header_end + 4 + length);
    return reply;
  }

  // True when the server closes the connection (EOF or reset) within the timeout.
  bool wait_closed() {
    for (;;) {
      if (!wait_readable(kIoTimeout)) {
        return false;
      }
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        return true;
      }
    }
  }

  // True when response bytes are waiting (without consuming them).
  bool has_data() {
    if (!buffer_.empty()) {
      return true;
    }
    char byte;
    return ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
  }

 private:
  bool wait_readable(std::chrono::milliseconds timeout) {
    pollfd entry{fd_, POLLIN, 0};
    return ::poll(&entry, 1, static_cast<int>(timeout.count())) > 0;
  }

  bool fill() {
    if (!wait_readable(kIoTimeout)) {
      return false;
    }
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

}  // namespace pgokit::test
