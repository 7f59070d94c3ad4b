// The sources file: a good file becomes the sources it says, with each
// scheme's defaults; every mistake stops it with a message naming the file,
// the source and the field, and never a secret.
#include "hookbridge/sources/sources_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "hookbridge/sources/getprofile_contract.h"
#include "hookbridge/sources/json_contract.h"

namespace hookbridge {
namespace {

// The JSON-Pointer contract's settings of a source read from the file.
const EventFields& Fields(const Source& source) {
  const auto* json = dynamic_cast<const JsonContract*>(source.contract.get());
  if (json == nullptr) {
    ADD_FAILURE() << source.name << " has no JSON contract";
    static const EventFields kNone;
    return kNone;
  }
  return json->fields();
}

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSecret = "s3cr3t-value-never-printed";
constexpr const char* kWhsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class SourcesFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/hookbridge-sources-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    Write("plain", std::string(kSecret) + "\n");
    // Old, then new (blank lines ignored); a secret may start with '#'.
    Write("rotating", std::string(kSecret) + "\n\n#second-" + kSecret + "\n");
    Write("whsec", std::string(kWhsec) + "\n");
    Write("empty", "\n \n\n");
    Write("keys", "hbk_key_0123456789abcdef\n");
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  SourcesFileResult Parse(const std::string& yaml, bool env_keys = false) {
    SourcesDefaults defaults;
    defaults.dead_letter_topic = "global.dead-letters";
    defaults.bearer_keys_configured = env_keys;
    std::string text = yaml;
    for (size_t at; (at = text.find("$DIR")) != std::string::npos;) text.replace(at, 4, dir_);
    return ParseSourcesText(text, "/etc/hookbridge/sources.yaml", defaults);
  }

  std::string dir_;
};

TEST_F(SourcesFileTest, OneSourceOfEachSchemeWithTheirDefaults) {
  SourcesFileResult result = Parse(R"(
sources:
  - name: getprofile
    path: /webhooks/getprofile
    auth: bearer
    topic: getprofile.events
    event: getprofile
  - name: github
    path: /webhooks/github
    auth: github
    secrets_file: $DIR/rotating
    topic: github.events
    dead_letter_topic: github.dead-letters
    key: [/repository/id, /organization/login]
    required: {/repository: object, /action: string}
  - name: billing
    path: /webhooks/billing
    auth: standard-webhooks
    secrets_file: $DIR/whsec
    tolerance_seconds: 60
    topic: billing.events
  - name: stripe
    path: /webhooks/stripe
    auth: stripe
    secrets_file: $DIR/plain
    topic: stripe.events
    key: [/data/object/customer]
  - name: shop
    path: /webhooks/shop
    auth: hmac-sha256
    secrets_file: $DIR/plain
    signature: {header: X-Shop-Signature, encoding: base64, prefix: "sha256="}
    topic: shop.events
    cloudevents:
      id: {pointer: /event_id}
      type: {value: shop.order}
      time: {header: X-Shop-Time}
)",
                                   /*env_keys=*/true);
  ASSERT_TRUE(result.sources) << result.error;
  const auto& sources = result.sources->sources;
  ASSERT_EQ(sources.size(), 5u);

  const Source& getprofile = *sources[0];
  EXPECT_EQ(getprofile.contract, GetProfileEventContract());
  EXPECT_EQ(getprofile.auth, SourceAuth::kBearer);
  EXPECT_EQ(getprofile.bearer_keys, nullptr);  // the GETPROFILE_API_KEY keys
  EXPECT_EQ(getprofile.dead_letter_topic, "global.dead-letters");

  const Source& github = *sources[1];
  EXPECT_EQ(github.auth, SourceAuth::kSignature);
  EXPECT_EQ(github.signature.scheme, SignatureScheme::kGitHub);
  EXPECT_EQ(github.signature.secrets,
            (std::vector<std::string>{kSecret, std::string("#second-") + kSecret}));
  EXPECT_EQ(github.dead_letter_topic, "github.dead-letters");
  ASSERT_EQ(Fields(github).key.size(), 2u);
  EXPECT_EQ(Fields(github).key[0].tokens, (std::vector<std::string>{"repository", "id"}));
  ASSERT_EQ(Fields(github).required.size(), 2u);
  EXPECT_EQ(Fields(github).required[0].type, JsonType::kObject);
  EXPECT_EQ(Fields(github).ce_id.header, "X-GitHub-Delivery");
  EXPECT_EQ(Fields(github).ce_type.header, "X-GitHub-Event");
  EXPECT_EQ(Fields(github).ce_source.value, "https://github.com");

