// The Server in-process on an ephemeral port, driven over real sockets.

#include "Server.hpp"

#include <atomic>
#include <future>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "HttpTestClient.hpp"
#include "Metrics.hpp"

namespace pgokit {
namespace {

using namespace std::chrono_literals;
using test::HttpTestClient;
using test::kIoTimeout;

Config test_config() {
  Config config;
  config.port = 0;
  config.threads = 2;
  config.workers = 2;
  config.seed_orders = 1000;
  config.shutdown_timeout = 60s;
  return config;
}

// A Server listening on an ephemeral port with run() on its own thread.
class RunningServer {
 public:
  explicit RunningServer(Config config = test_config()) : server_(std::move(config)) {
    if (const auto error = server_.listen()) {
      throw std::runtime_error("listen: " + error.message());
    }
    runner_ = std::async(std::launch::async, [this] { server_.run(); });
  }

  ~RunningServer() { stop(); }

  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  // Starts a graceful shutdown.
  void begin_stop() { server_.stop(); }

  // Stops the server; true when run() returned within the timeout.
  bool stop() {
    if (!runner_.valid()) {
      return true;
    }
    server_.stop();
    if (runner_.wait_for(kIoTimeout) != std::future_status::ready) {
      return false;
    }
    runner_.get();
    return true;
  }

  std::uint16_t port() const { return server_.port(); }
  const Metrics& metrics() const { return server_.metrics(); }

 private:
  Server server_;
  std::future<void> runner_;
};

// Polls `condition` until it holds or the I/O timeout passes.
template <typename Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + kIoTimeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

std::string heavy_task() {
  return R"({"data":")" + std::string(32 * 1024, 'a') + R"(","rounds":300})";
}

TEST(Server, ServesHealthOverTcp) {
  RunningServer server;
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.request("GET", "/health"));
  const auto reply = client.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200U);
  EXPECT_EQ(reply->header("content-type"), "application/health+json");
  EXPECT_NE(reply->body.find(R"("status":"ok")"), std::string::npos);
}

TEST(Server, KeepsConnectionAliveAcrossRequests) {
  RunningServer server;
  HttpTestClient client(server.port());
  for (int i = 1; i <= 10; ++i) {
    ASSERT_TRUE(client.request("GET", "/api/orders/" + std::to_string(i)));
    const auto reply = client.read_reply();
    ASSERT_TRUE(reply) << "request " << i;
    EXPECT_EQ(reply->status, 200U);
    EXPECT_NE(reply->body.find(R"("id":)" + std::to_string(i) + ","), std::string::npos);
    EXPECT_NE(reply->header("connection"), "close");
  }
  EXPECT_EQ(server.metrics().connections(), 1);
}

TEST(Server, ServesPipelinedRequests) {
  RunningServer server;
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.send("GET /api/orders/1 HTTP/1.1\r\nHost: t\r\n\r\n"
                          "GET /api/orders/2 HTTP/1.1\r\nHost: t\r\n\r\n"
                          "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  for (const char* expected : {R"("id":1,)", R"("id":2,)", R"("status":"ok")"}) {
    const auto reply = client.read_reply();
    ASSERT_TRUE(reply);
    EXPECT_NE(reply->body.find(expected), std::string::npos) << reply->body;
  }
  EXPECT_TRUE(client.wait_closed());
}

TEST(Server, ServesConcurrentClients) {
  RunningServer server;
  constexpr int kClients = 8;
  constexpr int kRequests = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&server, &ok, c] {
      HttpTestClient client(server.port());
      for (int i = 0; i < kRequests; ++i) {
        const int id = c * kRequests + i + 1;
        const bool sent = i % 5 == 4
                              ? client.request("POST", "/api/tasks", R"({"data":"abc","rounds":2})")
                              : client.request("GET", "/api/orders/" + std::to_string(id));
        const auto reply = sent ? client.read_reply() : std::nullopt;
        if (reply && reply->status == 200) {
          ok.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : clients) {
    thread.join();
  }
  EXPECT_EQ(ok.load(), kClients * kRequests);
}

TEST(Server, CreatesAndReadsBackOrder) {
  RunningServer server;
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.request("POST", "/api/orders",
                             R"({"currency":"GBP","items":[{"sku":"Z-9","qty":3,"price":7}]})"));
  const auto created = client.read_reply();
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201U) << created->body;
  EXPECT_EQ(created->header("location"), "/api/orders/1001");
  ASSERT_TRUE(client.request("GET", "/api/orders/1001"));
  const auto read = client.read_reply();
  ASSERT_TRUE(read);
  EXPECT_NE(read->body.find(R"("amount":21)"), std::string::npos) << read->body;
}

TEST(Server, AnswersMalformedRequestAndCloses) {
  RunningServer server;
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.send("THIS IS NOT HTTP\r\n\r\n"));
  const auto reply = client.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 400U);
  EXPECT_EQ(reply->header("connection"), "close");
  EXPECT_TRUE(client.wait_closed());
}

TEST(Server, AnswersOversizedHeaderWith431) {
  Config config = test_config();
  config.max_header_bytes = 1024;
  RunningServer server(config);
  HttpTestClient client(server.port());
  client.send("GET /health HTTP/1.1\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
  const auto reply = client.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 431U);
  EXPECT_TRUE(client.wait_closed());
}

TEST(Server, AnswersOversizedBodyWith413) {
  Config config = test_config();
  config.max_body_bytes = 1024;
  RunningServer server(config);
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.send("POST /api/orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                          "Content-Length: 100000\r\n\r\n" + std::string(2000, ' ')));
  const auto reply = client.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413U);
  EXPECT_NE(reply->body.find("payload_too_large"), std::string::npos);
}

