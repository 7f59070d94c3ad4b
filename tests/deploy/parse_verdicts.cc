// Prints hookbridge's verdict on each example body of a JSON file
// ([{"name": ..., "body": "<raw text>"}, ...]), one "name<TAB>verdict" line
// each: accepted, invalid_event (422) or invalid_json (400). It runs the very
// parser the service uses, so check_event_schema.py can compare the JSON
// Schema in docs/ with what hookbridge decides.
#include <rapidjson/document.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "hookbridge/core/webhook_event.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: parse_verdicts EXAMPLES.json\n");
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  rapidjson::Document examples;
  examples.Parse(text.str().c_str());
  if (!file || examples.HasParseError() || !examples.IsArray()) {
    std::fprintf(stderr, "parse_verdicts: %s is not a JSON array\n", argv[1]);
    return 2;
  }
  for (const auto& example : examples.GetArray()) {
    if (!example.IsObject() || !example.HasMember("name") || !example["name"].IsString() ||
        !example.HasMember("body") || !example["body"].IsString()) {
      std::fprintf(stderr, "parse_verdicts: every example needs a string name and body\n");
      return 2;
    }
    const auto& body = example["body"];
    hookbridge::ParseResult result =
        hookbridge::ParseWebhookEvent(std::string_view(body.GetString(), body.GetStringLength()));
    const char* verdict = result.error == hookbridge::ParseError::kNone            ? "accepted"
                          : result.error == hookbridge::ParseError::kInvalidSchema ? "invalid_event"
                                                                                   : "invalid_json";
    std::printf("%s\t%s\n", example["name"].GetString(), verdict);
  }
  return 0;
}
