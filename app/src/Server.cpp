#include "Server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "Api.hpp"
#include "Connection.hpp"
#include "Metrics.hpp"
#include "OrderStore.hpp"
#include "TaskPool.hpp"

namespace pgokit {

namespace net = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::chrono::milliseconds kDrainPoll{10};
constexpr std::chrono::milliseconds kAcceptRetry{50};

const char* signal_name(int number) noexcept {
  switch (number) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return "a signal";
  }
}

}  // namespace

// Member order is destruction order, reversed: the io_context is destroyed after the I/O
// objects that use it and before nothing that its pending handlers (connections) still touch.
struct Server::Impl {
  explicit Impl(Config settings)
      : config(std::move(settings)),
        metrics(Api::route_labels()),
        pool(config.workers, config.task_queue),
        api(store, metrics, pool, config.max_body_bytes, config.max_header_bytes),
        context{api, metrics,
                HttpCodec::Limits{config.max_header_bytes, config.max_body_bytes},
                config.read_timeout, config.idle_timeout},
        io(static_cast<int>(config.threads)),
        strand(net::make_strand(io)),
        acceptor(strand),
        signals(strand, SIGINT, SIGTERM),
        drain_timer(strand),
        accept_timer(strand) {
    store.seed(config.seed_orders);
    wait_for_signal();
  }

  void wait_for_signal() {
    signals.async_wait([this](const error_code& error, int number) {
      if (error) {
        return;  // operation_aborted: shutdown finished, nothing to wait for
      }
      if (!shutting_down) {
        // Re-armed first: begin_shutdown may already find nothing to drain and cancel it.
        wait_for_signal();
        begin_shutdown(signal_name(number));
        return;
      }
      // A second signal means "now": whoever sent it has stopped waiting for the drain.
      std::fprintf(stderr, "pgokit-server: %s again, stopping without draining\n",
                   signal_name(number));
      forced = true;
      io.stop();
    });
  }

  void accept() {
    acceptor.async_accept(net::make_strand(io),
                          [this](const error_code& error, Connection::Socket socket) {
                            on_accept(error, std::move(socket));
                          });
  }

  void on_accept(const error_code& error, Connection::Socket socket) {
    if (error == net::error::operation_aborted || shutting_down) {
      return;
    }
    if (error) {
      // Out of descriptors or memory: accepting again at once would spin; retry shortly.
      std::fprintf(stderr, "pgokit-server: accept failed: %s\n", error.message().c_str());
      accept_timer.expires_after(kAcceptRetry);
      accept_timer.async_wait([this](const error_code& wait_error) {
        if (!wait_error && !shutting_down) {
          accept();
        }
      });
      return;
    }
    auto connection = std::make_shared<Connection>(std::move(socket), context);
    if (static_cast<std::size_t>(std::max<std::int64_t>(metrics.connections(), 0)) >=
        config.max_connections) {
      connection->reject();
    } else {
      connection->start();
      track(connection);
    }
    accept();
  }

  void track(const std::shared_ptr<Connection>& connection) {
    // Closed connections leave expired entries behind; sweep them once they dominate.
    const auto live = static_cast<std::size_t>(std::max<std::int64_t>(metrics.connections(), 0));
    if (connections.size() >= 2 * std::max<std::size_t>(live, 64)) {
      std::erase_if(connections, [](const auto& weak) { return weak.expired(); });
    }
    connections.push_back(connection);
  }

  void begin_shutdown(const char* reason) {
    if (shutting_down) {
      return;
    }
    shutting_down = true;
    std::fprintf(stderr,
                 "pgokit-server: %s: stopping, draining %lld connection(s) for up to %lld ms\n",
                 reason, static_cast<long long>(metrics.connections()),
                 static_cast<long long>(config.shutdown_timeout.count()));
    error_code ignored;
    acceptor.close(ignored);
    accept_timer.cancel();
    for (const auto& weak : connections) {
      if (auto connection = weak.lock()) {
        connection->shutdown();
      }
    }
    drain_deadline = Clock::now() + config.shutdown_timeout;
    check_drained();
  }

