#include "runtime/posix_env.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/storage/lsm_store.h"
#include "tests/storage/storage_test_util.h"

namespace ringkv {
namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/ringkv-storage-test-XXXXXX";
    char* made = ::mkdtemp(pattern);
    EXPECT_NE(made, nullptr);
    path_ = made ? made : "";
  }
  ~TempDir() {
    PosixEnv env;
    remove_tree(env, path_);
  }
  const std::string& path() const { return path_; }

 private:
  static void remove_tree(PosixEnv& env, const std::string& dir) {
    auto names = env.list(dir);
    if (names.ok()) {
      for (const auto& name : *names) {
        std::string child = dir + "/" + name;
        if (!env.remove(child).ok()) remove_tree(env, child);
      }
    }
    ::rmdir(dir.c_str());
  }
  std::string path_;
};

TEST(PosixEnv, FilesDirectoriesAndErrors) {
  TempDir temp;
  PosixEnv env;
  std::string path = temp.path() + "/a";
  auto file = env.create_file(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->append("hello ").ok());
  ASSERT_TRUE((*file)->append("world").ok());
  ASSERT_TRUE((*file)->sync().ok());
  EXPECT_EQ((*file)->size_bytes(), 11u);
  ASSERT_TRUE((*file)->truncate(5).ok());
  ASSERT_TRUE((*file)->append("!").ok());
  auto contents = read_whole_file(env, path);
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(*contents, "hello!");
  auto reader = env.open_for_read(path);
  std::string part;
  ASSERT_TRUE((*reader)->read_at(4, 100, &part).ok());
  EXPECT_EQ(part, "o!");
  ASSERT_TRUE(env.rename(path, temp.path() + "/b").ok());
  ASSERT_TRUE(env.sync_dir(temp.path()).ok());
  auto names = env.list(temp.path());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"b"});
  auto append = env.open_for_append(temp.path() + "/b");
  ASSERT_TRUE(append.ok());
  EXPECT_EQ((*append)->size_bytes(), 6u);
  EXPECT_EQ(env.open_for_read(temp.path() + "/missing").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(env.remove(temp.path() + "/b").ok());
  EXPECT_FALSE(env.remove(temp.path() + "/b").ok());
  ASSERT_TRUE(env.create_dir(temp.path() + "/sub").ok());
  ASSERT_TRUE(env.create_dir(temp.path() + "/sub").ok()) << "existing directory is fine";
}

TEST(PosixEnv, LsmStoreRoundTripOnRealFiles) {
  TempDir temp;
  PosixEnv env;
  std::string dir = temp.path() + "/store";
  {
    auto store = LsmStore::open(env, dir, testing::small_options(1024));
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE((*store)->apply("k" + std::to_string(i), testing::put_entry(i + 1, "v")).ok());
    }
    ASSERT_TRUE((*store)->sync().ok());
    (*store)->request_full_compaction();
    while ((*store)->compaction_pending()) ASSERT_TRUE((*store)->compact_step(100).ok());
  }
  auto store = LsmStore::open(env, dir, testing::small_options(1024));
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  for (int i = 0; i < 300; ++i) {
    auto got = (*store)->get("k" + std::to_string(i));
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->version.counter, uint64_t(i + 1));
  }
}

}  // namespace
}  // namespace ringkv
