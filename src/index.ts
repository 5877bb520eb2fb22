/**
 * The package's programmatic entry point (`import … from 'keyward'`).
 * The embedded verifier joins here with the gateway.
 */

export type { Config } from './config/config.js';
export { loadConfig } from './config/config.js';
export { generateSecret, parseSecret } from './core/secret-format.js';
export {
  checkWebhookSignature,
  verifyWebhookSignature,
  type WebhookVerdict,
} from './core/webhook-signature.js';
export {
  type CreateVerifierOptions,
  createVerifier,
  type EmbeddedVerifier,
} from './main/create-verifier.js';
export type { RunningKeyward } from './main/server.js';
export { startKeyward } from './main/server.js';
