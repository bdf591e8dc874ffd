import type { DeployState } from './initialState.js';

export const deploySelectors = {
  /** The exports of one trial (all of the study's without a number). */
  exportsOf: (s: Pick<DeployState, 'exports'>, trial?: number) => (trial === undefined ? s.exports : s.exports.filter((e) => e.trial === trial)),
};
