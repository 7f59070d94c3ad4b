// The syntax rules of src/rules, each at its edges. This binary links
// hookbridge_rules alone: the module depends on nothing else of ours.
#include "hookbridge/rules/rules.h"

#include <gtest/gtest.h>

#include <string>

namespace hookbridge {
namespace {

TEST(TokenRuleTest, TakesEveryTcharAndNothingElse) {
  const std::string tchars =
      "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  int taken = 0;
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    const bool expected = tchars.find(c) != std::string::npos;
    EXPECT_EQ(IsTokenChar(c), expected) << "byte " << byte;
    taken += IsTokenChar(c) ? 1 : 0;
  }
  EXPECT_EQ(taken, static_cast<int>(tchars.size()));
}

TEST(TokenRuleTest, TokenIsOneOrMoreTchar) {
  EXPECT_TRUE(IsToken("GET"));
  EXPECT_TRUE(IsToken("X-Hub-Signature-256"));
  EXPECT_TRUE(IsToken("~"));
  EXPECT_FALSE(IsToken(""));
  EXPECT_FALSE(IsToken("Content Type"));
  EXPECT_FALSE(IsToken("Host:"));
  EXPECT_FALSE(IsToken("a\"b"));
  EXPECT_FALSE(IsToken(std::string("a\0b", 3)));
  EXPECT_FALSE(IsToken("caf\xC3\xA9"));  // bytes above 0x7F are not ASCII letters
}

TEST(WhiteSpaceRuleTest, OwsIsSpaceAndTabOnly) {
  EXPECT_TRUE(IsOws(' '));
  EXPECT_TRUE(IsOws('\t'));
  EXPECT_FALSE(IsOws('\r'));
  EXPECT_FALSE(IsOws('\n'));
  EXPECT_FALSE(IsOws('\v'));
  EXPECT_TRUE(IsWhiteSpace('\r'));
  EXPECT_TRUE(IsWhiteSpace('\n'));
  EXPECT_FALSE(IsWhiteSpace('\v'));
  EXPECT_FALSE(IsWhiteSpace('\0'));
}

TEST(WhiteSpaceRuleTest, TrimOwsKeepsCrLfAndInnerSpace) {
  EXPECT_EQ(TrimOws(" \t a b \t "), "a b");
  EXPECT_EQ(TrimOws("value\r"), "value\r");  // a CR in a field value is not white space
  EXPECT_EQ(TrimOws(" \t "), "");
  EXPECT_EQ(TrimOws(""), "");
  EXPECT_EQ(TrimOws("x"), "x");
  EXPECT_EQ(TrimOwsLeft("\t x "), "x ");
  EXPECT_EQ(TrimOwsLeft("  "), "");
}

TEST(WhiteSpaceRuleTest, TrimDropsCrLfToo) {
  EXPECT_EQ(Trim("  key\r\n"), "key");
  EXPECT_EQ(Trim("\r\n\t "), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("a \r b"), "a \r b");
  EXPECT_EQ(Trim("\vkey"), "\vkey");  // only SP, HT, CR, LF
}

TEST(TopicNameRuleTest, KafkaCharactersUpTo249) {
  EXPECT_TRUE(IsTopicName("getprofile.events"));
  EXPECT_TRUE(IsTopicName("A-z_0.9"));
  EXPECT_TRUE(IsTopicName("..."));
  EXPECT_TRUE(IsTopicName("x"));
  EXPECT_TRUE(IsTopicName(std::string(249, 'a')));
  EXPECT_FALSE(IsTopicName(std::string(250, 'a')));
  EXPECT_FALSE(IsTopicName(""));
  EXPECT_FALSE(IsTopicName("."));
  EXPECT_FALSE(IsTopicName(".."));
  EXPECT_FALSE(IsTopicName("g h"));
  EXPECT_FALSE(IsTopicName("events/2"));
  EXPECT_FALSE(IsTopicName("caf\xC3\xA9"));
}

TEST(PathRuleTest, ReservedPathsAreExactlyTheOwnEndpoints) {
  EXPECT_TRUE(IsReservedPath("/healthz"));
  EXPECT_TRUE(IsReservedPath("/readyz"));
  EXPECT_TRUE(IsReservedPath("/metrics"));
  EXPECT_FALSE(IsReservedPath("/metrics/"));
  EXPECT_FALSE(IsReservedPath("/Healthz"));
  EXPECT_FALSE(IsReservedPath("/"));
}

TEST(PathRuleTest, WebhookPathEdges) {
  EXPECT_EQ(WebhookPathProblem("/"), "");
  EXPECT_EQ(WebhookPathProblem("/webhooks/getprofile"), "");
  EXPECT_EQ(WebhookPathProblem("/a~!$&'()*+,;=:@%20"), "");
  EXPECT_EQ(WebhookPathProblem("/" + std::string(1023, 'a')), "");
  EXPECT_EQ(WebhookPathProblem(""), "must start with '/'");
  EXPECT_EQ(WebhookPathProblem("webhooks"), "must start with '/'");
  EXPECT_EQ(WebhookPathProblem("/" + std::string(1024, 'a')), "must be at most 1024 bytes");
  const std::string printable = "must be printable ASCII without spaces, '?' or '#'";
  EXPECT_EQ(WebhookPathProblem("/a b"), printable);
  EXPECT_EQ(WebhookPathProblem("/a?b"), printable);
  EXPECT_EQ(WebhookPathProblem("/a#b"), printable);
  EXPECT_EQ(WebhookPathProblem("/a\x7F"), printable);
  EXPECT_EQ(WebhookPathProblem("/a\tb"), printable);
  EXPECT_EQ(WebhookPathProblem("/caf\xC3\xA9"), printable);
  EXPECT_EQ(WebhookPathProblem("/metrics"), "is one of hookbridge's own endpoints");
  EXPECT_EQ(WebhookPathProblem("/healthz"), "is one of hookbridge's own endpoints");
}

}  // namespace
}  // namespace hookbridge
