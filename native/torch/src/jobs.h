// Jobs on addon-owned threads, counted per JavaScript environment (the main thread, each worker
// thread), so that an environment's teardown (process exit, worker.terminate()) can stop its own jobs
// and wait for them before the handles they post to are freed.
#pragma once
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace frontier {

/** Thrown inside a job that was asked to stop; it reaches JavaScript as an error coded 'cancelled'. */
struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("cancelled") {}
};

class JobSet {
 public:
  void started();
  void finished();
  /** True once this environment is going away: its jobs stop at their next step. */
  bool stopping() const { return stop_.load(); }
  /** Asks this environment's jobs to stop and waits up to `ms` for them. */
  void stopAndWait(int ms);
  void requestStop() { stop_ = true; }

 private:
  std::atomic<bool> stop_{false};
  std::mutex m_;
  std::condition_variable cv_;
  int running_ = 0;
};

/** Jobs running now in the whole process (every environment). */
int runningJobs();

/** Makes a set known to stopAllJobs. */
void registerJobSet(const std::shared_ptr<JobSet>& jobs);

/**
 * Asks every job of every environment to stop and waits up to `ms` for them: for process.exit(),
 * which runs no environment cleanup, so that no job thread uses libtorch while exit() tears it down.
 */
void stopAllJobs(int ms);

}  // namespace frontier
