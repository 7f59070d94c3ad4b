// Sources end to end, on the real broker: one sources file with a source of
// each scheme, each webhook signed the way its real sender signs (OpenSSL's
// HMAC, independent of src/auth), records checked on each source's topic with
// key, value and headers; bad signatures get 401 and produce nothing; and a
// secret rotated through the secrets file while senders keep sending loses
// no acknowledged event.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "../support/prometheus_text.h"
#include "../support/webhook_signer.h"
#include "sources_fixture.h"

namespace hookbridge::e2e {
namespace {

namespace signer = test_support;

constexpr const char* kGitHubSecret = "gh-secret-2f9c1a7e";
constexpr const char* kStripeSecret = "whsec_stripe_test_5b1d";
constexpr const char* kWhsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kShopSecret = "shop-secret-8e3d";

TEST_F(Sources, EachSchemeSignedAsItsSenderSignsLandsOnItsTopic) {
  const std::string github_topic = Topic("github");
  const std::string billing_topic = Topic("billing");
  const std::string stripe_topic = Topic("stripe");
  const std::string shop_topic = Topic("shop");
  Replace("github.secret", std::string(kGitHubSecret) + "\n");
  Replace("billing.secret", std::string(kWhsec) + "\n");
  Replace("stripe.secret", std::string(kStripeSecret) + "\n");
  Replace("shop.secret", std::string(kShopSecret) + "\n");
  StartWithSources(
      "sources:\n"
      "  - {name: getprofile, path: /webhooks/getprofile, auth: bearer, topic: " +
      topic_ +
      ", event: getprofile}\n"
      "  - name: github\n    path: /webhooks/github\n    auth: github\n"
      "    secrets_file: " +
      dir_ + "/github.secret\n    topic: " + github_topic +
      "\n"
      "    key: [/repository/id]\n    required: {/repository: object}\n"
      "  - name: billing\n    path: /webhooks/billing\n    auth: standard-webhooks\n"
      "    secrets_file: " +
      dir_ + "/billing.secret\n    topic: " + billing_topic +
      "\n"
      "    key: [/data/customer_id]\n"
      "  - name: stripe\n    path: /webhooks/stripe\n    auth: stripe\n"
      "    secrets_file: " +
      dir_ + "/stripe.secret\n    topic: " + stripe_topic +
      "\n"
      "    key: [/data/object/customer, /id]\n"
      "  - name: shop\n    path: /webhooks/shop\n    auth: hmac-sha256\n"
      "    secrets_file: " +
      dir_ + "/shop.secret\n    topic: " + shop_topic +
      "\n"
      "    signature: {header: X-Shop-Signature, encoding: base64, prefix: \"sha256=\"}\n"
      "    key: [/order/id]\n"
      "    cloudevents: {id: {header: X-Shop-Event-Id}, type: {pointer: /topic}, source: {value: "
      "\"https://shop.example\"}}\n");

  // GetProfile: as always, with its bearer key.
  auto getprofile = Post(kExampleEvent);
  ASSERT_TRUE(getprofile);
  EXPECT_EQ(getprofile->status, 200) << getprofile->body;

  const std::string github_body =
      R"({"action":"opened","repository":{"id":1296269,"full_name":"octo/hello"}})";
  auto github =
      PostTo("/webhooks/github",
             {{"X-GitHub-Event", "pull_request"},
              {"X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
              {"X-Hub-Signature-256", signer::GitHubSignature(kGitHubSecret, github_body)},
              {"User-Agent", "GitHub-Hookshot/abc"}},
             github_body);
  ASSERT_TRUE(github);
  EXPECT_EQ(github->status, 200) << github->body;

  const std::string billing_body =
      R"({"type":"invoice.paid","timestamp":"2024-10-08T14:30:00Z","data":{"customer_id":987}})";
  const int64_t now = Now();
  auto billing = PostTo(
      "/webhooks/billing",
      {{"webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"},
       {"webhook-timestamp", std::to_string(now)},
       // Two signatures, as a sender rotating its secret sends: one with a
       // secret hookbridge does not have, one with its own.
       {"webhook-signature",
        signer::StandardWebhooksSignature("whsec_" + signer::Base64(std::string(32, 'k')),
                                          "msg_p5jXN8AQM9LWM0D4loKWxJek", now, billing_body) +
            " " +
            signer::StandardWebhooksSignature(kWhsec, "msg_p5jXN8AQM9LWM0D4loKWxJek", now,
                                              billing_body)}},
      billing_body);
  ASSERT_TRUE(billing);
  EXPECT_EQ(billing->status, 200) << billing->body;

  const std::string stripe_body =
      R"({"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"customer.subscription.created",)"
      R"("created":1686089970,"data":{"object":{"id":"sub_1","customer":"cus_9s6XKzkNRiz8i3"}}})";
  auto stripe =
      PostTo("/webhooks/stripe",
             {{"Stripe-Signature", signer::StripeSignature(kStripeSecret, Now(), stripe_body)}},
             stripe_body);
  ASSERT_TRUE(stripe);
  EXPECT_EQ(stripe->status, 200) << stripe->body;

  const std::string shop_body = R"({"topic":"orders/create","order":{"id":4501,"total":"12.50"}})";
  auto shop = PostTo("/webhooks/shop",
                     {{"X-Shop-Event-Id", "shop-evt-77"},
                      {"X-Shop-Signature",
                       "sha256=" + signer::Base64(signer::HmacSha256(kShopSecret, shop_body))}},
                     shop_body);
  ASSERT_TRUE(shop);
  EXPECT_EQ(shop->status, 200) << shop->body;

  // Bad signatures: 401, the same body for each, nothing produced.
  std::set<std::string> refusals;
  for (auto& [path, headers] : std::vector<std::pair<std::string, httplib::Headers>>{
           {"/webhooks/github",
            {{"X-GitHub-Event", "push"},
             {"X-GitHub-Delivery", "d-2"},
             {"X-Hub-Signature-256", signer::GitHubSignature("wrong", github_body)}}},
           {"/webhooks/github", {{"X-GitHub-Event", "push"}, {"X-GitHub-Delivery", "d-3"}}},
           {"/webhooks/billing",
            {{"webhook-id", "msg_2"},
             {"webhook-timestamp", std::to_string(Now() - 3600)},
             {"webhook-signature",
              signer::StandardWebhooksSignature(kWhsec, "msg_2", Now() - 3600, github_body)}}},
           {"/webhooks/stripe",
            {{"Stripe-Signature", signer::StripeSignature("wrong", Now(), github_body)}}},
           {"/webhooks/shop", {{"X-Shop-Event-Id", "e"}, {"X-Shop-Signature", "sha256=AAAA"}}}}) {
    auto refused = PostTo(path, headers, github_body);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401) << path << " " << refused->body;
    refusals.insert(refused->body);
  }
  EXPECT_EQ(refusals.size(), 1u) << "the 401s must not say which part failed";