  const Source& billing = *sources[2];
  EXPECT_EQ(billing.signature.scheme, SignatureScheme::kStandardWebhooks);
  EXPECT_EQ(billing.signature.tolerance, std::chrono::seconds(60));
  EXPECT_EQ(Fields(billing).ce_id.header, "webhook-id");
  EXPECT_EQ(Fields(billing).ce_id.fallback_header, "svix-id");
  EXPECT_EQ(Fields(billing).ce_type.pointer.text, "/type");
  EXPECT_EQ(Fields(billing).ce_time.pointer.text, "/timestamp");
  EXPECT_EQ(Fields(billing).ce_source.value, "urn:hookbridge:billing");

  const Source& stripe = *sources[3];
  EXPECT_EQ(stripe.signature.scheme, SignatureScheme::kStripe);
  EXPECT_EQ(stripe.signature.tolerance, std::chrono::seconds(300));
  EXPECT_EQ(Fields(stripe).ce_time.pointer.text, "/created");

  const Source& shop = *sources[4];
  EXPECT_EQ(shop.signature.scheme, SignatureScheme::kHmacSha256);
  EXPECT_EQ(shop.signature.hmac.header, "X-Shop-Signature");
  EXPECT_EQ(shop.signature.hmac.encoding, HmacFormat::Encoding::kBase64);
  EXPECT_EQ(shop.signature.hmac.prefix, "sha256=");
  EXPECT_EQ(Fields(shop).ce_id.kind, AttributeSource::Kind::kPointer);
  EXPECT_EQ(Fields(shop).ce_type.value, "shop.order");
  EXPECT_EQ(Fields(shop).ce_time.header, "X-Shop-Time");

  EXPECT_EQ(result.secrets_files.size(), 4u);
  EXPECT_EQ(result.sources->Topics(),
            (std::vector<std::string>{"getprofile.events", "global.dead-letters", "github.events",
                                      "github.dead-letters", "billing.events", "stripe.events",
                                      "shop.events"}));
  EXPECT_EQ(result.sources->ByPath("/webhooks/stripe")->name, "stripe");
  EXPECT_EQ(result.sources->ByPath("/webhooks/other"), nullptr);
}

TEST_F(SourcesFileTest, TheSendersSchemesWithTheirDefaults) {
  SourcesFileResult result = Parse(R"(
sources:
  - {name: slack, path: /slack, auth: slack, secrets_file: $DIR/plain, topic: slack, tolerance_seconds: 120}
  - {name: zoom, path: /zoom, auth: zoom, secrets_file: $DIR/plain, topic: zoom,
     cloudevents: {id: {pointer: /payload/object/uuid}}}
  - {name: shopify, path: /shopify, auth: shopify, secrets_file: $DIR/plain, topic: shopify}
  - {name: meta, path: /meta, auth: meta, secrets_file: $DIR/plain, topic: meta,
     cloudevents: {id: {pointer: /entry/0/id}}}
)");
  ASSERT_TRUE(result.sources) << result.error;
  const auto& sources = result.sources->sources;
  ASSERT_EQ(sources.size(), 4u);
  const Source& slack = *sources[0];
  EXPECT_EQ(slack.signature.scheme, SignatureScheme::kSlack);
  EXPECT_EQ(slack.signature.tolerance, std::chrono::seconds(120));
  EXPECT_EQ(Fields(slack).ce_id.pointer.text, "/event_id");
  EXPECT_EQ(Fields(slack).ce_type.pointer.text, "/event/type");
  EXPECT_EQ(Fields(slack).ce_time.pointer.text, "/event_time");
  EXPECT_EQ(Fields(slack).ce_source.value, "https://slack.com");
  const Source& zoom = *sources[1];
  EXPECT_EQ(zoom.signature.scheme, SignatureScheme::kZoom);
  EXPECT_EQ(zoom.signature.tolerance, std::chrono::seconds(300));
  EXPECT_EQ(Fields(zoom).ce_type.pointer.text, "/event");
  EXPECT_EQ(Fields(zoom).ce_source.value, "https://zoom.us");
  const Source& shopify = *sources[2];
  EXPECT_EQ(shopify.signature.scheme, SignatureScheme::kShopify);
  EXPECT_EQ(Fields(shopify).ce_id.header, "X-Shopify-Webhook-Id");
  EXPECT_EQ(Fields(shopify).ce_type.header, "X-Shopify-Topic");
  EXPECT_EQ(Fields(shopify).ce_time.header, "X-Shopify-Triggered-At");
  const Source& meta = *sources[3];
  EXPECT_EQ(meta.signature.scheme, SignatureScheme::kMeta);
  EXPECT_EQ(Fields(meta).ce_type.pointer.text, "/object");
  // Only GitHub takes form deliveries; of these, Slack takes forms (slash commands).
  for (const auto& source : sources) {
    EXPECT_FALSE(source->form_payload) << source->name;
    EXPECT_EQ(source->form_fields, source->name == "slack") << source->name;
  }
}

