// certs/: development certificates, loading a serving pair, and noticing when
// the files change (cert-manager and Secret mounts swap them atomically).
// OpenSSL 3 only. Errors are returned as Status and name the file and the
// OpenSSL reason; nothing here throws or logs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "policy/status.h"

namespace rg::certs {

// A certificate and its private key, both PEM.
struct Pem {
  std::string cert;
  std::string key;
};

// Certificates are valid from this long before they are made, so that a
// peer whose clock is slightly behind accepts them.
inline constexpr int64_t kBackdateSeconds = 3600;

// A certificate's validity, in Unix seconds.
struct Validity {
  int64_t not_before = 0;
  int64_t not_after = 0;
  // From kBackdateSeconds ago until `days` from now.
  static Validity days_from_now(int days);
};

// A self-signed CA (EC P-256, CA:TRUE, keyCertSign) valid for `days`.
Status generate_ca(const std::string& common_name, int days, Pem* ca);
Status generate_ca(const std::string& common_name, const Validity& validity, Pem* ca);

// Whether `name` can be a serving certificate's subject alternative name: an
// IPv4 or IPv6 address, or an RFC 1123 host name (labels of letters, digits
// and '-', not starting or ending with '-', at most 63 characters each and
// 253 in all, the last not all digits), optionally with a leading "*."
// wildcard label. The error quotes the name and says what is wrong with it.
Status check_san_name(const std::string& name);

// A serving certificate signed by `ca` (EC P-256, serverAuth). Its SANs are
// localhost, 127.0.0.1 and ::1 plus `names` (IP literals become IP SANs,
// one SAN per name); a name check_san_name refuses is an error. The first
// name (or "localhost") is the subject CN, when it fits in 64 characters.
Status issue_serving_cert(const Pem& ca, const std::vector<std::string>& names, int days, Pem* out);
// The SANs issue_serving_cert writes for `names`, in order: localhost,
// 127.0.0.1, ::1, then each name not already there.
std::vector<std::string> serving_cert_names(const std::vector<std::string>& names);
Status issue_serving_cert(const Pem& ca, const std::vector<std::string>& names, const Validity& validity, Pem* out);

// The files --dev-self-signed writes into a directory.
struct DevFiles {
  std::string dir, ca_file, cert_file, key_file;
};
// Generates a CA and a serving cert for `names` and writes ca.crt, tls.crt
// (0644) and tls.key (0600) into dir (created 0700 if missing). Each file is
// written to a new file with a random name, created exclusively without
// following symlinks and with its final mode before any byte is written,
// then renamed into place: a symlink planted at any of the names is replaced,
// never written through.
Status write_dev_certs(const std::string& dir, const std::vector<std::string>& names, int days,
                       DevFiles* files, Pem* ca);

// A loaded serving pair: leaf, intermediate chain and key. Immutable once
// loaded, so it can be shared between handshakes on many threads.
class KeyPair {
 public:
  ~KeyPair();
  KeyPair(const KeyPair&) = delete;
  KeyPair& operator=(const KeyPair&) = delete;

  X509* cert() const { return cert_; }
  EVP_PKEY* key() const { return key_; }
  STACK_OF(X509) * chain() const { return chain_; }
  std::string subject() const;
  std::string serial_hex() const;
  std::string not_after() const;  // "Nov 24 16:46:00 2027 GMT"
  int64_t not_after_unix() const;  // the same as Unix seconds

 private:
  friend Status load_key_pair_pem(const std::string&, const std::string&, const std::string&,
                                  std::shared_ptr<const KeyPair>*);
  KeyPair() = default;
  X509* cert_ = nullptr;
  EVP_PKEY* key_ = nullptr;
  STACK_OF(X509) * chain_ = nullptr;
};

// Loads a PEM certificate file (leaf first, then any intermediates) and a PEM
// private key file; checks that the key matches the certificate. Errors name
// the file: "tls.key: no private key found (PEM_read_bio_PrivateKey: ...)".
Status load_key_pair(const std::string& cert_file, const std::string& key_file,
                     std::shared_ptr<const KeyPair>* out);
// The same from PEM text; `label` names the source in errors.
Status load_key_pair_pem(const std::string& cert_pem, const std::string& key_pem, const std::string& label,
                         std::shared_ptr<const KeyPair>* out);

// Notices changes to a set of files by polling stat(): device, inode, size
// and mtime (nanoseconds). Follows symlinks, so a Secret mount's ..data swap
// counts. Not thread-safe; poll from one thread (about once a second).
//
// Signatures are taken before the files are read: a file replaced between
// the snapshot and the read then still differs from what was accepted, and is
// read again at the next poll. The watcher's constructor takes the first
// snapshot, so construct it before the first read.
class FileWatcher {
 public:
  // One file's stat() signature (exists false when stat() fails).
  struct Sig {
    uint64_t dev = 0, ino = 0, size = 0;
    int64_t mtime_ns = 0;
    bool exists = false;
    bool operator==(const Sig&) const = default;
  };
  using Snapshot = std::vector<Sig>;

  explicit FileWatcher(std::vector<std::string> paths);
  // The files' signatures now.
  Snapshot snapshot() const;
  // True when `now` differs from the last accepted snapshot.
  bool changed(const Snapshot& now) const { return now != seen_; }
  bool changed() const { return changed(snapshot()); }
  // Records `taken` (a snapshot taken before reading the files) as seen: call
  // it after a successful reload, so a half-written rotation is retried at
  // the next poll.
  void accept(Snapshot taken) { seen_ = std::move(taken); }
  // Records the current signatures as seen: for a caller about to read the
  // files (never after reading them: a change in between would be lost).
  void accept() { accept(snapshot()); }

 private:
  static Sig stat_one(const std::string& path);
  std::vector<std::string> paths_;
  Snapshot seen_;
};

}  // namespace rg::certs
