// Development certificates: a CA and a serving certificate it signs.
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "certs/certs.h"
#include "certs/x509_util.h"

namespace rg::certs {

namespace {

template <class T>
using Ptr = OpenSslPtr<T>;

std::string ssl_error() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

Status fail(const std::string& what) { return Status::Error(what + ": " + ssl_error()); }

Ptr<EVP_PKEY> new_key() { return Ptr<EVP_PKEY>(EVP_EC_gen("P-256")); }

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

bool random_serial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return false;
  bytes[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(bytes, sizeof bytes, nullptr);
  if (bn == nullptr) return false;
  bool ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  return ok;
}

Ptr<X509> new_cert(EVP_PKEY* key, const std::string& cn, const Validity& v) {
  Ptr<X509> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1 || !random_serial(cert.get())) return nullptr;
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(v.not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(v.not_after)) == nullptr) {
    return nullptr;
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("rollout-guard"),
                                 -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return nullptr;
  }
  return cert;
}

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// The subjectAltName extension: one GENERAL_NAME per name, an iPAddress for
// an IP literal and a dNSName otherwise. Built from the ASN.1 structures, not
// from a "DNS:a,IP:b" config string, so no name can add entries of its own.
bool add_sans(X509* cert, const std::vector<std::string>& names) {
  Ptr<GENERAL_NAMES> gens(sk_GENERAL_NAME_new_null());
  if (!gens) return false;
  for (const std::string& n : names) {
    Ptr<GENERAL_NAME> gen(GENERAL_NAME_new());
    if (!gen) return false;
    if (is_ip(n)) {
      ASN1_OCTET_STRING* ip = a2i_IPADDRESS(n.c_str());
      if (ip == nullptr) return false;
      GENERAL_NAME_set0_value(gen.get(), GEN_IPADD, ip);
    } else {
      Ptr<ASN1_STRING> dns(ASN1_IA5STRING_new());
      if (!dns || ASN1_STRING_set(dns.get(), n.data(), static_cast<int>(n.size())) != 1) return false;
      GENERAL_NAME_set0_value(gen.get(), GEN_DNS, dns.release());
    }
    if (sk_GENERAL_NAME_push(gens.get(), gen.get()) == 0) return false;
    gen.release();  // owned by gens
  }
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, gens.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

// `s` in double quotes, with bytes that are not printable ASCII as \xNN.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
      out.push_back(static_cast<char>(ch));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    }
  }
  return out + "\"";
}

// Why `label` is not an RFC 1123 host name label; "" when it is one.
std::string label_error(std::string_view label) {
  if (label.empty()) return "it has an empty label (\"..\", or a leading or trailing \".\")";
  if (label.size() > 63) return "a label is longer than 63 characters";
  if (label.front() == '-' || label.back() == '-') return "a label starts or ends with '-'";
  for (char ch : label) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-';
    if (ok) continue;
    const bool printable = ch >= 0x20 && ch < 0x7f;
    return (printable ? std::string("'") + ch + "'" : std::string("a control or non-ASCII byte")) +
           " is not allowed (letters, digits, '-' and '.' only, and a leading \"*.\" for a wildcard)";
  }
  return "";
}

std::string errno_text() { return std::strerror(errno); }

// Writes `data` to `path` with exactly `mode`, so that no reader sees half a
// file or wider permissions, and nothing planted in the folder is written
// through: a new file with a random name next to `path`, created with
// O_EXCL|O_NOFOLLOW and mode 0600, given `mode` (fchmod, so the umask does not
// matter), synced, then renamed over `path` (rename replaces a symlink at
// `path` and never follows it).
Status write_file(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 8; ++attempt) {
    unsigned char r[8];
    if (RAND_bytes(r, sizeof r) != 1) return fail(path + ": choosing a temporary name");
    char hex[2 * sizeof r + 1];
    for (size_t i = 0; i < sizeof r; ++i) std::snprintf(hex + 2 * i, 3, "%02x", r[i]);
    tmp = path + ".tmp-" + hex;
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) return Status::Error(tmp + ": cannot create: " + errno_text());
  }
  if (fd < 0) return Status::Error(path + ": cannot create a temporary file next to it: " + errno_text());
  auto abandon = [&](const std::string& what) {
    Status st = Status::Error(tmp + ": " + what + ": " + errno_text());
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  };
  if (::fchmod(fd, mode) != 0) return abandon("cannot set its mode");
  for (size_t done = 0; done < data.size();) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return abandon("write failed");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return abandon("fsync failed");
  if (::close(fd) != 0) {
    Status st = Status::Error(tmp + ": close failed: " + errno_text());
    ::unlink(tmp.c_str());
    return st;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = Status::Error(path + ": cannot replace it with " + tmp + ": " + errno_text());
    ::unlink(tmp.c_str());
    return st;
  }
  // Make the rename durable too (best effort: the file itself is complete).
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace

Validity Validity::days_from_now(int days) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  return {now - kBackdateSeconds, now + int64_t{days} * 86400};
}

