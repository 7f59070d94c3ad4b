// ApiKeys and Authenticate: key lists, rotation, and bearer header handling.
#include "hookbridge/core/api_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hookbridge {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kKey1 = "hbk_live_4fQ9zT2xLw8pR6vN";
constexpr const char* kKey2 = "hbk_live_7mK3sJ1yHc5dB0eW";
constexpr const char* kKey3 = "hbk_live_9aZ2bY3cX4dW5eV6";

ApiKeys Keys(const std::string& list) {
  std::string error;
  std::optional<ApiKeys> keys = ApiKeys::FromCommaList(list, &error);
  EXPECT_TRUE(keys.has_value()) << error;
  return keys.value_or(ApiKeys());
}

AuthResult AuthWith(const std::vector<std::string_view>& headers, const ApiKeys& keys) {
  return Authenticate(headers, keys);
}

std::string Bearer(const std::string& token) { return "Bearer " + token; }

// --- FromCommaList ----------------------------------------------------------

TEST(ApiKeysFromCommaListTest, SingleKeyIsAccepted) {
  std::string error;
  std::optional<ApiKeys> keys = ApiKeys::FromCommaList(kKey1, &error);
  ASSERT_TRUE(keys) << error;
  EXPECT_EQ(keys->size(), 1u);
  EXPECT_TRUE(keys->Contains(kKey1));
}

TEST(ApiKeysFromCommaListTest, EntriesAreTrimmedAndEmptyOnesIgnored) {
  std::string error;
  std::optional<ApiKeys> keys =
      ApiKeys::FromCommaList(std::string(" ") + kKey1 + " ,, \t" + kKey2 + "\t , ,", &error);
  ASSERT_TRUE(keys) << error;
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_TRUE(keys->Contains(kKey1));
  EXPECT_TRUE(keys->Contains(kKey2));
  EXPECT_FALSE(keys->Contains(std::string(" ") + kKey1));
}

TEST(ApiKeysFromCommaListTest, Token68CharactersAndPaddingAreAllowed) {
  std::string error;
  std::optional<ApiKeys> keys = ApiKeys::FromCommaList("aZ09-._~+/==", &error);
  ASSERT_TRUE(keys) << error;
  EXPECT_TRUE(keys->Contains("aZ09-._~+/=="));
}

class EmptyKeyListTest : public ::testing::TestWithParam<const char*> {};

TEST_P(EmptyKeyListTest, IsAnError) {
  std::string error;
  EXPECT_FALSE(ApiKeys::FromCommaList(GetParam(), &error));
  EXPECT_FALSE(error.empty());
}

INSTANTIATE_TEST_SUITE_P(NoKeys, EmptyKeyListTest, ::testing::Values("", " ", ",", " , ,\t,"));

class BadKeyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BadKeyTest, CommaListIsRejectedWithoutEchoingAnyKey) {
  std::string error;
  std::string list = std::string(kKey1) + "," + GetParam();
  EXPECT_FALSE(ApiKeys::FromCommaList(list, &error));
  ASSERT_FALSE(error.empty());
  EXPECT_THAT(error, HasSubstr("2"));  // names the entry by position
  EXPECT_THAT(error, Not(HasSubstr(GetParam())));
  EXPECT_THAT(error, Not(HasSubstr("Qs3cr3t")));
  EXPECT_THAT(error, Not(HasSubstr(kKey1)));
}

TEST_P(BadKeyTest, LinesAreRejectedWithoutEchoingAnyKey) {
  std::string error;
  std::string text = std::string(kKey1) + "\n" + GetParam() + "\n";
  EXPECT_FALSE(ApiKeys::FromLines(text, &error));
  ASSERT_FALSE(error.empty());
  EXPECT_THAT(error, HasSubstr("line 2"));
  EXPECT_THAT(error, Not(HasSubstr(GetParam())));
  EXPECT_THAT(error, Not(HasSubstr("Qs3cr3t")));
  EXPECT_THAT(error, Not(HasSubstr(kKey1)));
}

