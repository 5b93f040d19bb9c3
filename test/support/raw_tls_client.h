// A raw TLS client for transport tests: TCP to a loopback port, TLS without
// certificate checks (or with a client certificate), requests as bytes, and
// answers read back whole, so that a test controls every byte and its timing.
// Header-only: only the server and integration tests (which link OpenSSL)
// include it.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include <openssl/ssl.h>

namespace rg::test {

// A TCP connection to 127.0.0.1:port whose reads give up after 10 s, so
// that a server that never answers fails a test instead of hanging it.
inline int connect_loopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// One TLS connection that sends raw HTTP/1.1 requests and reads whole
// answers (headers, then Content-Length bytes), keeping the connection.
class RawClient {
 public:
  // With `cert_file` and `key_file` (PEM), the client presents that certificate.
  explicit RawClient(int port, const std::string& cert_file = "", const std::string& key_file = "") {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!cert_file.empty() && (SSL_CTX_use_certificate_file(ctx_, cert_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
                               SSL_CTX_use_PrivateKey_file(ctx_, key_file.c_str(), SSL_FILETYPE_PEM) != 1)) {
      return;
    }
    ssl_ = SSL_new(ctx_);
    fd_ = connect_loopback(port);
    ok_ = fd_ >= 0 && SSL_set_fd(ssl_, fd_) == 1 && SSL_connect(ssl_) == 1;
  }
  ~RawClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    close(fd_);
  }
  bool ok() const { return ok_; }
  int fd() const { return fd_; }
  // Whether the server's answer has begun to arrive, or the connection
  // ended, without blocking. (Records that hold no application data, like
  // TLS 1.3 session tickets, are not an answer.)
  bool answer_waiting() {
    if (!buf_.empty()) return true;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return false;
    const int flags = fcntl(fd_, F_GETFL);
    fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
    char b[16384];
    const int n = SSL_read(ssl_, b, sizeof b);
    const int e = n > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_, n);
    fcntl(fd_, F_SETFL, flags);
    if (n > 0) buf_.append(b, static_cast<size_t>(n));
    return e != SSL_ERROR_WANT_READ;
  }

  // The answer's head ("HTTP/1.1 ... \r\n\r\n") and body; head empty on failure.
  std::pair<std::string, std::string> roundtrip(const std::string& method, const std::string& target,
                                                const std::string& body, const std::string& content_type,
                                                const std::string& extra_headers = "") {
    if (!send(request(method, target, body, content_type, extra_headers))) return {};
    return answer(method);
  }

  static std::string request(const std::string& method, const std::string& target, const std::string& body,
                             const std::string& content_type, const std::string& extra_headers = "") {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers;
    if (!content_type.empty()) req += "Content-Type: " + content_type + "\r\n";
    if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return req + "\r\n" + body;
  }

  // Bytes as they are, in one TLS write.
  bool send(const std::string& bytes) {
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
  }

  // Reads until the server's bytes start with `prefix`, then drops it.
  bool expect(const std::string& prefix) {
    while (buf_.size() < prefix.size()) {
      if (!fill()) return false;
    }
    if (buf_.compare(0, prefix.size(), prefix) != 0) return false;
    buf_.erase(0, prefix.size());
    return true;
  }

  // True when the server ends the connection (close_notify or EOF) with no
  // more bytes sent; false on bytes or on the 10 s read timeout.
  bool closed_by_server() {
    char b[256];
    const int n = SSL_read(ssl_, b, sizeof b);
    if (n > 0) return false;
    const int e = SSL_get_error(ssl_, n);
    return buf_.empty() && (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno != EAGAIN));
  }

  // The next whole answer to a `method` request.
  std::pair<std::string, std::string> answer(const std::string& method = "GET") {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return {};
    }
    std::string head = buf_.substr(0, end + 4);
    size_t length = 0;
    if (size_t p = head.find("Content-Length: "); p != std::string::npos && method != "HEAD") {
      length = std::stoul(head.substr(p + 16));
    }
    while (buf_.size() < end + 4 + length) {
      if (!fill()) return {};
    }
    std::string out = buf_.substr(end + 4, length);
    buf_.erase(0, end + 4 + length);
    return {head, out};
  }

 private:
  bool fill() {
    char b[16384];
    int n = SSL_read(ssl_, b, sizeof b);
    if (n <= 0) return false;
    buf_.append(b, static_cast<size_t>(n));
    return true;
  }
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool ok_ = false;
  std::string buf_;
};

// Sends `request` over plain TCP to 127.0.0.1:port and reads until the
// server closes (each read at most 10 s): the whole answer, "" on failure.
inline std::string plain_exchange(int port, const std::string& request) {
  const int fd = connect_loopback(port);
  if (fd < 0) return "";
  std::string out;
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char b[4096];
    ssize_t n;
    while ((n = recv(fd, b, sizeof b, 0)) > 0) out.append(b, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

}  // namespace rg::test
