// Development certificates: the SANs are exactly the names given (one each,
// validated), and the files are written without following planted symlinks.
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "certs/certs.h"
#include "test/server/cli/run_binary.h"
#include "test/support/temp_dir.h"

namespace rg::certs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "DNS:x" / "IP:1.2.3.4" for each subjectAltName entry, in order.
std::vector<std::string> sans_of(const Pem& pem) {
  std::shared_ptr<const KeyPair> pair;
  EXPECT_TRUE(load_key_pair_pem(pem.cert, pem.key, "test", &pair).ok());
  if (!pair) return {};
  std::vector<std::string> out;
  auto* gens = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(pair->cert(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; gens != nullptr && i < sk_GENERAL_NAME_num(gens); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(gens, i);
    if (g->type == GEN_DNS) {
      const ASN1_STRING* s = g->d.dNSName;
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                         static_cast<size_t>(ASN1_STRING_length(s))));
    } else if (g->type == GEN_IPADD) {
      const ASN1_STRING* s = g->d.iPAddress;
      char buf[INET6_ADDRSTRLEN];
      const int af = ASN1_STRING_length(s) == 4 ? AF_INET : AF_INET6;
      out.push_back(std::string("IP:") + (inet_ntop(af, ASN1_STRING_get0_data(s), buf, sizeof buf) ? buf : "?"));
    } else {
      out.push_back("other:" + std::to_string(g->type));
    }
  }
  GENERAL_NAMES_free(gens);
  return out;
}

class Generate : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(generate_ca("test CA", 1, &ca_).ok()); }
  Pem ca_;
};

TEST_F(Generate, EachNameIsOneSanOfItsType) {
  Pem leaf;
  Status st = issue_serving_cert(ca_, {"webhook.ns.svc", "*.ns.svc", "10.0.0.7", "fd00::1", "localhost"}, 1, &leaf);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_THAT(sans_of(leaf), ElementsAre("DNS:localhost", "IP:127.0.0.1", "IP:::1", "DNS:webhook.ns.svc",
                                         "DNS:*.ns.svc", "IP:10.0.0.7", "IP:fd00::1"));
}

TEST_F(Generate, ACommaInANameCannotAddSans) {
  Pem leaf;
  Status st = issue_serving_cert(ca_, {"x,IP:1.2.3.4"}, 1, &leaf);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(),
            "serving certificate name: \"x,IP:1.2.3.4\" is not a host name or an IP address: ',' is not allowed "
            "(letters, digits, '-' and '.' only, and a leading \"*.\" for a wildcard)");
  EXPECT_TRUE(leaf.cert.empty());
}

TEST(CheckSanName, AcceptsHostNamesWildcardsAndIps) {
  for (const std::string& ok : std::vector<std::string>{"a", "webhook", "rollout-guard.rollout-guard.svc", "A1.example.COM", "*.example.com",
                                "1a.example", "x--y.example", "127.0.0.1", "::1", "2001:db8::ff", std::string(63, 'a'),
                                std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                                    std::string(61, 'd')}) {
    Status st = check_san_name(ok);
    EXPECT_TRUE(st.ok()) << ok << ": " << st.message();
  }
}

TEST(CheckSanName, RefusesWhatIsNeitherAndSaysWhy) {
  struct Case {
    std::string name, why;
  };
  for (const Case& c : std::vector<Case>{
           {"", "an empty name is not a host name or an IP address"},
           {"x,IP:1.2.3.4", "',' is not allowed"},
           {"x, DNS:evil", "',' is not allowed"},
           {"a b", "' ' is not allowed"},
           {"a_b.example", "'_' is not allowed"},
           {"email:me@x", "':' is not allowed"},
           {std::string("a\nb"), "\"a\\x0ab\" is not a host name or an IP address: a control or non-ASCII byte"},
           {"-a.example", "a label starts or ends with '-'"},
           {"a-.example", "a label starts or ends with '-'"},
           {"a..example", "empty label"},
           {".example", "empty label"},
           {"example.", "empty label"},
           {"*", "'*' is not allowed"},
           {"*.", "empty label"},
           {"a.*.example", "'*' is not allowed"},
           {"**.example", "'*' is not allowed"},
           {std::string(64, 'a'), "a label is longer than 63 characters"},
           {std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." + std::string(62, 'd'),
            "longer than 253 characters"},
           {"1.2.3.256", "ends in a number label"},
           {"10.0.0", "ends in a number label"},
           {"fe80::1%eth0", "':' is not allowed"},
       }) {
    Status st = check_san_name(c.name);
    ASSERT_FALSE(st.ok()) << c.name;
    EXPECT_THAT(st.message(), HasSubstr(c.why)) << c.name;
  }
}