INSTANTIATE_TEST_SUITE_P(IllegalCharacters, BadKeyTest,
                         ::testing::Values(std::string("Qs3cr3t key"), std::string("Qs3cr3t\tkey"),
                                           std::string("Qs3cr3t\x01key"),
                                           std::string("Qs3cr3t\x7fkey"),
                                           std::string("Qs3cr3t\"key"), std::string("Qs3cr3t;key"),
                                           std::string("Qs3cr3t=key"), std::string("=Qs3cr3t"),
                                           std::string("=="), std::string("Qs3cr3t\xC3\xA9")));

// --- FromLines --------------------------------------------------------------

TEST(ApiKeysFromLinesTest, BlankAndCommentLinesAreIgnoredAndLinesTrimmed) {
  std::string error;
  std::optional<ApiKeys> keys = ApiKeys::FromLines(
      std::string("# rotated 2024-10\n\n   \n  ") + kKey1 + "  \n\t# old key\n" + kKey2, &error);
  ASSERT_TRUE(keys) << error;
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_TRUE(keys->Contains(kKey1));
  EXPECT_TRUE(keys->Contains(kKey2));
}

TEST(ApiKeysFromLinesTest, CrlfLineEndingsAreStripped) {
  std::string error;
  std::optional<ApiKeys> keys =
      ApiKeys::FromLines(std::string(kKey1) + "\r\n" + kKey2 + "\r\n\r\n", &error);
  ASSERT_TRUE(keys) << error;
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_TRUE(keys->Contains(kKey1));
  EXPECT_TRUE(keys->Contains(kKey2));
}

TEST(ApiKeysFromLinesTest, CommasAreNotSeparatorsInAFile) {
  std::string error;
  EXPECT_FALSE(ApiKeys::FromLines(std::string(kKey1) + "," + kKey2, &error));
  EXPECT_THAT(error, Not(HasSubstr(kKey1)));
}

TEST(ApiKeysFromLinesTest, OnlyCommentsAndBlankLinesIsAnError) {
  std::string error;
  EXPECT_FALSE(ApiKeys::FromLines("# nothing here\n\n\r\n   # still nothing\n", &error));
  EXPECT_FALSE(error.empty());
}

TEST(ApiKeysFromLinesTest, EmptyFileIsAnError) {
  std::string error;
  EXPECT_FALSE(ApiKeys::FromLines("", &error));
  EXPECT_FALSE(error.empty());
}

// --- Authenticate -----------------------------------------------------------

TEST(AuthenticateTest, ValidKeyIsAccepted) {
  ApiKeys keys = Keys(kKey1);
  std::string header = Bearer(kKey1);
  EXPECT_EQ(AuthWith({header}, keys), AuthResult::kAccepted);
}

TEST(AuthenticateTest, EveryConfiguredKeyIsAcceptedForRotation) {
  ApiKeys keys = Keys(std::string(kKey1) + "," + kKey2 + "," + kKey3);
  for (const char* key : {kKey1, kKey2, kKey3}) {
    std::string header = Bearer(key);
    EXPECT_EQ(AuthWith({header}, keys), AuthResult::kAccepted) << key;
  }
}

TEST(AuthenticateTest, RetiredKeyIsRejectedAfterRotation) {
  ApiKeys keys = Keys(kKey2);
  std::string header = Bearer(kKey1);
  EXPECT_EQ(AuthWith({header}, keys), AuthResult::kInvalidKey);
}

TEST(AuthenticateTest, WrongKeyIsInvalidKey) {
  ApiKeys keys = Keys(std::string(kKey1) + "," + kKey2);
  std::string header = Bearer("hbk_live_0000000000000000");
  EXPECT_EQ(AuthWith({header}, keys), AuthResult::kInvalidKey);
}

TEST(AuthenticateTest, KeyDifferingInLastCharacterIsInvalidKey) {
  ApiKeys keys = Keys("abcdef");
  std::string header = Bearer("abcdeg");
  EXPECT_EQ(AuthWith({header}, keys), AuthResult::kInvalidKey);
}

TEST(AuthenticateTest, KeyComparisonIsCaseSensitive) {
  ApiKeys keys = Keys("abcdef");
  std::string header = Bearer("ABCDEF");
  EXPECT_EQ(AuthWith({header}, keys), AuthResult::kInvalidKey);
}

