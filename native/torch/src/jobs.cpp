#include "jobs.h"

#include <chrono>

namespace frontier {
namespace {
std::atomic<int> g_running{0};
}  // namespace

int runningJobs() { return g_running.load(); }

void JobSet::started() {
  std::lock_guard<std::mutex> lock(m_);
  ++running_;
  ++g_running;
}

void JobSet::finished() {
  std::lock_guard<std::mutex> lock(m_);
  --g_running;
  if (--running_ == 0) cv_.notify_all();
}

void JobSet::stopAndWait(int ms) {
  stop_ = true;
  std::unique_lock<std::mutex> lock(m_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return running_ == 0; });
}

}  // namespace frontier
