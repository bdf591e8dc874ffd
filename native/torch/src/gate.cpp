#include "gate.h"

namespace frontier {

Gate& Gate::instance() {
  static Gate* gate = new Gate();  // never destroyed: job threads may still use it while the process exits
  return *gate;
}

void Gate::enterStep() {
  std::unique_lock<std::mutex> lock(m_);
  cv_.wait(lock, [this] { return !exclusive_ && waiting_ == 0; });
  ++inside_;
}

void Gate::leaveStep() {
  std::lock_guard<std::mutex> lock(m_);
  if (--inside_ == 0) cv_.notify_all();
}

void Gate::enterExclusive() {
  std::unique_lock<std::mutex> lock(m_);
  ++waiting_;
  cv_.wait(lock, [this] { return !exclusive_ && inside_ == 0; });
  --waiting_;
  exclusive_ = true;
}

void Gate::leaveExclusive() {
  std::lock_guard<std::mutex> lock(m_);
  exclusive_ = false;
  cv_.notify_all();
}

}  // namespace frontier
