// main() of every test binary: Google Test's, with SIGPIPE ignored.
//
// The tests write to servers that close connections on purpose (a 413 answered
// before the body is read, an instance killed mid-run), and cpp-httplib's
// client and OpenSSL write with plain send()/write(). A write to a closed
// connection must then be an error the test can assert on, not the end of the
// test process.
#include <gtest/gtest.h>
#include <signal.h>

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
