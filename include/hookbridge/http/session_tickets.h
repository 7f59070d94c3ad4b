// TLS session resumption by session tickets, with keys that rotate.
//
// A client that comes back with a ticket resumes its session: a key
// exchange without the certificate's signature, the larger part of a full
// handshake's cost. OpenSSL's own ticket key is made once per process and
// never changes, so a ticket (and the secrecy of every session it resumes)
// would stay good for the process's whole life. Here a new key is made every
// kTicketKeyLifetime; the one before still opens tickets (which are then
// renewed under the new one) for as long again, then is forgotten (wiped at
// the first ticket sealed or opened after that). A key opens tickets for two
// lifetimes from when it was made, however few handshakes came in between (a
// new key is made when a ticket is sealed, not on a timer). Keys live in
// memory only: a restarted instance, or another instance behind the load
// balancer, does a full handshake, as it should without shared keys.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <functional>

namespace hookbridge {

inline constexpr std::chrono::seconds kTicketKeyLifetime{3600};

// The clock keys age by: steady_clock's, but for tests.
using TicketKeyClock = std::function<std::chrono::steady_clock::time_point()>;

// Turns on resumption by tickets for `context`, with rotating keys, and
// turns off the server's session cache (which tickets make unnecessary, and
// whose lock every handshake thread would share). false if OpenSSL refuses.
bool EnableSessionTickets(SSL_CTX* context, TicketKeyClock clock = std::chrono::steady_clock::now);

// How many ticket keys `context` holds in memory (0, 1 or 2): for tests.
size_t TicketKeysHeld(SSL_CTX* context);

}  // namespace hookbridge
