import type { AttemptResult } from '../core/webhook.js';

/** One signed POST to a receiver. */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * How a delivery reaches its receiver. The HTTP adapter (adapters/http/webhook-sender.ts) refuses
 * private addresses unless allowed; tests may pass a fake. Never throws: a failure is a result.
 */
export interface WebhookTransport {
  send(request: WebhookRequest, timeoutMs: number): Promise<AttemptResult>;
}