TEST_F(SourcesFileTest, GitHubSourcesTakeFormDeliveries) {
  SourcesFileResult result = Parse(
      "sources:\n  - {name: github, path: /gh, auth: github, "
      "secrets_file: $DIR/plain, topic: gh}\n");
  ASSERT_TRUE(result.sources) << result.error;
  EXPECT_TRUE(result.sources->sources[0]->form_payload);
}

TEST_F(SourcesFileTest, ATwilioSourceNeedsItsPublicUrlAndTakesForms) {
  const std::string twilio =
      "sources:\n  - {name: tw, path: /tw, auth: twilio, secrets_file: $DIR/plain, topic: t, "
      "cloudevents: {id: {pointer: /MessageSid}, type: {value: com.twilio.messaging}}";
  SourcesFileResult result = Parse(twilio + ", public_url: 'https://hooks.example.com/tw'}\n");
  ASSERT_TRUE(result.sources) << result.error;
  const Source& source = *result.sources->sources[0];
  EXPECT_EQ(source.signature.scheme, SignatureScheme::kTwilio);
  EXPECT_EQ(source.signature.public_url, "https://hooks.example.com/tw");
  EXPECT_TRUE(source.form_fields);
  EXPECT_FALSE(source.form_payload);
  EXPECT_EQ(Fields(source).dedup_id.header, "I-Twilio-Idempotency-Token");
  EXPECT_EQ(Fields(source).ce_source.value, "https://twilio.com");

  result = Parse(twilio + "}\n");
  EXPECT_FALSE(result.sources);
  EXPECT_THAT(result.error, HasSubstr("source \"tw\": public_url: required for twilio"));
  result = Parse(twilio + ", public_url: 'https://hooks.example.com/tw?x=1'}\n");
  EXPECT_THAT(result.error, HasSubstr("public_url: must not hold a query"));
  result = Parse(
      "sources:\n  - {name: gh, path: /gh, auth: github, secrets_file: $DIR/plain, topic: gh, "
      "public_url: 'https://hooks.example.com/gh'}\n");
  EXPECT_THAT(result.error, HasSubstr("public_url: only for twilio"));
}

TEST_F(SourcesFileTest, AMetaSourceTakesVerifyTokensFromAFile) {
  SourcesFileResult result = Parse(
      "sources:\n  - {name: m, path: /m, auth: meta, secrets_file: $DIR/plain, topic: t, "
      "verify_token_file: $DIR/rotating, cloudevents: {id: {pointer: /entry/0/id}}}\n");
  ASSERT_TRUE(result.sources) << result.error;
  EXPECT_EQ(result.sources->sources[0]->verify_tokens,
            (std::vector<std::string>{kSecret, std::string("#second-") + kSecret}));
  EXPECT_EQ(result.secrets_files.size(), 2u);  // watched for reloads like the secrets
  SourcesFileResult github = Parse(
      "sources:\n  - {name: g, path: /g, auth: github, secrets_file: $DIR/plain, topic: t, "
      "verify_token_file: $DIR/plain}\n");
  EXPECT_THAT(github.error, HasSubstr("verify_token_file: only for meta"));
  SourcesFileResult empty = Parse(
      "sources:\n  - {name: m, path: /m, auth: meta, secrets_file: $DIR/plain, topic: t, "
      "verify_token_file: $DIR/empty, cloudevents: {id: {pointer: /entry/0/id}}}\n");
  EXPECT_THAT(empty.error, HasSubstr("verify_token_file:"));
  EXPECT_THAT(empty.error, HasSubstr("holds no secret"));
}

