export * from './routing.js';
export * from './payload-size.js';
export * from './link-model.js';
export * from './transport.js';
