// pgokit-server: parse options, start the server, serve until SIGTERM/SIGINT, return.
// Returning from main (rather than exiting from a signal handler) is what lets an
// instrumented build write its profile from its atexit handler.

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

#include "BuildInfo.hpp"
#include "Config.hpp"
#include "Server.hpp"

namespace {

// Connections are file descriptors: take the hard limit so --max-connections, not the
// default soft limit of 1024, is what caps them.
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const auto parsed =
      pgokit::Config::parse(args, [](const char* name) { return std::getenv(name); });
  switch (parsed.action) {
    case pgokit::Config::Action::help:
      std::cout << pgokit::Config::usage();
      return 0;
    case pgokit::Config::Action::version:
      std::cout << "pgokit-server " << pgokit::BuildInfo::version() << " ("
                << pgokit::BuildInfo::arch() << ", " << pgokit::BuildInfo::stage() << ")\n";
      return 0;
    case pgokit::Config::Action::error:
      std::cerr << "pgokit-server: " << parsed.error << "\nTry 'pgokit-server --help'.\n";
      return 2;
    case pgokit::Config::Action::run:
      break;
  }

  // A peer that disconnects mid-write must cost an error code, not the process.
  std::signal(SIGPIPE, SIG_IGN);
  raise_descriptor_limit();

  try {
    pgokit::Server server(parsed.config);
    if (const auto error = server.listen()) {
      std::cerr << "pgokit-server: cannot listen on " << parsed.config.address << ":"
                << parsed.config.port << ": " << error.message() << "\n";
      return 1;
    }
    // Scripts wait for this exact line to learn the port; flush so a pipe sees it now.
    std::cout << "pgokit-server listening on " << server.local_address() << std::endl;
    server.run();
  } catch (const std::exception& error) {
    std::cerr << "pgokit-server: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
