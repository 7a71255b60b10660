#include "Metrics.hpp"

#include <map>
#include <cstdlib>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

namespace pgokit {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

// The value of the sample line that starts with `prefix` (name plus labels), or -1.
double sample(const std::string& text, const std::string& prefix) {
  for (const auto& line : lines_of(text)) {
    if (line.rfind(prefix + " ", 0) == 0) {
      return std::stod(line.substr(prefix.size() + 1));
    }
  }
  return -1;
}

TEST(Metrics, CountsRequestsByRouteAndCode) {
  Metrics metrics({"/a", "/b"});
  metrics.record(0, 200, microseconds(10));
  metrics.record(0, 200, microseconds(10));
  metrics.record(1, 404, microseconds(10));
  EXPECT_EQ(metrics.requests(0, 200), 2U);
  EXPECT_EQ(metrics.requests(1, 404), 1U);
  EXPECT_EQ(metrics.requests(1, 200), 0U);
  const std::string text = metrics.render();
  EXPECT_EQ(sample(text, R"(pgokit_http_requests_total{route="/a",code="200"})"), 2);
  EXPECT_EQ(sample(text, R"(pgokit_http_requests_total{route="/b",code="404"})"), 1);
  EXPECT_EQ(text.find(R"(route="/b",code="200")"), std::string::npos);
}

TEST(Metrics, IgnoresUnknownRoute) {
  Metrics metrics({"/a"});
  metrics.record(5, 200, microseconds(1));
  EXPECT_EQ(metrics.requests(5, 200), 0U);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics metrics({"/a"});
  metrics.record(0, 200, microseconds(50));   // <= 0.0001
  metrics.record(0, 200, milliseconds(2));    // <= 0.0025
  metrics.record(0, 200, std::chrono::seconds(20));  // +Inf only
  const std::string text = metrics.render();
  const std::string bucket = R"(pgokit_http_request_duration_seconds_bucket{route="/a",le=")";
  EXPECT_EQ(sample(text, bucket + R"(0.0001"})"), 1);
  EXPECT_EQ(sample(text, bucket + R"(0.001"})"), 1);
  EXPECT_EQ(sample(text, bucket + R"(0.0025"})"), 2);
  EXPECT_EQ(sample(text, bucket + R"(10"})"), 2);
  EXPECT_EQ(sample(text, bucket + R"(+Inf"})"), 3);
  EXPECT_EQ(sample(text, R"(pgokit_http_request_duration_seconds_count{route="/a"})"), 3);
  EXPECT_NEAR(sample(text, R"(pgokit_http_request_duration_seconds_sum{route="/a"})"), 20.00205,
              1e-6);

  // Each bucket is at least the one before it.
  double previous = 0;
  for (const auto& line : lines_of(text)) {
    if (line.rfind(bucket, 0) == 0) {
      const double value = std::stod(line.substr(line.rfind(' ') + 1));
      EXPECT_GE(value, previous) << line;
      previous = value;
    }
  }
}

bool is_name_char(char c, bool first) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  return letter || (!first && c >= '0' && c <= '9');
}

// Splits a sample line "name{k="v",...} value" as the text format defines it; false when the
// line is not one. (Hand-written rather than <regex>, which costs more to compile than this
// whole test file.)
bool parse_sample(const std::string& line, std::string& name) {
  std::size_t i = 0;
  while (i < line.size() && is_name_char(line[i], i == 0)) {
    ++i;
  }
  if (i == 0) {
    return false;
  }
  name = line.substr(0, i);
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      const std::size_t key = i;
      while (i < line.size() && is_name_char(line[i], i == key) && line[i] != ':') {
        ++i;
      }
      if (i == key || line.compare(i, 2, "=\"") != 0) {
        return false;
      }
      for (i += 2; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\') {
          ++i;
        }
      }
      if (i >= line.size()) {
        return false;
      }
      ++i;  // closing quote
      if (i < line.size() && line[i] == ',') {
        ++i;
      }
    }
    if (i >= line.size()) {
      return false;
    }
    ++i;  // closing brace
  }
  if (i >= line.size() || line[i] != ' ') {
    return false;
  }
  const std::string value = line.substr(i + 1);
  char* end = nullptr;
  std::strtod(value.c_str(), &end);
  return !value.empty() && end == value.c_str() + value.size();
}