TEST_F(SourcesFileTest, SendersWithoutAnEventIdNeedOneInTheFile) {
  for (const char* auth : {"zoom", "meta"}) {
    SourcesFileResult result = Parse(std::string("sources:\n  - {name: s, path: /s, auth: ") +
                                     auth + ", secrets_file: $DIR/plain, topic: t}\n");
    EXPECT_EQ(result.sources, nullptr) << auth;
    EXPECT_THAT(result.error, HasSubstr("cloudevents.id: required for this auth")) << auth;
  }
  SourcesFileResult shopify = Parse(
      "sources:\n  - {name: s, path: /s, auth: shopify, secrets_file: $DIR/plain, topic: t, "
      "tolerance_seconds: 60}\n");
  EXPECT_THAT(shopify.error, HasSubstr("tolerance_seconds: only for"));
}

TEST_F(SourcesFileTest, ABearerSourceMayHaveKeysOfItsOwn) {
  SourcesFileResult result = Parse(R"(
sources:
  - {name: partner, path: /p, auth: bearer, secrets_file: $DIR/keys, topic: p.events, event: getprofile}
)");
  ASSERT_TRUE(result.sources) << result.error;
  const Source& partner = *result.sources->sources[0];
  ASSERT_NE(partner.bearer_keys, nullptr);
  EXPECT_TRUE(partner.bearer_keys->Contains("hbk_key_0123456789abcdef"));
}

// One row per mistake: the YAML of the sources list, and the message expected
// after "sources file /etc/hookbridge/sources.yaml: ".
struct Mistake {
  const char* yaml;
  const char* message;
};

class SourcesFileMistakeTest : public SourcesFileTest,
                               public ::testing::WithParamInterface<Mistake> {};

constexpr const char* kGitHub =
    "{name: github, path: /gh, auth: github, secrets_file: $DIR/plain, topic: gh";

TEST_P(SourcesFileMistakeTest, StopsWithFileSourceAndField) {
  const Mistake& mistake = GetParam();
  SourcesFileResult result = Parse(mistake.yaml);
  EXPECT_EQ(result.sources, nullptr);
  std::string expected =
      std::string("sources file /etc/hookbridge/sources.yaml: ") + mistake.message;
  for (size_t at; (at = expected.find("$DIR")) != std::string::npos;) expected.replace(at, 4, dir_);
  EXPECT_EQ(result.error, expected);
  EXPECT_THAT(result.error, Not(HasSubstr(kSecret)));
  EXPECT_THAT(result.error, Not(HasSubstr("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")));
}

std::string Row(const std::string& github_tail) {
  return "sources:\n  - " + std::string(kGitHub) + github_tail + "}\n";
}

