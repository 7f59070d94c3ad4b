// W3C Trace Context (Level 1) on a webhook: which `traceparent` and
// `tracestate` values a record may carry, so that a consumer can join the
// sender's trace.
//
// Pure functions over header values. A malformed trace header is dropped
// silently: it is never a reason to refuse a webhook. hookbridge takes no part
// in the trace (it makes no span), so a valid version-00 traceparent is copied
// as sent; one of a later version is reduced to the version-00 fields it must
// carry, as the specification asks of a version-00 implementation.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbridge {

// The largest number of list-members a tracestate may have.
inline constexpr size_t kMaxTraceStateMembers = 32;

// The traceparent to forward, or nullopt when `value` is not a valid one.
std::optional<std::string> ParseTraceParent(std::string_view value);

// The tracestate to forward, from every tracestate header line of the
// request (lines are joined with commas, RFC 9110 5.3): the list-members in
// order, without empty members or optional white space, joined by ",".
// nullopt when a member is malformed, a key appears twice, there are more
// than kMaxTraceStateMembers members, or there is no member at all.
std::optional<std::string> ParseTraceState(const std::vector<std::string_view>& lines);

// The headers to copy into a record: `traceparent` when exactly one valid
// line was sent, then `tracestate` when that is valid too (the specification
// forbids reading tracestate without a valid traceparent).
std::vector<std::pair<std::string, std::string>> TraceContextHeaders(
    const std::vector<std::string_view>& traceparent_lines,
    const std::vector<std::string_view>& tracestate_lines);

}  // namespace hookbridge
