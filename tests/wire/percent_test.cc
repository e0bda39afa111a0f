// Percent-encoding and query strings: strict decoding, '+' kept, round trips.
#include "core/wire/percent.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/wire/generators.h"

namespace ringkv::wire {
namespace {

using ::testing::HasSubstr;

TEST(PercentTest, DecodesEscapesInEitherCase) {
  EXPECT_EQ(*percent_decode("%41%62c"), "Abc");
  EXPECT_EQ(*percent_decode("a%2fb%2F"), "a/b/");
  EXPECT_EQ(*percent_decode("%00"), std::string("\0", 1));
  EXPECT_EQ(*percent_decode("%ff%C3%BC"), "\xff\xc3\xbc");
  EXPECT_EQ(*percent_decode(""), "");
}

TEST(PercentTest, PlusIsNotASpace) {
  EXPECT_EQ(*percent_decode("a+b"), "a+b");
  EXPECT_EQ(*percent_decode("a%20b"), "a b");
  EXPECT_EQ(percent_encode("a+b c"), "a%2Bb%20c");
}

TEST(PercentTest, RejectsTruncatedAndInvalidEscapes) {
  EXPECT_THAT(percent_decode("%").status().message(), HasSubstr("truncated escape at offset 0"));
  EXPECT_THAT(percent_decode("ab%4").status().message(), HasSubstr("truncated escape at offset 2"));
  EXPECT_THAT(percent_decode("%G1").status().message(), HasSubstr("two hex digits"));
  EXPECT_THAT(percent_decode("%1G").status().message(), HasSubstr("two hex digits"));
  EXPECT_THAT(percent_decode("%%41").status().message(), HasSubstr("two hex digits"));
  EXPECT_EQ(percent_decode("%").status().code(), StatusCode::kInvalidArgument);
}

TEST(PercentTest, EncodesAllButUnreserved) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b/?#%"), "a%20b%2F%3F%23%25");
  EXPECT_EQ(percent_encode(std::string("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(percent_encode("\xc3\xbc"), "%C3%BC");
}

TEST(QueryTest, ParsesNamesAndValuesInOrder) {
  Result<QueryParameters> query = parse_query("w=2&r=1&flag&timeout_ms=50&w=3&e=&x%3Dy=a%26b");
  ASSERT_TRUE(query.ok());
  QueryParameters expected = {{"w", "2"}, {"r", "1"}, {"flag", ""},  {"timeout_ms", "50"},
                              {"w", "3"}, {"e", ""},  {"x=y", "a&b"}};
  EXPECT_EQ(*query, expected);
}

TEST(QueryTest, SkipsEmptyPieces) {
  EXPECT_TRUE(parse_query("")->empty());
  EXPECT_EQ(*parse_query("&&a=1&"), (QueryParameters{{"a", "1"}}));
  EXPECT_EQ(*parse_query("a=1=2"), (QueryParameters{{"a", "1=2"}}));
}

TEST(QueryTest, RejectsBadEscapesNamingTheParameter) {
  EXPECT_THAT(parse_query("w=%zz").status().message(), HasSubstr("query parameter 'w'"));
  EXPECT_THAT(parse_query("%zz=1").status().message(), HasSubstr("query parameter name"));
}

TEST(QueryTest, LimitsTheParameterCount) {
  std::string query;
  for (size_t i = 0; i < kMaxQueryParameters; ++i) query += "a=1&";
  EXPECT_TRUE(parse_query(query).ok());
  EXPECT_THAT(parse_query(query + "b=2").status().message(), HasSubstr("more than 64"));
}

RC_GTEST_PROP(PercentProperty, DecodeInvertsEncode, ()) {
  const auto bytes = *testing::binary_string();
  std::string encoded = percent_encode(bytes);
  RC_ASSERT(encoded.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%") ==
            std::string::npos);
  Result<std::string> decoded = percent_decode(encoded);
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == bytes);
}

RC_GTEST_PROP(PercentProperty, QueryRoundTripsEncodedPairs, ()) {
  const auto pairs = *rc::gen::container<QueryParameters>(
      rc::gen::pair(rc::gen::nonEmpty(testing::binary_string()), testing::binary_string()));
  RC_PRE(pairs.size() <= kMaxQueryParameters);
  std::string query;
  for (const auto& [name, value] : pairs) {
    if (!query.empty()) query += "&";
    query += percent_encode(name) + "=" + percent_encode(value);
  }
  Result<QueryParameters> parsed = parse_query(query);
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == pairs);
}

}  // namespace
}  // namespace ringkv::wire
