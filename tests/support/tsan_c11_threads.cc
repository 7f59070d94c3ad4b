// C11 threads through pthread, for the ThreadSanitizer build of the tests
// only (tests/CMakeLists.txt adds this file to every test program there).
//
// Debian's librdkafka runs its threads with C11 threads from glibc
// (thrd_create, mtx_lock, cnd_wait, call_once). glibc implements those by
// calling its pthread functions internally, past ThreadSanitizer's
// interceptors, and clang 14's ThreadSanitizer has none of its own for C11
// threads. So a librdkafka thread that TSan never saw start crashes TSan at
// its first intercepted call (a SEGV in the runtime), and every hand-over
// through librdkafka's queues, under locks TSan cannot see, would look like a
// race. These definitions come first for the dynamic linker (the executable
// before libc) and do the same through the pthread functions TSan
// intercepts, so it sees librdkafka's threads and locks as it sees ours.
// glibc's mtx_t, cnd_t and once_flag are its pthread types under other names.
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <new>

namespace {

struct ThreadStart {
  thrd_start_t function;
  void* argument;
};

void* RunThreadStart(void* raw) {
  const ThreadStart start = *static_cast<ThreadStart*>(raw);
  delete static_cast<ThreadStart*>(raw);
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(start.function(start.argument)));
}

int FromPthread(int error) {
  switch (error) {
    case 0: return thrd_success;
    case ENOMEM: return thrd_nomem;
    case ETIMEDOUT: return thrd_timedout;
    case EBUSY: return thrd_busy;
    default: return thrd_error;
  }
}

pthread_mutex_t* AsPthread(mtx_t* mutex) { return reinterpret_cast<pthread_mutex_t*>(mutex); }
pthread_cond_t* AsPthread(cnd_t* condition) { return reinterpret_cast<pthread_cond_t*>(condition); }

}  // namespace

extern "C" {

int thrd_create(thrd_t* thread, thrd_start_t function, void* argument) {
  auto* start = new (std::nothrow) ThreadStart{function, argument};
  if (start == nullptr) return thrd_nomem;
  const int error = pthread_create(thread, nullptr, RunThreadStart, start);
  if (error != 0) delete start;
  return FromPthread(error);
}

int thrd_join(thrd_t thread, int* result) {
  void* value = nullptr;
  const int error = pthread_join(thread, &value);
  if (error == 0 && result != nullptr) {
    *result = static_cast<int>(reinterpret_cast<std::intptr_t>(value));
  }
  return FromPthread(error);
}

int thrd_detach(thrd_t thread) { return FromPthread(pthread_detach(thread)); }

int mtx_init(mtx_t* mutex, int type) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  if ((type & mtx_recursive) != 0) pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
  const int error = pthread_mutex_init(AsPthread(mutex), &attributes);
  pthread_mutexattr_destroy(&attributes);
  return FromPthread(error);
}
int mtx_lock(mtx_t* mutex) { return FromPthread(pthread_mutex_lock(AsPthread(mutex))); }
int mtx_trylock(mtx_t* mutex) { return FromPthread(pthread_mutex_trylock(AsPthread(mutex))); }
int mtx_unlock(mtx_t* mutex) { return FromPthread(pthread_mutex_unlock(AsPthread(mutex))); }
void mtx_destroy(mtx_t* mutex) { pthread_mutex_destroy(AsPthread(mutex)); }

int cnd_init(cnd_t* condition) {
  return FromPthread(pthread_cond_init(AsPthread(condition), nullptr));
}
int cnd_signal(cnd_t* condition) { return FromPthread(pthread_cond_signal(AsPthread(condition))); }
int cnd_broadcast(cnd_t* condition) {
  return FromPthread(pthread_cond_broadcast(AsPthread(condition)));
}
int cnd_wait(cnd_t* condition, mtx_t* mutex) {
  return FromPthread(pthread_cond_wait(AsPthread(condition), AsPthread(mutex)));
}
int cnd_timedwait(cnd_t* condition, mtx_t* mutex, const struct timespec* deadline) {
  return FromPthread(pthread_cond_timedwait(AsPthread(condition), AsPthread(mutex), deadline));
}
void cnd_destroy(cnd_t* condition) { pthread_cond_destroy(AsPthread(condition)); }

void call_once(once_flag* flag, void (*function)(void)) {
  pthread_once(reinterpret_cast<pthread_once_t*>(flag), function);
}

}  // extern "C"
