import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { GITLAB_TOKEN_TYPES, isGitlabTokenType } from '../../core/gitlab-token-revocation.js';
import type { Services } from '../../service/services.js';
import { PUBLIC, type SecurityRequirements } from '../call-context.js';
import { assertNoContentCoding, JSON_IN_UTF8, parseJsonBody } from '../json-body.js';
import { ErrorResponse } from '../schemas/common.js';
import {
  GithubFeedback,
  GithubScanningBody,
  GithubScanningHeaders,
  GitlabRevokeBody,
  GitlabTokenTypes,
  LeakReportBody,
  LeakReportResponse,
} from '../schemas/leak-schemas.js';

const tags = ['leaks'];
const GITHUB: SecurityRequirements = [{ githubSignature: [] }];
const GITLAB: SecurityRequirements = [{ gitlabToken: [] }];
const partnerErrors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse };

type LeakServices = Pick<Services, 'leaks' | 'leakPartners'>;

/** Leak intake: GitHub's secret scanning partner endpoint, GitLab's token revocation API, and the public report. */
export function leakRoutes(services: LeakServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(githubScanningRoute(services));

    app.get(
      '/v1/leaks/gitlab/revocable_token_types',
      {
        schema: {
          tags,
          security: GITLAB,
          summary: "GitLab's token revocation API: the token types tessera revokes",
          description:
            'The secret detection rule ids (docs/token-format.md) whose findings GitLab may send to …/revoke_tokens. 404 when TESSERA_GITLAB_REVOCATION_TOKEN is not set.',
          response: { 200: GitlabTokenTypes, ...partnerErrors },
        },
      },
      async (request) => {
        services.leakPartners.checkGitlab(request.headers.authorization);
        return { types: [...GITLAB_TOKEN_TYPES] };
      },
    );

    app.post(
      '/v1/leaks/gitlab/revoke_tokens',
      {
        schema: {
          tags,
          security: GITLAB,
          summary: "GitLab's token revocation API: leaked tokens, each handled by its leak policy",
          description:
            'Every listed token that tessera issued is handled by its leak policy; anything else is ignored. 204 either way; 400, changing nothing, when a type is not one of …/revocable_token_types. Idempotent.',
          body: GitlabRevokeBody,
          response: { 204: { type: 'null', description: 'Accepted.' }, ...partnerErrors },
        },
        // Before the body is read: without the token, nothing about the request is looked at.
        onRequest: async (request) => services.leakPartners.checkGitlab(request.headers.authorization),
      },
      async (request, reply) => {
        const unknown = request.body.find((found) => !isGitlabTokenType(found.type));
        if (unknown) throw new AppError('VALIDATION_ERROR', `type: ${JSON.stringify(unknown.type)} is not a type tessera revokes; see revocable_token_types`);
        await services.leaks.intake(request.body.map((found) => ({ secret: found.token, url: found.location ?? null, source: 'gitlab' as const })));
        return (reply as FastifyReply).code(204).send();
      },
    );

    app.post(
      '/v1/leaks/report',
      {
        schema: {
          tags,
          security: PUBLIC,
          summary: 'Report a tessera key you found where it should not be',
          description:
            "No credential: anyone may report. The answer is the same whether or not the key exists (202, `{received: true}`); a real key is handled by its team's leak policy. Rate limited per address (TESSERA_LEAK_REPORTS_PER_MINUTE).",
          body: LeakReportBody,
          response: { 202: LeakReportResponse, 400: ErrorResponse, 429: ErrorResponse },
        },
        // Counted before the body is read: a refused report costs nothing more.
        onRequest: async (request) => services.leakPartners.checkReport(request.ip),
      },
      async (request, reply) => {
        const { token, url, note } = request.body;
        await services.leaks.intake([{ secret: token, url: url ?? null, note: note ?? null, source: 'report' }]);
        return reply
          .code(202)
          .header('cache-control', 'no-store')
          .send({ received: true as const });
      },
    );
  };
}

/** The body exactly as GitHub sent it, for its signature; kept per request, never past it. */
const rawBodies = new WeakMap<FastifyRequest, { bytes: Buffer; value?: unknown; error?: unknown }>();

/**
 * GitHub's route in a scope of its own, with a JSON parser that keeps the bytes: the signature is
 * over the body as sent, and is checked before the body is looked at (a body that is not JSON is a
 * 401 when unsigned, a 400 when signed). Node's HTTP parser and Fastify's still read every byte.
 */
function githubScanningRoute(services: LeakServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(JSON_IN_UTF8, { parseAs: 'buffer' }, (request, body, done) => {
      const bytes = body as Buffer;
      try {
        assertNoContentCoding(request);
      } catch (error) {
        done(error as Error, undefined);
        return;
      }
      try {
        const value = parseJsonBody(bytes.toString('utf8'));
        rawBodies.set(request, { bytes, value });
        done(null, value);
      } catch (error) {
        rawBodies.set(request, { bytes, error });
        done(null, undefined);
      }
    });

    app.post(
      '/v1/leaks/github',
      {
        schema: {
          tags,
          security: GITHUB,
          summary: "GitHub's secret scanning partner endpoint",
          description:
            "GitHub posts the tessera keys it found in public code; each one tessera issued is handled by its leak policy. The body must be signed by one of GitHub's keys configured in TESSERA_GITHUB_SCANNING_KEYS_FILE (401 otherwise, changing nothing); 404 when none are. " +
            "Answers GitHub's feedback: `true_positive` for a key tessera issued, `false_positive` for anything else, each named by token_hash. Idempotent: the same report again changes nothing and gets the same answer.",
          headers: GithubScanningHeaders,
          body: GithubScanningBody,
          response: { 200: GithubFeedback, ...partnerErrors },
        },
        preValidation: async (request) => {
          const raw = rawBodies.get(request);
          const header = (name: string) => {
            const value = request.headers[name];
            return typeof value === 'string' ? value : undefined;
          };
          services.leakPartners.checkGithub(header('github-public-key-identifier'), header('github-public-key-signature'), raw?.bytes ?? Buffer.alloc(0));
          if (raw?.error) throw raw.error;
        },
      },
      async (request) => {
        const findings = await services.leaks.intake(request.body.map((found) => ({ secret: found.token, url: found.url ?? null, source: 'github' as const })));
        return findings.map((finding, i) => ({
          token_hash: finding.digest.toString('hex'),
          token_type: request.body[i]!.type,
          label: finding.known ? ('true_positive' as const) : ('false_positive' as const),
        }));
      },
    );
  };
}