TEST(Metrics, EverySampleBelongsToADeclaredFamily) {
  Metrics metrics({"/a", "quote\"route"});
  metrics.record(0, 200, microseconds(5));
  metrics.record(1, 500, microseconds(5));
  const std::string text = metrics.render();
  std::map<std::string, std::string> types;
  std::set<std::string> helped;
  for (const auto& line : lines_of(text)) {
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string rest = line.substr(7);
      const auto space = rest.find(' ');
      ASSERT_NE(space, std::string::npos) << line;
      helped.insert(rest.substr(0, space));
    } else if (line.rfind("# TYPE ", 0) == 0) {
      const std::string rest = line.substr(7);
      const auto space = rest.find(' ');
      ASSERT_NE(space, std::string::npos) << line;
      const std::string family = rest.substr(0, space);
      const std::string type = rest.substr(space + 1);
      EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << line;
      EXPECT_TRUE(helped.count(family)) << "TYPE before HELP: " << line;
      EXPECT_FALSE(types.count(family)) << "family declared twice: " << line;
      types[family] = type;
    } else {
      std::string family;
      ASSERT_TRUE(parse_sample(line, family)) << "not a sample: " << line;
      for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
        if (!types.count(family) && family.size() > suffix.size() &&
            family.compare(family.size() - suffix.size(), suffix.size(), suffix) == 0) {
          family.resize(family.size() - suffix.size());
        }
      }
      EXPECT_TRUE(types.count(family)) << "sample without TYPE: " << line;
    }
  }
  EXPECT_EQ(types["pgokit_http_requests_total"], "counter");
  EXPECT_EQ(types["pgokit_http_request_duration_seconds"], "histogram");
  EXPECT_EQ(types["pgokit_http_requests_in_flight"], "gauge");
  EXPECT_EQ(types["process_resident_memory_bytes"], "gauge");
  EXPECT_EQ(types["process_threads"], "gauge");
  EXPECT_NE(text.find(R"(route="quote\"route")"), std::string::npos);
}

TEST(Metrics, SampleParserRejectsMalformedLines) {
  std::string name;
  EXPECT_TRUE(parse_sample(R"(a_b{x="1",y="q\"z"} 2.5)", name));
  EXPECT_EQ(name, "a_b");
  EXPECT_FALSE(parse_sample("1abc 2", name));
  EXPECT_FALSE(parse_sample(R"(a{x=1} 2)", name));
  EXPECT_FALSE(parse_sample(R"(a{x="1" 2)", name));
  EXPECT_FALSE(parse_sample("a two", name));
  EXPECT_FALSE(parse_sample("a", name));
}

TEST(Metrics, ReportsInFlightAndConnections) {
  Metrics metrics({"/a"});
  metrics.request_started();
  metrics.request_started();
  metrics.request_finished();
  metrics.connection_opened();
  metrics.connection_rejected();
  EXPECT_EQ(metrics.in_flight(), 1);
  EXPECT_EQ(metrics.connections(), 1);
  EXPECT_EQ(metrics.rejected_connections(), 1U);
  const std::string text = metrics.render();
  EXPECT_EQ(sample(text, "pgokit_http_requests_in_flight"), 1);
  EXPECT_EQ(sample(text, "pgokit_http_connections_active"), 1);
  EXPECT_EQ(sample(text, "pgokit_http_connections_rejected_total"), 1);
}

TEST(Metrics, ReadsProcessStats) {
  const auto stats = Metrics::process_stats();
  EXPECT_GT(stats.resident_bytes, 0U);
  EXPECT_GE(stats.threads, 1U);
  const std::string text = Metrics({}).render();
  EXPECT_GT(sample(text, "process_resident_memory_bytes"), 0);
  EXPECT_GE(sample(text, "process_threads"), 1);
}

TEST(Metrics, FormatsSamples) {
  std::string out;
  Metrics::append_sample(out, "x", {}, 3);
  Metrics::append_sample(out, "y", R"(a="b")", 0.25);
  EXPECT_EQ(out, "x 3\ny{a=\"b\"} 0.25\n");
  std::string label;
  Metrics::append_label_value(label, "a\\b\"c\nd");
  EXPECT_EQ(label, R"("a\\b\"c\nd")");
}

}  // namespace
}  // namespace pgokit
