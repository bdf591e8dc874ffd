export * from './space.js';
export * from './study.js';
export * from './device.js';
export * from './graph.js';
