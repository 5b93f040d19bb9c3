// The HTTPS transport: cpp-httplib's Server (request parsing, routing,
// handlers, the worker pool) over connections whose TLS this class runs
// itself, through cpp-httplib's Stream interface and its protected
// process_request(), as httplib::SSLServer does.
//
// Why not SSLServer: Debian's cpp-httplib 0.11 reads a request's head one
// byte per SSL_read, polls the socket before each read that finds OpenSSL's
// buffer empty and before each write (with a recv(MSG_PEEK) to see whether
// the peer is alive), writes an answer's head and body as two TLS records,
// and asks the kernel for both addresses on every request: 14 system calls
// per request where 3 do (wait, read, write). Here a connection
//  - reads through a 16 KiB buffer filled by SSL_read (OpenSSL's read-ahead
//    on: one read(2) per burst of records);
//  - waits for a request with one poll(2) on the socket and a stop pipe
//    (keep-alive timeout), and for the rest of a request inside SSL_read,
//    without polling, bounded by the receive timeout (--read-timeout) that
//    cpp-httplib's accept loop sets on the socket, as it sets the send
//    timeout (--write-timeout) and TCP_NODELAY comes from the listener;
//  - holds an answer's bytes until the request is done (or 64 KiB gather,
//    or the server reads again, as for "Expect: 100-continue") and sends them
//    with one SSL_write: one write(2) (and one TLS record up to 16 KiB);
//  - looks up the peer's and its own address once.
// Threading, keep-alive limits and payload limits are cpp-httplib's, as with
// SSLServer: one pool thread per connection for its keep-alive life.
#pragma once

#include <openssl/ssl.h>

#include <atomic>

#include <httplib.h>

#include "server/webhook/tls.h"

namespace rg::webhook {

class TlsServer : public httplib::Server {
 public:
  // Configures its SSL_CTX with configure_server_ctx(store); is_valid() is
  // false when OpenSSL refuses a setting or the stop pipe cannot be made.
  explicit TlsServer(CertStore* store);
  ~TlsServer() override;
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  bool is_valid() const override;

  // Accepts and serves until shutdown(); returns when every worker has
  // finished (at once when shutdown() came first). cpp-httplib's
  // listen_after_bind() after bind_to_port().
  void run();
  // Stops accepting and wakes every connection waiting for its next request
  // so that it closes; connections in the middle of a request finish it
  // first. Safe from any thread, before, while or after run() starts:
  // cpp-httplib's stop() alone does nothing until its accept loop runs (which
  // would then wait for connections forever), and leaves idle connections to
  // notice within 10 ms, where a connection here waits in poll(2) without a
  // tick.
  void shutdown();

 private:
  bool process_and_close_socket(socket_t sock) override;
  // Serves one accepted, handshaken connection until it closes.
  void serve(SSL* ssl, socket_t sock);

  SSL_CTX* ctx_ = nullptr;
  int stop_pipe_[2] = {-1, -1};  // [0] turns readable (and stays so) on shutdown()
  std::atomic<bool> run_started_{false}, run_done_{false}, shutdown_requested_{false};
};

}  // namespace rg::webhook
