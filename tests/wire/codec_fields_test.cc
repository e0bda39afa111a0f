// The generic field codecs that new message kinds (anti-entropy) are built from:
// U32Field, ListField and ObjectField, through a sample table like codec_kinds.cc's.
#include "core/wire/codec_fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ringkv::wire::codec_detail {
namespace {

using ::testing::HasSubstr;

struct Range {
  uint32_t level = 0;
  std::vector<uint32_t> indices;
  std::vector<uint64_t> hashes;
  friend bool operator==(const Range&, const Range&) = default;
};

constexpr FieldSpec<Range> kRangeFields[] = {
    member_field<Range, &Range::level, U32Field>("level"),
    member_field<Range, &Range::indices, ListField<U32Field, 3>>("indices"),
    member_field<Range, &Range::hashes, ListField<U64Field, 3>>("hashes"),
};

struct Sample {
  std::vector<Range> ranges;
  friend bool operator==(const Sample&, const Sample&) = default;
};

constexpr FieldSpec<Sample> kSampleFields[] = {
    member_field<Sample, &Sample::ranges, ListField<ObjectField<Range, kRangeFields>, 2>>("ranges"),
};

std::string write_sample(const Sample& sample) {
  JsonWriter json;
  json.begin_object();
  write_fields<Sample>(kSampleFields, sample, json);
  json.end_object();
  return json.take();
}

Result<Sample> read_sample(std::string_view text) {
  simdjson::padded_string padded(text);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document document;
  if (auto code = parser.iterate(padded).get(document)) return json_error({"", "(body)"}, code);
  simdjson::ondemand::object object;
  if (document.get_object().get(object)) return field_error({"", "(body)"}, "not an object");
  Sample sample;
  RINGKV_RETURN_IF_ERROR(read_fields<Sample>(object, kSampleFields, {}, sample, ""));
  return sample;
}

TEST(CodecFieldsTest, ListsAndObjectsRoundTrip) {
  Sample sample{{Range{7, {1, 4294967295u}, {18446744073709551615u}}, Range{0, {}, {}}}};
  std::string text = write_sample(sample);
  EXPECT_EQ(text,
            R"({"ranges":[{"level":7,"indices":[1,4294967295],"hashes":[18446744073709551615]},)"
            R"({"level":0,"indices":[],"hashes":[]}]})");
  Result<Sample> read = read_sample(text);
  ASSERT_TRUE(read.ok()) << read.status().to_string();
  EXPECT_EQ(*read, sample);
}

TEST(CodecFieldsTest, ErrorsNameTheElement) {
  EXPECT_EQ(read_sample(R"({"ranges":[{"level":4294967296,"indices":[],"hashes":[]}]})")
                .status()
                .message(),
            "field 'ranges[0].level' must be an unsigned 32-bit integer");
  EXPECT_EQ(
      read_sample(R"({"ranges":[{"level":1,"indices":[1,"x"],"hashes":[]}]})").status().message(),
      "field 'ranges[0].indices[1]' must be an unsigned 32-bit integer");
  EXPECT_EQ(
      read_sample(R"({"ranges":[{"level":1,"indices":[1,2,3,4],"hashes":[]}]})").status().message(),
      "field 'ranges[0].indices' has more than 3 elements");
  EXPECT_EQ(read_sample(R"({"ranges":[1]})").status().message(),
            "field 'ranges[0]' must be an object");
  EXPECT_EQ(read_sample(R"({"ranges":{}})").status().message(), "field 'ranges' must be an array");
  EXPECT_EQ(read_sample(R"({"ranges":[{"level":1,"indices":[]}]})").status().message(),
            "field 'ranges[0].hashes' is missing");
  EXPECT_THAT(read_sample(R"({"ranges":[{},{},{}]})").status().message(),
              HasSubstr("field 'ranges[0].level' is missing"));
}

}  // namespace
}  // namespace ringkv::wire::codec_detail
