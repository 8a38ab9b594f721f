import type { EventInput } from '../core/events.js';

/**
 * Where services report what happened (token revoked, user disabled, …). The webhook outbox
 * implements it; a service publishes after its change has been stored, so an event never
 * announces a change that did not happen.
 */
export interface EventPublisher {
  publish(events: readonly EventInput[]): Promise<void>;
}

/** Publishes nowhere: for services wired without webhooks (unit tests of other concerns). */
export const noEvents: EventPublisher = { publish: async () => {} };

/** Keeps what was published, in order: for tests that check which events a use case reports. */
export class RecordingEvents implements EventPublisher {
  readonly published: EventInput[] = [];
  async publish(events: readonly EventInput[]): Promise<void> {
    this.published.push(...events);
  }
}
