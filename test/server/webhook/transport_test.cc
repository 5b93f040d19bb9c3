// The transport on its own, as plain HTTP (the health listener's mode): a
// handler that throws gets a 500 that does not carry the exception's text,
// and refusals without a refusal handler are answered in plain text.
#include "server/webhook/transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace rg::webhook {
namespace {

// Sends `request` to 127.0.0.1:port and reads until the server closes (at
// most 10 s).
std::string exchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char b[4096];
    ssize_t n;
    while ((n = recv(fd, b, sizeof b, 0)) > 0) out.append(b, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

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
  const std::string answer = exchange(port_, "GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.substr(0, answer.find("\r\n")), "HTTP/1.1 500 Internal Server Error") << answer;
  EXPECT_EQ(answer.find("secret-detail"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("EXCEPTION_WHAT"), std::string::npos) << answer;
  // The transport goes on serving.
  const std::string ok = exchange(port_, "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(ok.substr(ok.find("\r\n\r\n") + 4), "ok\n");
}

TEST_F(PlainTransportTest, RefusalsAreAnsweredInPlainTextAndClose) {
  const std::string answer = exchange(port_, "POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n");
  EXPECT_EQ(answer,
            "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 62\r\n"
            "Content-Type: text/plain\r\n\r\nrequest body of 11 bytes is larger than the limit of 10 bytes\n");
}

}  // namespace
}  // namespace rg::webhook
