// Loading a serving certificate and key, with errors a person can act on.
#include <ctime>
#include <fstream>
#include <sstream>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "certs/certs.h"
#include "certs/x509_util.h"

namespace rg::certs {

namespace {

std::string ssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return std::string(" (") + buf + ")";
}

bool read_all(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

KeyPair::~KeyPair() {
  X509_free(cert_);
  EVP_PKEY_free(key_);
  if (chain_ != nullptr) sk_X509_pop_free(chain_, X509_free);
}

std::string KeyPair::subject() const { return name_line(X509_get_subject_name(cert_)); }

std::string KeyPair::serial_hex() const { return certs::serial_hex(cert_); }

std::string KeyPair::not_after() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  ASN1_TIME_print(bio, X509_get0_notAfter(cert_));
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string s(data, static_cast<size_t>(n));
  BIO_free(bio);
  return s;
}

int64_t KeyPair::not_after_unix() const { return unix_seconds(X509_get0_notAfter(cert_)); }

Status load_key_pair_pem(const std::string& cert_pem, const std::string& key_pem, const std::string& label,
                         std::shared_ptr<const KeyPair>* out) {
  ERR_clear_error();
  std::shared_ptr<KeyPair> pair(new KeyPair());
  BIO* cb = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  if (cb == nullptr) return Status::Error(label + ": out of memory");
  pair->cert_ = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  if (pair->cert_ == nullptr) {
    BIO_free(cb);
    return Status::Error(label + " certificate: no PEM certificate found" + ssl_error());
  }
  pair->chain_ = sk_X509_new_null();
  while (X509* extra = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr)) sk_X509_push(pair->chain_, extra);
  ERR_clear_error();  // the loop ends on "no start line"
  BIO_free(cb);

  BIO* kb = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  if (kb == nullptr) return Status::Error(label + ": out of memory");
  pair->key_ = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  if (pair->key_ == nullptr) return Status::Error(label + " key: no PEM private key found" + ssl_error());
  if (X509_check_private_key(pair->cert_, pair->key_) != 1) {
    return Status::Error(label + ": the private key does not match the certificate " + pair->subject() +
                         ssl_error());
  }
  *out = std::move(pair);
  return Status::Ok();
}

Status load_key_pair(const std::string& cert_file, const std::string& key_file,
                     std::shared_ptr<const KeyPair>* out) {
  std::string cert_pem, key_pem;
  if (!read_all(cert_file, &cert_pem)) return Status::Error(cert_file + ": cannot read the certificate file");
  if (!read_all(key_file, &key_pem)) return Status::Error(key_file + ": cannot read the private key file");
  std::shared_ptr<const KeyPair> pair;
  Status st = load_key_pair_pem(cert_pem, key_pem, cert_file + " / " + key_file, &pair);
  if (!st.ok()) return st;
  *out = std::move(pair);
  return Status::Ok();
}

}  // namespace rg::certs
