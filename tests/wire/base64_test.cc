// Base64: RFC 4648 test vectors, round trips of any bytes, strict rejection of the rest.
#include "core/wire/base64.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/wire/generators.h"

namespace ringkv::wire {
namespace {

using ::testing::HasSubstr;

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    Result<std::string> decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64Test, EncodesBinaryBytesWithTheStandardAlphabet) {
  EXPECT_EQ(base64_encode(std::string("\0\0\0", 3)), "AAAA");
  EXPECT_EQ(base64_encode("\xfb\xff\xbf"), "+/+/");
  EXPECT_EQ(base64_encoded_bytes(0), 0u);
  EXPECT_EQ(base64_encoded_bytes(1), 4u);
  EXPECT_EQ(base64_encoded_bytes(3), 4u);
  EXPECT_EQ(base64_encoded_bytes(4), 8u);
}

TEST(Base64Test, RejectsMalformedInputWithAReason) {
  EXPECT_THAT(base64_decode("Zg=").status().message(), HasSubstr("not a multiple of 4"));
  EXPECT_THAT(base64_decode("Zm9").status().message(), HasSubstr("not a multiple of 4"));
  EXPECT_THAT(base64_decode("Zm9v\n").status().message(), HasSubstr("not a multiple of 4"));
  EXPECT_THAT(base64_decode("Zm-v").status().message(), HasSubstr("invalid character at offset 2"));
  EXPECT_THAT(base64_decode("Zm_v").status().message(), HasSubstr("invalid character"));
  EXPECT_THAT(base64_decode("Zg==Zg==").status().message(), HasSubstr("invalid character"));
  EXPECT_THAT(base64_decode("====").status().message(), HasSubstr("invalid character"));
  EXPECT_THAT(base64_decode("Z===").status().message(), HasSubstr("invalid character"));
  EXPECT_THAT(base64_decode("Zh==").status().message(), HasSubstr("non-zero bits"));
  EXPECT_THAT(base64_decode("Zm9=").status().message(), HasSubstr("non-zero bits"));
  EXPECT_EQ(base64_decode("Zm 9").status().code(), StatusCode::kInvalidArgument);
}

RC_GTEST_PROP(Base64Property, DecodeInvertsEncode, ()) {
  const auto bytes = *testing::binary_string();
  std::string encoded = base64_encode(bytes);
  RC_ASSERT(encoded.size() == base64_encoded_bytes(bytes.size()));
  Result<std::string> decoded = base64_decode(encoded);
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == bytes);
}

RC_GTEST_PROP(Base64Property, AcceptedTextIsCanonical, ()) {
  const auto text = *testing::binary_string();
  Result<std::string> decoded = base64_decode(text);
  if (decoded.ok()) RC_ASSERT(base64_encode(*decoded) == text);
}

}  // namespace
}  // namespace ringkv::wire
