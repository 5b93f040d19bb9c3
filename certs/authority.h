// The certificate authority rollout-guard keeps for itself: a CA and the
// serving certificate it signs, held in one Secret, renewed before they
// expire without a moment in which a client that trusts the published CA
// bundle meets a certificate it does not trust.
//
// plan_authority() is the whole decision, given the Secret's data, the names
// to serve and the time; it makes keys and certificates but reads no clock
// and talks to no one (server/webhook/self_certs.* does that).
//
// The rules:
// - The current CA is the first certificate of ca.crt, with ca.key its key.
//   A missing, unreadable, expired or mismatched one is replaced by a new CA.
//   A CA is also replaced once two thirds of its lifetime have passed; the
//   previous CA stays in ca.crt, after the new one, until it expires.
// - The serving pair is reissued by the current CA when it is unusable
//   (missing, unreadable, key mismatch, expired, or signed by no CA of the
//   bundle) at once; when it is signed by an older CA of the bundle, only
//   once the bundle with the current CA has been published for `overlap`
//   (so every client trusts the new CA before any replica serves a
//   certificate from it); when two thirds of its lifetime have passed or its
//   names differ, under the same CA.
// - A serving certificate never outlives the CA that signs it, so dropping
//   an expired CA from the bundle never strands a certificate in use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "certs/certs.h"
#include "policy/status.h"

namespace rg::certs {

// The four PEM texts of the Secret (keys ca.crt, ca.key, tls.crt, tls.key).
struct AuthorityData {
  std::string ca_crt;  // the current CA first, then older CAs still valid
  std::string ca_key;  // the current CA's key
  std::string tls_crt, tls_key;
  bool operator==(const AuthorityData&) const = default;
  bool empty() const { return ca_crt.empty() && ca_key.empty() && tls_crt.empty() && tls_key.empty(); }
};

struct AuthorityPolicy {
  int64_t ca_validity_seconds = int64_t{365} * 86400;
  int64_t cert_validity_seconds = int64_t{90} * 86400;
  // How long the bundle with a new CA is published before serving
  // certificates signed by it are issued.
  int64_t overlap_seconds = 60;
  std::string ca_name = "rollout-guard CA";  // the CA's subject CN
};

struct AuthorityPlan {
  AuthorityData next;
  bool changed = false;
  // What was done and why, one sentence each, for the log:
  // "created a CA (ca.crt is empty)", "issued a serving certificate (...)".
  std::vector<std::string> actions;
};

// `names` are the serving certificate's DNS names (localhost, 127.0.0.1 and
// ::1 are always added, as issue_serving_cert does). `published_since` is
// when the bundle holding `current`'s first CA was first seen published to
// every client (Unix seconds), or a negative number when it is not (yet).
// Errors only when OpenSSL cannot make a key or certificate, or a name is
// not a host name.
Status plan_authority(const AuthorityData& current, const std::vector<std::string>& names, int64_t now,
                      int64_t published_since, const AuthorityPolicy& policy, AuthorityPlan* plan);

// Facts about one PEM certificate, for logs and tests.
struct CertInfo {
  std::string subject, issuer, serial_hex;
  int64_t not_before = 0, not_after = 0;
  std::vector<std::string> dns_names;  // and IP addresses, as text
};
// The certificates of a PEM bundle, in order. An error names the position of
// the first block that is not a certificate.
Status read_cert_infos(const std::string& pem, std::vector<CertInfo>* out);
// Whether `leaf_pem`'s first certificate is signed by one in `ca_pem`.
bool signed_by(const std::string& leaf_pem, const std::string& ca_pem);

}  // namespace rg::certs
