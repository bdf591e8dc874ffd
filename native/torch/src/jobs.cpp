#include "jobs.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace frontier {
namespace {
std::atomic<bool> g_shutdown{false};
std::mutex g_m;
std::condition_variable g_cv;
int g_running = 0;
}  // namespace

bool shuttingDown() { return g_shutdown.load(); }

void jobStarted() {
  std::lock_guard<std::mutex> lock(g_m);
  ++g_running;
}

void jobFinished() {
  std::lock_guard<std::mutex> lock(g_m);
  if (--g_running == 0) g_cv.notify_all();
}

void stopAllJobs(int ms) {
  g_shutdown = true;
  std::unique_lock<std::mutex> lock(g_m);
  g_cv.wait_for(lock, std::chrono::milliseconds(ms), [] { return g_running == 0; });
}

}  // namespace frontier