  auto one = [&](const std::string& topic) {
    std::vector<ConsumedRecord> records = ConsumeFromBeginning(brokers_, topic, 1, 30s);
    EXPECT_EQ(records.size(), 1u) << topic;
    return records.empty() ? ConsumedRecord{} : records[0];
  };
  ConsumedRecord record = one(topic_);
  EXPECT_EQ(record.key, "12345");
  EXPECT_EQ(record.value, kExampleEvent);
  EXPECT_EQ(Header(record, "ce_source"), "https://getprofile-ai.com/tenants/abc-tenant");

  record = one(github_topic);
  EXPECT_EQ(record.key, "1296269");
  EXPECT_EQ(record.value, github_body);
  EXPECT_EQ(Header(record, "ce_specversion"), "1.0");
  EXPECT_EQ(Header(record, "ce_id"), "72d3162e-cc78-11e3-81ab-4c9367dc0958");
  EXPECT_EQ(Header(record, "ce_type"), "pull_request");
  EXPECT_EQ(Header(record, "ce_source"), "https://github.com");
  EXPECT_EQ(Header(record, "content-type"), "application/json");
  EXPECT_NE(Header(record, "hookbridge_request_id"), "<absent>");

  record = one(billing_topic);
  EXPECT_EQ(record.key, "987");
  EXPECT_EQ(record.value, billing_body);
  EXPECT_EQ(Header(record, "ce_id"), "msg_p5jXN8AQM9LWM0D4loKWxJek");
  EXPECT_EQ(Header(record, "ce_type"), "invoice.paid");
  EXPECT_EQ(Header(record, "ce_time"), "2024-10-08T14:30:00Z");
  EXPECT_EQ(Header(record, "ce_source"), "urn:hookbridge:billing");

