#include "jobs.h"

#include <chrono>
#include <thread>
#include <vector>

namespace frontier {
namespace {
std::atomic<int> g_running{0};
// Never destroyed: used while the process exits.
std::mutex* g_registryLock = new std::mutex();
std::vector<std::weak_ptr<JobSet>>* g_registry = new std::vector<std::weak_ptr<JobSet>>();
}  // namespace

void registerJobSet(const std::shared_ptr<JobSet>& jobs) {
  std::lock_guard<std::mutex> lock(*g_registryLock);
  g_registry->push_back(jobs);
}

void stopAllJobs(int ms) {
  {
    std::lock_guard<std::mutex> lock(*g_registryLock);
    for (auto& w : *g_registry)
      if (auto j = w.lock()) j->requestStop();
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (g_running.load() > 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

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
