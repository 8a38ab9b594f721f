import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../service/services.js';
import { callContext, requires, teamRefOf } from '../call-context.js';
import { authErrors, TeamQuery } from '../schemas/common.js';
import {
  VerifierChangesHeaders,
  VerifierChangesQuery,
  VerifierChangesResponses,
  VerifierSnapshot,
  VerifierSnapshotQuery,
  VerifierUsageBody,
  VerifierUsageResult,
} from '../schemas/verifier-schemas.js';
import { EventStream } from '../event-stream.js';
import { tokenView } from '../views.js';

const tags = ['verifier'];

/** What the SDK's in-process verifier reads: a snapshot of the tokens it may hold, and the changes to them (docs/sdk.md). */
export function verifierRoutes(services: Pick<Services, 'verifier' | 'clock'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    // A stream never ends by itself: a closing server ends them, or it would wait for them.
    app.addHook('preClose', async () => services.verifier.closeStreams());

    app.get(
      '/v1/verifier/snapshot',
      {
        schema: {
          tags,
          security: requires('verifier:read'),
          summary: "A page of the live api and resource tokens a verifier may hold (yours, a team's with ?teamId=, or all for an admin)",
          description:
            'Token views by digest, never a secret. `seq` is read before the tokens: stream `/v1/verifier/changes?after=<seq>` (of the first page) and no change made meanwhile is missed.',
          querystring: VerifierSnapshotQuery,
          response: { 200: VerifierSnapshot, ...authErrors },
        },
      },
      async (request) => {
        const { teamId, slug, limit = 500, cursor } = request.query;
        const snapshot = await services.verifier.snapshot(callContext(request), { team: teamRefOf({ teamId, slug }), limit, cursor });
        const now = services.clock.now();
        return {
          seq: snapshot.seq,
          items: snapshot.items.map((token) => ({ digest: token.digest.toString('base64url'), token: tokenView(token, now) })),
          nextCursor: snapshot.nextCursor,
        };
      },
    );

    app.get(
      '/v1/verifier/changes',
      {
        schema: {
          tags,
          security: requires('verifier:read'),
          summary: 'Server-Sent Events: the changes to the tokens a verifier holds, resuming after Last-Event-ID',
          description:
            'A change means: drop what you hold for this digest. Only changes to tokens the caller may read (a team with ?teamId=, or those its token is limited to), never a secret.',
          querystring: VerifierChangesQuery,
          headers: VerifierChangesHeaders,
          response: { ...VerifierChangesResponses, ...authErrors },
        },
      },
      async (request, reply) => {
        const { teamId, slug, after } = request.query;
        const ctx = callContext(request);
        const team = teamRefOf({ teamId, slug });
        const audience = await services.verifier.audience(ctx, team);
        services.verifier.assertLive();
        // EventSource sends Last-Event-ID on every reconnection, with the URL of the first: the header is the newer.
        const header = request.headers['last-event-id'];
        const resumeAfter = header !== undefined ? Number(header) : after;
        reply.hijack();
        const stream = new EventStream(reply.raw, { 'x-request-id': request.id });
        const end = services.verifier.stream(stream, audience, resumeAfter, { call: ctx, team });
        reply.raw.once('close', end);
      },
    );

    app.post(
      '/v1/verifier/usage',
      {
        schema: {
          tags,
          security: requires('verifier:read'),
          summary: 'Report the verifications an in-process verifier answered itself, for analytics and last-used times',
          description:
            "Counts per token, minute and outcome (and tags). Only tokens the caller's verifier may hold count (a team's with ?teamId=); the rest, and minutes over a day old, are answered as `ignored`. The SDK sends these every few seconds.",
          querystring: Type.Object(TeamQuery),
          body: VerifierUsageBody,
          response: { 200: VerifierUsageResult, ...authErrors },
        },
      },
      async (request) => {
        const { teamId, slug } = request.query;
        return services.verifier.reportUsage(callContext(request), teamRefOf({ teamId, slug }), request.body.counts);
      },
    );
  };
}
