// `check --prometheus`: instant queries against a real Prometheus, one per
// metric, over cpp-httplib. Requests mirror Argo's Prometheus provider (the
// Go client's api.Query): POST /api/v1/query with a form body, falling back to
// GET when the server refuses POST (405/501).
#include "server/cli/preflight.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

#include <httplib.h>

namespace rg::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxResponseBytes = 32u << 20;

bool is_template(const Object& o) {
  return o.group() == "argoproj.io" && (o.kind() == "AnalysisTemplate" || o.kind() == "ClusterAnalysisTemplate");
}

// application/x-www-form-urlencoded, as Go's url.Values.Encode.
std::string form_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string seconds_text(double s) {
  std::string t = analysis::format_sample(s);
  return t + "s";
}

// What went wrong talking to the server, in words a user can act on.
std::string transport_error(httplib::Error e, const std::string& connect_why, const std::string& where,
                            double timeout, bool timed_out) {
  std::string detail;
  switch (e) {
    case httplib::Error::Connection:
      detail = "cannot connect (" + (connect_why.empty() ? "server down, wrong port or unknown host" : connect_why) + ")";
      break;
    case httplib::Error::ConnectionTimeout:
      detail = "cannot connect within " + seconds_text(timeout) + " (timeout)";
      break;
    case httplib::Error::Read:
      detail = timed_out ? "no answer within " + seconds_text(timeout) + " (timeout)"
                         : "reading the response failed (the server closed the connection)";
      break;
    case httplib::Error::Write: detail = "sending the request failed"; break;
    case httplib::Error::Canceled:
      detail = timed_out ? "no complete answer within " + seconds_text(timeout) + " (timeout)"
                         : "response larger than " + std::to_string(kMaxResponseBytes >> 20) + " MiB";
      break;
    case httplib::Error::SSLConnection: detail = "TLS handshake failed"; break;
    case httplib::Error::SSLLoadingCerts: detail = "cannot load the system CA certificates"; break;
    case httplib::Error::SSLServerVerification: detail = "the server's TLS certificate is not trusted"; break;
    default: detail = "request failed (" + httplib::to_string(e) + ")"; break;
  }
  return where + ": " + detail;
}

// httplib says only "connection failed"; one plain connect says why
// ("Connection refused", an unknown host), which is what a user acts on.
std::string diagnose_connect(const std::string& host, const std::string& port, double timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string h = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  if (int rc = getaddrinfo(h.c_str(), port.c_str(), &hints, &found); rc != 0)
    return "unknown host \"" + h + "\": " + gai_strerror(rc);
  std::string why;
  for (addrinfo* a = found; a != nullptr && why.empty(); a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int err = 0;
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        int ms = static_cast<int>(std::min(timeout, 2.0) * 1000);
        if (poll(&p, 1, ms) == 1) {
          socklen_t len = sizeof err;
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        } else {
          err = ETIMEDOUT;
        }
      }
    }
    close(fd);
    if (err != 0) why = std::strerror(err);
  }
  freeaddrinfo(found);
  return why;
}

class Querier {
 public:
  Querier(const std::string& base, const std::string& host, const std::string& port, const std::string& prefix,
          double timeout)
      : base_(base), host_(host), port_(port), prefix_(prefix), timeout_(timeout), client_(base) {
    auto whole = std::chrono::duration<double>(timeout);
    auto sec = std::chrono::duration_cast<std::chrono::seconds>(whole);
    auto usec = std::chrono::duration_cast<std::chrono::microseconds>(whole - sec);
    client_.set_connection_timeout(static_cast<time_t>(sec.count()), static_cast<time_t>(usec.count()));
    client_.set_read_timeout(static_cast<time_t>(sec.count()), static_cast<time_t>(usec.count()));
    client_.set_write_timeout(static_cast<time_t>(sec.count()), static_cast<time_t>(usec.count()));
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);
  }

  // Sends one instant query; fills r->result / r->error and r->sent.
  void query(const std::string& q, PreflightResult* r) {
    std::string path = prefix_ + "/api/v1/query";
    if (!unreachable_.empty()) {
      r->error = unreachable_;
      return;
    }
    int status = 0;
    std::string body;
    if (!send("POST", path, q, &status, &body, r)) return;
    if (status == 405 || status == 501) {  // the Go client's DoGetFallback
      if (!send("GET", path, q, &status, &body, r)) return;
    }
    r->sent = true;
    r->result = analysis::parse_prometheus_response(body, status);
    if (!r->result.ok) r->error = r->result.error;
  }

 private:
  bool send(const std::string& method, const std::string& path, const std::string& q, int* status, std::string* body,
            PreflightResult* r) {
    httplib::Request req;
    req.method = method;
    std::string form = "query=" + form_encode(q);
    if (method == "POST") {
      req.path = path;
      req.body = form;
      req.set_header("Content-Type", "application/x-www-form-urlencoded");
    } else {
      req.path = path + "?" + form;
    }
    req.set_header("Accept", "application/json");
    req.set_header("User-Agent", "rollout-guard-preflight");
    Clock::time_point deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_));
    bool too_large = false;
    body->clear();
    req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
      if (body->size() + len > kMaxResponseBytes) {
        too_large = true;
        return false;
      }
      body->append(data, len);
      return Clock::now() < deadline;
    };
    req.progress = [&](uint64_t, uint64_t) { return Clock::now() < deadline; };
    httplib::Response res;
    httplib::Error err = httplib::Error::Success;
    bool ok = client_.send(req, res, err);
    if (ok && err == httplib::Error::Success) {
      *status = res.status;
      return true;
    }
    bool timed_out = !too_large && Clock::now() >= deadline - std::chrono::milliseconds(50);
    std::string where = method + " " + base_ + path;
    std::string why = err == httplib::Error::Connection ? diagnose_connect(host_, port_, timeout_) : "";
    r->error = transport_error(err, why, where, timeout_, timed_out);
    // A server that lets us wait the whole timeout is not asked again.
    if (err == httplib::Error::ConnectionTimeout || timed_out)
      unreachable_ = r->error + "; not sent: the server did not answer an earlier query in time";
    return false;
  }

  std::string base_, host_, port_, prefix_;
  double timeout_;
  httplib::Client client_;
  std::string unreachable_;
};

}  // namespace

