#include "server/webhook/transport.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/webhook/log.h"

namespace rg::webhook {

namespace {

using Clock = std::chrono::steady_clock;

// Set on the accept thread while it runs a connection's job itself because
// the queue is full: process_and_close_socket() then resets the connection.
// (cpp-httplib hands the pool an opaque job per accepted socket; running it
// is the only way to reach the socket.)
thread_local bool t_refuse_connection = false;

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

int clamp_int(size_t n) { return static_cast<int>(std::min<size_t>(n, INT_MAX)); }

// Waits until `fd` has `events` or `deadline` passes: false on the deadline.
// Readiness includes errors and hangups, which the next read or write reports.
bool wait_until(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int r = poll(&p, 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
    if (r > 0) return true;
    if (r == 0 || errno != EINTR) return false;
  }
}

// Closing a socket with unread bytes makes the kernel send a reset, which
// can destroy an answer the client has not read yet (a 413 to a client still
// sending its body). So: end the sending side, then read and drop what the
// client still sends, until it closes, for at most 1 s and 1 MiB.
void linger_close(int sock) {
  ::shutdown(sock, SHUT_WR);
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(1);
  char scratch[16 * 1024];
  for (size_t dropped = 0; dropped < (1u << 20);) {
    const ssize_t n = ::recv(sock, scratch, sizeof scratch, 0);
    if (n > 0) {
      dropped += static_cast<size_t>(n);
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) break;
    if (!wait_until(sock, POLLIN, deadline)) break;
  }
}

// A worker pool that starts small and grows, one thread per connection being
// served, up to `max_threads`. Connections beyond wait in the queue, at most
// `max_queued` of them; each one that waits asks an idle connection to close
// (one count on `shed_fd`). Past the queue's bound a connection is reset.
class ConnectionPool : public httplib::TaskQueue {
 public:
  ConnectionPool(size_t max_threads, size_t max_queued, int shed_fd, ShedLedger* ledger, TransportStats* stats)
      : max_(std::max<size_t>(1, max_threads)),
        max_queued_(max_queued),
        shed_fd_(shed_fd),
        ledger_(ledger),
        stats_(stats) {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < std::min<size_t>(8, max_); ++i) spawn();
  }
  ~ConnectionPool() override = default;

  void enqueue(std::function<void()> fn) override {
    bool waits = false, refuse = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (threads_.size() < max_ && busy_ + jobs_.size() + 1 > threads_.size()) spawn();
      if (waiting_after_push_locked() > max_queued_) {
        refuse = true;
      } else {
        jobs_.push_back(std::move(fn));
        waits = waiting_locked() > 0;
        stats_->queued = waiting_locked();
        // Under the pool's lock: a worker taking this job caps the ledger after this, never before.
        if (waits) ledger_->owe_one();
      }
    }
    if (refuse) {
      const uint64_t n = ++stats_->refused;
      if (n == 1 || n % 1000 == 0) {
        log_json(spdlog::level::warn, "connection queue full: new connections are reset",
                 {{"max_connections", max_}, {"max_queued_connections", max_queued_}, {"reset_so_far", n}});
      }
      t_refuse_connection = true;
      fn();
      t_refuse_connection = false;
      return;
    }
    cv_.notify_one();
    if (waits) {
      const uint64_t one = 1;
      ssize_t ignored = ::write(shed_fd_, &one, sizeof one);  // wake one idle connection to make room
      (void)ignored;
      if (!warned_.exchange(true)) {
        log_json(spdlog::level::warn,
                 "worker pool saturated: new connections wait for a worker; idle keep-alive connections are closed "
                 "to make room",
                 {{"max_connections", max_}});
      }
    }
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();  // threads_ no longer grows: the accept loop has ended
  }

 private:
  // Jobs that no thread can take yet: beyond the threads not already busy.
  size_t waiting_locked() const {
    const size_t claimed = busy_ + jobs_.size();
    return claimed > threads_.size() ? claimed - threads_.size() : 0;
  }
  size_t waiting_after_push_locked() const {
    const size_t claimed = busy_ + jobs_.size() + 1;
    return claimed > threads_.size() ? claimed - threads_.size() : 0;
  }

