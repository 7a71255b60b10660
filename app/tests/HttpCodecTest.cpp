#include "HttpCodec.hpp"

#include <random>

#include <boost/asio/error.hpp>

#include <gtest/gtest.h>

#include "Api.hpp"
#include "Metrics.hpp"
#include "OrderStore.hpp"
#include "TaskPool.hpp"

namespace pgokit {
namespace {

// Raw bytes in, response bytes out, with small limits so that the limit paths are cheap.
class RawExchange : public ::testing::Test {
 protected:
  RawExchange() { store_.seed(100); }

  std::string process(std::string_view input) { return HttpCodec::process(input, api_, limits_); }

  static std::size_t count(const std::string& text, std::string_view needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      ++n;
    }
    return n;
  }

  OrderStore store_;
  Metrics metrics_{Api::route_labels()};
  TaskPool pool_{1, 8};
  HttpCodec::Limits limits_{512, 2048};
  Api api_{store_, metrics_, pool_, limits_.max_body_bytes, limits_.max_header_bytes};
};

TEST_F(RawExchange, ServesGetRequest) {
  const std::string out = process("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << out;
  EXPECT_NE(out.find("Content-Type: application/health+json\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Server: pgokit-server\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\"arch\":"), std::string::npos) << out;
}

TEST_F(RawExchange, AnswersHeadWithoutBody) {
  const std::string out = process(
      "HEAD /api/orders/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string length = "Content-Length: " + std::to_string(store_.find(1)->to_json().size());
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << out;
  EXPECT_NE(out.find(length + "\r\n\r\nHTTP/1.1 200 OK\r\n"), std::string::npos) << out;
}

TEST_F(RawExchange, ServesPostWithBody) {
  const std::string body = R"({"currency":"EUR","items":[{"sku":"A","qty":1,"price":5}]})";
  const std::string out = process("POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                  "application/json\r\nContent-Length: " +
                                  std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(out.rfind("HTTP/1.1 201 Created\r\n", 0), 0U) << out;
  EXPECT_NE(out.find("Location: /api/orders/101\r\n"), std::string::npos) << out;
}

TEST_F(RawExchange, ServesChunkedBody) {
  const std::string out = process(
      "POST /api/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"dat\r\n8\r\na\":\"xy\"}\r\n0\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << out;
  EXPECT_NE(out.find("\"bytes\":2"), std::string::npos) << out;
}

TEST_F(RawExchange, AnswersPipelinedRequestsInOrder) {
  const std::string out = process(
      "GET /api/orders/1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /api/orders/2 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(count(out, "HTTP/1.1 "), 3U) << out;
  const auto first = out.find("\"id\":1,");
  const auto second = out.find("\"id\":2,");
  const auto missing = out.find("HTTP/1.1 404");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
  EXPECT_LT(second, missing);
}

TEST_F(RawExchange, StopsAfterConnectionClose) {
  const std::string out = process(
      "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(count(out, "HTTP/1.1 200"), 1U) << out;
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos) << out;
}

TEST_F(RawExchange, ClosesHttp10ByDefault) {
  const std::string out = process("GET /health HTTP/1.0\r\n\r\nGET /health HTTP/1.0\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.0 200 OK\r\n", 0), 0U) << out;
  EXPECT_EQ(count(out, "HTTP/1.0 200"), 1U) << out;
}

TEST_F(RawExchange, RejectsMalformedRequestLine) {
  for (const char* input : {"GARBAGE\r\n\r\n", "GET\r\n\r\n", "GET /health\r\n\r\n",
                            "GET /health HTTP/1.1 extra\r\n\r\n", "GET  /health HTTP/1.1\r\n\r\n",
                            "\x01\x02\x03 / HTTP/1.1\r\n\r\n", "GET /a\x7f HTTP/1.1\r\n\r\n"}) {
    const std::string out = process(input);
    EXPECT_EQ(out.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0U) << "input: " << input << "\n" << out;
    EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos) << out;
    EXPECT_NE(out.find(R"("code":"bad_request")"), std::string::npos) << out;
  }
}

TEST_F(RawExchange, RejectsHeaderWithoutColon) {
  const std::string out = process("GET /health HTTP/1.1\r\nHost\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0U) << out;
}

TEST_F(RawExchange, RejectsBadContentLength) {
  const std::string out = process("POST /api/orders HTTP/1.1\r\nContent-Length: x\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0U) << out;
  const std::string twice =
      process("POST /api/orders HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
  EXPECT_EQ(twice.rfind("HTTP/1.1 400", 0), 0U) << twice;
}

TEST_F(RawExchange, RejectsUnsupportedVersion) {
  // Beast's parser only reads HTTP/1.x, so other versions never reach the API.
  const std::string out = process("GET /health HTTP/2.0\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0U) << out;
}

TEST_F(RawExchange, RefusesTransferEncodingThatDoesNotEndInChunked) {
  // A proxy that honours the coding would frame this body differently: the "body" must not
  // be served as a second request (request smuggling).
  const std::string smuggled = "GET /api/orders/1 HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const char* coding : {"gzip", "chunked, gzip", "identity"}) {
    for (const bool with_length : {false, true}) {
      const std::string out = process(
          std::string("POST /api/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n") +
          "Transfer-Encoding: " + coding + "\r\n" +
          (with_length ? "Content-Length: " + std::to_string(smuggled.size()) + "\r\n" : "") + "\r\n" +
          smuggled);
      EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0U) << coding << ": " << out;
      EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos) << out;
      EXPECT_EQ(count(out, "HTTP/1.1 "), 1U) << coding << ": " << out;
    }
  }
}

TEST_F(RawExchange, AnswersOversizedHeaderWith431) {
  const std::string out =
      process("GET /health HTTP/1.1\r\nX-Big: " + std::string(1000, 'a') + "\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 431", 0), 0U) << out;
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos) << out;
}

TEST_F(RawExchange, AnswersOversizedDeclaredBodyWith413) {
  // The declared length alone is refused: the body is never read.
  const std::string out = process(
      "POST /api/orders HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0U) << out;
}

TEST_F(RawExchange, AnswersOversizedChunkedBodyWith413) {
  const std::string chunk(1500, 'x');
  const std::string out = process(
      "POST /api/tasks HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: "
      "chunked\r\n\r\n5dc\r\n" + chunk + "\r\n5dc\r\n" + chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0U) << out;
}

TEST_F(RawExchange, AnswersInvalidJsonWith400) {
  const std::string out = process(
      "POST /api/orders HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{nope");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0U) << out;
  EXPECT_NE(out.find(R"("code":"invalid_json")"), std::string::npos) << out;
}

TEST_F(RawExchange, GivesNoResponseToIncompleteRequest) {
  EXPECT_EQ(process(""), "");
  EXPECT_EQ(process("GET /health HTTP/1.1\r\nHost: x\r\n"), "");
  EXPECT_EQ(process("POST /api/orders HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"), "");
}

TEST_F(RawExchange, AnswersCompleteRequestBeforeIncompleteOne) {
  const std::string out = process("GET /health HTTP/1.1\r\n\r\nGET /hea");
  EXPECT_EQ(count(out, "HTTP/1.1 200"), 1U) << out;
}

TEST_F(RawExchange, SurvivesRandomBytes) {
  std::mt19937 random(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> length(0, 3000);
  for (int i = 0; i < 300; ++i) {
    std::string input(length(random), '\0');
    for (char& c : input) {
      c = static_cast<char>(byte(random));
    }
    const std::string out = process(input);
    EXPECT_TRUE(out.empty() || out.rfind("HTTP/1.1 4", 0) == 0) << out;
  }
}

TEST_F(RawExchange, SurvivesMutatedRequests) {
  const std::string body = R"({"currency":"EUR","items":[{"sku":"A","qty":1,"price":5}]})";
  const std::string valid =
      "POST /api/orders?x=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_EQ(process(valid).rfind("HTTP/1.1 201", 0), 0U);
  std::mt19937 random(6789);
  std::uniform_int_distribution<std::size_t> position(0, valid.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 500; ++i) {
    std::string input = valid;
    for (int flips = 0; flips < 3; ++flips) {
      input[position(random)] = static_cast<char>(byte(random));
    }
    const std::string out = process(input);
    EXPECT_TRUE(out.empty() || out.rfind("HTTP/1.", 0) == 0) << out;
  }
}

TEST(HttpCodec, ClassifiesParseErrors) {
  namespace http = boost::beast::http;
  EXPECT_EQ(HttpCodec::classify(http::error::header_limit), RequestError::header_too_large);
  EXPECT_EQ(HttpCodec::classify(http::error::body_limit), RequestError::body_too_large);
  EXPECT_EQ(HttpCodec::classify(http::error::bad_method), RequestError::malformed);
  EXPECT_EQ(HttpCodec::classify(http::error::bad_field), RequestError::malformed);
  EXPECT_EQ(HttpCodec::classify(http::error::end_of_stream), std::nullopt);
  EXPECT_EQ(HttpCodec::classify(http::error::partial_message), std::nullopt);
  EXPECT_EQ(HttpCodec::classify(boost::asio::error::connection_reset), std::nullopt);
}

TEST(HttpCodec, BuildsResponseWithHeaders) {
  Response response = Response::json(201, "{}");
  response.with_header("Location", "/x");
  const std::string wire = HttpCodec::serialize(std::move(response), 11, true);
  EXPECT_EQ(wire,
            "HTTP/1.1 201 Created\r\nServer: pgokit-server\r\nContent-Type: application/json\r\n"
            "Location: /x\r\nContent-Length: 2\r\n\r\n{}");
}

TEST(HttpCodec, SerializesCloseAndHttp10KeepAlive) {
  EXPECT_EQ(HttpCodec::serialize(Response::json(200, "{}"), 11, false),
            "HTTP/1.1 200 OK\r\nServer: pgokit-server\r\nContent-Type: application/json\r\n"
            "Connection: close\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(HttpCodec::serialize(Response::json(200, "{}"), 10, true),
            "HTTP/1.0 200 OK\r\nServer: pgokit-server\r\nContent-Type: application/json\r\n"
            "Connection: keep-alive\r\nContent-Length: 2\r\n\r\n{}");
  // Any version other than 1.0 is answered in 1.1.
  EXPECT_EQ(HttpCodec::serialize(Response::json(200, "{}"), 12, true).rfind("HTTP/1.1 200 OK\r\n", 0),
            0U);
}

TEST(HttpCodec, SerializesHeadWithLengthButNoBody) {
  EXPECT_EQ(HttpCodec::serialize(Response::json(200, "hello"), 11, true, true),
            "HTTP/1.1 200 OK\r\nServer: pgokit-server\r\nContent-Type: application/json\r\n"
            "Content-Length: 5\r\n\r\n");
}

TEST(HttpCodec, Serializes204WithoutLengthOrBody) {
  Response response;
  response.status = 204;
  response.body = "ignored";
  EXPECT_EQ(HttpCodec::serialize(std::move(response), 11, true),
            "HTTP/1.1 204 No Content\r\nServer: pgokit-server\r\n\r\n");
}

TEST(HttpCodec, HeaderValuesCannotSplitTheHeader) {
  Response response = Response::json(200, "");
  response.with_header("Location", "/a\r\nSet-Cookie: x=1");
  const std::string wire = HttpCodec::serialize(std::move(response), 11, true);
  EXPECT_NE(wire.find("Location: /aSet-Cookie: x=1\r\n"), std::string::npos) << wire;
  EXPECT_EQ(wire.find("\r\nSet-Cookie"), std::string::npos) << wire;
}

}  // namespace
}  // namespace pgokit