TEST(AuthenticateTest, PrefixOfConfiguredKeyIsInvalidKey) {
  ApiKeys keys = Keys(kKey1);
  std::string key = kKey1;
  for (size_t length : {size_t{1}, key.size() / 2, key.size() - 1}) {
    std::string header = Bearer(key.substr(0, length));
    EXPECT_EQ(AuthWith({header}, keys), AuthResult::kInvalidKey) << length;
  }
}

TEST(AuthenticateTest, ConfiguredKeyPlusExtraCharactersIsInvalidKey) {
  ApiKeys keys = Keys(kKey1);
  std::string with_suffix = Bearer(std::string(kKey1) + "x");
  std::string with_padding = Bearer(std::string(kKey1) + "=");
  EXPECT_EQ(AuthWith({with_suffix}, keys), AuthResult::kInvalidKey);
  EXPECT_EQ(AuthWith({with_padding}, keys), AuthResult::kInvalidKey);
}

TEST(AuthenticateTest, ConfiguredKeyRepeatedIsInvalidKey) {
  // Guards the length check: a comparison that cycles over the key's bytes
  // must not accept the key written twice.
  ApiKeys keys = Keys("abc");
  std::string header = Bearer("abcabc");
  EXPECT_EQ(AuthWith({header}, keys), AuthResult::kInvalidKey);
}

TEST(AuthenticateTest, MissingHeaderIsMissingCredentials) {
  EXPECT_EQ(AuthWith({}, Keys(kKey1)), AuthResult::kMissingCredentials);
}

TEST(AuthenticateTest, TwoHeadersAreMissingCredentialsEvenIfBothValid) {
  ApiKeys keys = Keys(kKey1);
  std::string header = Bearer(kKey1);
  EXPECT_EQ(AuthWith({header, header}, keys), AuthResult::kMissingCredentials);
}

TEST(AuthenticateTest, LowercaseSchemeIsAccepted) {
  ApiKeys keys = Keys(kKey1);
  std::string lower = std::string("bearer ") + kKey1;
  std::string upper = std::string("BEARER ") + kKey1;
  std::string mixed = std::string("bEaReR ") + kKey1;
  EXPECT_EQ(AuthWith({lower}, keys), AuthResult::kAccepted);
  EXPECT_EQ(AuthWith({upper}, keys), AuthResult::kAccepted);
  EXPECT_EQ(AuthWith({mixed}, keys), AuthResult::kAccepted);
}

TEST(AuthenticateTest, SeveralSpacesAfterSchemeAreAccepted) {
  ApiKeys keys = Keys(kKey1);
  std::string header = std::string("Bearer   ") + kKey1;
  EXPECT_EQ(AuthWith({header}, keys), AuthResult::kAccepted);
}

class MalformedAuthorizationTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MalformedAuthorizationTest, IsMissingCredentials) {
  ApiKeys keys = Keys(kKey1);
  std::string header = GetParam();
  EXPECT_EQ(AuthWith({header}, keys), AuthResult::kMissingCredentials) << header;
}

INSTANTIATE_TEST_SUITE_P(
    Headers, MalformedAuthorizationTest,
    ::testing::Values(std::string(""), std::string("Basic x"),
                      std::string("Basic ") + kKey1,  // right key, wrong scheme
                      std::string(kKey1),             // no scheme at all
                      std::string("Bearer"), std::string("Bearer "), std::string("Bearer    "),
                      std::string("Bearer:") + kKey1, std::string("Bearer\t") + kKey1,
                      std::string("Bearerx ") + kKey1, std::string("Token ") + kKey1,
                      std::string("Bearer ") + kKey1 + " extra",
                      std::string("Bearer ") + kKey1 + ",", std::string("Bearer ") + kKey1 + "\r\n",
                      std::string("Bearer a\"b"), std::string("Bearer a;b"),
                      std::string("Bearer a\x01"
                                  "b"),
                      std::string("Bearer \xC3\xA9"), std::string("Bearer ="),
                      std::string("Bearer =abc"), std::string("Bearer a=b")));

TEST(ApiKeysContainsTest, EmptyPresentedTokenMatchesNothing) {
  ApiKeys keys = Keys(kKey1);
  EXPECT_FALSE(keys.Contains(""));
}

}  // namespace
}  // namespace hookbridge