  void spawn() {  // with mu_ held
    threads_.emplace_back([this] { work(); });
    stats_->threads = threads_.size();
  }

  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        stats_->idle = threads_.size() - busy_;
        cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stop_ and nothing left
        job = std::move(jobs_.front());
        jobs_.pop_front();
        ++busy_;
        stats_->queued = waiting_locked();
        ledger_->cap(waiting_locked());
      }
      job();
      std::lock_guard<std::mutex> lock(mu_);
      --busy_;
    }
  }

  const size_t max_, max_queued_;
  const int shed_fd_;
  ShedLedger* ledger_;
  TransportStats* stats_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  size_t busy_ = 0;  // threads running a job
  bool stop_ = false;
  std::atomic<bool> warned_{false};
};

}  // namespace

void ShedLedger::owe_one() {
  std::lock_guard<std::mutex> lock(mu_);
  ++owed_;
}

void ShedLedger::cap(size_t waiting) {
  std::lock_guard<std::mutex> lock(mu_);
  owed_ = std::min(owed_, waiting);
}

bool ShedLedger::claim() {
  std::lock_guard<std::mutex> lock(mu_);
  if (owed_ == 0) return false;
  --owed_;
  return true;
}

// One connection's bytes, decrypted, in and out, over a non-blocking socket.
// Reads wait at most until the read deadline the transport sets per request;
// an answer's writes at most write_timeout_ms.
class Transport::Connection : public httplib::Stream {
 public:
  enum class Head { kOk, kClosed, kTimedOut, kTooLarge };

  Connection(SSL* ssl, socket_t sock, int write_timeout_ms)
      : ssl_(ssl), sock_(sock), write_timeout_(write_timeout_ms) {
    address_of(sock, true, &remote_ip_, &remote_port_);
    address_of(sock, false, &local_ip_, &local_port_);
  }

  SSL* ssl() const { return ssl_; }
  const std::string& remote_ip() const { return remote_ip_; }
  void set_read_deadline(Clock::time_point t) { read_deadline_ = t; }

  // The TLS handshake, by `deadline`.
  bool handshake(Clock::time_point deadline) {
    for (;;) {
      const int r = SSL_accept(ssl_);
      if (r == 1) return true;
      const int e = SSL_get_error(ssl_, r);
      const short want = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
      if (want == 0 || !wait_until(sock_, want, deadline)) return fail();
    }
  }

  // Bytes of a next request already here: in the buffer, or read from the
  // socket and still in OpenSSL's.
  bool buffered() const { return pos_ < len_ || (ssl_ != nullptr && SSL_has_pending(ssl_) == 1); }

  // Reads until the buffer holds a whole request head (*head views it; the
  // bytes stay unread for cpp-httplib), the buffer is full, the peer closes
  // or fails (kClosed), or the read deadline passes with part of a request
  // here (kTimedOut).
  Head read_head(std::string_view* head) {
    for (;;) {
      const std::string_view have(buf_ + pos_, len_ - pos_);
      if (const size_t end = find_head_end(have); end != std::string_view::npos) {
        *head = have.substr(0, end);
        return Head::kOk;
      }
      if (have.size() == sizeof buf_) return Head::kTooLarge;
      if (pos_ > 0) {
        std::memmove(buf_, buf_ + pos_, len_ - pos_);
        len_ -= pos_;
        pos_ = 0;
      }
      const ssize_t n = read_until_deadline(buf_ + len_, sizeof buf_ - len_);
      if (n <= 0) return stalled_ && !failed_ ? Head::kTimedOut : Head::kClosed;
      len_ += static_cast<size_t>(n);
    }
  }

