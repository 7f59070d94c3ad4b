#include "operations_fixture.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "../support/loopback.h"

namespace hookbridge::e2e {
namespace {

using ::hookbridge::test_support::LoopbackAddress;

bool PortIsFree(int port) {
  int sock = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = LoopbackAddress(port);
  bool free = bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(sock);
  return free;
}

// Calls `visit` with each line of `output` that is a whole JSON object, in
// order, until it returns false; other lines (a line still being written, a
// line that is no JSON) are passed over.
template <typename Visit>
void ForEachJsonLine(const std::string& output, Visit visit) {
  std::istringstream in(output);
  std::string text;
  while (std::getline(in, text)) {
    if (text.empty() || text[0] != '{') continue;
    rapidjson::Document document;
    document.Parse(text.c_str());
    if (document.HasParseError() || !document.IsObject()) continue;
    if (!visit(document)) return;
  }
}

}  // namespace

std::vector<LogLine> LogLines(const std::string& output, const std::string& message) {
  std::vector<LogLine> lines;
  ForEachJsonLine(output, [&](const rapidjson::Document& document) {
    LogLine line;
    for (const auto& member : document.GetObject()) {
      if (member.value.IsString()) {
        line[member.name.GetString()] = member.value.GetString();
      } else if (member.value.IsNumber() || member.value.IsBool()) {
        rapidjson::StringBuffer json;
        rapidjson::Writer<rapidjson::StringBuffer> writer(json);
        writer.SetMaxDecimalPlaces(3);  // as hookbridge writes them
        member.value.Accept(writer);
        line[member.name.GetString()] = json.GetString();
      }
    }
    if (message.empty() || line["message"] == message) lines.push_back(std::move(line));
    return true;
  });
  return lines;
}

bool FieldIsNumber(const std::string& output, const std::string& key, const std::string& value,
                   const std::string& field) {
  bool is_number = false;
  ForEachJsonLine(output, [&](const rapidjson::Document& document) {
    if (!document.HasMember(key.c_str()) || !document[key.c_str()].IsString() ||
        value != document[key.c_str()].GetString()) {
      return true;
    }
    is_number = document.HasMember(field.c_str()) && document[field.c_str()].IsNumber();
    return false;  // the first such line decides
  });
  return is_number;
}

std::vector<std::string> FailingOf(const std::string& readyz_body) {
  std::vector<std::string> failing;
  rapidjson::Document document;
  document.Parse(readyz_body.c_str());
  if (document.HasParseError() || !document.IsObject() || !document.HasMember("failing") ||
      !document["failing"].IsArray()) {
    return failing;
  }
  for (const auto& entry : document["failing"].GetArray()) {
    if (entry.IsString()) failing.emplace_back(entry.GetString());
  }
  return failing;
}

bool IsGeneratedRequestId(const std::string& id) {
  return std::regex_match(id, std::regex("[0-9a-f]{16}"));
}

Answer AnswerOf(const httplib::Result& result) {
  Answer answer;
  if (!result) {
    answer.error = httplib::to_string(result.error());
    return answer;
  }
  answer.status = result->status;
  answer.body = result->body;
  answer.connection = result->get_header_value("Connection");
  return answer;
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << contents;
  ASSERT_TRUE(file.good()) << path;
}

int FreePortPair() {
  std::mt19937 random(std::random_device{}());
  for (int attempt = 0; attempt < 200; ++attempt) {
    int port = 20000 + static_cast<int>(random() % 12000);
    if (PortIsFree(port) && PortIsFree(port + 1)) return port;
  }
  return -1;
}

std::string WebhookHead(const std::string& body) {
  return std::string("POST ") + kPath + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kNewKey +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n";
}

test_support::Exposition Operations::Scrape() {
  auto response = Get("/metrics");
  if (!response) {
    ADD_FAILURE() << "GET /metrics: " << httplib::to_string(response.error());
    return test_support::Exposition();
  }
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  last_metrics_text_ = response->body;
  return test_support::ParseExposition(response->body);
}

}  // namespace hookbridge::e2e
