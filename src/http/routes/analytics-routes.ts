import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { formatCredits } from '../../core/credits.js';
import type { Services } from '../../service/services.js';
import { callContext, requires } from '../call-context.js';
import { VerificationSeries, VerificationsQuery } from '../schemas/analytics-schemas.js';
import { authErrors, ErrorResponse } from '../schemas/common.js';

export function analyticsRoutes(services: Pick<Services, 'analytics'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/analytics/verifications',
      {
        schema: {
          tags: ['analytics'],
          security: requires('analytics:read'),
          summary: 'Verifications over time, by outcome, token or tag, of the tokens you may read',
          querystring: VerificationsQuery,
          response: { 200: VerificationSeries, ...authErrors, 404: ErrorResponse },
        },
      },
      async (request): Promise<VerificationSeries> => {
        const { outcome, tokenId, ...query } = request.query;
        const answer = await services.analytics.verifications(callContext(request).principal, {
          ...query,
          ...(outcome ? { outcomes: outcome } : {}),
          ...(tokenId ? { tokenIds: tokenId } : {}),
        });
        return {
          granularity: answer.granularity,
          from: answer.from,
          to: answer.to,
          series: answer.series.map((s) => ({
            key:
              answer.groupBy === 'outcome'
                ? { outcome: s.key as never }
                : answer.groupBy === 'token'
                  ? { tokenId: s.key === '' ? null : s.key }
                  : { tag: s.key },
            total: s.total,
            points: s.points.map((p) => ({ t: p.t, count: p.count, credits: formatCredits(p.credits) })),
          })),
        };
      },
    );
  };
}
