#include "Config.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <optional>
#include <thread>

namespace pgokit {

namespace {

struct Option {
  std::string_view name;       // without the leading "--"
  std::string_view value_name; // shown in --help; empty for the string option
  std::uint64_t min;
  std::uint64_t max;
  void (*apply)(Config&, std::uint64_t);
  std::string_view help;
};

constexpr std::uint64_t kMaxTimeoutMs = 24ULL * 3600 * 1000;

const std::array<Option, 11> kNumericOptions{{
    {"port", "N", 0, 65535,
     [](Config& c, std::uint64_t v) { c.port = static_cast<std::uint16_t>(v); },
     "listen port; 0 picks a free one (default 8080)"},
    {"threads", "N", 1, 1024, [](Config& c, std::uint64_t v) { c.threads = v; },
     "I/O threads (default: hardware concurrency)"},
    {"workers", "N", 1, 1024, [](Config& c, std::uint64_t v) { c.workers = v; },
     "task worker threads (default: hardware concurrency)"},
    {"seed-orders", "N", 0, 50'000'000, [](Config& c, std::uint64_t v) { c.seed_orders = v; },
     "orders created at start, ids 1..N (default 100000)"},
    {"max-body-bytes", "N", 1, 64ULL * 1024 * 1024,
     [](Config& c, std::uint64_t v) { c.max_body_bytes = v; },
     "request body limit, 413 beyond (default 1048576)"},
    {"max-header-bytes", "N", 256, 1024 * 1024,
     [](Config& c, std::uint64_t v) { c.max_header_bytes = v; },
     "request line + headers limit, 431 beyond (default 8192)"},
    {"read-timeout-ms", "MS", 1, kMaxTimeoutMs,
     [](Config& c, std::uint64_t v) { c.read_timeout = std::chrono::milliseconds(v); },
     "time to read a request or write a response (default 10000)"},
    {"idle-timeout-ms", "MS", 1, kMaxTimeoutMs,
     [](Config& c, std::uint64_t v) { c.idle_timeout = std::chrono::milliseconds(v); },
     "keep-alive wait for the next request (default 60000)"},
    {"shutdown-timeout-ms", "MS", 1, kMaxTimeoutMs,
     [](Config& c, std::uint64_t v) { c.shutdown_timeout = std::chrono::milliseconds(v); },
     "drain time for in-flight requests on SIGTERM (default 10000)"},
    {"max-connections", "N", 1, 1'000'000,
     [](Config& c, std::uint64_t v) { c.max_connections = v; },
     "concurrent connections, 503 beyond (default 4096)"},
    {"task-queue", "N", 1, 1'000'000, [](Config& c, std::uint64_t v) { c.task_queue = v; },
     "tasks waiting for a worker, 503 beyond (default 1024)"},
}};

std::string env_name(std::string_view option) {
  std::string name = "PGOKIT_";
  for (const char c : option) {
    name += c == '-' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return name;
}

bool is_ip_address(const std::string& text) {
  std::array<unsigned char, 16> bytes{};
  return ::inet_pton(AF_INET, text.c_str(), bytes.data()) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1;
}

// Applies one setting; `source` names where it came from for the error message.
std::optional<std::string> apply(Config& config, std::string_view name, std::string_view value,
                                 std::string_view source) {
  if (name == "address") {
    std::string text(value);
    if (!is_ip_address(text)) {
      return std::string(source) + " must be an IPv4 or IPv6 address, got '" + text + "'";
    }
    config.address = std::move(text);
    return std::nullopt;
  }
  for (const Option& option : kNumericOptions) {
    if (option.name != name) {
      continue;
    }
    std::uint64_t number = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (value.empty() || ec != std::errc{} || end != value.data() + value.size() ||
        number < option.min || number > option.max) {
      return std::string(source) + " must be an integer between " + std::to_string(option.min) +
             " and " + std::to_string(option.max) + ", got '" + std::string(value) + "'";
    }
    option.apply(config, number);
    return std::nullopt;
  }
  return "unknown option '--" + std::string(name) + "'";
}

bool is_known(std::string_view name) {
  if (name == "address") {
    return true;
  }
  for (const Option& option : kNumericOptions) {
    if (option.name == name) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::size_t Config::default_threads() noexcept {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

Config::Parsed Config::parse(const std::vector<std::string_view>& args,
                             const Environment& environment) {
  Parsed parsed;
  parsed.config.threads = default_threads();
  parsed.config.workers = default_threads();
  const auto error = [&parsed](std::string message) {
    parsed.action = Action::error;
    parsed.error = std::move(message);
    return parsed;
  };

  // The environment first, so that command-line options override it.
  if (environment) {
    std::vector<std::string_view> names{"address"};
    for (const Option& option : kNumericOptions) {
      names.push_back(option.name);
    }
    for (const std::string_view name : names) {
      const std::string variable = env_name(name);
      if (const char* value = environment(variable.c_str()); value != nullptr) {
        if (auto message = apply(parsed.config, name, value, variable)) {
          return error(std::move(*message));
        }
      }
    }
  }

  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      parsed.action = Action::help;
      return parsed;
    }
    if (arg == "--version") {
      parsed.action = Action::version;
      return parsed;
    }
    if (arg.substr(0, 2) != "--" || arg.size() == 2) {
      return error("unexpected argument '" + std::string(arg) + "'");
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string_view> value;
    if (const auto eq = name.find('='); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (!is_known(name)) {
      return error("unknown option '--" + std::string(name) + "'");
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        return error("option '--" + std::string(name) + "' needs a value");
      }
      value = args[++i];
    }
    if (auto message = apply(parsed.config, name, *value, "--" + std::string(name))) {
      return error(std::move(*message));
    }
  }
  return parsed;
}

std::string Config::usage() {
  std::string text =
      "Usage: pgokit-server [OPTIONS]\n"
      "\n"
      "The pgokit reference HTTP server. Every option can also be set through the\n"
      "environment as PGOKIT_<OPTION> (e.g. PGOKIT_SEED_ORDERS); options win.\n"
      "\n"
      "Options:\n"
      "  --address ADDR              listen address (default 127.0.0.1)\n";
  for (const Option& option : kNumericOptions) {
    std::string left = "  --" + std::string(option.name) + " " + std::string(option.value_name);
    left.resize(30, ' ');
    text += left;
    text += option.help;
    text += '\n';
  }
  text +=
      "  --version                   print version, arch and stage, then exit\n"
      "  --help                      print this help, then exit\n"
      "\n"
      "Exit status: 0 after a clean shutdown (SIGTERM or SIGINT), 1 when the server\n"
      "cannot start, 2 for bad options.\n";
  return text;
}

}  // namespace pgokit
