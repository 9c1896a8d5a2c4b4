/**
 * The answers the web client reads, as JSON schemas: /openapi.json publishes them (each route's
 * `response`), the web client takes its types from them (type-only: typebox stays out of the bundle),
 * and test/api/answers.test.ts holds the handlers to them. They document; they never shape an answer.
 */
export * from './answers-admin.js';
export * from './answers-settings.js';
export * from './answers-events.js';
export * from './answers-interface.js';
export * from './answers-delegations.js';
export * from './answers-feeds.js';
