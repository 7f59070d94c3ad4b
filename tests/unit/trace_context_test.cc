// W3C Trace Context Level 1: which traceparent and tracestate values are
// copied into a record, from the specification's examples and rules. Every
// malformed value is dropped, never a reason to refuse.
#include "hookbridge/core/trace_context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hookbridge {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

// The specification's example (section 3.2.2.x).
constexpr const char* kExample = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

// --- traceparent ------------------------------------------------------------

TEST(TraceParentTest, SpecExamplesAreCopiedAsSent) {
  EXPECT_EQ(ParseTraceParent(kExample), kExample);
  const char* not_sampled = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-00";
  EXPECT_EQ(ParseTraceParent(not_sampled), not_sampled);
  // Unknown flags of version 00 are the sender's business: kept.
  const char* other_flags = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-ff";
  EXPECT_EQ(ParseTraceParent(other_flags), other_flags);
}

TEST(TraceParentTest, SurroundingWhiteSpaceIsNotPartOfTheValue) {
  EXPECT_EQ(ParseTraceParent(std::string(" \t") + kExample + " "), kExample);
}

struct Invalid {
  const char* name;
  const char* value;
};

class InvalidTraceParentTest : public ::testing::TestWithParam<Invalid> {};

TEST_P(InvalidTraceParentTest, IsDropped) {
  EXPECT_EQ(ParseTraceParent(GetParam().value), std::nullopt) << GetParam().value;
}

