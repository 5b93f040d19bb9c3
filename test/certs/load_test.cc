// Loading a serving pair and reading its fields.
#include <ctime>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "certs/certs.h"

namespace rg::certs {
namespace {

using ::testing::HasSubstr;

TEST(KeyPair, NotAfterUnixIsTheCertificatesNotAfter) {
  Pem ca, leaf;
  ASSERT_TRUE(generate_ca("test CA", 30, &ca).ok());
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  ASSERT_TRUE(issue_serving_cert(ca, {"webhook.example"}, 30, &leaf).ok());
  const int64_t after = static_cast<int64_t>(std::time(nullptr));
  std::shared_ptr<const KeyPair> pair;
  ASSERT_TRUE(load_key_pair_pem(leaf.cert, leaf.key, "test", &pair).ok());
  EXPECT_GE(pair->not_after_unix(), before + 30 * 86400);
  EXPECT_LE(pair->not_after_unix(), after + 30 * 86400);
  // The same instant as the printed form ("Nov 24 16:46:00 2027 GMT").
  std::tm tm{};
  ASSERT_NE(strptime(pair->not_after().c_str(), "%b %e %H:%M:%S %Y GMT", &tm), nullptr) << pair->not_after();
  EXPECT_EQ(pair->not_after_unix(), static_cast<int64_t>(timegm(&tm)));
}

TEST(KeyPair, AKeyOfAnotherCertificateIsRefused) {
  Pem ca, one, two;
  ASSERT_TRUE(generate_ca("test CA", 1, &ca).ok());
  ASSERT_TRUE(issue_serving_cert(ca, {}, 1, &one).ok());
  ASSERT_TRUE(issue_serving_cert(ca, {}, 1, &two).ok());
  std::shared_ptr<const KeyPair> pair;
  Status st = load_key_pair_pem(one.cert, two.key, "tls.crt / tls.key", &pair);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("tls.crt / tls.key: the private key does not match the certificate"));
}

}  // namespace
}  // namespace rg::certs