  record = one(stripe_topic);
  EXPECT_EQ(record.key, "cus_9s6XKzkNRiz8i3");
  EXPECT_EQ(record.value, stripe_body);
  EXPECT_EQ(Header(record, "ce_id"), "evt_1NG8Du2eZvKYlo2CUI79vXWy");
  EXPECT_EQ(Header(record, "ce_type"), "customer.subscription.created");
  EXPECT_EQ(Header(record, "ce_time"), "2023-06-06T22:19:30Z");
  EXPECT_EQ(Header(record, "ce_source"), "https://stripe.com");

  record = one(shop_topic);
  EXPECT_EQ(record.key, "4501");
  EXPECT_EQ(record.value, shop_body);
  EXPECT_EQ(Header(record, "ce_id"), "shop-evt-77");
  EXPECT_EQ(Header(record, "ce_type"), "orders/create");
  EXPECT_EQ(Header(record, "ce_source"), "https://shop.example");

  // Nothing else on any topic: the refused requests produced nothing.
  for (const std::string& topic : {github_topic, billing_topic, stripe_topic, shop_topic}) {
    EXPECT_EQ(RecordsIn(topic), 1) << topic;
  }

  // Every topic in use has metadata: ready. Outcomes are counted per source.
  EXPECT_TRUE(PollUntil(30s, [&] {
    auto ready = Get("/readyz");
    return ready && ready->status == 200;
  }));
  auto metrics = Get("/metrics");
  ASSERT_TRUE(metrics);
  test_support::Exposition exposition = test_support::ParseExposition(metrics->body);
  for (const char* source : {"getprofile", "github", "billing", "stripe", "shop"}) {
    EXPECT_EQ(exposition.Value(std::string("hookbridge_source_webhooks_total{source=\"") + source +
                               "\",outcome=\"accepted\"}"),
              1)
        << source;
  }
  EXPECT_EQ(exposition.Value(
                R"(hookbridge_source_webhooks_total{source="github",outcome="signature_invalid"})"),
            1);
  EXPECT_EQ(exposition.Value(
                R"(hookbridge_source_webhooks_total{source="github",outcome="signature_missing"})"),
            1);
  EXPECT_EQ(
      exposition.Value(
          R"(hookbridge_source_webhooks_total{source="billing",outcome="timestamp_out_of_tolerance"})"),
      1);
}

// Each sender as it comes with its own defaults: Svix's svix-* headers,
// GitHub's form content type, Slack, Zoom, Shopify and Meta under their own
// headers; each lands on its topic with its scheme's CloudEvents defaults.
TEST_F(Sources, EachSenderWithItsOwnDefaultsLandsOnItsTopic) {
  const std::vector<std::string> names = {"svix",    "github", "slack", "zoom",
                                          "shopify", "meta",   "twilio"};
  std::map<std::string, std::string> topics;
  std::string yaml = "sources:\n";
  const std::map<std::string, std::string> auth = {
      {"svix", "standard-webhooks"}, {"github", "github"}, {"slack", "slack"},  {"zoom", "zoom"},
      {"shopify", "shopify"},        {"meta", "meta"},     {"twilio", "twilio"}};
  for (const std::string& name : names) {
    topics[name] = Topic(name);
    Replace(name + ".secret",
            (name == "svix" ? std::string(kWhsec) : name + "-secret-4c1e") + "\n");
    yaml += "  - {name: " + name + ", path: /webhooks/" + name + ", auth: " + auth.at(name) +
            ", secrets_file: " + dir_ + "/" + name + ".secret, topic: " + topics[name];
    if (name == "zoom") yaml += ", cloudevents: {id: {pointer: /payload/object/uuid}}";
    if (name == "meta") {
      Replace("meta.verify", "meta-verify-token-9\n");
      yaml += ", cloudevents: {id: {pointer: /entry/0/id}}, verify_token_file: " + dir_ +
              "/meta.verify";
    }
    if (name == "twilio") {
      // Behind a proxy: Twilio signs the public URL, not the one hookbridge sees.
      yaml +=
          ", public_url: 'https://hooks.example.com/twilio', cloudevents: {id: {pointer: "
          "/MessageSid}, type: {value: com.twilio.messaging.inbound}}";
    }
    yaml += "}\n";
  }
  StartWithSources(yaml);
  const int64_t now = Now();
  auto post = [&](const std::string& name, const httplib::Headers& headers, const std::string& body,
                  const std::string& content_type = "application/json") {
    auto result = PostTo("/webhooks/" + name, headers, body, content_type);
    ASSERT_TRUE(result) << name;
    EXPECT_EQ(result->status, 200) << name << " " << result->body;
  };

  const std::string svix_body = R"({"type":"email.sent","timestamp":"2024-10-08T14:30:00Z"})";
  post("svix",
       {{"svix-id", "msg_svix_2f"},
        {"svix-timestamp", std::to_string(now)},
        {"svix-signature",
         signer::StandardWebhooksSignature(kWhsec, "msg_svix_2f", now, svix_body)}},
       svix_body);
  const std::string github_json = R"({"zen":"Keep it logically awesome.","hook_id":1})";
  const std::string github_form = signer::GitHubForm(github_json);
  post("github",
       {{"X-GitHub-Event", "ping"},
        {"X-GitHub-Delivery", "d-form-1"},
        {"X-Hub-Signature-256", signer::GitHubSignature("github-secret-4c1e", github_form)}},
       github_form, "application/x-www-form-urlencoded");
  const std::string slack_body =
      R"({"type":"event_callback","event_id":"Ev01","event_time":1686089970,)"
      R"("event":{"type":"app_mention","text":"hi"}})";
  post("slack",
       {{"X-Slack-Request-Timestamp", std::to_string(now)},
        {"X-Slack-Signature", signer::V0Signature("slack-secret-4c1e", now, slack_body)}},
       slack_body);
  const std::string zoom_body =
      R"({"event":"meeting.started","event_ts":1626230691572,"payload":{"object":{"uuid":"z-1"}}})";
  post("zoom",
       {{"x-zm-request-timestamp", std::to_string(now)},
        {"x-zm-signature", signer::V0Signature("zoom-secret-4c1e", now, zoom_body)}},
       zoom_body);
  const std::string shopify_body = R"({"id":820982911946154508,"email":"jon@example.com"})";
  post("shopify",
       {{"X-Shopify-Topic", "orders/create"},
        {"X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"},
        {"X-Shopify-Triggered-At", "2023-03-29T18:00:27.877041743Z"},
        {"X-Shopify-Hmac-Sha256", signer::ShopifySignature("shopify-secret-4c1e", shopify_body)}},
       shopify_body);
  const std::string meta_body = R"({"object":"whatsapp_business_account","entry":[{"id":"102"}]})";
  post("meta", {{"X-Hub-Signature-256", signer::GitHubSignature("meta-secret-4c1e", meta_body)}},
       meta_body);
  // Twilio's form post, signed over the public URL with the query as sent.
  const std::string twilio_form = "MessageSid=SM1&From=%2B14158675309&Body=hi+there";
  post("twilio?tenant=a",
       {{"X-Twilio-Signature",
         signer::TwilioSignature("twilio-secret-4c1e",
                                 "https://hooks.example.com/twilio?tenant=a"
                                 "Bodyhi thereFrom+14158675309MessageSidSM1")}},
       twilio_form, "application/x-www-form-urlencoded");
  // The endpoint checks: answered once signed, nothing produced.
  const std::string slack_check =
      R"({"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV25","type":"url_verification"})";
  auto slack_answer =
      PostTo("/webhooks/slack",
             {{"X-Slack-Request-Timestamp", std::to_string(now)},
              {"X-Slack-Signature", signer::V0Signature("slack-secret-4c1e", now, slack_check)}},
             slack_check);
  ASSERT_TRUE(slack_answer);
  EXPECT_EQ(slack_answer->status, 200);
  EXPECT_EQ(slack_answer->body, R"({"challenge":"3eZbrw1aBm2rZgRNFdxV25"})");
  const std::string zoom_check =
      R"({"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,)"
      R"("event":"endpoint.url_validation"})";
  auto zoom_answer =
      PostTo("/webhooks/zoom",
             {{"x-zm-request-timestamp", std::to_string(now)},
              {"x-zm-signature", signer::V0Signature("zoom-secret-4c1e", now, zoom_check)}},
             zoom_check);
  ASSERT_TRUE(zoom_answer);
  EXPECT_EQ(zoom_answer->status, 200);
  EXPECT_EQ(zoom_answer->body,
            R"({"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":")" +
                signer::Hex(signer::HmacSha256("zoom-secret-4c1e", "qgg8vlvZRS6UYooatFL8Aw")) +
                R"("})");
  // Meta's GET subscription check: the challenge for the right token only;
  // a GET where no check is configured stays 405.
  {
    httplib::Client client("127.0.0.1", bridge_->port());
    auto subscribed = client.Get(
        "/webhooks/"
        "meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meta-verify-token-9");
    ASSERT_TRUE(subscribed);
    EXPECT_EQ(subscribed->status, 200);
    EXPECT_EQ(subscribed->body, "1158201444");
    auto wrong = client.Get(
        "/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 403);
    auto elsewhere = client.Get(
        "/webhooks/slack?hub.mode=subscribe&hub.challenge=1&hub.verify_token=meta-verify-token-9");
    ASSERT_TRUE(elsewhere);
    EXPECT_EQ(elsewhere->status, 405);
  }
  // Both Standard Webhooks families at once: refused.
  auto mixed = PostTo(
      "/webhooks/svix",
      {{"svix-id", "msg_x"},
       {"svix-timestamp", std::to_string(now)},
       {"svix-signature", signer::StandardWebhooksSignature(kWhsec, "msg_x", now, svix_body)},
       {"webhook-id", "msg_y"}},
      svix_body);
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->status, 401);

  auto one = [&](const std::string& name) {
    std::vector<ConsumedRecord> records = ConsumeFromBeginning(brokers_, topics[name], 1, 30s);
    EXPECT_EQ(records.size(), 1u) << name;
    return records.empty() ? ConsumedRecord{} : records[0];
  };
  ConsumedRecord record = one("svix");
  EXPECT_EQ(Header(record, "ce_id"), "msg_svix_2f");
  EXPECT_EQ(Header(record, "ce_type"), "email.sent");
  record = one("github");
  EXPECT_EQ(record.value, github_json);  // the JSON document, not the form
  EXPECT_EQ(Header(record, "ce_id"), "d-form-1");
  EXPECT_EQ(Header(record, "content-type"), "application/json");
  record = one("slack");
  EXPECT_EQ(record.value, slack_body);
  EXPECT_EQ(Header(record, "ce_id"), "Ev01");
  EXPECT_EQ(Header(record, "ce_type"), "app_mention");
  EXPECT_EQ(Header(record, "ce_time"), "2023-06-06T22:19:30Z");
  EXPECT_EQ(Header(record, "ce_source"), "https://slack.com");
  record = one("zoom");
  EXPECT_EQ(Header(record, "ce_id"), "z-1");
  EXPECT_EQ(Header(record, "ce_type"), "meeting.started");
  EXPECT_EQ(Header(record, "ce_source"), "https://zoom.us");
  record = one("shopify");
  EXPECT_EQ(Header(record, "ce_id"), "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
  EXPECT_EQ(Header(record, "ce_type"), "orders/create");
  EXPECT_EQ(Header(record, "ce_time"), "2023-03-29T18:00:27.877041743Z");
  EXPECT_EQ(Header(record, "ce_source"), "https://shopify.com");
  record = one("meta");
  EXPECT_EQ(Header(record, "ce_id"), "102");
  EXPECT_EQ(Header(record, "ce_type"), "whatsapp_business_account");
  EXPECT_EQ(Header(record, "ce_source"), "https://facebook.com");
  record = one("twilio");
  EXPECT_EQ(record.value, R"({"MessageSid":"SM1","From":"+14158675309","Body":"hi there"})");
  EXPECT_EQ(Header(record, "ce_id"), "SM1");
  EXPECT_EQ(Header(record, "ce_type"), "com.twilio.messaging.inbound");
  EXPECT_EQ(Header(record, "ce_source"), "https://twilio.com");
  EXPECT_EQ(Header(record, "content-type"), "application/json");
  // The mixed families and the endpoint checks produced nothing.
  for (const char* name : {"svix", "slack", "zoom"}) EXPECT_EQ(RecordsIn(topics[name]), 1) << name;
  auto metrics = Get("/metrics");
  ASSERT_TRUE(metrics);
  test_support::Exposition exposition = test_support::ParseExposition(metrics->body);
  for (const char* name : {"slack", "zoom", "meta"}) {
    EXPECT_EQ(exposition.Value(std::string("hookbridge_source_webhooks_total{source=\"") + name +
                               "\",outcome=\"handshake\"}"),
              1)
        << name;
  }
}

