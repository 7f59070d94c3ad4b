// The soak: hookbridge at a fixed rate, half the maximum measured on this
// cluster just before, while a broker is restarted every minute, or every
// third of a shorter run (SIGTERM, relaunch, back in sync; nodes in turn), and its resident memory,
// open descriptors and threads are sampled every second. Fails on one lost or reordered event (the
// loss checker, as in every scenario) and on growth after warm-up: the median of the last third of
// the samples against the median of the first third, with generous margins, never a single sample.
//
// HOOKBRIDGE_SOAK_SECONDS (90 in CI; the README quotes a 20-minute run).
// Writes soak.txt, soak-samples.csv and soak.png to <build>/cluster-reports
// (HOOKBRIDGE_CLUSTER_REPORT_DIR).
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include "../hostile/raw_http.h"
#include "../support/env_number.h"
#include "../support/run_script.h"
#include "cluster_scenario.h"

namespace hookbridge::cluster {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::seconds kLongestRestartInterval = 60s;
// Generous: a leak shows as steady growth over many minutes, far past these.
constexpr double kRssGrowthShare = 0.25;
constexpr double kRssGrowthMiB = 16;
constexpr double kFdGrowth = 16;
constexpr double kThreadGrowth = 8;

struct Sample {
  double at_s = 0;
  double rss_mib = 0;
  long fds = 0;
  long threads = 0;
  size_t acknowledged = 0;
  int restarting_node = 0;  // the node being restarted then, 0: none
};

long OpenDescriptors(pid_t pid) {
  DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (dir == nullptr) return -1;
  long count = 0;
  while (dirent* entry = readdir(dir)) count += entry->d_name[0] != '.' ? 1 : 0;
  closedir(dir);
  return count;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::nth_element(values.begin(), values.begin() + static_cast<long>(values.size() / 2),
                   values.end());
  return values[values.size() / 2];
}

// The medians of the first and the last third of the samples after warm-up.
struct Growth {
  double first = 0;
  double last = 0;
};

template <typename Field>
Growth GrowthOf(const std::vector<Sample>& samples, double warm_up_s, Field field) {
  std::vector<double> values;
  for (const Sample& sample : samples) {
    if (sample.at_s >= warm_up_s) values.push_back(field(sample));
  }
  const size_t third = values.size() / 3;
  return {Median({values.begin(), values.begin() + static_cast<long>(third)}),
          Median({values.end() - static_cast<long>(third), values.end()})};
}

class ClusterSoak : public ClusterScenario {};

TEST_F(ClusterSoak, HalfMaximumRateWhileBrokersRestartInTurn) {
  const auto duration =
      std::chrono::seconds(test_support::EnvNumber("HOOKBRIDGE_SOAK_SECONDS", 90));
  // Three restarts even in CI's short run; one a minute in a long one.
  const std::chrono::seconds restart_every = std::min(kLongestRestartInterval, duration / 3);
  // Warm-up: hookbridge's and librdkafka's buffers reach their working size.
  const double warm_up_s = std::min(120.0, static_cast<double>(duration.count()) / 4);
  ASSERT_NO_FATAL_FAILURE(StartScenario("soak"));

  // The maximum, measured: the 32 senders as fast as they go, for a while.
  double maximum = 0;
  {
    StartLoad(0, 6000);
    ASSERT_TRUE(run_->Wait(300s)) << "the measuring run did not finish";
    maximum = static_cast<double>(run_->acknowledged()) / run_->elapsed().count();
    run_.reset();
  }
  const double rate = maximum / 2;
  const size_t events = static_cast<size_t>(rate * static_cast<double>(duration.count()));
  Note("maximum measured on the cluster: " + std::to_string(static_cast<int>(maximum)) +
       " events/s (6000 events, 32 senders); soak rate " + std::to_string(static_cast<int>(rate)) +
       " events/s for " + std::to_string(duration.count()) + " s: " + std::to_string(events) +
       " events");
  StartLoad(rate, events);
  const auto soak_start = Clock::now();

  std::vector<Sample> samples;
  std::atomic<int> restarting{0};
  std::atomic<bool> sampling{true};
  std::thread sampler([&] {
    for (auto next = Clock::now(); sampling; next += 1s) {
      std::this_thread::sleep_until(next);
      Sample sample;
      sample.at_s = Seconds(Clock::now() - soak_start);
      const pid_t pid = bridge_->pid();
      sample.rss_mib = static_cast<double>(hostile::ResidentKiB(pid)) / 1024;
      sample.fds = OpenDescriptors(pid);
      sample.threads = hostile::ThreadCount(pid);
      sample.acknowledged = run_->acknowledged();
      sample.restarting_node = restarting;
      samples.push_back(sample);
    }
  });

  int restarts = 0;
  for (auto next_restart = soak_start + restart_every; !run_->done();) {
    if (Clock::now() < next_restart) {
      std::this_thread::sleep_for(200ms);
      continue;
    }
    const int node = restarts % 3 + 1;
    restarting = node;
    auto at = Clock::now();
    const bool restarted =
        cluster_.Terminate(node) && cluster_.Restart(node) && cluster_.WaitInSync(topic_, 120s);
    restarting = 0;
    ++restarts;
    Note("restart " + std::to_string(restarts) + ": node " + std::to_string(node) + " at " +
         std::to_string(static_cast<int>(Seconds(at - soak_start))) + " s, back in sync after " +
         std::to_string(Seconds(Clock::now() - at)).substr(0, 5) + " s");
    EXPECT_TRUE(restarted) << "node " << node << " did not come back in sync";
    next_restart += restart_every;
  }
  sampling = false;
  sampler.join();
  const double soak_s = Seconds(Clock::now() - soak_start);

  const Growth rss = GrowthOf(samples, warm_up_s, [](const Sample& s) { return s.rss_mib; });
  const Growth fds = GrowthOf(samples, warm_up_s, [](const Sample& s) { return double(s.fds); });
  const Growth threads =
      GrowthOf(samples, warm_up_s, [](const Sample& s) { return double(s.threads); });
  double peak_rss = 0;
  for (const Sample& sample : samples) peak_rss = std::max(peak_rss, sample.rss_mib);
  char line[512];
  std::snprintf(line, sizeof line,
                "soak: %.0f s, %d broker restarts, %zu samples, warm-up %.0f s; medians first "
                "third -> last third after warm-up: rss %.1f -> %.1f MiB (peak %.1f), fds %.0f -> "
                "%.0f, threads %.0f -> %.0f",
                soak_s, restarts, samples.size(), warm_up_s, rss.first, rss.last, peak_rss,
                fds.first, fds.last, threads.first, threads.last);
  Note(line);

  mkdir(ReportDir().c_str(), 0755);
  const std::string csv = ReportDir() + "/soak-samples.csv";
  {
    std::ofstream out(csv);
    out << "seconds,rss_mib,open_fds,threads,acknowledged,restarting_node\n";
    for (const Sample& s : samples) {
      out << s.at_s << "," << s.rss_mib << "," << s.fds << "," << s.threads << "," << s.acknowledged
          << "," << s.restarting_node << "\n";
    }
  }
  ASSERT_NO_FATAL_FAILURE(Finish({}, soak_start, "(soak) the start of the fixed-rate run"));
  EXPECT_TRUE(
      test_support::RunScript(std::string(HOOKBRIDGE_SOURCE_DIR) + "/tests/cluster/plot_soak.sh",
                              {csv, ReportDir() + "/soak.png", std::to_string(warm_up_s)}, {}))
      << "could not draw the soak plot";

  EXPECT_GE(restarts, static_cast<int>(duration / restart_every) - 1);
  EXPECT_LE(rss.last, rss.first * (1 + kRssGrowthShare) + kRssGrowthMiB) << "resident memory grew";
  EXPECT_LE(fds.last, fds.first + kFdGrowth) << "open descriptors grew";
  EXPECT_LE(threads.last, threads.first + kThreadGrowth) << "threads grew";
}

}  // namespace
}  // namespace hookbridge::cluster
