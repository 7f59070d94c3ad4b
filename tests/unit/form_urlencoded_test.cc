// application/x-www-form-urlencoded, as GitHub's and Twilio's forms are read:
// decoding, order, and the strict refusal of a broken percent escape.
#include "hookbridge/rules/form_urlencoded.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace hookbridge {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(FormUrlencodedTest, DecodesPlusAndPercentInNamesAndValues) {
  auto fields = ParseFormUrlencoded("payload=%7B%22a%22%3A+1%7D&na%6De=x+y%2Bz");
  ASSERT_TRUE(fields);
  EXPECT_THAT(*fields, ElementsAre(Pair("payload", R"({"a": 1})"), Pair("name", "x y+z")));
}

TEST(FormUrlencodedTest, KeepsOrderRepeatsAndEmptyValues) {
  auto fields = ParseFormUrlencoded("b=2&&a=&b=1&flag&=v");
  ASSERT_TRUE(fields);
  EXPECT_THAT(*fields, ElementsAre(Pair("b", "2"), Pair("a", ""), Pair("b", "1"), Pair("flag", ""),
                                   Pair("", "v")));
  auto empty = ParseFormUrlencoded("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(FormUrlencodedTest, OnlyTheFirstEqualsSplits) {
  auto fields = ParseFormUrlencoded("a=b=c");
  ASSERT_TRUE(fields);
  EXPECT_THAT(*fields, ElementsAre(Pair("a", "b=c")));
}

TEST(FormUrlencodedTest, DecodesEveryByte) {
  auto fields = ParseFormUrlencoded("v=%00%ff%C3%A9");
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->at(0).second, std::string("\0\xff\xc3\xa9", 4));
}

TEST(FormUrlencodedTest, BrokenPercentEscapesAreRefused) {
  for (const char* form : {"a=%", "a=%4", "a=%G1", "a=%%41", "%zz=1", "a=1&b=%2"}) {
    EXPECT_FALSE(ParseFormUrlencoded(form)) << form;
  }
}

TEST(FormUrlencodedTest, ContentTypeIsMatchedWithoutCaseOrParameters) {
  EXPECT_TRUE(IsFormContentType("application/x-www-form-urlencoded"));
  EXPECT_TRUE(IsFormContentType("Application/X-WWW-Form-Urlencoded; charset=utf-8"));
  EXPECT_TRUE(IsFormContentType(" application/x-www-form-urlencoded "));
  EXPECT_FALSE(IsFormContentType("application/json"));
  EXPECT_FALSE(IsFormContentType("multipart/form-data"));
  EXPECT_FALSE(IsFormContentType("application/x-www-form-urlencodedx"));
}

}  // namespace
}  // namespace hookbridge
