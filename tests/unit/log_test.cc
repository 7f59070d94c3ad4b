// FormatLogLine: each field keeps its JSON type, so log pipelines aggregate
// numbers without a parsing rule, and absent values leave no field.
#include "hookbridge/core/log.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace hookbridge {
namespace {

rapidjson::Document Parsed(const std::string& line) {
  rapidjson::Document document;
  document.Parse(line.c_str());
  EXPECT_FALSE(document.HasParseError()) << line;
  EXPECT_TRUE(document.IsObject()) << line;
  return document;
}

// UTC to the millisecond; each thread reuses its last second's text, which
// must never leak into another second.
TEST(LogTest, UtcTimestampsAreExactAcrossSeconds) {
  using std::chrono::milliseconds;
  using std::chrono::system_clock;
  const system_clock::time_point second(std::chrono::seconds(1614265330));  // 2021-02-25T15:02:10Z
  EXPECT_EQ(UtcTimestamp(second), "2021-02-25T15:02:10.000Z");
  EXPECT_EQ(UtcTimestamp(second + milliseconds(7)), "2021-02-25T15:02:10.007Z");
  EXPECT_EQ(UtcTimestamp(second + milliseconds(999)), "2021-02-25T15:02:10.999Z");
  EXPECT_EQ(UtcTimestamp(second + milliseconds(1000)), "2021-02-25T15:02:11.000Z");
  EXPECT_EQ(UtcTimestamp(second - milliseconds(1)), "2021-02-25T15:02:09.999Z");
  EXPECT_EQ(UtcTimestamp(second + std::chrono::hours(24 * 5) + milliseconds(42)),
            "2021-03-02T15:02:10.042Z");
  EXPECT_EQ(UtcTimestamp(second + milliseconds(120)), "2021-02-25T15:02:10.120Z");
  EXPECT_EQ(UtcTimestamp(system_clock::time_point(milliseconds(-1))), "1969-12-31T23:59:59.999Z");
}

TEST(LogTest, FieldsKeepTheirJsonTypes) {
  const std::string source = "getprofile";
  const int64_t offset = 9007199254740993;  // above 2^53: must stay exact
  const std::string line = FormatLogLine(LogLevel::kInfo, "webhook",
                                         {{"source", source},
                                          {"status", 200},
                                          {"latency_ms", 2.2164},
                                          {"offset", offset},
                                          {"stored", true},
                                          {"what", "text"}});
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  rapidjson::Document document = Parsed(line);
  ASSERT_TRUE(document["source"].IsString());
  EXPECT_STREQ(document["source"].GetString(), "getprofile");
  ASSERT_TRUE(document["status"].IsInt());
  EXPECT_EQ(document["status"].GetInt(), 200);
  ASSERT_TRUE(document["latency_ms"].IsDouble());
  EXPECT_NE(line.find("\"latency_ms\":2.216,"), std::string::npos)
      << "to the microsecond: " << line;
  ASSERT_TRUE(document["offset"].IsInt64());
  EXPECT_EQ(document["offset"].GetInt64(), offset);
  ASSERT_TRUE(document["stored"].IsBool());
  EXPECT_TRUE(document["stored"].GetBool());
  ASSERT_TRUE(document["what"].IsString());
}

TEST(LogTest, EmptyTextAndEmptyOptionalsAreLeftOut) {
  const char* missing = nullptr;
  const std::string line = FormatLogLine(LogLevel::kWarn, "m",
                                         {{"empty", ""},
                                          {"null_text", missing},
                                          {"no_offset", std::optional<int64_t>()},
                                          {"partition", std::optional<int32_t>(0)},
                                          {"zero", 0}});
  rapidjson::Document document = Parsed(line);
  EXPECT_FALSE(document.HasMember("empty")) << line;
  EXPECT_FALSE(document.HasMember("null_text")) << line;
  EXPECT_FALSE(document.HasMember("no_offset")) << line;
  ASSERT_TRUE(document.HasMember("partition")) << line;
  EXPECT_EQ(document["partition"].GetInt(), 0) << "0 is a value, not an absence";
  ASSERT_TRUE(document.HasMember("zero")) << line;
  EXPECT_EQ(document["zero"].GetInt(), 0);
}

TEST(LogTest, ANumberJsonCannotHoldIsNullNotABrokenLine) {
  const std::string line =
      FormatLogLine(LogLevel::kInfo, "m",
                    {{"nan", std::nan("")}, {"inf", std::numeric_limits<double>::infinity()}});
  rapidjson::Document document = Parsed(line);
  EXPECT_TRUE(document["nan"].IsNull()) << line;
  EXPECT_TRUE(document["inf"].IsNull()) << line;
}

}  // namespace
}  // namespace hookbridge
