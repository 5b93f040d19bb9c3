// The transport on its own, as plain HTTP (the health listener's mode): a
// handler that throws gets a 500 that does not carry the exception's text,
// refusals without a refusal handler are answered in plain text, and the
// kernel queues a burst of connections that the accept loop has not taken yet.
#include "server/webhook/transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test/support/child_process.h"
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

// Nothing accepts until run(): every connection of a burst must wait in the
// kernel's accept queue. cpp-httplib's backlog of 5 would complete 6 of them
// and leave the rest retransmitting their SYN.
TEST(TransportBacklog, ABurstOfConnectionsWaitsInTheAcceptQueue) {
  for (const bool any_port : {true, false}) {
    SCOPED_TRACE(any_port ? "bind_to_any_port" : "bind_to_port");
    Transport transport(nullptr, TransportLimits{});
    ASSERT_TRUE(transport.is_valid());
    int port = 0;
    if (any_port) {
      port = transport.bind_to_any_port("127.0.0.1");
      ASSERT_GT(port, 0);
    } else {
      port = test::free_port();
      ASSERT_TRUE(transport.bind_to_port("127.0.0.1", port));
    }
    constexpr int kBurst = 100;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::vector<pollfd> fds;
    for (int i = 0; i < kBurst; ++i) {
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      ASSERT_GE(fd, 0);
      const int r = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
      ASSERT_TRUE(r == 0 || errno == EINPROGRESS) << std::strerror(errno);
      fds.push_back({fd, POLLOUT, 0});
    }
    // A completed handshake makes the socket writable at once; a dropped SYN
    // waits a second for its retransmission, so half a second tells them apart.
    int connected = 0;
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (connected < kBurst && std::chrono::steady_clock::now() < end) {
      poll(fds.data(), fds.size(), 50);
      connected = 0;
      for (const pollfd& p : fds) {
        int err = 0;
        socklen_t len = sizeof err;
        if ((p.revents & POLLOUT) != 0 && getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
          ++connected;
        }
      }
    }
    for (const pollfd& p : fds) close(p.fd);
    EXPECT_EQ(connected, kBurst);
  }
}

}  // namespace
}  // namespace rg::webhook