const std::string kRows[][2] = {
    {Row(", key: [repository/id]"),
     R"(source "github": key: "repository/id" is not a JSON Pointer (e.g. "/data/id"))"},
    {Row(", key: [\"/a/~2\"]"),
     R"(source "github": key: "/a/~2" is not a JSON Pointer (e.g. "/data/id"))"},
    {Row(", key: []"), R"(source "github": key: must be a list of JSON Pointers)"},
    {Row(", required: {/a: strng}"),
     R"(source "github": required./a: "strng" is not string, integer, number, boolean, object or array)"},
    {Row(", required: {a: string}"),
     R"(source "github": required: "a" is not a JSON Pointer (e.g. "/data/id"))"},
    {Row(", topik: x"), R"(source "github": topik: unknown field)"},
    {Row(", cloudevents: {id: {pointer: /id}, kind: {value: x}}"),
     R"(source "github": cloudevents.kind: unknown field)"},
    {Row(", cloudevents: {id: {pointer: /id, header: X-Id}}"),
     R"(source "github": cloudevents.id: must be one of {pointer: ...}, {header: ...}, {value: ...})"},
    {Row(", cloudevents: {time: {pointer: time}}"),
     R"(source "github": cloudevents.time.pointer: "time" is not a JSON Pointer (e.g. "/data/id"))"},
    {Row(", cloudevents: {source: {value: \"a b\"}}"),
     R"(source "github": cloudevents.source.value: must be a URI-reference (RFC 3986), e.g. https://example.com)"},
    {Row(", cloudevents: {time: {value: yesterday}}"),
     R"(source "github": cloudevents.time.value: must be an RFC 3339 time, e.g. 2023-10-01T12:00:00Z)"},
    {Row(", cloudevents: {type: {value: \"a\\tb\"}}"),
     R"(source "github": cloudevents.type.value: must not contain control characters or Unicode noncharacters)"},
    {Row(", tolerance_seconds: 30"),
     R"(source "github": tolerance_seconds: only for standard-webhooks, stripe, slack, zoom)"},
    {Row(", signature: {header: X-Sig}"), R"(source "github": signature: only for hmac-sha256)"},
    {Row(", dead_letter_topic: gh"),
     R"(source "github": dead_letter_topic: must differ from topic)"},
    {Row(", event: xml"), R"(source "github": event: "xml" is not json or getprofile)"},
    {Row(", event: getprofile, key: [/id]"),
     R"(source "github": key: not with event: getprofile (its contract fixes it))"},
    {"sources:\n  - {name: github, path: /gh, auth: github, topic: gh}\n",
     R"(source "github": secrets_file: required)"},
    {"sources:\n  - {name: github, path: /gh, auth: github, secrets_file: $DIR/none, topic: gh}\n",
     "source \"github\": secrets_file: cannot read \"$DIR/none\""},
    {"sources:\n  - {name: github, path: /gh, auth: github, secrets_file: $DIR/empty, topic: gh}\n",
     "source \"github\": secrets_file: \"$DIR/empty\" holds no secret"},
    {"sources:\n  - {name: github, path: /gh, auth: gitlab, secrets_file: $DIR/plain, topic: gh}\n",
     R"(source "github": auth: "gitlab" is not one of bearer, standard-webhooks, github, stripe, hmac-sha256, slack, zoom, shopify, meta, twilio)"},
    {"sources:\n  - {name: github, path: gh, auth: github, secrets_file: $DIR/plain, topic: gh}\n",
     R"(source "github": path: "gh" must start with '/')"},
    {"sources:\n  - {name: github, path: /metrics, auth: github, secrets_file: $DIR/plain, topic: "
     "gh}\n",
     R"(source "github": path: "/metrics" is one of hookbridge's own endpoints)"},
    {"sources:\n  - {name: GitHub, path: /gh, auth: github, secrets_file: $DIR/plain, topic: gh}\n",
     R"(source "GitHub": name: "GitHub" must be 1 to 64 of a-z, 0-9, '_', '-')"},
    {"sources:\n  - {name: github, path: /gh, auth: github, secrets_file: $DIR/plain, topic: \"g "
     "h\"}\n",
     R"(source "github": topic: "g h" is not a Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -, not . or ..))"},
    {"sources:\n  - {name: github, path: /gh, auth: github, secrets_file: $DIR/plain}\n",
     R"(source "github": topic: required)"},
    {"sources:\n  - {path: /gh, auth: github, secrets_file: $DIR/plain, topic: gh}\n",
     "source #1: name: required"},
    {"sources:\n  - {name: shop, path: /s, auth: hmac-sha256, secrets_file: $DIR/plain, topic: s, "
     "cloudevents: {id: {pointer: /id}, type: {value: t}}}\n",
     R"(source "shop": signature: required for hmac-sha256 (at least its header))"},
    {"sources:\n  - {name: shop, path: /s, auth: hmac-sha256, secrets_file: $DIR/plain, topic: s, "
     "signature: {header: X-S}}\n",
     R"(source "shop": cloudevents.id: required for this auth)"},
    {"sources:\n  - {name: shop, path: /s, auth: hmac-sha256, secrets_file: $DIR/plain, topic: s, "
     "signature: {header: X-S, encoding: hexa}}\n",
     R"(source "shop": signature.encoding: "hexa" is not hex or base64)"},
    {"sources:\n  - {name: gp, path: /g, auth: bearer, topic: g, event: getprofile}\n",
     R"(source "gp": secrets_file: required (GETPROFILE_API_KEY and GETPROFILE_API_KEY_FILE are not set))"},
    {"sources:\n  - " + std::string(kGitHub) +
         "}\n  - {name: github, path: /gh2, auth: github, secrets_file: $DIR/plain, topic: gh}\n",
     R"(source "github": name: another source has this name)"},
    {"sources:\n  - " + std::string(kGitHub) +
         "}\n  - {name: other, path: /gh, auth: github, secrets_file: $DIR/plain, topic: gh}\n",
     R"(source "other": path: "/gh" is taken by source "github")"},
    {"sources:\n  - " + std::string(kGitHub) + ", topic: again}\n",
     R"(source "github": topic: given twice)"},
    {"sources: []\n", "sources: must be a non-empty list"},
    {"source:\n  - x\n", "source: unknown field"},
    {"sources:\n  - [a]\n", "source #1: (entry): must be a map"},
    {"sources: [\n", "line 2, column 1: end of sequence flow not found"},
};