namespace {

struct UrlParts {
  std::string base, host, port, prefix;
};

bool split_url(const std::string& url, UrlParts* parts, std::string* error) {
  auto bad = [&](const std::string& why) {
    *error = "--prometheus \"" + url + "\": " + why;
    return false;
  };
  std::string_view u = url;
  std::string scheme;
  if (u.substr(0, 7) == "http://") scheme = "http";
  else if (u.substr(0, 8) == "https://") scheme = "https";
  else return bad("must start with http:// or https://");
  u.remove_prefix(scheme.size() + 3);
  size_t slash = u.find('/');
  std::string_view authority = u.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : u.substr(slash);
  if (authority.empty()) return bad("no host");
  if (authority.find('@') != std::string_view::npos) return bad("user info in the URL is not supported");
  if (u.find_first_of("?#") != std::string_view::npos) return bad("a query string or fragment is not allowed");
  for (char c : authority) {
    if (c == ' ' || c == '\t' || c == '\n') return bad("spaces in the host");
  }
  // host[:port] or [v6]:port
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated [ in the host");
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("unexpected text after the IPv6 address");
      port = rest.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || host == "[]") return bad("no host");
  if (!port.empty()) {
    int p = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || p > 65535) return bad("invalid port \"" + std::string(port) + "\"");
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) return bad("invalid port \"" + std::string(port) + "\"");
  }
  parts->base = scheme + "://" + std::string(host) + (port.empty() ? "" : ":" + std::string(port));
  parts->host = std::string(host);
  parts->port = port.empty() ? (scheme == "https" ? "443" : "80") : std::string(port);
  std::string p(path);
  while (!p.empty() && p.back() == '/') p.pop_back();
  parts->prefix = p;
  return true;
}

}  // namespace

bool parse_prometheus_url(const std::string& url, std::string* base, std::string* prefix, std::string* error) {
  UrlParts parts;
  if (!split_url(url, &parts, error)) return false;
  *base = parts.base;
  *prefix = parts.prefix;
  return true;
}

std::vector<PreflightResult> run_preflight(const std::vector<Object>& objects, const Policy& policy,
                                           const PreflightOptions& opts) {
  std::vector<PreflightResult> out;
  UrlParts url;
  std::string url_error;
  bool url_ok = split_url(opts.url, &url, &url_error);
  std::unique_ptr<Querier> querier;
  if (url_ok) querier = std::make_unique<Querier>(url.base, url.host, url.port, url.prefix, opts.timeout_seconds);
  for (const Object& o : objects) {
    if (!is_template(o)) continue;
    analysis::TemplateAnalysis ta = analysis::analyze_template(o.doc, policy);
    analysis::TemplateArgs args = analysis::template_args(o.doc, opts.args);
    for (const analysis::MetricAnalysis& m : ta.metrics) {
      if (!m.prometheus) continue;
      PreflightResult r;
      r.kind = std::string(o.kind());
      r.name = std::string(o.name());
      r.ns = std::string(o.ns());
      r.metric = m.name;
      r.file = o.where.file;
      r.line = o.where.line;
      r.query = m.query;
      std::string resolved, arg_error;
      if (!url_ok) {
        r.error = url_error;
      } else if (!analysis::resolve_args(m.query, args, &resolved, &arg_error)) {
        r.error = "not sent: " + arg_error;
      } else {
        r.query = resolved;
        try {
          querier->query(resolved, &r);
        } catch (const std::exception& e) {  // httplib or std::bad_alloc: one metric's error, not the run's
          r.error = std::string("request failed: ") + e.what();
        }
      }
      if (r.error.empty()) {
        std::string cond_error;
        r.outcome = analysis::measure(m, r.result.value, &cond_error);
        if (r.outcome == analysis::Outcome::kError) {
          r.error = "the conditions cannot be evaluated on result " + r.result.text() + ": " +
                    (cond_error.empty() ? "evaluation error" : cond_error);
        }
      } else {
        r.outcome = analysis::Outcome::kError;
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace rg::cli