TEST_F(Sources, AReadyzWaitsForEveryTopicInUse) {
  Replace("github.secret", std::string(kGitHubSecret) + "\n");
  const std::string missing = topic_ + ".not-created";
  StartWithSources("sources:\n  - {name: github, path: /gh, auth: github, secrets_file: " + dir_ +
                   "/github.secret, topic: " + missing + "}\n");
  // The broker would create it if asked to; hookbridge does not ask. /readyz
  // names the metadata, the log names the topic, and it stays missing.
  auto ready = Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503) << ready->body;
  EXPECT_NE(ready->body.find("topic_metadata"), std::string::npos) << ready->body;
  ASSERT_TRUE(PollUntil(30s, [&] {
    return bridge_->output().find("\"message\":\"Kafka topics missing") != std::string::npos;
  })) << bridge_->output();
  EXPECT_NE(bridge_->output().find("\"topics\":\"" + missing + "\""), std::string::npos)
      << bridge_->output();
  EXPECT_EQ(TopicExists(brokers_, missing), 0);
  ASSERT_EQ(CreateTopic(brokers_, missing, 1), "");
  EXPECT_TRUE(PollUntil(60s, [&] {
    auto now = Get("/readyz");
    return now && now->status == 200;
  })) << "ready once the topic exists";
}