TEST(ServeDnsNameFlag, ABadNameIsRefusedNamingTheFlagAndTheValue) {
  test::RunResult r = test::run_binary(
      {"serve", "--dev-self-signed", "--listen", "127.0.0.1:0", "--dns-name", "ok.example", "--dns-name", "x,IP:1.2.3.4"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("rollout-guard serve: --dns-name: \"x,IP:1.2.3.4\" is not a host name or an IP "
                               "address: ',' is not allowed"));
}

class DevFilesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(root_.empty()); }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static mode_t mode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st.st_mode;
  }
  test::TempDir tmp_;
  const std::string root_ = tmp_.path();
};

TEST_F(DevFilesTest, WritesTheFilesWithTheirModesWhateverTheUmask) {
  const mode_t old_umask = ::umask(0);  // a permissive umask must not widen the key
  DevFiles files;
  Pem ca;
  Status st = write_dev_certs(root_ + "/certs", {"webhook.example"}, 1, &files, &ca);
  ::umask(old_umask);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(mode_of(root_ + "/certs") & 0777, 0700u);
  EXPECT_EQ(mode_of(files.key_file) & 07777, 0600u);
  EXPECT_EQ(mode_of(files.cert_file) & 07777, 0644u);
  EXPECT_EQ(mode_of(files.ca_file) & 07777, 0644u);
  EXPECT_EQ(read(files.ca_file), ca.cert);
  std::shared_ptr<const KeyPair> pair;
  ASSERT_TRUE(load_key_pair(files.cert_file, files.key_file, &pair).ok());
  // Nothing but the three files is left behind.
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(root_ + "/certs")) ++n;
  EXPECT_EQ(n, 3u);
}

TEST_F(DevFilesTest, SymlinksPlantedAtTheNamesAreReplacedNotFollowed) {
  const std::string dir = root_ + "/certs", victim = root_ + "/victim";
  std::filesystem::create_directory(dir);
  std::ofstream(victim) << "untouched";
  ::chmod(victim.c_str(), 0644);
  // At the final names and at the names a writer might use for its temporary file.
  for (const char* name : {"ca.crt", "tls.crt", "tls.key", "ca.crt.tmp", "tls.crt.tmp", "tls.key.tmp"}) {
    ASSERT_EQ(::symlink(victim.c_str(), (dir + "/" + name).c_str()), 0) << name;
  }
  DevFiles files;
  Status st = write_dev_certs(dir, {}, 1, &files, nullptr);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(read(victim), "untouched");
  EXPECT_EQ(mode_of(victim) & 07777, 0644u);
  for (const std::string& f : {files.key_file, files.cert_file, files.ca_file}) {
    EXPECT_TRUE(S_ISREG(mode_of(f))) << f << " is still a symlink";
  }
  EXPECT_EQ(mode_of(files.key_file) & 07777, 0600u);
  EXPECT_THAT(read(files.key_file), HasSubstr("PRIVATE KEY"));
}

TEST_F(DevFilesTest, ErrorsNameThePathAndLeaveNoTemporaryFile) {
  DevFiles files;
  std::ofstream(root_ + "/file") << "x";
  Status st = write_dev_certs(root_ + "/file/sub", {}, 1, &files, nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr(root_ + "/file/sub: cannot create directory"));

  const std::string dir = root_ + "/certs";
  std::filesystem::create_directories(dir + "/tls.key");  // a folder where the key goes
  st = write_dev_certs(dir, {}, 1, &files, nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr(dir + "/tls.key: cannot replace it with " + dir + "/tls.key.tmp-"));
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace rg::certs
