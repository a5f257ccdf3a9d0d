import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requirePermission } from '../auth/passport.js';
import type { Config } from '../platform/config.js';
import { follow, unfollow } from '../platform/events.js';
import { leaveNotice, takeNotice } from '../platform/session.js';
import { xapiBase, xapiFollowers } from './follower.js';
import { statementsUrl } from './sender.js';
import { retryFailedStatements, xapiStatus } from './service.js';

/**
 * The xAPI feature as the app runs it: with an LRS configured, the domain events it turns into
 * statements are followed (without one, nothing is queued); and the admins' page and API that
 * show the outbox.
 */
export function registerXapi(features: FeatureContext, config: Pick<Config, 'xapi' | 'publicUrl' | 'host' | 'port'>): void {
  const { web, api, log } = features;
  if (config.xapi) follow('xapi', xapiFollowers(xapiBase(config), log), log);
  else unfollow('xapi'); // an app built before with an LRS (tests) leaves no follower behind
  const endpoint = config.xapi ? statementsUrl(config.xapi.endpoint) : null;

  web.get('/admin/xapi', requirePermission('xapi.manage'), async (req, res) => {
    const status = await xapiStatus(req.actor ?? null, endpoint);
    res.render('xapi/status', { title: req.t('xapi.title'), status, notice: takeNotice(req) });
  });
  web.post('/admin/xapi/retry', requirePermission('xapi.manage'), async (req, res) => {
    const count = await retryFailedStatements(req.actor ?? null);
    await leaveNotice(req, { key: 'xapi.retried', count });
    res.redirect(303, '/admin/xapi');
  });

  const date = z.string().nullable();
  api.endpoint(
    {
      method: 'get',
      path: '/xapi/status',
      summary:
        'The xAPI outbox: whether a learning record store is configured, how many statements are queued, sent and failed, the oldest queued, and the last error; admins',
      tag: 'xAPI',
      access: 'user',
      permission: 'xapi.manage',
      response: z.object({
        configured: z.boolean(),
        endpoint: z.string().nullable().describe("the LRS's statements resource; null when none is configured"),
        queued: z.number().int().describe('waiting to be sent, including those waiting for the LRS to come back'),
        sent: z.number().int().describe('sent so far'),
        failed: z.number().int().describe('refused by the LRS; sent again by POST /admin/xapi/retry'),
        oldestQueuedAt: date,
        retryAt: date.describe('while the LRS is down: when it is tried again'),
        lastSentAt: date,
        lastError: z.string(),
        lastErrorAt: date,
      }),
    },
    async ({ actor }) => {
      const status = await xapiStatus(actor, endpoint);
      const iso = (value: Date | null) => value?.toISOString() ?? null;
      return {
        configured: status.configured,
        endpoint: status.endpoint,
        queued: status.queued,
        sent: status.sent,
        failed: status.failed,
        oldestQueuedAt: iso(status.oldestQueuedAt),
        retryAt: iso(status.retryAt),
        lastSentAt: iso(status.lastSentAt),
        lastError: status.lastError,
        lastErrorAt: iso(status.lastErrorAt),
      };
    },
  );
}