TEST_F(Sources, AReloadNamingAMissingTopicLeavesTheInstanceReadyAndThatSourceGets503) {
  Replace("github.secret", std::string(kGitHubSecret) + "\n");
  const std::string topic = Topic("present");
  const std::string line = "  - {name: github, path: /gh, auth: github, secrets_file: " + dir_ +
                           "/github.secret, topic: " + topic + "}\n";
  StartWithSources("sources:\n" + line);
  ASSERT_TRUE(PollUntil(60s, [&] {
    auto now = Get("/readyz");
    return now && now->status == 200;
  }));
  // Every instance reads the same ConfigMap: a mistyped topic must not take
  // them all out of the load balancer, only fail its own source.
  Replace("sources.yaml", "sources:\n" + line +
                              "  - {name: typo, path: /typo, auth: github, secrets_file: " + dir_ +
                              "/github.secret, topic: " + topic_ + ".never-created}\n");
  ASSERT_TRUE(PollUntil(30s, [&] {
    return CountOf(bridge_->output(), "\"sources reloaded\"") >= 1;
  })) << bridge_->output();
  const std::string body = R"({"n":"to-the-missing-topic"})";
  auto lost = PostTo("/typo",
                     {{"X-GitHub-Event", "push"},
                      {"X-GitHub-Delivery", "d-typo"},
                      {"X-Hub-Signature-256", signer::GitHubSignature(kGitHubSecret, body)}},
                     body);
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->status, 503) << lost->body;
  // The 503 came an ack deadline after the reload: several statistics rounds,
  // each of which would have turned /readyz if the new topic gated it.
  auto ready = Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  auto stored = PostTo("/gh",
                       {{"X-GitHub-Event", "push"},
                        {"X-GitHub-Delivery", "d-ok"},
                        {"X-Hub-Signature-256", signer::GitHubSignature(kGitHubSecret, body)}},
                       body);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, 200) << stored->body;
  // Refused, never created.
  EXPECT_EQ(TopicExists(brokers_, topic_ + ".never-created"), 0);
}

