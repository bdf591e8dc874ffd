// Jobs on addon-owned threads, counted so that the environment's teardown (process exit, a worker
// terminated) can ask them to stop and wait for them before libtorch is unloaded.
#pragma once
#include <atomic>

namespace frontier {

/** True once the JavaScript environment is going away: every job stops at its next step. */
bool shuttingDown();
void jobStarted();
void jobFinished();
/** Asks running jobs to stop and waits up to `ms` for them. */
void stopAllJobs(int ms);

}  // namespace frontier
