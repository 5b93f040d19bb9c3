// The webhook's metrics that are not about requests.
#include "server/webhook/metrics.h"

#include <string>

#include <gtest/gtest.h>

namespace rg::webhook {
namespace {

TEST(Metrics, CertificateExpiryIsTheLastLoadedNotAfterAndAbsentBefore) {
  Metrics m;
  const std::string name = "rollout_guard_serving_certificate_expiry_timestamp_seconds";
  EXPECT_EQ(m.render().find(name + " "), std::string::npos) << m.render();  // no 0 before the first load

  m.set_cert_expiry(1795190760);  // Nov 24 16:46:00 2026 GMT
  std::string text = m.render();
  EXPECT_NE(text.find("# TYPE " + name + " gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n" + name + " 1795190760\n"), std::string::npos) << text;

  m.set_cert_expiry(1826726760);  // a reload with a later certificate
  text = m.render();
  EXPECT_NE(text.find("\n" + name + " 1826726760\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("1795190760"), std::string::npos) << text;
}

}  // namespace
}  // namespace rg::webhook
