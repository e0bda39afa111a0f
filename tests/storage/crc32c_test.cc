#include "core/storage/crc32c.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

namespace ringkv {
namespace {

// RFC 3720 (iSCSI) appendix B.4 vectors, and the common "123456789" check value.
struct Vector {
  std::string input;
  uint32_t crc;
};

std::vector<Vector> rfc3720_vectors() {
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  for (int i = 31; i >= 0; --i) descending.push_back(static_cast<char>(i));
  const unsigned char read_command[48] = {
      0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
      0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  return {
      {std::string(32, '\0'), 0x8A9136AAu},
      {std::string(32, '\xff'), 0x62A8AB43u},
      {ascending, 0x46DD794Eu},
      {descending, 0x113FDB5Cu},
      {std::string(reinterpret_cast<const char*>(read_command), 48), 0xD9963A56u},
      {"123456789", 0xE3069283u},
  };
}

TEST(Crc32c, MatchesRfc3720Vectors) {
  for (const auto& vector : rfc3720_vectors()) {
    EXPECT_EQ(crc32c::value(vector.input), vector.crc) << "input size " << vector.input.size();
    EXPECT_EQ(crc32c::extend_portable(0, vector.input), vector.crc);
  }
}

TEST(Crc32c, EmptyInputIsZero) { EXPECT_EQ(crc32c::value(""), 0u); }

TEST(Crc32c, MaskIsNotIdentityAndRoundTrips) {
  uint32_t crc = crc32c::value("foo");
  EXPECT_NE(crc32c::mask(crc), crc);
  EXPECT_NE(crc32c::mask(crc32c::mask(crc)), crc);
  EXPECT_EQ(crc32c::unmask(crc32c::mask(crc)), crc);
}

RC_GTEST_PROP(Crc32cProperty, ExtendEqualsWholeAndPathsAgree, (std::string a, std::string b)) {
  RC_ASSERT(crc32c::extend(crc32c::value(a), b) == crc32c::value(a + b));
  RC_ASSERT(crc32c::extend_portable(0, a + b) == crc32c::value(a + b));
}

// Long inputs take the three-lane path in every combination of lane sizes and tails.
TEST(Crc32c, LongInputsAgreeWithTheTablePath) {
  std::string data;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 10000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    data.push_back(static_cast<char>(x));
  }
  for (size_t size : {383u, 384u, 385u, 391u, 3071u, 3072u, 3073u, 3456u, 4096u, 4100u, 9999u}) {
    for (size_t start : {0u, 1u, 5u}) {
      const std::string_view piece = std::string_view(data).substr(start, size);
      EXPECT_EQ(crc32c::value(piece), crc32c::extend_portable(0, piece))
          << "size " << size << " start " << start;
      EXPECT_EQ(crc32c::extend(0x12345678u, piece), crc32c::extend_portable(0x12345678u, piece));
    }
  }
}

RC_GTEST_PROP(Crc32cProperty, MaskRoundTrips, (uint32_t crc)) {
  RC_ASSERT(crc32c::unmask(crc32c::mask(crc)) == crc);
}

}  // namespace
}  // namespace ringkv