TEST(Server, KeepsServingAfterRandomBytes) {
  RunningServer server;
  {
    HttpTestClient client(server.port());
    std::mt19937 random(42);
    std::string garbage(100000, '\0');
    for (char& c : garbage) {
      c = static_cast<char>(random());
    }
    client.send(garbage);  // the server may hang up part-way; that is fine
    client.wait_closed();
  }
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.request("GET", "/health"));
  const auto reply = client.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200U);
}

TEST(Server, ClosesSlowClientAfterReadTimeout) {
  Config config = test_config();
  config.read_timeout = 200ms;
  RunningServer server(config);
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.send("GET /health HTTP/1.1\r\nHo"));
  EXPECT_TRUE(client.wait_closed());
  EXPECT_TRUE(eventually([&server] { return server.metrics().connections() == 0; }));
}

TEST(Server, ClosesIdleConnectionAfterIdleTimeout) {
  Config config = test_config();
  // Long enough that the first request always arrives in time, even under qemu.
  config.idle_timeout = 1000ms;
  RunningServer server(config);
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.request("GET", "/health"));
  ASSERT_TRUE(client.read_reply());
  EXPECT_TRUE(client.wait_closed());
}

TEST(Server, RejectsConnectionsOverTheCap) {
  Config config = test_config();
  config.max_connections = 2;
  RunningServer server(config);
  HttpTestClient first(server.port());
  HttpTestClient second(server.port());
  for (HttpTestClient* client : {&first, &second}) {
    ASSERT_TRUE(client->request("GET", "/health"));
    ASSERT_TRUE(client->read_reply());  // accepted and counted
  }
  HttpTestClient third(server.port());
  third.request("GET", "/health");
  const auto reply = third.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 503U);
  EXPECT_EQ(reply->header("retry-after"), "1");
  EXPECT_TRUE(third.wait_closed());
  EXPECT_EQ(server.metrics().rejected_connections(), 1U);

  // The first two keep being served.
  ASSERT_TRUE(first.request("GET", "/health"));
  const auto still = first.read_reply();
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200U);
}

TEST(Server, AnswersExpectContinue) {
  RunningServer server;
  HttpTestClient client(server.port());
  const std::string body = R"({"currency":"EUR","items":[{"sku":"A","qty":1,"price":1}]})";
  ASSERT_TRUE(client.send("POST /api/orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                          "Expect: 100-continue\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n"));
  const auto interim = client.read_reply();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100U);
  ASSERT_TRUE(client.send(body));
  const auto reply = client.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 201U);
}

TEST(Server, FinishesInFlightRequestsOnShutdown) {
  Config config = test_config();
  config.workers = 1;  // tasks queue up behind each other: a longer in-flight window
  RunningServer server(config);
  std::vector<std::unique_ptr<HttpTestClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<HttpTestClient>(server.port()));
    ASSERT_TRUE(clients.back()->request("POST", "/api/tasks", heavy_task()));
  }
  // Every request is either being handled or already answered. Answers are counted first:
  // a request answered after that count is still in flight when in_flight() is read.
  ASSERT_TRUE(eventually([&] {
    std::int64_t answered = 0;
    for (const auto& client : clients) {
      answered += client->has_data() ? 1 : 0;
    }
    return answered + server.metrics().in_flight() >= 3;
  }));
  server.begin_stop();
  for (const auto& client : clients) {
    const auto reply = client->read_reply();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200U);
    EXPECT_NE(reply->body.find(R"("rounds":300)"), std::string::npos);
    EXPECT_TRUE(client->wait_closed());
  }
  EXPECT_TRUE(server.stop());
}

TEST(Server, ClosesIdleConnectionsOnShutdown) {
  RunningServer server;
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.request("GET", "/health"));
  ASSERT_TRUE(client.read_reply());
  server.begin_stop();
  EXPECT_TRUE(client.wait_closed());
  EXPECT_TRUE(server.stop());
}

TEST(Server, ForcesShutdownAfterDrainTimeout) {
  Config config = test_config();
  config.shutdown_timeout = 100ms;
  RunningServer server(config);
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.send("GET /health HTTP/1.1\r\nHo"));  // never finished
  ASSERT_TRUE(eventually([&server] { return server.metrics().connections() == 1; }));
  EXPECT_TRUE(server.stop());
  EXPECT_TRUE(client.wait_closed());
}

TEST(Server, RefusesConnectionsAfterStop) {
  RunningServer server;
  const std::uint16_t port = server.port();
  ASSERT_TRUE(server.stop());
  HttpTestClient client(port);
  EXPECT_FALSE(client.connected());
}

TEST(Server, ReturnsFromRunWhenStoppedBeforeRun) {
  Server server(test_config());
  ASSERT_FALSE(server.listen());
  server.stop();
  auto runner = std::async(std::launch::async, [&server] { server.run(); });
  EXPECT_EQ(runner.wait_for(kIoTimeout), std::future_status::ready);
}

TEST(Server, ReportsPortInUse) {
  RunningServer first;
  Config config = test_config();
  config.port = first.port();
  config.seed_orders = 0;
  Server second(config);
  const std::error_code error = second.listen();
  EXPECT_EQ(error, std::errc::address_in_use) << error.message();
}

TEST(Server, ReportsBoundAddress) {
  RunningServer server;
  Config config = test_config();
  config.seed_orders = 0;
  Server other(config);
  ASSERT_FALSE(other.listen());
  EXPECT_EQ(other.local_address(), "127.0.0.1:" + std::to_string(other.port()));
  EXPECT_NE(other.port(), 0);
}

}  // namespace
}  // namespace pgokit
