#include "core/status.h"

#include <gtest/gtest.h>

namespace ringkv {
namespace {

TEST(Status, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = Status::corruption("bad CRC at offset 12");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.to_string(), "corruption: bad CRC at offset 12");
}

Result<int> half(int x) {
  if (x % 2 != 0) return Status::invalid_argument("odd");
  return x / 2;
}

Status chain(int x, int* out) {
  Result<int> r = half(x);
  if (!r.ok()) return r.status();
  *out = *r;
  return Status();
}

TEST(Result, ValueOrStatus) {
  Result<int> good = half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  Result<int> bad = half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "odd");
  int out = 0;
  EXPECT_TRUE(chain(6, &out).ok());
  EXPECT_EQ(out, 3);
  EXPECT_EQ(chain(5, &out).code(), StatusCode::kInvalidArgument);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> bad = half(3);
  EXPECT_DEATH((void)bad.value(), "assertion failed");
}

}  // namespace
}  // namespace ringkv
