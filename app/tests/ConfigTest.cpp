#include "Config.hpp"

#include <map>
#include <string>

#include <gtest/gtest.h>

namespace pgokit {
namespace {

Config::Parsed parse(std::vector<std::string_view> args,
                     std::map<std::string, std::string> environment = {}) {
  return Config::parse(args, [environment](const char* name) -> const char* {
    const auto it = environment.find(name);
    return it == environment.end() ? nullptr : it->second.c_str();
  });
}

TEST(Config, UsesDefaultsWithoutArguments) {
  const auto parsed = parse({});
  ASSERT_EQ(parsed.action, Config::Action::run) << parsed.error;
  EXPECT_EQ(parsed.config.address, "127.0.0.1");
  EXPECT_EQ(parsed.config.port, 8080);
  EXPECT_EQ(parsed.config.threads, Config::default_threads());
  EXPECT_EQ(parsed.config.workers, Config::default_threads());
  EXPECT_EQ(parsed.config.seed_orders, 100'000U);
  EXPECT_GE(Config::default_threads(), 1U);
}

TEST(Config, ParsesSpaceAndEqualsForms) {
  const auto parsed = parse({"--port", "0", "--threads=3", "--workers", "5", "--seed-orders=10",
                             "--max-body-bytes", "2048", "--max-header-bytes=1024",
                             "--read-timeout-ms", "250", "--idle-timeout-ms=500",
                             "--shutdown-timeout-ms", "750", "--max-connections", "7",
                             "--task-queue", "9", "--address", "::1"});
  ASSERT_EQ(parsed.action, Config::Action::run) << parsed.error;
  const Config& c = parsed.config;
  EXPECT_EQ(c.port, 0);
  EXPECT_EQ(c.threads, 3U);
  EXPECT_EQ(c.workers, 5U);
  EXPECT_EQ(c.seed_orders, 10U);
  EXPECT_EQ(c.max_body_bytes, 2048U);
  EXPECT_EQ(c.max_header_bytes, 1024U);
  EXPECT_EQ(c.read_timeout.count(), 250);
  EXPECT_EQ(c.idle_timeout.count(), 500);
  EXPECT_EQ(c.shutdown_timeout.count(), 750);
  EXPECT_EQ(c.max_connections, 7U);
  EXPECT_EQ(c.task_queue, 9U);
  EXPECT_EQ(c.address, "::1");
}

TEST(Config, EnvironmentFillsAndOptionsOverride) {
  const auto parsed =
      parse({"--port", "9000"}, {{"PGOKIT_PORT", "1234"}, {"PGOKIT_SEED_ORDERS", "42"}});
  ASSERT_EQ(parsed.action, Config::Action::run) << parsed.error;
  EXPECT_EQ(parsed.config.port, 9000);
  EXPECT_EQ(parsed.config.seed_orders, 42U);
}

TEST(Config, RejectsBadEnvironmentValue) {
  const auto parsed = parse({}, {{"PGOKIT_THREADS", "many"}});
  ASSERT_EQ(parsed.action, Config::Action::error);
  EXPECT_NE(parsed.error.find("PGOKIT_THREADS"), std::string::npos) << parsed.error;
  EXPECT_NE(parsed.error.find("'many'"), std::string::npos) << parsed.error;
}

TEST(Config, RejectsUnknownOption) {
  const auto parsed = parse({"--nope", "1"});
  ASSERT_EQ(parsed.action, Config::Action::error);
  EXPECT_EQ(parsed.error, "unknown option '--nope'");
}

TEST(Config, RejectsOutOfRangePort) {
  const auto parsed = parse({"--port", "70000"});
  ASSERT_EQ(parsed.action, Config::Action::error);
  EXPECT_EQ(parsed.error, "--port must be an integer between 0 and 65535, got '70000'");
}

TEST(Config, RejectsNonNumericValue) {
  for (const char* value : {"abc", "", "-1", "1.5", "12x", " 3"}) {
    const auto parsed = parse({"--threads", value});
    EXPECT_EQ(parsed.action, Config::Action::error) << "value '" << value << "'";
    EXPECT_NE(parsed.error.find("--threads must be an integer"), std::string::npos) << parsed.error;
  }
}

TEST(Config, RejectsZeroThreads) {
  EXPECT_EQ(parse({"--threads", "0"}).action, Config::Action::error);
  EXPECT_EQ(parse({"--workers", "0"}).action, Config::Action::error);
}

TEST(Config, RejectsMissingValue) {
  const auto parsed = parse({"--port"});
  ASSERT_EQ(parsed.action, Config::Action::error);
  EXPECT_EQ(parsed.error, "option '--port' needs a value");
}

TEST(Config, RejectsBadAddress) {
  const auto parsed = parse({"--address", "localhost"});
  ASSERT_EQ(parsed.action, Config::Action::error);
  EXPECT_NE(parsed.error.find("--address must be an IPv4 or IPv6 address"), std::string::npos)
      << parsed.error;
}

TEST(Config, RejectsPositionalArgument) {
  const auto parsed = parse({"serve"});
  ASSERT_EQ(parsed.action, Config::Action::error);
  EXPECT_EQ(parsed.error, "unexpected argument 'serve'");
}

TEST(Config, RecognizesHelpAndVersion) {
  EXPECT_EQ(parse({"--help"}).action, Config::Action::help);
  EXPECT_EQ(parse({"-h"}).action, Config::Action::help);
  EXPECT_EQ(parse({"--port", "1", "--version"}).action, Config::Action::version);
}

TEST(Config, UsageListsEveryOption) {
  const std::string usage = Config::usage();
  for (const char* option :
       {"--address", "--port", "--threads", "--workers", "--seed-orders", "--max-body-bytes",
        "--max-header-bytes", "--read-timeout-ms", "--idle-timeout-ms", "--shutdown-timeout-ms",
        "--max-connections", "--task-queue", "--help", "--version"}) {
    EXPECT_NE(usage.find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace pgokit
