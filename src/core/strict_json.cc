#include "hookbridge/core/strict_json.h"

#include <rapidjson/error/en.h>

namespace hookbridge {

std::string StrictJsonRefusal(const StrictJsonGuard& guard, const rapidjson::ParseResult& parsed) {
  // The guard's reasons first: the reader reports them only as "terminated".
  if (guard.too_deep()) {
    return "JSON nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels";
  }
  if (guard.lone_surrogate()) return "string holds an unpaired UTF-16 surrogate escape";
  return std::string("malformed JSON at byte ") + std::to_string(parsed.Offset()) + ": " +
         rapidjson::GetParseError_En(parsed.Code());
}

}  // namespace hookbridge
