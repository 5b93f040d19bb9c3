// The transport on its own, as plain HTTP (the health listener's mode): a
// handler that throws gets a 500 that does not carry the exception's text,
// and refusals without a refusal handler are answered in plain text.
#include "server/webhook/transport.h"

#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "test/support/raw_tls_client.h"

namespace rg::webhook {
namespace {

using test::plain_exchange;

class PlainTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TransportLimits limits;
    limits.read_timeout_ms = 2000;
    limits.head.max_body_bytes = 10;
    transport_ = std::make_unique<Transport>(nullptr, limits);
    ASSERT_TRUE(transport_->is_valid());
    transport_->Get("/boom", [](const httplib::Request&, httplib::Response&) {
      throw std::runtime_error("secret-detail of the failure");
    });
    transport_->Get("/ok", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
    port_ = transport_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { transport_->run(); });
  }
  void TearDown() override {
    transport_->shutdown();
    thread_.join();
  }

  std::unique_ptr<Transport> transport_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(PlainTransportTest, AThrowingHandlerGetsA500WithoutTheExceptionText) {
  const std::string answer = plain_exchange(port_, "GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.substr(0, answer.find("\r\n")), "HTTP/1.1 500 Internal Server Error") << answer;
  EXPECT_EQ(answer.find("secret-detail"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("EXCEPTION_WHAT"), std::string::npos) << answer;
  // The transport goes on serving.
  const std::string ok = plain_exchange(port_, "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(ok.substr(ok.find("\r\n\r\n") + 4), "ok\n");
}

TEST_F(PlainTransportTest, RefusalsAreAnsweredInPlainTextAndClose) {
  const std::string answer = plain_exchange(port_, "POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n");
  EXPECT_EQ(answer,
            "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 62\r\n"
            "Content-Type: text/plain\r\n\r\nrequest body of 11 bytes is larger than the limit of 10 bytes\n");
}

}  // namespace
}  // namespace rg::webhook
