// JsonWriter: exact output, escaping, and the law that whatever it writes is valid JSON
// that simdjson reads back (identical for UTF-8 input).
#include "core/wire/json_writer.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <simdjson.h>

#include "tests/wire/generators.h"

namespace ringkv::wire {
namespace {

TEST(JsonWriterTest, WritesNestedStructures) {
  JsonWriter json;
  json.begin_object()
      .key("a")
      .number(18446744073709551615u)
      .key("b")
      .begin_array()
      .boolean(true)
      .null()
      .string("x")
      .begin_object()
      .end_object()
      .end_array()
      .key("c")
      .begin_array()
      .end_array()
      .end_object();
  EXPECT_EQ(json.take(), R"({"a":18446744073709551615,"b":[true,null,"x",{}],"c":[]})");
}

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(json_quote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_quote("\n\r\t"), R"("\n\r\t")");
  EXPECT_EQ(json_quote(std::string("\x01\x1f\x7f\0", 4)), R"("\u0001\u001f\u007f\u0000")");
  EXPECT_EQ(json_quote("/"), R"("/")");
}

TEST(JsonWriterTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(json_quote("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
            "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  EXPECT_EQ(json_quote("a\xff"
                       "b"),
            R"("a\ufffdb")");
  EXPECT_EQ(json_quote("\xc3"), R"("\ufffd")");                                // truncated sequence
  EXPECT_EQ(json_quote("\xc0\xaf"), R"("\ufffd\ufffd")");                      // overlong '/'
  EXPECT_EQ(json_quote("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");            // surrogate
  EXPECT_EQ(json_quote("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
  EXPECT_TRUE(valid_utf8("\xc3\xa9"));
  EXPECT_FALSE(valid_utf8("\xc3"));
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));
}

TEST(JsonWriterDeathTest, MisuseIsAProgrammerError) {
  EXPECT_DEATH(JsonWriter().begin_object().take(), "unfinished");
  EXPECT_DEATH(JsonWriter().begin_object().number(1), "without key");
}

RC_GTEST_PROP(JsonWriterProperty, AnyStringBecomesValidJson, ()) {
  const auto text = *testing::binary_string();
  JsonWriter json;
  json.begin_object().key(text).string(text).end_object();
  simdjson::padded_string padded(json.take());
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document document;
  RC_ASSERT(parser.iterate(padded).get(document) == simdjson::SUCCESS);
  simdjson::ondemand::object object;
  RC_ASSERT(document.get_object().get(object) == simdjson::SUCCESS);
  for (auto member : object) {
    std::string_view key;
    RC_ASSERT(member.unescaped_key().get(key) == simdjson::SUCCESS);
    std::string_view value;
    RC_ASSERT(member.value().get_string().get(value) == simdjson::SUCCESS);
    RC_ASSERT(valid_utf8(value));
    if (valid_utf8(text)) {
      RC_ASSERT(std::string(key) == text);
      RC_ASSERT(std::string(value) == text);
    }
  }
}

}  // namespace
}  // namespace ringkv::wire