TEST_F(Sources, ASecretRotatedUnderLoadLosesNothingAcknowledged) {
  const std::string topic = Topic("rotation");
  Replace("github.secret", "old-secret-0a1b\n");
  StartWithSources("sources:\n  - {name: github, path: /gh, auth: github, secrets_file: " + dir_ +
                   "/github.secret, topic: " + topic + ", key: [/n]}\n");

  std::atomic<bool> use_new{false};
  std::atomic<bool> stop{false};
  std::atomic<int> accepted_new{0};
  std::atomic<int> old_in_flight{0};  // requests signed with the old secret, not yet answered
  std::mutex mutex;
  std::set<std::string> acknowledged;  // ids answered 200
  size_t not_stored = 0;               // 503: Kafka slow on a busy machine; the sender would retry
  // Anything else. A 401 above all: every request is signed with a secret in
  // force (the old one until the new one is in the file too, the new one only
  // after that reload), so a 401 is a rotation that dropped a live secret.
  std::vector<std::string> unexpected;
  constexpr int kSenders = 4;
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      httplib::Client client("127.0.0.1", bridge_->port());
      client.set_read_timeout(10, 0);
      client.set_keep_alive(true);
      for (int n = 0; !stop; ++n) {
        const bool signed_new = use_new;
        if (!signed_new) ++old_in_flight;
        const std::string id = "s" + std::to_string(s) + "-" + std::to_string(n);
        const std::string body = R"({"n":")" + id + R"("})";
        auto result = client.Post(
            "/gh",
            {{"X-GitHub-Event", "push"},
             {"X-GitHub-Delivery", id},
             {"X-Hub-Signature-256",
              signer::GitHubSignature(signed_new ? "new-secret-9z8y" : "old-secret-0a1b", body)}},
            body, "application/json");
        if (!signed_new) --old_in_flight;
        std::lock_guard<std::mutex> lock(mutex);
        if (result && result->status == 200) {
          acknowledged.insert(id);
          if (signed_new) ++accepted_new;
        } else if (result && result->status == 503) {
          ++not_stored;
        } else {
          unexpected.push_back(id + ": " +
                               (result ? std::to_string(result->status) + " " + result->body
                                       : std::string("no answer")));
        }
      }
    });
  }
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    return acknowledged.size();
  };
  auto reloads = [&] { return CountOf(bridge_->output(), "\"sources reloaded\""); };

  EXPECT_TRUE(PollUntil(60s, [&] { return count() >= 50; }));
  Replace("github.secret", "old-secret-0a1b\nnew-secret-9z8y\n");  // both, for the switch-over
  EXPECT_TRUE(PollUntil(30s, [&] { return reloads() >= 1; })) << bridge_->output();
  use_new = true;
  EXPECT_TRUE(PollUntil(60s, [&] { return accepted_new >= 50; }));
  EXPECT_TRUE(PollUntil(30s, [&] { return old_in_flight == 0; }));
  Replace("github.secret", "new-secret-9z8y\n");  // the old one retired
  EXPECT_TRUE(PollUntil(30s, [&] { return reloads() >= 2; })) << bridge_->output();
  const int before = accepted_new;
  EXPECT_TRUE(PollUntil(60s, [&] { return accepted_new >= before + 50; }));
  stop = true;
  for (std::thread& sender : senders) sender.join();

  EXPECT_TRUE(unexpected.empty()) << unexpected.size() << " unexpected answers, first: "
                                  << (unexpected.empty() ? "" : unexpected.front());
  std::printf("[ rotation ] %zu acknowledged, %zu answered 503\n", acknowledged.size(), not_stored);
  // The old secret is retired now.
  const std::string body = R"({"n":"late"})";
  auto late = PostTo("/gh",
                     {{"X-GitHub-Event", "push"},
                      {"X-GitHub-Delivery", "late"},
                      {"X-Hub-Signature-256", signer::GitHubSignature("old-secret-0a1b", body)}},
                     body);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 401);

  // Every acknowledged event is on the topic.
  std::vector<ConsumedRecord> records =
      ConsumeFromBeginning(brokers_, topic, acknowledged.size(), 120s);
  std::set<std::string> stored;
  for (const ConsumedRecord& record : records) stored.insert(Header(record, "ce_id"));
  size_t missing = 0;
  for (const std::string& id : acknowledged) missing += stored.count(id) == 0 ? 1 : 0;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged";
  EXPECT_GE(acknowledged.size(), 150u);
}

}  // namespace
}  // namespace hookbridge::e2e
