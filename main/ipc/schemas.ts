/** Argument schemas of every method of the contract: the renderer is untrusted, main checks everything. */
import { TRIAL_STATES } from '../../shared/types/index.js';
import { s, type Schema } from '../../shared/ipc/schema.js';
import type { ServiceSchemas } from './server.js';

const id = s.string({ min: 1, max: 20, pattern: /^\d+$/ });
const metric = s.string({ min: 1, max: 200 });
const options = s.optional(s.record(s.any()));

export const studySpecSchema: Schema = s.object({
  name: s.string({ max: 200 }),
  space: s.string({ min: 1, max: 100 }),
  spaceOptions: options,
  strategy: s.string({ min: 1, max: 100 }),
  strategyOptions: s.optional(s.record((v, p) => (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? undefined : `${p} must be a number, string or boolean`))),
  objectives: s.array(s.object({ metric, direction: s.literal('min', 'max') }), { max: 8 }),
  constraints: s.array(s.object({ metric, op: s.literal('<=', '<', '>=', '>', '=='), value: s.number() }), { max: 32 }),
  report: s.array(metric, { max: 64 }),
  budget: s.object({ evals: s.optional(s.number()), seconds: s.optional(s.number()), wallMs: s.optional(s.number()) }),
  seed: s.number(),
  evaluator: s.object({ kind: s.string({ min: 1, max: 100 }) }, { open: true }),
  concurrency: s.optional(s.number()),
});

const byId = s.object({ id });
const trialRef = s.object({ id, number: s.number({ integer: true, min: 0 }) });
const spaceRef = s.object({ space: s.string({ min: 1, max: 100 }), options });

export const STUDY_SCHEMAS: ServiceSchemas<'study'> = {
  list: s.none(),
  get: byId,
  validate: s.object({ spec: s.object({}, { open: true }) }),
  create: s.object({ spec: studySpecSchema }),
  start: byId,
  stop: byId,
  resume: byId,
  update: s.object({
    id,
    name: s.optional(s.string({ min: 1, max: 200 })),
    notes: s.optional(s.string({ max: 10_000 })),
    tags: s.optional(s.array(s.string({ min: 1, max: 40, pattern: /^[^,\n\r]+$/ }), { max: 20 })),
  }),
  delete: byId,
  trials: s.object({
    id,
    states: s.optional(s.array(s.literal(...TRIAL_STATES))),
    offset: s.optional(s.number({ integer: true, min: 0 })),
    limit: s.optional(s.number({ integer: true, min: 1, max: 100_000 })),
  }),
  points: byId,
  trial: trialRef,
  summary: byId,
  front: byId,
  curve: trialRef,
  history: s.object({ id, maxPoints: s.optional(s.number({ integer: true, min: 2, max: 10_000 })), reference: s.optional(s.array(s.number(), { max: 3 })) }),
  latency: trialRef,
  artifact: s.object({ id, number: s.number({ integer: true, min: 0 }), kind: s.string({ min: 1, max: 40, pattern: /^[a-z0-9_-]+$/ }) }),
  insights: s.object({ id, top: s.optional(s.number({ min: 0.001, max: 1 })), metric: s.optional(metric), direction: s.optional(s.literal('min', 'max')) }),
};

export const SPACE_SCHEMAS: ServiceSchemas<'space'> = {
  list: s.none(),
  describe: spaceRef,
  count: spaceRef,
  validate: spaceRef,
};

export const DEVICE_SCHEMAS: ServiceSchemas<'device'> = {
  list: s.none(),
  latency: s.object({ id: s.string({ min: 1, max: 200 }) }),
  profile: s.object({
    device: s.string({ min: 1, max: 200 }),
    space: s.string({ min: 1, max: 100 }),
    spaceOptions: options,
    settings: s.optional(s.object({
      runs: s.optional(s.number({ integer: true, min: 1, max: 10_000 })),
      warmup: s.optional(s.number({ integer: true, min: 0, max: 10_000 })),
      repeats: s.optional(s.number({ integer: true, min: 1, max: 100 })),
      threads: s.optional(s.number({ integer: true, min: 1, max: 64 })),
      maxSpread: s.optional(s.number({ min: 0, max: 100 })),
      calibration: s.optional(s.number({ integer: true, min: 0, max: 1000 })),
      heldOut: s.optional(s.number({ integer: true, min: 0, max: 1000 })),
      classes: s.optional(s.number({ integer: true, min: 1, max: 100_000 })),
    })),
  }),
  cancel: s.object({ id: s.string({ min: 1, max: 100, pattern: /^[A-Za-z0-9_-]+$/ }) }),
};

export const WORKERS_SCHEMAS: ServiceSchemas<'workers'> = {
  list: s.none(),
  connect: s.object({ url: (v, p) => (v === null ? undefined : s.string({ max: 2000 })(v, p)) }),
};
