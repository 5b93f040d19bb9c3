// Development certificates: a CA and a serving certificate it signs.
#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "certs/certs.h"

namespace rg::certs {

namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

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

Ptr<X509> new_cert(EVP_PKEY* key, const std::string& cn, int days) {
  Ptr<X509> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1 || !random_serial(cert.get())) return nullptr;
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // tolerate small clock skew
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("rollout-guard"), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                             0);
  if (X509_set_pubkey(cert.get(), key) != 1) return nullptr;
  return cert;
}

std::string to_pem(X509* cert) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return "";
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string to_pem(EVP_PKEY* key) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) return "";
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Status write_file(const std::string& path, const std::string& data, std::filesystem::perms perms) {
  // Write then rename, so a reader never sees half a file.
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Error(tmp + ": cannot open for writing");
    out << data;
    if (!out.flush()) return Status::Error(tmp + ": write failed");
  }
  std::error_code ec;
  std::filesystem::permissions(tmp, perms, ec);
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::Error(path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

Status generate_ca(const std::string& common_name, int days, Pem* ca) {
  Ptr<EVP_PKEY> key = new_key();
  if (!key) return fail("generating the CA key");
  Ptr<X509> cert = new_cert(key.get(), common_name, days);
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

Status issue_serving_cert(const Pem& ca, const std::vector<std::string>& names, int days, Pem* out) {
  std::shared_ptr<const KeyPair> ca_pair;
  if (Status st = load_key_pair_pem(ca.cert, ca.key, "CA", &ca_pair); !st.ok()) return st;
  std::vector<std::string> sans = {"localhost", "127.0.0.1", "::1"};
  for (const std::string& n : names) {
    if (!n.empty() && std::find(sans.begin(), sans.end(), n) == sans.end()) sans.push_back(n);
  }
  std::string alt;
  for (const std::string& n : sans) {
    if (!alt.empty()) alt += ',';
    alt += is_ip(n) ? "IP:" : "DNS:";
    alt += n;
  }

  Ptr<EVP_PKEY> key = new_key();
  if (!key) return fail("generating the serving key");
  std::string cn = names.empty() || names[0].empty() ? "localhost" : names[0];
  Ptr<X509> cert = new_cert(key.get(), cn, days);
  if (!cert) return fail("building the serving certificate");
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_pair->cert())) != 1 ||
      !add_ext(cert.get(), ca_pair->cert(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(cert.get(), ca_pair->cert(), NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
      !add_ext(cert.get(), ca_pair->cert(), NID_ext_key_usage, "serverAuth") ||
      !add_ext(cert.get(), ca_pair->cert(), NID_subject_key_identifier, "hash") ||
      !add_ext(cert.get(), ca_pair->cert(), NID_authority_key_identifier, "keyid:always") ||
      !add_ext(cert.get(), ca_pair->cert(), NID_subject_alt_name, alt) ||
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
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Error(dir + ": cannot create directory: " + ec.message());
  using std::filesystem::perms;
  files->dir = dir;
  files->ca_file = dir + "/ca.crt";
  files->cert_file = dir + "/tls.crt";
  files->key_file = dir + "/tls.key";
  if (Status st = write_file(files->ca_file, ca.cert, perms::owner_read | perms::owner_write | perms::group_read |
                                                          perms::others_read);
      !st.ok())
    return st;
  if (Status st = write_file(files->cert_file, leaf.cert, perms::owner_read | perms::owner_write |
                                                              perms::group_read | perms::others_read);
      !st.ok())
    return st;
  if (Status st = write_file(files->key_file, leaf.key, perms::owner_read | perms::owner_write); !st.ok()) return st;
  if (ca_out != nullptr) *ca_out = ca;
  return Status::Ok();
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

}  // namespace rg::certs
