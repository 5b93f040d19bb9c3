// The self-managed CA's decisions, on a made-up clock: what is created,
// kept, renewed and dropped, and that no step leaves a serving certificate
// that the published bundle does not trust.
#include "certs/authority.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace rg::certs {
namespace {

constexpr int64_t T = 1'900'000'000;  // 2030-03-17
const std::vector<std::string> kNames = {"guard.ns.svc", "guard.ns.svc.cluster.local"};

AuthorityPolicy short_policy() {
  AuthorityPolicy p;
  p.ca_validity_seconds = 300;
  p.cert_validity_seconds = 90;
  p.overlap_seconds = 60;
  return p;
}

AuthorityPlan plan(const AuthorityData& cur, int64_t now, int64_t published_since = -1,
                   const AuthorityPolicy& p = short_policy(), const std::vector<std::string>& names = kNames) {
  AuthorityPlan out;
  Status st = plan_authority(cur, names, now, published_since, p, &out);
  EXPECT_TRUE(st.ok()) << st.message();
  return out;
}

std::vector<CertInfo> infos(const std::string& pem) {
  std::vector<CertInfo> out;
  Status st = read_cert_infos(pem, &out);
  EXPECT_TRUE(st.ok()) << st.message();
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += s + "\n";
  return out;
}

AuthorityData fresh() { return plan({}, T).next; }

TEST(Authority, FromNothingCreatesACaAndAServingCertificateItSigns) {
  AuthorityPlan p = plan({}, T);
  ASSERT_TRUE(p.changed);
  ASSERT_EQ(p.actions.size(), 2u) << joined(p.actions);
  EXPECT_NE(p.actions[0].find("created a CA valid until 2030-03-17T"), std::string::npos) << p.actions[0];
  EXPECT_NE(p.actions[0].find("(ca.crt is empty)"), std::string::npos) << p.actions[0];
  EXPECT_NE(p.actions[1].find("(tls.crt is empty)"), std::string::npos) << p.actions[1];

  std::vector<CertInfo> cas = infos(p.next.ca_crt);
  ASSERT_EQ(cas.size(), 1u);
  EXPECT_EQ(cas[0].not_before, T - kBackdateSeconds);
  EXPECT_EQ(cas[0].not_after, T + 300);
  std::vector<CertInfo> leaf = infos(p.next.tls_crt);
  ASSERT_EQ(leaf.size(), 1u);
  EXPECT_EQ(leaf[0].not_after, T + 90);
  EXPECT_EQ(leaf[0].issuer, cas[0].subject);
  EXPECT_EQ(leaf[0].dns_names,
            (std::vector<std::string>{"localhost", "127.0.0.1", "::1", "guard.ns.svc", "guard.ns.svc.cluster.local"}));
  EXPECT_TRUE(signed_by(p.next.tls_crt, p.next.ca_crt));
  std::shared_ptr<const KeyPair> pair;
  EXPECT_TRUE(load_key_pair_pem(p.next.tls_crt, p.next.tls_key, "leaf", &pair).ok());
  EXPECT_TRUE(load_key_pair_pem(cas.empty() ? "" : p.next.ca_crt, p.next.ca_key, "ca", &pair).ok());
}

TEST(Authority, ValidDataIsKeptAsItIs) {
  const AuthorityData d = fresh();
  for (int64_t dt : {0, 1, 30, 59}) {
    AuthorityPlan p = plan(d, T + dt, T);
    EXPECT_FALSE(p.changed) << "at +" << dt << ": " << joined(p.actions);
    EXPECT_TRUE(p.actions.empty());
    EXPECT_EQ(p.next, d);
  }
}

TEST(Authority, TheServingCertificateIsRenewedUnderTheSameCaAfterTwoThirds) {
  const AuthorityData d = fresh();
  EXPECT_FALSE(plan(d, T + 59).changed);
  AuthorityPlan p = plan(d, T + 60);  // 2/3 of 90 s
  ASSERT_TRUE(p.changed);
  ASSERT_EQ(p.actions.size(), 1u) << joined(p.actions);
  EXPECT_NE(p.actions[0].find("two thirds of the serving certificate's lifetime have passed"), std::string::npos);
  EXPECT_EQ(p.next.ca_crt, d.ca_crt);
  EXPECT_EQ(p.next.ca_key, d.ca_key);
  EXPECT_NE(p.next.tls_crt, d.tls_crt);
  EXPECT_NE(p.next.tls_key, d.tls_key);
  EXPECT_TRUE(signed_by(p.next.tls_crt, d.ca_crt));
}

TEST(Authority, AServingCertificateNeverOutlivesItsCa) {
  AuthorityPolicy pol = short_policy();
  pol.cert_validity_seconds = 250;
  AuthorityData d = plan({}, T, -1, pol).next;
  EXPECT_EQ(infos(d.tls_crt)[0].not_after, T + 250);
  d.tls_key.clear();
  AuthorityPlan p = plan(d, T + 100, T, pol);  // reissued with 200 s of the CA left
  ASSERT_EQ(p.actions.size(), 1u) << joined(p.actions);
  EXPECT_EQ(infos(p.next.tls_crt)[0].not_after, T + 300);
  EXPECT_EQ(infos(p.next.ca_crt)[0].not_after, T + 300);
}

TEST(Authority, NewNamesGetANewServingCertificate) {
  const AuthorityData d = fresh();
  AuthorityPlan p = plan(d, T + 1, T, short_policy(), {"other.ns.svc"});
  ASSERT_TRUE(p.changed);
  ASSERT_EQ(p.actions.size(), 1u) << joined(p.actions);
  EXPECT_NE(p.actions[0].find("the serving certificate is for 127.0.0.1, ::1, guard.ns.svc, "
                              "guard.ns.svc.cluster.local, localhost, not 127.0.0.1, ::1, localhost, other.ns.svc"),
            std::string::npos)
      << p.actions[0];
  EXPECT_EQ(p.next.ca_crt, d.ca_crt);
  EXPECT_EQ(infos(p.next.tls_crt)[0].dns_names.back(), "other.ns.svc");
}

// The whole CA rotation, step by step, checking at every step that the
// serving certificate is signed by a CA of the bundle.
TEST(Authority, ACaRotationKeepsTheLeafUntilTheNewCaHasBeenPublishedForTheOverlap) {
  AuthorityPolicy pol = short_policy();
  pol.cert_validity_seconds = 290;  // lives past the CA's renewal point (200 s) and the overlap
  const AuthorityData d0 = plan({}, T, -1, pol).next;
  const std::string old_serial = infos(d0.ca_crt)[0].serial_hex;

  // 2/3 of the CA's life (200 s); the leaf (250 s, due at 166 s) waits: it is signed by the old CA.
  AuthorityPlan p1 = plan(d0, T + 200, T, pol);
  ASSERT_TRUE(p1.changed);
  ASSERT_EQ(p1.actions.size(), 1u) << joined(p1.actions);
  EXPECT_NE(p1.actions[0].find("two thirds of the CA's lifetime have passed"), std::string::npos) << p1.actions[0];
  std::vector<CertInfo> cas = infos(p1.next.ca_crt);
  ASSERT_EQ(cas.size(), 2u);
  EXPECT_NE(cas[0].serial_hex, old_serial);
  EXPECT_EQ(cas[1].serial_hex, old_serial);
  EXPECT_EQ(p1.next.tls_crt, d0.tls_crt);
  EXPECT_TRUE(signed_by(p1.next.tls_crt, p1.next.ca_crt));
  const AuthorityData d1 = p1.next;

  // Not published yet, or published for less than the overlap: nothing moves.
  EXPECT_FALSE(plan(d1, T + 230, -1, pol).changed);
  EXPECT_FALSE(plan(d1, T + 230, T + 205, pol).changed);
  EXPECT_FALSE(plan(d1, T + 264, T + 205, pol).changed);

  // Published for the overlap: the leaf moves to the new CA; both CAs stay in the bundle.
  AuthorityPlan p2 = plan(d1, T + 265, T + 205, pol);
  ASSERT_TRUE(p2.changed);
  ASSERT_EQ(p2.actions.size(), 1u) << joined(p2.actions);
  EXPECT_NE(p2.actions[0].find("published for 60 s; the serving certificate is signed by the previous CA"),
            std::string::npos)
      << p2.actions[0];
  EXPECT_EQ(p2.next.ca_crt, d1.ca_crt);
  EXPECT_EQ(infos(p2.next.tls_crt)[0].issuer, cas[0].subject);
  EXPECT_TRUE(signed_by(p2.next.tls_crt, d1.ca_crt));
  const AuthorityData d2 = p2.next;

  // The old CA stays until it expires (T+300), then leaves the bundle.
  EXPECT_FALSE(plan(d2, T + 299, T + 205, pol).changed);
  AuthorityPlan p3 = plan(d2, T + 300, T + 205, pol);
  ASSERT_TRUE(p3.changed);
  ASSERT_EQ(p3.actions.size(), 1u) << joined(p3.actions);
  EXPECT_NE(p3.actions[0].find("removed the expired CA"), std::string::npos) << p3.actions[0];
  EXPECT_NE(p3.actions[0].find(old_serial), std::string::npos) << p3.actions[0];
  ASSERT_EQ(infos(p3.next.ca_crt).size(), 1u);
  EXPECT_EQ(infos(p3.next.ca_crt)[0].serial_hex, cas[0].serial_hex);
  EXPECT_EQ(p3.next.tls_crt, d2.tls_crt);
  EXPECT_TRUE(signed_by(p3.next.tls_crt, p3.next.ca_crt));
}

TEST(Authority, AnExpiredServingCertificateIsReplacedAtOnceEvenByAnUnpublishedCa) {
  const AuthorityData d0 = fresh();
  AuthorityPlan p = plan(d0, T + 200, T);  // the 90 s leaf expired at T+90; the CA is due
  ASSERT_TRUE(p.changed);
  ASSERT_EQ(p.actions.size(), 2u) << joined(p.actions);
  EXPECT_NE(p.actions[1].find("the serving certificate expired at"), std::string::npos) << p.actions[1];
  std::vector<CertInfo> cas = infos(p.next.ca_crt);
  ASSERT_EQ(cas.size(), 2u);
  EXPECT_EQ(infos(p.next.tls_crt)[0].issuer, cas[0].subject);
}

TEST(Authority, DamagedKeysAreReplacedAndTheirCertificatesKeptWhereTheyStillServe) {
  const AuthorityData d = fresh();
  const AuthorityData other = fresh();

  AuthorityData bad_leaf_key = d;
  bad_leaf_key.tls_key = "not a key";
  AuthorityPlan p = plan(bad_leaf_key, T + 1, T);
  ASSERT_EQ(p.actions.size(), 1u) << joined(p.actions);
  EXPECT_NE(p.actions[0].find("(tls.key holds no PEM private key)"), std::string::npos) << p.actions[0];
  EXPECT_EQ(p.next.ca_crt, d.ca_crt);

  AuthorityData swapped_leaf_key = d;
  swapped_leaf_key.tls_key = other.tls_key;
  p = plan(swapped_leaf_key, T + 1, T);
  ASSERT_EQ(p.actions.size(), 1u) << joined(p.actions);
  EXPECT_NE(p.actions[0].find("(tls.key is not the key of tls.crt)"), std::string::npos) << p.actions[0];

  // The CA's key is lost: a new CA, the old one stays trusted, and the leaf it signed is kept.
  AuthorityData swapped_ca_key = d;
  swapped_ca_key.ca_key = other.ca_key;
  p = plan(swapped_ca_key, T + 1, T);
  ASSERT_EQ(p.actions.size(), 1u) << joined(p.actions);
  EXPECT_NE(p.actions[0].find("(ca.key is not the key of the first certificate of ca.crt)"), std::string::npos)
      << p.actions[0];
  ASSERT_EQ(infos(p.next.ca_crt).size(), 2u);
  EXPECT_EQ(p.next.tls_crt, d.tls_crt);
  EXPECT_TRUE(signed_by(p.next.tls_crt, p.next.ca_crt));

  // A leaf signed by a CA that is not in the bundle is replaced at once.
  AuthorityData foreign_leaf = d;
  foreign_leaf.tls_crt = other.tls_crt;
  foreign_leaf.tls_key = other.tls_key;
  p = plan(foreign_leaf, T + 1, T);
  ASSERT_EQ(p.actions.size(), 1u) << joined(p.actions);
  EXPECT_NE(p.actions[0].find("signed by no CA of ca.crt"), std::string::npos) << p.actions[0];
  EXPECT_TRUE(signed_by(p.next.tls_crt, d.ca_crt));

  AuthorityData garbage_ca = d;
  garbage_ca.ca_crt = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  p = plan(garbage_ca, T + 1, T);
  ASSERT_GE(p.actions.size(), 1u);
  EXPECT_NE(p.actions[0].find("ca.crt holds a damaged PEM certificate"), std::string::npos) << p.actions[0];
  EXPECT_TRUE(signed_by(p.next.tls_crt, p.next.ca_crt));
}

TEST(Authority, AnExpiredCaIsReplacedAndDropped) {
  const AuthorityData d = fresh();
  AuthorityPlan p = plan(d, T + 400, T);
  ASSERT_EQ(p.actions.size(), 3u) << joined(p.actions);
  EXPECT_NE(p.actions[0].find("(the CA expired at 2030-03-17T"), std::string::npos) << p.actions[0];
  EXPECT_NE(p.actions[1].find("removed the expired CA"), std::string::npos) << p.actions[1];
  EXPECT_NE(p.actions[2].find("the serving certificate expired at"), std::string::npos) << p.actions[2];
  EXPECT_EQ(infos(p.next.ca_crt).size(), 1u);
  EXPECT_TRUE(signed_by(p.next.tls_crt, p.next.ca_crt));
}

TEST(Authority, BadInputIsAnErrorNamingIt) {
  AuthorityPlan p;
  Status st = plan_authority({}, {"bad name"}, T, -1, short_policy(), &p);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("serving certificate name: \"bad name\" is not a host name"), std::string::npos)
      << st.message();
  AuthorityPolicy zero = short_policy();
  zero.cert_validity_seconds = 0;
  st = plan_authority({}, kNames, T, -1, zero, &p);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("at least 3 seconds"), std::string::npos) << st.message();
  std::vector<CertInfo> out;
  st = read_cert_infos("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n", &out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "PEM block 1 is not a certificate");
}

}  // namespace
}  // namespace rg::certs
