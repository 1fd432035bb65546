export * from './runners.js';
export * from './connections.js';
export * from './activities.js';
export * from './pain.js';
export * from './weeks.js';
export * from './pages.js';
export * from './exports.js';
