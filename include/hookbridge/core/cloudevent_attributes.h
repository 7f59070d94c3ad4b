// What makes a CloudEvents attribute value valid, so that no sender can put a
// header into a record that a CloudEvents SDK refuses.
//
// The judges are the official SDKs a consumer reads records with: Java
// io.cloudevents:cloudevents-kafka 4.0.1 (CloudEventDeserializer, which throws
// inside poll() and so stalls the partition) and Python cloudevents 2.2.0
// (cloudevents.core.bindings.kafka.from_binary_event), and CloudEvents 1.0
// itself where it is stricter. Each rule accepts only what all of them accept
// (tests/unit/cloudevent_attributes_test.cc, tests/cloudevents/). Pure
// functions over bytes; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hookbridge {

// A String attribute (ce_id, ce_type, ce_subject, extensions): non-empty,
// valid UTF-8, no control character (U+0000-U+001F, U+007F-U+009F) and no
// Unicode noncharacter, as CloudEvents 1.0's String type says. The SDKs take
// more (Java any text, Python any non-empty text), the specification does not.
bool IsCloudEventString(std::string_view text);

// ce_time from a text: an RFC 3339 section 5.6 date-time that both SDKs read,
// normalised, or nullopt. Taken: "YYYY-MM-DD" "T" "HH:MM:SS", an optional
// fraction of 1 to 9 digits (Java reads no more), then "Z" or "+HH:MM"/"-HH:MM".
// Each field is checked: year 0001-9999 (Python has no year 0), a real day of
// that month and year, hour 00-23, minute 00-59, second 00-59 (a leap second,
// which RFC 3339 allows, is refused by both SDKs), offset at most 18:00 (Java's
// bound). RFC 3339 lets "t" and "z" be lower case and, in a note, a space
// replace "T": those are read and written as "T" and "Z" (Java refuses the
// space); nothing else is changed, so an already canonical time is kept byte
// for byte. Anything else (no offset, a date alone, epoch digits, a word) is
// nullopt: which unit or zone was meant would be a guess.
// Takes the text by value: a caller done with it moves it in, and the header
// gets its bytes without a copy.
std::optional<std::string> CloudEventTime(std::string text);

// ce_time from a JSON integer: seconds since the Unix epoch, as
// "YYYY-MM-DDTHH:MM:SSZ"; nullopt when negative or after 9999-12-31T23:59:59Z.
std::optional<std::string> EpochSecondsTime(std::string_view digits);

// ce_source: an RFC 3986 URI-reference that java.net.URI also takes. ASCII
// only; no IP literal ("[" and "]" are refused), an authority's port only
// digits; "scheme:" needs something after it, and "//" an authority or a "/".
bool IsCloudEventUriReference(std::string_view text);

// The content-type header (datacontenttype): an RFC 9110 media type
// (type "/" subtype, then "; name=value" parameters, printable ASCII), and not
// application/cloudevents* (a Java consumer with an event format installed
// would read the record as a structured-mode event).
bool IsCloudEventContentType(std::string_view text);

// Whether `text` is valid UTF-8 (every header value a Python consumer reads
// is decoded as UTF-8, hookbridge's own headers included).
bool IsValidUtf8(std::string_view text);

}  // namespace hookbridge
