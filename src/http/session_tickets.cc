#include "hookbridge/http/session_tickets.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstring>
#include <mutex>
#include <utility>

namespace hookbridge {
namespace {

struct TicketKey {
  std::array<unsigned char, 16> name{};  // which key sealed a ticket: sent with it
  std::array<unsigned char, 32> cipher_key{};
  std::array<unsigned char, 32> mac_key{};
  std::chrono::steady_clock::time_point made;
};

// The current key and the one before, shared by every handshake thread.
class TicketKeys {
 public:
  explicit TicketKeys(TicketKeyClock clock) : clock_(std::move(clock)) {}

  // The key that seals new tickets, made anew once the current one is old.
  bool Current(TicketKey* key) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = clock_();
    ForgetExpired(now);  // an expired current key is not kept as the one before
    if (!current_valid_ || now - current_.made >= kTicketKeyLifetime) {
      TicketKey fresh;
      if (RAND_bytes(fresh.name.data(), static_cast<int>(fresh.name.size())) != 1 ||
          RAND_priv_bytes(fresh.cipher_key.data(), static_cast<int>(fresh.cipher_key.size())) !=
              1 ||
          RAND_priv_bytes(fresh.mac_key.data(), static_cast<int>(fresh.mac_key.size())) != 1) {
        return false;
      }
      fresh.made = now;
      previous_ = current_;
      previous_valid_ = current_valid_;
      current_ = fresh;
      current_valid_ = true;
    }
    *key = current_;
    return true;
  }

  // The key a ticket names, if it still opens tickets; *renew when it no
  // longer seals them (the client then gets a ticket under a new key).
  bool Find(const unsigned char* name, TicketKey* key, bool* renew) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = clock_();
    ForgetExpired(now);
    const TicketKey* found = nullptr;
    if (current_valid_ && Names(current_, name)) found = &current_;
    if (previous_valid_ && Names(previous_, name)) found = &previous_;
    if (found == nullptr) return false;
    // Judged by the key's age (as ForgetExpired() does), not by whether it is
    // still the current one: keys change only when a ticket is sealed, so
    // after a quiet spell the current key may be hours old.
    const auto age = now - found->made;
    *key = *found;
    *renew = age >= kTicketKeyLifetime;
    return true;
  }

  // Keys in memory: 0, 1 or 2.
  size_t Held() {
    std::lock_guard<std::mutex> lock(mutex_);
    return (current_valid_ ? 1 : 0) + (previous_valid_ ? 1 : 0);
  }

 private:
  // A key two lifetimes old opens nothing: it is wiped at the first look at
  // the keys after that (a ticket sealed or opened), not kept until the next
  // key is made, so that the sessions it sealed stay secret from then on.
  void ForgetExpired(std::chrono::steady_clock::time_point now) {
    for (auto [key, valid] :
         {std::pair{&current_, &current_valid_}, std::pair{&previous_, &previous_valid_}}) {
      if (*valid && now - key->made >= 2 * kTicketKeyLifetime) {
        OPENSSL_cleanse(key, sizeof *key);
        *valid = false;
      }
    }
  }

  static bool Names(const TicketKey& key, const unsigned char* name) {
    return std::memcmp(name, key.name.data(), key.name.size()) == 0;
  }

  const TicketKeyClock clock_;
  std::mutex mutex_;
  TicketKey current_;
  TicketKey previous_;
  bool current_valid_ = false;
  bool previous_valid_ = false;
};

int KeysIndex() {
  static const int index = SSL_CTX_get_ex_new_index(
      0, nullptr, nullptr, nullptr,
      [](void* /*parent*/, void* keys, CRYPTO_EX_DATA* /*data*/, int /*index*/, long /*argl*/,
         void* /*argp*/) { delete static_cast<TicketKeys*>(keys); });
  return index;
}

bool SetMacKey(EVP_MAC_CTX* mac, const TicketKey& key) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  return EVP_MAC_init(mac, key.mac_key.data(), key.mac_key.size(), params) == 1;
}

// OpenSSL's ticket callback: `encrypt` 1 seals a new ticket (returns 1, or
// -1 on failure); 0 opens one (returns 0: unknown key, full handshake; 1:
// resumed; 2: resumed, and a new ticket under the current key).
int SealOrOpenTicket(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                     EVP_MAC_CTX* mac, int encrypt) {
  auto* keys = static_cast<TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), KeysIndex()));
  if (keys == nullptr) return encrypt ? -1 : 0;
  TicketKey key;
  if (encrypt) {
    if (!keys->Current(&key) || RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1) return -1;
    std::memcpy(name, key.name.data(), key.name.size());
    if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.cipher_key.data(), iv) != 1 ||
        !SetMacKey(mac, key)) {
      return -1;
    }
    return 1;
  }
  bool renew = false;
  if (!keys->Find(name, &key, &renew)) return 0;
  if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.cipher_key.data(), iv) != 1 ||
      !SetMacKey(mac, key)) {
    return -1;
  }
  return renew ? 2 : 1;
}

}  // namespace

size_t TicketKeysHeld(SSL_CTX* context) {
  auto* keys = static_cast<TicketKeys*>(SSL_CTX_get_ex_data(context, KeysIndex()));
  return keys == nullptr ? 0 : keys->Held();
}

bool EnableSessionTickets(SSL_CTX* context, TicketKeyClock clock) {
  auto* keys = new TicketKeys(std::move(clock));
  if (SSL_CTX_set_ex_data(context, KeysIndex(), keys) != 1) {
    delete keys;
    return false;
  }
  SSL_CTX_clear_options(context, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  // What clients are told a ticket is good for: within the time its key
  // opens tickets, whenever in the key's life it was sealed.
  SSL_CTX_set_timeout(context, static_cast<long>(kTicketKeyLifetime.count()));
  return SSL_CTX_set_tlsext_ticket_key_evp_cb(context, SealOrOpenTicket) == 1;
}

}  // namespace hookbridge