Status generate_ca(const std::string& common_name, int days, Pem* ca) {
  return generate_ca(common_name, Validity::days_from_now(days), ca);
}

Status generate_ca(const std::string& common_name, const Validity& validity, Pem* ca) {
  Ptr<EVP_PKEY> key = new_key();
  if (!key) return fail("generating the CA key");
  Ptr<X509> cert = new_cert(key.get(), common_name, validity);
  if (!cert) return fail("building the CA certificate");
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1 ||
      !add_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash") ||
      X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return fail("signing the CA certificate");
  }
  ca->cert = to_pem(cert.get());
  ca->key = to_pem(key.get());
  if (ca->cert.empty() || ca->key.empty()) return fail("encoding the CA as PEM");
  return Status::Ok();
}

Status check_san_name(const std::string& name) {
  if (name.empty()) return Status::Error("an empty name is not a host name or an IP address");
  if (is_ip(name)) return Status::Ok();
  const std::string what = quoted(name) + " is not a host name or an IP address: ";
  std::string_view host = name;
  if (host.rfind("*.", 0) == 0) host.remove_prefix(2);  // a wildcard for one leftmost label
  if (host.size() > 253) return Status::Error(what + "longer than 253 characters");
  std::string_view last;
  for (size_t start = 0;;) {
    size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (std::string err = label_error(label); !err.empty()) return Status::Error(what + err);
    last = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (std::all_of(last.begin(), last.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    return Status::Error(what + "it ends in a number label, like an IP address, but is not one");
  }
  return Status::Ok();
}

std::vector<std::string> serving_cert_names(const std::vector<std::string>& names) {
  std::vector<std::string> sans = {"localhost", "127.0.0.1", "::1"};
  for (const std::string& n : names) {
    if (std::find(sans.begin(), sans.end(), n) == sans.end()) sans.push_back(n);
  }
  return sans;
}

Status issue_serving_cert(const Pem& ca, const std::vector<std::string>& names, int days, Pem* out) {
  return issue_serving_cert(ca, names, Validity::days_from_now(days), out);
}

Status issue_serving_cert(const Pem& ca, const std::vector<std::string>& names, const Validity& validity, Pem* out) {
  for (const std::string& n : names) {
    if (Status st = check_san_name(n); !st.ok()) return Status::Error("serving certificate name: " + st.message());
  }
  std::shared_ptr<const KeyPair> ca_pair;
  if (Status st = load_key_pair_pem(ca.cert, ca.key, "CA", &ca_pair); !st.ok()) return st;
  const std::vector<std::string> sans = serving_cert_names(names);

  Ptr<EVP_PKEY> key = new_key();
  if (!key) return fail("generating the serving key");
  // A subject CN holds at most 64 characters (RFC 5280 ub-common-name); clients read the SANs.
  std::string cn = names.empty() ? "localhost" : names[0].size() <= 64 ? names[0] : "rollout-guard";
  Ptr<X509> cert = new_cert(key.get(), cn, validity);
  if (!cert) return fail("building the serving certificate");
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_pair->cert())) != 1 ||
      !add_ext(cert.get(), ca_pair->cert(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(cert.get(), ca_pair->cert(), NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
      !add_ext(cert.get(), ca_pair->cert(), NID_ext_key_usage, "serverAuth") ||
      !add_ext(cert.get(), ca_pair->cert(), NID_subject_key_identifier, "hash") ||
      !add_ext(cert.get(), ca_pair->cert(), NID_authority_key_identifier, "keyid:always") ||
      !add_sans(cert.get(), sans) ||
      X509_sign(cert.get(), ca_pair->key(), EVP_sha256()) == 0) {
    return fail("signing the serving certificate");
  }
  out->cert = to_pem(cert.get());
  out->key = to_pem(key.get());
  if (out->cert.empty() || out->key.empty()) return fail("encoding the serving certificate as PEM");
  return Status::Ok();
}

Status write_dev_certs(const std::string& dir, const std::vector<std::string>& names, int days, DevFiles* files,
                       Pem* ca_out) {
  Pem ca, leaf;
  if (Status st = generate_ca("rollout-guard dev CA", days, &ca); !st.ok()) return st;
  if (Status st = issue_serving_cert(ca, names, days, &leaf); !st.ok()) return st;
  std::error_code ec;
  if (std::filesystem::create_directories(dir, ec) && !ec) {
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);  // it holds a private key
  }
  if (ec) return Status::Error(dir + ": cannot create directory: " + ec.message());
  files->dir = dir;
  files->ca_file = dir + "/ca.crt";
  files->cert_file = dir + "/tls.crt";
  files->key_file = dir + "/tls.key";
  if (Status st = write_file(files->ca_file, ca.cert, 0644); !st.ok()) return st;
  if (Status st = write_file(files->cert_file, leaf.cert, 0644); !st.ok()) return st;
  if (Status st = write_file(files->key_file, leaf.key, 0600); !st.ok()) return st;
  if (ca_out != nullptr) *ca_out = ca;
  return Status::Ok();
}

}  // namespace rg::certs