  // Sends what write() held, by the write deadline. False when the
  // connection failed or the deadline passed.
  bool flush() {
    if (failed_) return false;
    const Clock::time_point deadline = Clock::now() + write_timeout_;
    size_t off = 0;
    while (off < out_.size()) {
      short want = 0;
      const ssize_t n = write_some(out_.data() + off, out_.size() - off, &want);
      if (n > 0) {
        off += static_cast<size_t>(n);
        continue;
      }
      if (failed_ || !wait_until(sock_, want, deadline)) return fail();
    }
    out_.clear();
    return true;
  }
  // Whether the connection may end with a close_notify (no TLS or socket
  // error so far; a read deadline is not one).
  bool healthy() const { return !failed_; }
  // The connection ends with the client perhaps still sending (a refusal):
  // close it so that the answer is not lost to a reset (see linger_close).
  void set_linger() { linger_ = true; }
  bool linger() const { return linger_; }
  // Whether another request may be read.
  bool readable() const { return !failed_ && !stalled_; }

  bool is_readable() const override { return buffered() || wait_until(sock_, POLLIN, read_deadline_); }
  bool is_writable() const override { return !failed_; }

  ssize_t read(char* ptr, size_t size) override {
    if (size == 0) return 0;
    if (pos_ == len_) {
      if (!flush()) return -1;  // an answer held (100 Continue) leaves before waiting for more
      if (size >= sizeof buf_) return read_until_deadline(ptr, size);
      const ssize_t n = read_until_deadline(buf_, sizeof buf_);
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

  // One read: bytes, 0 at the peer's close, or -1 with *want set (it would
  // block) or failed_ set.
  ssize_t read_some(char* ptr, size_t size, short* want) {
    if (ssl_ != nullptr) {
      const int n = SSL_read(ssl_, ptr, clamp_int(size));
      if (n > 0) return n;
      switch (SSL_get_error(ssl_, n)) {
        case SSL_ERROR_ZERO_RETURN: return 0;  // the peer's close_notify
        case SSL_ERROR_WANT_READ: *want = POLLIN; return -1;
        case SSL_ERROR_WANT_WRITE: *want = POLLOUT; return -1;
        default: fail(); return -1;  // a TLS error or a reset
      }
    }
    return plain_io([&] { return ::recv(sock_, ptr, size, 0); }, POLLIN, want);
  }

  ssize_t write_some(const char* ptr, size_t size, short* want) {
    if (ssl_ != nullptr) {
      const int n = SSL_write(ssl_, ptr, clamp_int(size));
      if (n > 0) return n;
      switch (SSL_get_error(ssl_, n)) {
        case SSL_ERROR_WANT_READ: *want = POLLIN; return -1;
        case SSL_ERROR_WANT_WRITE: *want = POLLOUT; return -1;
        default: fail(); return -1;
      }
    }
    return plain_io([&] { return ::send(sock_, ptr, size, MSG_NOSIGNAL); }, POLLOUT, want);
  }

  // A plain socket call, retried on EINTR: bytes (0 at the peer's close for
  // a read), or -1 with *want = would_block, or -1 after fail().
  template <typename Call>
  ssize_t plain_io(Call call, short would_block, short* want) {
    for (;;) {
      const ssize_t n = call();
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        *want = would_block;
        return -1;
      }
      fail();
      return -1;
    }
  }

  // Reads, waiting for bytes until the read deadline: bytes, 0 at the peer's
  // close, -1 when the connection failed or the deadline passed (stalled_:
  // nothing more is read, but an answer may still leave).
  ssize_t read_until_deadline(char* ptr, size_t size) {
    if (failed_ || stalled_) return -1;
    for (;;) {
      short want = 0;
      const ssize_t n = read_some(ptr, size, &want);
      if (n >= 0 || failed_) return n;
      if (!wait_until(sock_, want, read_deadline_)) {
        stalled_ = true;
        return -1;
      }
    }
  }

  bool fail() {
    failed_ = true;
    out_.clear();
    return false;
  }

  SSL* const ssl_;  // null: plain HTTP
  const socket_t sock_;
  const std::chrono::milliseconds write_timeout_;
  Clock::time_point read_deadline_ = Clock::now();
  std::string remote_ip_, local_ip_;
  int remote_port_ = 0, local_port_ = 0;
  char buf_[kMaxHeadBytes];
  size_t pos_ = 0, len_ = 0;  // buf_[pos_, len_) not yet read
  std::string out_;           // held for flush()
  bool failed_ = false;       // a TLS or socket error, or a write deadline: nothing more in or out
  bool stalled_ = false;      // the read deadline passed: nothing more in
  bool linger_ = false;       // close with linger_close()
};

Transport::Transport(CertStore* store, TransportLimits limits) : limits_(std::move(limits)), tls_(store != nullptr) {
  if (tls_) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (ctx_ != nullptr && !configure_server_ctx(ctx_, store)) {
      SSL_CTX_free(ctx_);
      ctx_ = nullptr;
    }
    // Read whatever the socket holds into OpenSSL's buffer: one read(2) for a
    // record's header and body, and for records that came together.
    if (ctx_ != nullptr) SSL_CTX_set_read_ahead(ctx_, 1);
  }
  if (pipe2(stop_pipe_, O_CLOEXEC) != 0) stop_pipe_[0] = stop_pipe_[1] = -1;
  shed_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
  set_tcp_nodelay(true);
  // SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT, which
  // lets a second instance bind the same port silently. cpp-httplib binds the
  // last socket it passes here (it closes those that fail to bind).
  set_socket_options([this](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = sock;
  });
  set_keep_alive_max_count(limits_.keep_alive_max_count);
  set_keep_alive_timeout((limits_.idle_timeout_ms + 999) / 1000);  // what the Keep-Alive header announces
  // cpp-httplib's own check, behind check_head()'s.
  set_payload_max_length(limits_.head.max_body_bytes);
  // A handler that throws gets a 500 with no body (an error handler may add
  // one); what() goes to the log only, where cpp-httplib's default would put
  // it in a response header.
  set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log_json(spdlog::level::err, "request handler failed", {{"method", req.method}, {"path", req.path}, {"error", what}});
    res.status = 500;
    res.body.clear();
  });
  const size_t workers = limits_.max_workers, queued = limits_.max_queued;
  new_task_queue = [this, workers, queued] { return new ConnectionPool(workers, queued, shed_fd_, &shed_ledger_, &stats_); };
}