  void check_drained() {
    if (metrics.connections() <= 0) {
      // Nothing is left: with the signal wait gone the event loop runs out of work and
      // every run() returns.
      signals.cancel();
      return;
    }
    if (Clock::now() >= drain_deadline) {
      std::fprintf(stderr, "pgokit-server: drain timed out, closing %lld connection(s)\n",
                   static_cast<long long>(metrics.connections()));
      forced = true;
      io.stop();
      return;
    }
    drain_timer.expires_after(kDrainPoll);
    drain_timer.async_wait([this](const error_code& error) {
      if (!error) {
        check_drained();
      }
    });
  }

  void run_loop() {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& error) {
        // Handlers report through error codes; an exception here is a bug or bad_alloc in
        // one connection, and the rest of the server keeps serving.
        std::fprintf(stderr, "pgokit-server: event loop: %s\n", error.what());
      }
    }
  }

  Config config;
  Metrics metrics;
  OrderStore store;
  TaskPool pool;
  Api api;
  ConnectionContext context;
  net::io_context io;
  net::strand<net::io_context::executor_type> strand;
  net::ip::tcp::acceptor acceptor;
  net::signal_set signals;
  net::steady_timer drain_timer;
  net::steady_timer accept_timer;
  std::vector<std::weak_ptr<Connection>> connections;  // touched on `strand` only
  bool shutting_down = false;                           // touched on `strand` only
  Clock::time_point drain_deadline;
  std::atomic<bool> forced{false};
};

Server::Server(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Server::~Server() {
  // Workers deliver completions into the event loop, so they stop before it is destroyed.
  impl_->pool.shutdown(false);
}

std::error_code Server::listen() {
  error_code error;
  const auto address = net::ip::make_address(impl_->config.address, error);
  if (error) {
    return error;
  }
  const net::ip::tcp::endpoint endpoint(address, impl_->config.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), error);
  if (!error) {
    // Lets a restarted server bind while old connections sit in TIME_WAIT.
    acceptor.set_option(net::socket_base::reuse_address(true), error);
  }
  if (!error) {
    acceptor.bind(endpoint, error);
  }
  if (!error) {
    acceptor.listen(net::socket_base::max_listen_connections, error);
  }
  if (error) {
    error_code ignored;
    acceptor.close(ignored);
  }
  return error;
}

std::string Server::local_address() const {
  error_code error;
  const auto endpoint = impl_->acceptor.local_endpoint(error);
  if (error) {
    return {};
  }
  const std::string host = endpoint.address().to_string();
  const std::string port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + host + "]:" + port : host + ":" + port;
}

std::uint16_t Server::port() const {
  error_code error;
  const auto endpoint = impl_->acceptor.local_endpoint(error);
  return error ? 0 : endpoint.port();
}

void Server::run() {
  Impl& impl = *impl_;
  net::post(impl.strand, [&impl] {
    if (impl.acceptor.is_open() && !impl.shutting_down) {
      impl.accept();
    }
  });
  std::vector<std::thread> threads;
  const std::size_t count = std::max<std::size_t>(impl.config.threads, 1);
  threads.reserve(count - 1);
  for (std::size_t i = 1; i < count; ++i) {
    threads.emplace_back([&impl] { impl.run_loop(); });
  }
  impl.run_loop();
  for (auto& thread : threads) {
    thread.join();
  }
  // After a forced stop, queued tasks have nobody left to answer.
  impl.pool.shutdown(!impl.forced);
  if (impl.forced) {
    // Connections that outlived the drain are closed now, and the loop runs once more so
    // their handlers finish: clients see the close instead of a socket left hanging until
    // the Server is destroyed. No other thread runs the loop, so `connections` is ours.
    error_code ignored;
    impl.signals.cancel(ignored);
    impl.drain_timer.cancel();
    for (const auto& weak : impl.connections) {
      if (auto connection = weak.lock()) {
        connection->abort();
      }
    }
    impl.io.restart();
    impl.io.run_for(impl.config.shutdown_timeout);
  }
  std::fprintf(stderr, "pgokit-server: stopped\n");
}

void Server::stop() {
  Impl& impl = *impl_;
  net::post(impl.strand, [&impl] { impl.begin_shutdown("stop requested"); });
}

const Metrics& Server::metrics() const noexcept { return impl_->metrics; }

}  // namespace pgokit
