// The self-managed CA and serving certificate: see authority.h.
#include "certs/authority.h"

#include <algorithm>
#include <ctime>
#include <memory>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certs/x509_util.h"

namespace rg::certs {

namespace {

using X509Ptr = OpenSslPtr<X509>;
using KeyPtr = OpenSslPtr<EVP_PKEY>;
using BioPtr = OpenSslPtr<BIO>;

BioPtr mem_bio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Every certificate of a PEM text; false when a block that is not a
// certificate (or garbage) follows the last one read.
bool read_certs(const std::string& pem, std::vector<X509Ptr>* out) {
  out->clear();
  if (pem.size() > (size_t{1} << 20)) return false;
  BioPtr bio = mem_bio(pem);
  if (!bio) return false;
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    out->push_back(std::move(cert));
  }
  // PEM_read_bio_X509 ends with "no start line" at a clean end of input.
  const unsigned long err = ERR_peek_last_error();
  const bool clean_end = ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  ERR_clear_error();
  return clean_end;
}

KeyPtr read_key(const std::string& pem) {
  if (pem.empty() || pem.size() > (size_t{1} << 20)) return nullptr;
  BioPtr bio = mem_bio(pem);
  KeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  return key;
}

int64_t not_before(X509* c) { return unix_seconds(X509_get0_notBefore(c)); }
int64_t not_after(X509* c) { return unix_seconds(X509_get0_notAfter(c)); }

// "2027-11-24T16:46:00Z"
std::string rfc3339(int64_t t) {
  const time_t tt = static_cast<time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Two thirds of the lifetime have passed, counted from when the certificate
// was made (its notBefore is backdated by kBackdateSeconds).
bool renewal_due(X509* c, int64_t now) {
  const int64_t end = not_after(c);
  const int64_t made = std::min(not_before(c) + kBackdateSeconds, end);
  return now >= made + (end - made) * 2 / 3;
}

bool issued_by(X509* leaf, X509* ca) {
  const bool ok = X509_check_issued(ca, leaf) == X509_V_OK && X509_verify(leaf, X509_get0_pubkey(ca)) == 1;
  ERR_clear_error();
  return ok;
}

std::string join(std::vector<std::string> v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Why the first CA of `cas` (with `key`) cannot stay the current CA; "" when it can.
std::string current_ca_problem(const AuthorityData& cur, const std::vector<X509Ptr>& cas, bool cas_clean,
                               EVP_PKEY* key, int64_t now) {
  if (cur.ca_crt.empty()) return "ca.crt is empty";
  if (!cas_clean) return "ca.crt holds a damaged PEM certificate";
  if (cas.empty()) return "ca.crt holds no PEM certificate";
  if (key == nullptr) return cur.ca_key.empty() ? "ca.key is empty" : "ca.key holds no PEM private key";
  const bool match = X509_check_private_key(cas[0].get(), key) == 1;
  ERR_clear_error();
  if (!match) return "ca.key is not the key of the first certificate of ca.crt";
  if (X509_check_ca(cas[0].get()) < 1) return "the first certificate of ca.crt is not a CA";
  if (now >= not_after(cas[0].get())) return "the CA expired at " + rfc3339(not_after(cas[0].get()));
  if (renewal_due(cas[0].get(), now))
    return "two thirds of the CA's lifetime have passed; it expires at " + rfc3339(not_after(cas[0].get()));
  return "";
}

}  // namespace

Status plan_authority(const AuthorityData& cur, const std::vector<std::string>& names, int64_t now,
                      int64_t published_since, const AuthorityPolicy& policy, AuthorityPlan* plan) {
  *plan = AuthorityPlan{};
  for (const std::string& n : names) {
    if (Status st = check_san_name(n); !st.ok()) return Status::Error("serving certificate name: " + st.message());
  }
  if (policy.ca_validity_seconds < 3 || policy.cert_validity_seconds < 3 || policy.overlap_seconds < 0)
    return Status::Error("validity must be at least 3 seconds and the overlap not negative");

  // The CA.
  std::vector<X509Ptr> cas;
  const bool cas_clean = read_certs(cur.ca_crt, &cas);
  KeyPtr ca_key = read_key(cur.ca_key);
  const std::string ca_problem = current_ca_problem(cur, cas, cas_clean, ca_key.get(), now);
  Pem current;                      // the current CA, PEM
  std::vector<X509Ptr> bundle;      // the current CA first, then older ones still valid
  if (!ca_problem.empty()) {
    const Validity v{now - kBackdateSeconds, now + policy.ca_validity_seconds};
    if (Status st = generate_ca(policy.ca_name, v, &current); !st.ok()) return st;
    std::vector<X509Ptr> fresh;
    read_certs(current.cert, &fresh);
    if (fresh.size() != 1) return Status::Error("the new CA cannot be read back");
    bundle.push_back(std::move(fresh[0]));
    plan->actions.push_back("created a CA valid until " + rfc3339(v.not_after) + " (" + ca_problem + ")");
  } else {
    current = {to_pem(cas[0].get()), cur.ca_key};
  }
  for (size_t i = 0; i < cas.size(); ++i) {
    X509* c = cas[i].get();
    if (ca_problem.empty() && i == 0) {
      bundle.push_back(std::move(cas[0]));
      continue;
    }
    const bool is_ca = X509_check_ca(c) >= 1;
    if (is_ca && now < not_after(c)) {
      bundle.push_back(std::move(cas[i]));
    } else {
      plan->actions.push_back(std::string("removed ") + (is_ca ? "the expired CA " : "a certificate that is no CA ") +
                              name_line(X509_get_subject_name(c)) + " (serial " + serial_hex(c) + ") from ca.crt");
    }
  }

  // The serving pair.
  std::vector<X509Ptr> leaves;
  read_certs(cur.tls_crt, &leaves);
  KeyPtr leaf_key = read_key(cur.tls_key);
  X509* leaf = leaves.empty() ? nullptr : leaves[0].get();
  X509* issuer = nullptr;
  if (leaf != nullptr) {
    for (const X509Ptr& ca : bundle) {
      if (issued_by(leaf, ca.get())) {
        issuer = ca.get();
        break;
      }
    }
  }
  std::string reissue;  // why a serving certificate is issued now; "" to keep the one there is
  if (leaf == nullptr) {
    reissue = cur.tls_crt.empty() ? "tls.crt is empty" : "tls.crt holds no PEM certificate";
  } else if (leaf_key == nullptr) {
    reissue = cur.tls_key.empty() ? "tls.key is empty" : "tls.key holds no PEM private key";
  } else if (X509_check_private_key(leaf, leaf_key.get()) != 1) {
    ERR_clear_error();
    reissue = "tls.key is not the key of tls.crt";
  } else if (now >= not_after(leaf)) {
    reissue = "the serving certificate expired at " + rfc3339(not_after(leaf));
  } else if (issuer == nullptr) {
    reissue = "the serving certificate is signed by no CA of ca.crt";
  } else if (issuer != bundle[0].get()) {
    // Signed by an older CA: move only once every client has trusted the current one for the overlap.
    if (ca_problem.empty() && published_since >= 0 && now - published_since >= policy.overlap_seconds)
      reissue = "the bundle with the current CA has been published for " + std::to_string(now - published_since) +
                " s; the serving certificate is signed by the previous CA";
  } else if (std::vector<std::string> has = sorted(san_entries(leaf)), want = sorted(serving_cert_names(names));
             has != want) {
    reissue = "the serving certificate is for " + join(has) + ", not " + join(want);
  } else if (renewal_due(leaf, now)) {
    reissue = "two thirds of the serving certificate's lifetime have passed; it expires at " +
              rfc3339(not_after(leaf));
  }

  AuthorityData& next = plan->next;
  for (const X509Ptr& c : bundle) next.ca_crt += to_pem(c.get());
  next.ca_key = current.key;
  if (reissue.empty()) {
    next.tls_crt = cur.tls_crt;
    next.tls_key = cur.tls_key;
  } else {
    const Validity v{now - kBackdateSeconds, std::min(now + policy.cert_validity_seconds, not_after(bundle[0].get()))};
    Pem pair;
    if (Status st = issue_serving_cert(current, names, v, &pair); !st.ok()) return st;
    next.tls_crt = pair.cert;
    next.tls_key = pair.key;
    plan->actions.push_back("issued a serving certificate valid until " + rfc3339(v.not_after) + " (" + reissue +
                            ")");
  }
  plan->changed = next != cur;
  return Status::Ok();
}

Status read_cert_infos(const std::string& pem, std::vector<CertInfo>* out) {
  out->clear();
  std::vector<X509Ptr> certs;
  const bool clean = read_certs(pem, &certs);
  for (const X509Ptr& c : certs) {
    CertInfo info;
    info.subject = name_line(X509_get_subject_name(c.get()));
    info.issuer = name_line(X509_get_issuer_name(c.get()));
    info.serial_hex = serial_hex(c.get());
    info.not_before = not_before(c.get());
    info.not_after = not_after(c.get());
    info.dns_names = san_entries(c.get());
    out->push_back(std::move(info));
  }
  if (!clean)
    return Status::Error("PEM block " + std::to_string(certs.size() + 1) + " is not a certificate");
  return Status::Ok();
}

bool signed_by(const std::string& leaf_pem, const std::string& ca_pem) {
  std::vector<X509Ptr> leaves, cas;
  read_certs(leaf_pem, &leaves);
  read_certs(ca_pem, &cas);
  if (leaves.empty()) return false;
  for (const X509Ptr& ca : cas) {
    if (issued_by(leaves[0].get(), ca.get())) return true;
  }
  return false;
}

}  // namespace rg::certs