Transport::~Transport() {
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  for (int fd : {stop_pipe_[0], stop_pipe_[1], shed_fd_}) {
    if (fd >= 0) close(fd);
  }
}

bool Transport::bind_to_port(const std::string& host, int port) {
  // listen() on a listening socket sets its backlog anew.
  return httplib::Server::bind_to_port(host, port) && ::listen(listen_fd_, SOMAXCONN) == 0;
}

int Transport::bind_to_any_port(const std::string& host) {
  const int port = httplib::Server::bind_to_any_port(host);
  return port > 0 && ::listen(listen_fd_, SOMAXCONN) == 0 ? port : -1;
}

bool Transport::is_valid() const { return (!tls_ || ctx_ != nullptr) && stop_pipe_[0] >= 0 && shed_fd_ >= 0; }

bool Transport::require_client_certificates(const std::string& ca_file, std::string* error) {
  if (ctx_ == nullptr) {
    *error = "client certificates need TLS";
    return false;
  }
  if (SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr) != 1) {
    *error = "cannot read client CA bundle " + ca_file + " (PEM certificates expected)";
    return false;
  }
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return true;
}

void Transport::run() {
  run_started_ = true;
  if (!shutdown_requested_) listen_after_bind();
  run_done_ = true;
}

void Transport::shutdown() {
  shutdown_requested_ = true;
  // cpp-httplib's stop() does nothing until its accept loop runs (which would
  // then wait for connections forever): when run() has begun, wait for the
  // loop (or its end); a run() not begun yet sees shutdown_requested_.
  while (run_started_ && !run_done_ && !is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop();
  if (stop_pipe_[1] < 0) return;
  const char byte = 0;
  while (::write(stop_pipe_[1], &byte, 1) < 0 && errno == EINTR) {
  }
}

bool Transport::process_and_close_socket(socket_t sock) {
  if (t_refuse_connection) {
    linger reset{1, 0};  // an RST at once: the client fails fast instead of waiting
    setsockopt(sock, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(sock);
    return true;
  }
  const int flags = fcntl(sock, F_GETFL);
  SSL* ssl = nullptr;
  bool ok = flags >= 0 && fcntl(sock, F_SETFL, flags | O_NONBLOCK) == 0;
  if (ok && tls_) {
    ssl = SSL_new(ctx_);
    ok = ssl != nullptr && SSL_set_fd(ssl, sock) == 1;
  }
  if (ok) {
    Connection conn(ssl, sock, limits_.write_timeout_ms);
    if (!tls_ || conn.handshake(Clock::now() + std::chrono::milliseconds(limits_.read_timeout_ms))) serve(conn);
    if (conn.linger()) linger_close(sock);
  }
  SSL_free(ssl);  // null-safe
  ::shutdown(sock, SHUT_RDWR);
  close(sock);
  return true;
}

bool Transport::wait_for_request(Connection& conn) {
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(limits_.idle_timeout_ms);
  // A client whose next request has already arrived is not idle: serve it
  // rather than close it for a waiting connection.
  pollfd arrived{conn.socket(), POLLIN, 0};
  if (poll(&arrived, 1, 0) > 0) return true;
  if (shed_ledger_.claim()) {  // a waiting connection needs this worker more
    ++stats_.shed;
    return false;
  }
  // Then woken by each connection that starts to wait; one idle connection
  // claims each close owed, not every idle one.
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd fds[3] = {{conn.socket(), POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}, {shed_fd_, POLLIN, 0}};
    const int ready = poll(fds, 3, static_cast<int>(std::min<long long>(left, INT_MAX)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || (fds[1].revents & POLLIN) != 0 || svr_sock_ == INVALID_SOCKET) return false;
    if (fds[0].revents != 0) return true;
    uint64_t one;
    if ((fds[2].revents & POLLIN) != 0 && ::read(shed_fd_, &one, sizeof one) == sizeof one &&
        shed_ledger_.claim()) {
      ++stats_.shed;
      return false;
    }
  }
}

void Transport::refuse(Connection& conn, const HeadCheck& check) {
  Refusal r{check.code, check.path, check.message, conn.remote_ip()};
  const bool json = static_cast<bool>(on_refusal_);
  const std::string body = json ? on_refusal_(r) : check.message + "\n";
  const std::string head = "HTTP/1.1 " + std::to_string(check.code) + " " + reason_phrase(check.code) +
                           "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\nContent-Type: " + (json ? "application/json" : "text/plain") + "\r\n\r\n";
  conn.write(head.data(), head.size());
  conn.write(body.data(), body.size());
  conn.flush();
  conn.set_linger();
}

void Transport::serve(Connection& conn) {
  for (size_t left = limits_.keep_alive_max_count; left > 0 && svr_sock_ != INVALID_SOCKET; --left) {
    if (!conn.buffered() && !wait_for_request(conn)) break;
    conn.set_read_deadline(Clock::now() + std::chrono::milliseconds(limits_.read_timeout_ms));
    std::string_view head;
    const Connection::Head got = conn.read_head(&head);
    if (got == Connection::Head::kClosed) break;
    if (got != Connection::Head::kOk) {
      HeadCheck timeout;
      timeout.code = got == Connection::Head::kTimedOut ? 408 : 431;
      timeout.message = got == Connection::Head::kTimedOut
                            ? "request head not complete within the read timeout"
                            : "request head larger than " + std::to_string(kMaxHeadBytes) + " bytes";
      refuse(conn, timeout);
      break;
    }
    const HeadCheck check = check_head(head, limits_.head);
    if (check.code != 0) {
      refuse(conn, check);
      break;
    }
    bool connection_closed = false;
    SSL* ssl = conn.ssl();
    const bool ok =
        process_request(conn, left == 1, connection_closed, [ssl](httplib::Request& req) { req.ssl = ssl; });
    if (!conn.flush() || !ok || connection_closed || !conn.readable()) break;
  }
  // A close_notify, as SSLServer sends, unless the connection failed (OpenSSL
  // must not write after a fatal error). One try: the socket is non-blocking.
  if (conn.ssl() != nullptr && conn.healthy()) SSL_shutdown(conn.ssl());
}

}  // namespace rg::webhook