std::vector<Mistake> Mistakes() {
  std::vector<Mistake> mistakes;
  for (const auto& row : kRows) mistakes.push_back(Mistake{row[0].c_str(), row[1].c_str()});
  return mistakes;
}

INSTANTIATE_TEST_SUITE_P(EveryMistake, SourcesFileMistakeTest, ::testing::ValuesIn(Mistakes()));

TEST_F(SourcesFileTest, ABadStandardWebhooksSecretIsNamedButNotQuoted) {
  Write("bad-whsec", "whsec_%%%not-base64%%%\n");
  SourcesFileResult result = Parse(
      "sources:\n  - {name: billing, path: /b, auth: standard-webhooks, secrets_file: "
      "$DIR/bad-whsec, topic: b}\n");
  EXPECT_EQ(result.sources, nullptr);
  EXPECT_THAT(result.error,
              HasSubstr("source \"billing\": secrets_file: \"" + dir_ + "/bad-whsec\": "));
  EXPECT_THAT(result.error, Not(HasSubstr("not-base64")));
}

TEST_F(SourcesFileTest, AFileThatCannotBeReadIsNamed) {
  SourcesFileResult result = LoadSourcesFile(Path("missing.yaml"), SourcesDefaults{});
  EXPECT_EQ(result.sources, nullptr);
  EXPECT_EQ(result.error, "sources file " + Path("missing.yaml") + ": cannot be read");
}

}  // namespace
}  // namespace hookbridge

