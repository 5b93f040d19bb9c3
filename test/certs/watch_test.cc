// FileWatcher: a file replaced between the snapshot and the read still
// counts as changed, so a rotation during a reload is not lost.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "certs/certs.h"
#include "test/support/temp_dir.h"

namespace rg::certs {
namespace {

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.empty()); }
  // Replaces the file as cert-manager and kubelet do: a new inode renamed over it.
  void swap_in(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name + ".new") << text;
    std::filesystem::rename(dir_ + "/" + name + ".new", dir_ + "/" + name);
  }
  std::string read(const std::string& name) {
    std::ifstream in(dir_ + "/" + name);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  test::TempDir tmp_;
  const std::string dir_ = tmp_.path();
};

TEST_F(WatchTest, ASwapBetweenSnapshotAndReadIsSeenAtTheNextPoll) {
  swap_in("tls.crt", "one");
  FileWatcher w({dir_ + "/tls.crt", dir_ + "/tls.key"});
  EXPECT_FALSE(w.changed());

  swap_in("tls.crt", "two");
  FileWatcher::Snapshot before_read = w.snapshot();
  ASSERT_TRUE(w.changed(before_read));
  EXPECT_EQ(read("tls.crt"), "two");  // the reload reads "two"...
  swap_in("tls.crt", "three");        // ...and the rotation lands right after
  w.accept(std::move(before_read));   // the reload succeeded
  EXPECT_TRUE(w.changed()) << "the swap to \"three\" was lost";

  FileWatcher::Snapshot again = w.snapshot();
  EXPECT_EQ(read("tls.crt"), "three");
  w.accept(std::move(again));
  EXPECT_FALSE(w.changed());
}

TEST_F(WatchTest, TheConstructorsSnapshotPrecedesTheFirstRead) {
  swap_in("tls.crt", "one");
  FileWatcher w({dir_ + "/tls.crt"});  // built before the first read
  EXPECT_EQ(read("tls.crt"), "one");
  swap_in("tls.crt", "two");           // rotated while the first load ran
  EXPECT_TRUE(w.changed());
}

TEST_F(WatchTest, AppearingAndDisappearingFilesCount) {
  FileWatcher w({dir_ + "/tls.key"});
  EXPECT_FALSE(w.changed());  // absent, and still absent
  swap_in("tls.key", "k");
  EXPECT_TRUE(w.changed());
  w.accept(w.snapshot());
  std::filesystem::remove(dir_ + "/tls.key");
  EXPECT_TRUE(w.changed());
}

TEST_F(WatchTest, SymlinkSwapsLikeASecretMountCount) {
  // A Secret volume: tls.crt -> ..data/tls.crt, ..data -> ..2026_01_01 (swapped atomically).
  std::filesystem::create_directory(dir_ + "/..v1");
  std::filesystem::create_directory(dir_ + "/..v2");
  std::ofstream(dir_ + "/..v1/tls.crt") << "one";
  std::ofstream(dir_ + "/..v2/tls.crt") << "two";
  std::filesystem::create_directory_symlink("..v1", dir_ + "/..data");
  std::filesystem::create_symlink("..data/tls.crt", dir_ + "/tls.crt");
  FileWatcher w({dir_ + "/tls.crt"});
  EXPECT_FALSE(w.changed());
  std::filesystem::create_directory_symlink("..v2", dir_ + "/..data_tmp");
  std::filesystem::rename(dir_ + "/..data_tmp", dir_ + "/..data");
  EXPECT_TRUE(w.changed());
}

}  // namespace
}  // namespace rg::certs
