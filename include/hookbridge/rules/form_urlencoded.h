// application/x-www-form-urlencoded bodies (the WHATWG URL Standard's
// "application/x-www-form-urlencoded parsing"), read strictly: the form of
// GitHub's form deliveries (the JSON event in a `payload` field) and of
// Twilio's requests (signed over their sorted parameters). Plain functions
// over bytes; no dependency on any other hookbridge module.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbridge {

using FormField = std::pair<std::string, std::string>;  // name, value, decoded

// The fields of `body` in order of appearance: split on '&' (empty pieces
// skipped), each at its first '=' (none: an empty value), '+' read as a space
// and %XX as its byte. nullopt if a '%' is not followed by two hex digits:
// the WHATWG parser keeps such a '%' as it is, but a sender's encoder never
// writes one, and a guess would change what was signed.
std::optional<std::vector<FormField>> ParseFormUrlencoded(std::string_view body);

// True for "application/x-www-form-urlencoded" with any parameters (a form's
// bytes are ASCII: a charset changes nothing of its parsing).
bool IsFormContentType(std::string_view content_type);

}  // namespace hookbridge
