/**
 * Real peers of the tests (adb, Chromium, Arm NN, Redis, libtorch): a test whose peer is missing
 * skips with the reason on a developer's machine, and fails under CI=true, where .ci/run installs
 * every peer, so a missing one is a broken CI set-up rather than a reason to test less.
 */
export function missingPeer(peer: string, reason: string | undefined): boolean {
  if (!reason) return false;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`${peer} is required under CI=true: ${reason}`);
  console.warn(`skipping tests that need ${peer}: ${reason}`);
  return true;
}