INSTANTIATE_TEST_SUITE_P(
    Level1Rules, InvalidTraceParentTest,
    ::testing::Values(
        Invalid{"Empty", ""},
        Invalid{"AllZeroTraceId", "00-00000000000000000000000000000000-b7ad6b7169203331-01"},
        Invalid{"AllZeroParentId", "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"},
        Invalid{"VersionFf", "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
        Invalid{"UppercaseTraceId", "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"},
        Invalid{"UppercaseParentId", "00-0af7651916cd43dd8448eb211c80319c-B7AD6B7169203331-01"},
        Invalid{"UppercaseFlags", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0A"},
        Invalid{"UppercaseVersion", "0A-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
        Invalid{"VersionNotHex", "0g-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
        Invalid{"ShortTraceId", "00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01"},
        Invalid{"LongTraceId", "00-0af7651916cd43dd8448eb211c80319c00-b7ad6b7169203331-01"},
        Invalid{"ShortParentId", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033-01"},
        Invalid{"OneFlagDigit", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1"},
        Invalid{"WrongSeparator", "00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01"},
        Invalid{"NonHexInTraceId", "00-0af7651916cd43dd8448eb211c80319z-b7ad6b7169203331-01"},
        Invalid{"Version00WithMore", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-00"},
        Invalid{"FutureVersionNoDashAfterFlags",
                "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01.what-the-future-will-not-"
                "be-like"},
        Invalid{"FutureVersionShort", "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1"},
        Invalid{"FutureVersionAllZeroTraceId",
                "01-00000000000000000000000000000000-b7ad6b7169203331-01"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(TraceParentTest, AFutureVersionIsReadAsVersion00KeepingOnlyTheSampledFlag) {
  EXPECT_EQ(
      ParseTraceParent(
          "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-the-future-will-be-like"),
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(ParseTraceParent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03"),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(ParseTraceParent("fe-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-fe"),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
}

// --- tracestate -------------------------------------------------------------

using Lines = std::vector<std::string_view>;

TEST(TraceStateTest, SpecExamplesAreKeptInOrder) {
  EXPECT_EQ(ParseTraceState({"congo=t61rcWkgMzE"}), "congo=t61rcWkgMzE");
  EXPECT_EQ(ParseTraceState({"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"}),
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  // Several header lines are one list (RFC 9110 5.3).
  EXPECT_EQ(ParseTraceState({"rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE"}),
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
}

TEST(TraceStateTest, EmptyMembersAndOptionalWhiteSpaceAreDropped) {
  EXPECT_EQ(ParseTraceState({" rojo=1 ,\t, congo=2,", ""}), "rojo=1,congo=2");
}

TEST(TraceStateTest, MultiTenantKeysAndValueCharacters) {
  EXPECT_EQ(ParseTraceState({"fw529a3039@dt=a b!~", "1tenant@sys_1-*/=x"}),
            "fw529a3039@dt=a b!~,1tenant@sys_1-*/=x");
}

TEST(TraceStateTest, KeyAndValueLengthLimits) {
  const std::string key256 = "k" + std::string(255, 'a');
  const std::string value256(256, 'v');
  EXPECT_TRUE(ParseTraceState({key256 + "=" + value256}));
  EXPECT_FALSE(ParseTraceState({key256 + "a=v"}));
  EXPECT_FALSE(ParseTraceState({"k=" + value256 + "v"}));
  EXPECT_TRUE(ParseTraceState({std::string(241, 't') + "@" + "s" + std::string(13, 'y') + "=v"}));
  EXPECT_FALSE(ParseTraceState({std::string(242, 't') + "@s=v"}));
  EXPECT_FALSE(ParseTraceState({"t@s" + std::string(14, 'y') + "=v"}));
}

TEST(TraceStateTest, AtMost32Members) {
  std::string members;
  for (int i = 0; i < 32; ++i) members += (i ? ",k" : "k") + std::to_string(i) + "=v";
  EXPECT_EQ(ParseTraceState({members}), members);
  EXPECT_EQ(ParseTraceState({members, "k32=v"}), std::nullopt);
}

class InvalidTraceStateTest : public ::testing::TestWithParam<Invalid> {};

TEST_P(InvalidTraceStateTest, DropsTheWholeList) {
  EXPECT_EQ(ParseTraceState({GetParam().value}), std::nullopt) << GetParam().value;
}

INSTANTIATE_TEST_SUITE_P(
    Level1Rules, InvalidTraceStateTest,
    ::testing::Values(Invalid{"Nothing", ""}, Invalid{"OnlyCommas", " , ,"},
                      Invalid{"NoEquals", "rojo=1,congo"}, Invalid{"EmptyValue", "rojo="},
                      Invalid{"EmptyKey", "=1"}, Invalid{"UppercaseKey", "Rojo=1"},
                      Invalid{"KeyStartsWithDigit", "1rojo=1"}, Invalid{"KeyWithDot", "ro.jo=1"},
                      Invalid{"EqualsInValue", "rojo=a=b"}, Invalid{"ControlInValue", "rojo=a\tb"},
                      Invalid{"NonAsciiValue", "rojo=\xC3\xA9"}, Invalid{"EmptyTenant", "@sys=1"},
                      Invalid{"EmptySystem", "tenant@=1"},
                      Invalid{"SystemStartsWithDigit", "tenant@1sys=1"},
                      Invalid{"TwoAts", "a@b@c=1"},
                      Invalid{"DuplicateKey", "rojo=1,congo=2,rojo=3"}),
    [](const auto& test) { return std::string(test.param.name); });

// --- what a record gets -----------------------------------------------------

TEST(TraceContextHeadersTest, BothWhenBothAreValid) {
  EXPECT_THAT(TraceContextHeaders({kExample}, {"rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE"}),
              ElementsAre(Pair("traceparent", kExample),
                          Pair("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")));
}

TEST(TraceContextHeadersTest, TraceStateWithoutAValidTraceParentIsNotRead) {
  EXPECT_THAT(TraceContextHeaders({}, {"rojo=1"}), IsEmpty());
  EXPECT_THAT(TraceContextHeaders({"00-bad"}, {"rojo=1"}), IsEmpty());
}

TEST(TraceContextHeadersTest, AMalformedTraceStateLeavesTheTraceParent) {
  EXPECT_THAT(TraceContextHeaders({kExample}, {"Rojo=1"}),
              ElementsAre(Pair("traceparent", kExample)));
}

TEST(TraceContextHeadersTest, TwoTraceParentLinesAreDropped) {
  EXPECT_THAT(TraceContextHeaders({kExample, kExample}, {}), IsEmpty());
}

}  // namespace
}  // namespace hookbridge
