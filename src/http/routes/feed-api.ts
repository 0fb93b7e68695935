import { Router, type Request } from 'express';
import { FeedError, parseScope, scopeText, type FeedService, type IssuedFeed } from '../../app/feeds.ts';
import type { Actor } from '../../app/publish-errors.ts';
import type { FeedRecord } from '../../storage/feed-store.ts';

export interface FeedApiDeps {
  feeds: FeedService;
  publicUrl: string;
  actor: (req: Request) => Actor;
}

/** A feed as listings show it: never its secret (which no store holds). */
export function feedView(feed: FeedRecord) {
  return { id: feed.id, label: feed.label, scope: scopeText(feed.scope), createdAt: feed.createdAt, rotatedAt: feed.rotatedAt ?? null };
}

/** The answer to a creation or rotation: the only time the feed's URL is shown. */
function issued({ feed, token }: IssuedFeed, publicUrl: string) {
  return { ...feedView(feed), url: `${publicUrl}/feeds/${token}/` };
}

function single(value: unknown, name: string, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw new FeedError('FEED_INVALID', `Give ${name} once, as a query parameter.`);
  return value;
}

/**
 * /api/v1/feeds: list, create (`?scope=addon <id>&label=…`), rotate and revoke private feeds,
 * bodiless like the other API changes. A token manages the feeds of its key's add-ons.
 */
export function feedApiRoutes(deps: FeedApiDeps): Router {
  const router = Router();
  router.get('/feeds', (req, res) => {
    res.json({ feeds: deps.feeds.list(deps.actor(req)).map(feedView) });
  });
  router.post('/feeds', async (req, res) => {
    const scope = parseScope(single(req.query.scope, 'scope', true)!);
    const created = await deps.feeds.create(scope, single(req.query.label, 'label', false) ?? '', deps.actor(req));
    // The answer holds the secret: no cache on the way may keep it.
    res.status(201).setHeader('Cache-Control', 'no-store').json(issued(created, deps.publicUrl));
  });
  router.post('/feeds/:feed/rotate', async (req, res) => {
    const rotated = await deps.feeds.rotate(String(req.params.feed), deps.actor(req));
    res.setHeader('Cache-Control', 'no-store').json(issued(rotated, deps.publicUrl));
  });
  router.delete('/feeds/:feed', async (req, res) => {
    const actor = deps.actor(req);
    const feed = deps.feeds.get(String(req.params.feed), actor);
    await deps.feeds.revoke(feed.id, actor);
    res.json({ ...feedView(feed), revoked: true });
  });
  return router;
}
