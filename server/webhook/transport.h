// The HTTP transport under the webhook: cpp-httplib's Server (request
// parsing, routing, handlers) over connections this class runs itself,
// through cpp-httplib's Stream interface and its protected process_request(),
// as httplib::SSLServer does. TLS when given a CertStore, plain HTTP without
// one (the health listener).
//
// Every byte and second a client may cost is bounded here, before routing:
//  - the handshake, and each request's head and body, have a total deadline
//    (read_timeout_ms), however slowly the client drips its bytes; each
//    answer has one too (write_timeout_ms). Sockets are non-blocking; a
//    connection waits in poll(2) for the time left.
//  - a request's head must fit the 16 KiB read buffer and pass check_head()
//    (request_head.h): no chunked or length-less bodies, no compressed
//    bodies, at most max_body_bytes; refusals are answered here with
//    "Connection: close" and never reach cpp-httplib.
//  - one worker thread serves one connection for its keep-alive life, up to
//    max_workers; accepted connections beyond wait in a queue of at most
//    max_queued, and connections beyond that are reset at once (counted in
//    TransportStats::refused). While connections wait, workers whose
//    connection is idle between requests close it and take a waiting one, so
//    idle keep-alive connections never starve new clients.
//
// Why not SSLServer: Debian's cpp-httplib 0.11 reads a request's head one
// byte per SSL_read, polls before each read and write, writes an answer's
// head and body as two TLS records, and bounds none of the above. Here a
// connection reads through a 16 KiB buffer (OpenSSL's read-ahead on), holds
// an answer until the request is done and sends it with one write, and looks
// up both addresses once.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include <httplib.h>

#include "server/webhook/request_head.h"
#include "server/webhook/tls.h"

namespace rg::webhook {

struct TransportLimits {
  size_t max_workers = 256;          // connections served at once
  size_t max_queued = 128;           // accepted connections waiting for a worker; more are reset
  size_t keep_alive_max_count = 100000;
  int idle_timeout_ms = 30000;       // keep-alive: the longest wait for a next request
  int read_timeout_ms = 10000;       // the handshake; one request's head and body
  int write_timeout_ms = 10000;      // one answer
  HeadLimits head;                   // body size limit and its flag's name
};

struct TransportStats {
  std::atomic<size_t> threads{0};    // worker threads started
  std::atomic<size_t> idle{0};       // worker threads without a connection
  std::atomic<size_t> queued{0};     // connections waiting for a worker
  std::atomic<uint64_t> refused{0};  // connections reset because the queue was full
  std::atomic<uint64_t> shed{0};     // idle keep-alive connections closed for a waiting one
};

// How many idle keep-alive connections should close to make room: one per
// connection that started to wait for a worker, never more than are still
// waiting (a connection that got a worker otherwise needs no room made).
class ShedLedger {
 public:
  void owe_one();
  void cap(size_t waiting);
  // Takes one owed close; false when none is owed.
  bool claim();

 private:
  std::mutex mu_;
  size_t owed_ = 0;
};

// A request the transport refused before routing (see check_head).
struct Refusal {
  int code = 0;
  std::string path, message, remote_addr;
};

class Transport : public httplib::Server {
 public:
  // `store` null: plain HTTP. Otherwise TLS with configure_server_ctx(store).
  // is_valid() is false when OpenSSL refuses a setting or a pipe cannot be made.
  Transport(CertStore* store, TransportLimits limits);
  ~Transport() override;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  bool is_valid() const override;

  // cpp-httplib's binds, then the listen backlog raised from cpp-httplib's 5
  // to SOMAXCONN (the kernel caps it at net.core.somaxconn), as Go's net/http
  // listens: apiservers open connections in bursts, and each SYN dropped from
  // a full accept queue costs its client a 1 s retransmission or its connect
  // timeout. These hide httplib::Server's; call them on the Transport.
  bool bind_to_port(const std::string& host, int port);
  int bind_to_any_port(const std::string& host);

  // Called (on the connection's thread) for each refused request; returns the
  // answer's JSON body. Unset: a plain-text body with the message. Set before run().
  void set_refusal_handler(std::function<std::string(const Refusal&)> handler) { on_refusal_ = std::move(handler); }
  // Requires client certificates that verify against `ca_file` (PEM) on
  // every TLS handshake. False with *error when the file cannot be read.
  bool require_client_certificates(const std::string& ca_file, std::string* error);

  const TransportStats& stats() const { return stats_; }

  // Accepts and serves until shutdown(); returns when every worker has
  // finished (at once when shutdown() came first). Call after bind_to_port().
  void run();
  // Stops accepting and wakes every connection waiting for its next request
  // so that it closes; connections in the middle of a request finish it
  // first. Safe from any thread, before, while or after run() starts.
  void shutdown();

 private:
  class Connection;
  bool process_and_close_socket(socket_t sock) override;
  // Serves one accepted (and, with TLS, handshaken) connection until it closes.
  void serve(Connection& conn);
  // Waits for a next request on an idle connection: true when bytes came;
  // false on the idle timeout, shutdown, or a worker wanted for a waiting connection.
  bool wait_for_request(Connection& conn);
  void refuse(Connection& conn, const HeadCheck& check);

  const TransportLimits limits_;
  SSL_CTX* ctx_ = nullptr;
  bool tls_ = false;
  int stop_pipe_[2] = {-1, -1};  // [0] turns readable (and stays so) on shutdown()
  int shed_fd_ = -1;             // an eventfd (semaphore): wakes idle connections to claim a close
  int listen_fd_ = -1;           // the last socket cpp-httplib made to bind: the bound one
  ShedLedger shed_ledger_;
  TransportStats stats_;
  std::function<std::string(const Refusal&)> on_refusal_;
  std::atomic<bool> run_started_{false}, run_done_{false}, shutdown_requested_{false};
};

}  // namespace rg::webhook
