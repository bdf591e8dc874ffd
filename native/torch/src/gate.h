// A process-wide gate between training steps and latency timing: any number of training steps may
// run at once (shared), and a latency measurement runs alone (exclusive). An exclusive request
// waits for the steps in flight and holds new ones back, so timing never shares the cores with
// training (as the tfjs worker pool does with its SharedArrayBuffer).
#pragma once
#include <condition_variable>
#include <mutex>

namespace frontier {

class Gate {
 public:
  static Gate& instance();
  void enterStep();
  void leaveStep();
  void enterExclusive();
  void leaveExclusive();

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int inside_ = 0;
  int waiting_ = 0;
  bool exclusive_ = false;
};

struct StepGuard {
  StepGuard() { Gate::instance().enterStep(); }
  ~StepGuard() { Gate::instance().leaveStep(); }
  StepGuard(const StepGuard&) = delete;
  StepGuard& operator=(const StepGuard&) = delete;
};

struct ExclusiveGuard {
  ExclusiveGuard() { Gate::instance().enterExclusive(); }
  ~ExclusiveGuard() { Gate::instance().leaveExclusive(); }
  ExclusiveGuard(const ExclusiveGuard&) = delete;
  ExclusiveGuard& operator=(const ExclusiveGuard&) = delete;
};

}  // namespace frontier
