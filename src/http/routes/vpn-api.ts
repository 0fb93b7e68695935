import { Router, type Request } from 'express';
import type { Actor } from '../../app/publish-errors.ts';
import type { VpnPublishService } from '../../app/vpn-publish.ts';
import type { VpnRecord, VpnStore } from '../../storage/vpn-store.ts';
import { neverMetWarnings } from '../../vpn/vpn-conditions.ts';
import { ApiError } from '../api-error.ts';

export interface VpnApiDeps {
  records: VpnStore;
  service: VpnPublishService;
  actor: (req: Request) => Actor;
  now?: () => Date;
}

/** One add-on as the API answers it; warnings are computed again, as ENDED depends on the date. */
function vpnDetails(record: VpnRecord, service: VpnPublishService, now: Date) {
  const { rcc, index, signature } = service.links(record.id);
  return {
    id: record.id,
    name: record.name,
    type: record.type,
    sha256: record.sha256,
    size: record.size,
    conditions: record.conditions,
    warnings: neverMetWarnings(record.conditions, { now }),
    publisherKey: record.publisherKey,
    createdAt: record.createdAt,
    publishedAt: record.publishedAt,
    updatedAt: record.updatedAt,
    withdrawnAt: record.withdrawnAt ?? null,
    history: record.history,
    links: { rcc: record.withdrawnAt ? null : rcc, index, signature },
  };
}

/**
 * Mozilla VPN add-ons under /api/v1/vpn (behind the API's token check): list, details, withdraw
 * (idempotent, like the other kinds), and the index public key a VPN client build embeds.
 * `/vpn/key` is matched before `/vpn/:id`: an add-on named "key" is still in the listing.
 */
export function vpnApiRoutes(deps: VpnApiDeps): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const known = (req: Request): VpnRecord => {
    const record = deps.records.get(String(req.params.id));
    if (!record) throw new ApiError('NOT_FOUND', `No VPN add-on ${String(req.params.id)}.`);
    return record;
  };

  router.get('/vpn', (_req, res) => {
    const at = now();
    const list = deps.records.list().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    res.json({ addons: list.map((r) => vpnDetails(r, deps.service, at)) });
  });

  // Creates the index key on first use, so a client can be built before the first add-on.
  router.get('/vpn/key', async (_req, res) => {
    res.json(await deps.service.publicKey());
  });

  router.get('/vpn/:id', (req, res) => {
    res.json(vpnDetails(known(req), deps.service, now()));
  });

  router.delete('/vpn/:id', async (req, res) => {
    const updated = await deps.service.withdraw(known(req).id, deps.actor(req));
    res.json(vpnDetails(updated, deps.service, now()));
  });

  return router;
}