namespace hookbridge {
namespace {

class SourcesFileDedupTest : public SourcesFileTest {
 protected:
  SourcesFileResult ParseWithWindow(const std::string& yaml, std::chrono::seconds window) {
    SourcesDefaults defaults;
    defaults.dedup_window = window;
    std::string text = yaml;
    for (size_t at; (at = text.find("$DIR")) != std::string::npos;) text.replace(at, 4, dir_);
    return ParseSourcesText(text, "/etc/hookbridge/sources.yaml", defaults);
  }
};

TEST_F(SourcesFileDedupTest, EachSchemeDeduplicatesOnItsSendersIdByDefault) {
  SourcesFileResult result = Parse(R"(
sources:
  - {name: github, path: /gh, auth: github, secrets_file: $DIR/plain, topic: gh}
  - {name: billing, path: /billing, auth: standard-webhooks, secrets_file: $DIR/whsec, topic: b}
  - {name: stripe, path: /stripe, auth: stripe, secrets_file: $DIR/plain, topic: s}
  - name: shop
    path: /shop
    auth: hmac-sha256
    secrets_file: $DIR/plain
    signature: {header: X-Shop-Signature}
    topic: shop
    cloudevents: {id: {pointer: /event_id}, type: {value: shop.order}}
  - name: fixed
    path: /fixed
    auth: hmac-sha256
    secrets_file: $DIR/plain
    signature: {header: X-Fixed-Signature}
    topic: fixed
    cloudevents: {id: {value: one}, type: {value: shop.order}}
)");
  ASSERT_TRUE(result.sources) << result.error;
  const auto& sources = result.sources->sources;
  using Kind = AttributeSource::Kind;
  EXPECT_EQ(Fields(*sources[0]).dedup_id.header, "X-GitHub-Delivery");
  EXPECT_EQ(Fields(*sources[1]).dedup_id.header, "webhook-id");
  EXPECT_EQ(Fields(*sources[2]).dedup_id.kind, Kind::kPointer);
  EXPECT_EQ(Fields(*sources[2]).dedup_id.pointer.text, "/id");
  EXPECT_EQ(Fields(*sources[3]).dedup_id.pointer.text, "/event_id");  // its cloudevents.id
  EXPECT_EQ(Fields(*sources[4]).dedup_id.kind, Kind::kNone);          // a fixed id is no id
  for (const auto& source : sources) EXPECT_TRUE(source->dedup) << source->name;
}

TEST_F(SourcesFileDedupTest, DedupNamesAHeaderOrAPointerOrIsTurnedOff) {
  SourcesFileResult result = Parse(R"(
sources:
  - name: hooks
    path: /hooks
    auth: hmac-sha256
    secrets_file: $DIR/plain
    signature: {header: X-Hub-Signature-256, prefix: "sha256="}
    topic: hooks
    cloudevents: {id: {pointer: /id}, type: {value: t}}
    dedup: {header: X-GitHub-Delivery}
  - {name: off, path: /off, auth: stripe, secrets_file: $DIR/plain, topic: o, dedup: false}
  - name: pointed
    path: /pointed
    auth: stripe
    secrets_file: $DIR/plain
    topic: p
    dedup: {pointer: /data/object/id}
  - {name: gp, path: /gp, auth: bearer, secrets_file: $DIR/keys, topic: g, event: getprofile, dedup: false}
)");
  ASSERT_TRUE(result.sources) << result.error;
  const auto& sources = result.sources->sources;
  EXPECT_EQ(Fields(*sources[0]).dedup_id.header, "X-GitHub-Delivery");
  EXPECT_FALSE(sources[1]->dedup);
  EXPECT_EQ(Fields(*sources[2]).dedup_id.pointer.text, "/data/object/id");
  EXPECT_FALSE(sources[3]->dedup);
}

TEST_F(SourcesFileDedupTest, BadDedupSettingsAreRefusedNamingTheField) {
  const std::string head =
      "sources:\n  - {name: s, path: /s, auth: stripe, secrets_file: $DIR/plain, topic: t, ";
  for (const std::string& dedup :
       {std::string("dedup: maybe}"), std::string("dedup: {value: x}}"),
        std::string("dedup: {header: a, pointer: /b}}"), std::string("dedup: {pointer: nope}}"),
        std::string("dedup: {headr: x}}")}) {
    SourcesFileResult result = Parse(head + dedup + "\n");
    EXPECT_FALSE(result.sources) << dedup;
    EXPECT_THAT(result.error, HasSubstr("source \"s\": dedup")) << dedup;
  }
  SourcesFileResult getprofile = Parse(
      "sources:\n  - {name: g, path: /g, auth: bearer, secrets_file: $DIR/keys, topic: t, "
      "event: getprofile, dedup: {header: X-Id}}\n");
  EXPECT_FALSE(getprofile.sources);
  EXPECT_THAT(getprofile.error, HasSubstr("dedup: only true or false with event: getprofile"));
}

TEST_F(SourcesFileDedupTest, AToleranceLongerThanTheWindowIsRefusedNamingTheSetting) {
  const std::string yaml =
      "sources:\n  - {name: b, path: /b, auth: standard-webhooks, secrets_file: $DIR/whsec, "
      "topic: t}\n";
  // The default tolerance, 300 s, against a 299 s window.
  SourcesFileResult refused = ParseWithWindow(yaml, std::chrono::seconds(299));
  EXPECT_FALSE(refused.sources);
  EXPECT_THAT(refused.error, HasSubstr("tolerance_seconds"));
  EXPECT_THAT(refused.error, HasSubstr("HOOKBRIDGE_DEDUP_WINDOW_S"));
  EXPECT_TRUE(ParseWithWindow(yaml, std::chrono::seconds(300)).sources);
  // Not deduplicated, or deduplication off (window 0): no constraint.
  EXPECT_TRUE(ParseWithWindow("sources:\n  - {name: b, path: /b, auth: standard-webhooks, "
                              "secrets_file: $DIR/whsec, topic: t, dedup: false}\n",
                              std::chrono::seconds(10))
                  .sources);
  EXPECT_TRUE(ParseWithWindow(yaml, std::chrono::seconds(0)).sources);
}

}  // namespace
}  // namespace hookbridge
