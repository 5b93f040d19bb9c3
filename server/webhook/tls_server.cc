#include "server/webhook/tls_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <thread>

namespace rg::webhook {

namespace {

// A numeric host and a port from getpeername/getsockname, as cpp-httplib
// reports them.
void address_of(socket_t sock, bool peer, std::string* ip, int* port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if ((peer ? getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len)
            : getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len)) != 0) {
    return;
  }
  char host[NI_MAXHOST] = {};
  if (getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) == 0) {
    *ip = host;
  }
  if (addr.ss_family == AF_INET) *port = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) *port = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
}

// One connection's bytes, decrypted, in and out (see tls_server.h). Reads
// and writes block at most the socket's receive and send timeouts.
class TlsStream : public httplib::Stream {
 public:
  TlsStream(SSL* ssl, socket_t sock, int read_timeout_ms) : ssl_(ssl), sock_(sock), read_timeout_ms_(read_timeout_ms) {
    address_of(sock, true, &remote_ip_, &remote_port_);
    address_of(sock, false, &local_ip_, &local_port_);
  }

  // Bytes of a next request already here: in the buffer, or read from the
  // socket and still in OpenSSL's.
  bool buffered() const { return pos_ < len_ || SSL_has_pending(ssl_) == 1; }
  // Sends what write() held. False when the connection failed.
  bool flush() {
    if (failed_) return false;
    size_t off = 0;
    while (off < out_.size()) {
      const int n = SSL_write(ssl_, out_.data() + off, static_cast<int>(std::min<size_t>(out_.size() - off, INT_MAX)));
      if (n <= 0) return fail();
      off += static_cast<size_t>(n);
    }
    out_.clear();
    return true;
  }
  // Whether the connection may end with a close_notify (no TLS or socket
  // error so far; a read timeout is not one).
  bool healthy() const { return !failed_; }
  // Whether another request may be read.
  bool readable() const { return !failed_ && !stalled_; }

  bool is_readable() const override {
    if (buffered()) return true;
    pollfd p{sock_, POLLIN, 0};
    return poll(&p, 1, read_timeout_ms_) > 0;
  }
  bool is_writable() const override { return !failed_; }

  ssize_t read(char* ptr, size_t size) override {
    if (size == 0) return 0;
    if (pos_ == len_) {
      if (!flush()) return -1;  // an answer held (100 Continue) leaves before waiting for more
      if (size >= sizeof buf_) return ssl_read(ptr, size);
      const ssize_t n = ssl_read(buf_, sizeof buf_);
      if (n <= 0) return n;
      pos_ = 0;
      len_ = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, len_ - pos_);
    std::memcpy(ptr, buf_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (failed_) return -1;
    out_.append(ptr, size);
    if (out_.size() >= kFlushAt && !flush()) return -1;
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return sock_; }

 private:
  static constexpr size_t kFlushAt = 64 * 1024;

  ssize_t ssl_read(char* ptr, size_t size) {
    if (failed_ || stalled_) return -1;
    const int n = SSL_read(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT_MAX)));
    if (n > 0) return n;
    switch (SSL_get_error(ssl_, n)) {
      case SSL_ERROR_ZERO_RETURN: return 0;  // the peer's close_notify
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        // The receive timeout: no more reads, but the connection is sound,
        // so cpp-httplib's answer to the cut request (400) still leaves.
        stalled_ = true;
        return -1;
      default: fail(); return -1;  // a TLS error or a reset
    }
  }
  bool fail() {
    failed_ = true;
    out_.clear();
    return false;
  }

  SSL* const ssl_;
  const socket_t sock_;
  const int read_timeout_ms_;
  std::string remote_ip_, local_ip_;
  int remote_port_ = 0, local_port_ = 0;
  char buf_[16 * 1024];
  size_t pos_ = 0, len_ = 0;  // buf_[pos_, len_) not yet read
  std::string out_;           // held for flush()
  bool failed_ = false;       // a TLS or socket error: nothing more in or out
  bool stalled_ = false;      // a read timed out: nothing more in
};

int to_ms(time_t sec, time_t usec) {
  const long long ms = static_cast<long long>(sec) * 1000 + usec / 1000;
  return static_cast<int>(std::clamp<long long>(ms, 1, INT_MAX));
}

}  // namespace

TlsServer::TlsServer(CertStore* store) {
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (ctx_ != nullptr && !configure_server_ctx(ctx_, store)) {
    SSL_CTX_free(ctx_);
    ctx_ = nullptr;
  }
  // Read whatever the socket holds into OpenSSL's buffer: one read(2) for a
  // record's header and body, and for records that came together.
  if (ctx_ != nullptr) SSL_CTX_set_read_ahead(ctx_, 1);
  if (pipe2(stop_pipe_, O_CLOEXEC) != 0) stop_pipe_[0] = stop_pipe_[1] = -1;
}

TlsServer::~TlsServer() {
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  for (int fd : stop_pipe_) {
    if (fd >= 0) close(fd);
  }
}

bool TlsServer::is_valid() const { return ctx_ != nullptr && stop_pipe_[0] >= 0; }

void TlsServer::run() {
  run_started_ = true;
  if (!shutdown_requested_) listen_after_bind();
  run_done_ = true;
}

void TlsServer::shutdown() {
  shutdown_requested_ = true;
  // When run() has begun, wait for its accept loop (or its end); a run() not
  // begun yet sees shutdown_requested_ and returns at once.
  while (run_started_ && !run_done_ && !is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop();
  if (stop_pipe_[1] < 0) return;
  const char byte = 0;
  while (::write(stop_pipe_[1], &byte, 1) < 0 && errno == EINTR) {
  }
}

bool TlsServer::process_and_close_socket(socket_t sock) {
  // cpp-httplib's accept loop has set the socket's receive and send timeouts
  // (set_read_timeout, set_write_timeout): they bound the handshake and every
  // read or write after it.
  SSL* ssl = SSL_new(ctx_);
  if (ssl != nullptr && SSL_set_fd(ssl, sock) == 1 && SSL_accept(ssl) == 1) serve(ssl, sock);
  SSL_free(ssl);  // null-safe
  ::shutdown(sock, SHUT_RDWR);
  close(sock);
  return true;
}

void TlsServer::serve(SSL* ssl, socket_t sock) {
  TlsStream strm(ssl, sock, to_ms(read_timeout_sec_, read_timeout_usec_));
  const int idle_ms = to_ms(keep_alive_timeout_sec_, 0);
  for (size_t left = keep_alive_max_count_; left > 0 && svr_sock_ != INVALID_SOCKET; --left) {
    if (!strm.buffered()) {
      // The next request, the keep-alive timeout, or shutdown().
      pollfd fds[2] = {{sock, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      int ready;
      while ((ready = poll(fds, 2, idle_ms)) < 0 && errno == EINTR) {
      }
      if (ready <= 0 || (fds[1].revents & POLLIN) != 0) break;
      if (svr_sock_ == INVALID_SOCKET) break;  // stopped while it waited
    }
    bool connection_closed = false;
    const bool ok =
        process_request(strm, left == 1, connection_closed, [ssl](httplib::Request& req) { req.ssl = ssl; });
    if (!strm.flush() || !ok || connection_closed || !strm.readable()) break;
  }
  // A close_notify, as SSLServer sends, unless the connection failed (OpenSSL
  // must not write after a fatal error).
  if (strm.healthy()) SSL_shutdown(ssl);
}

}  // namespace rg::webhook
