import { Router, type Request } from 'express';
import type { Actor } from '../../app/publish-errors.ts';
import { parseVisibility } from '../visibility.ts';
import type { VpnPublishService } from '../../app/vpn-publish.ts';
import type { VpnChannel } from '../../app/outpost.ts';
import type { VpnRecord } from '../../storage/vpn-store.ts';
import { neverMetWarnings } from '../../vpn/vpn-conditions.ts';
import { VpnError } from '../../vpn/vpn-errors.ts';
import { ApiError } from '../api-error.ts';

export interface VpnApiDeps {
  /** Every index, production first (app/outpost.ts VpnChannel). */
  channels: readonly Pick<VpnChannel, 'name' | 'records' | 'service' | 'visibility'>[];
  actor: (req: Request) => Actor;
  now?: () => Date;
}

/** One add-on as the API answers it; warnings are computed again, as ENDED depends on the date. */
function vpnDetails(record: VpnRecord, service: VpnPublishService, now: Date) {
  const { rcc, index, signature } = service.links(record.id);
  return {
    id: record.id,
    channel: service.channel,
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
 * (idempotent, like the other kinds), the index public key a VPN client build embeds, and the
 * channel's visibility (private: served only through feeds).
 * `/vpn/key` is matched before `/vpn/:id`: an add-on named "key" is still in the listing.
 */
export function vpnApiRoutes(deps: VpnApiDeps): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  /** `?channel=<name>` picks the index; production when absent. */
  const channelOf = (req: Request) => {
    const asked = req.query.channel;
    if (asked === undefined) return deps.channels[0]!;
    const found = typeof asked === 'string' ? deps.channels.find((c) => c.name === asked) : undefined;
    if (!found) throw new VpnError('VPN_CHANNEL_UNKNOWN', `No VPN channel ${JSON.stringify(String(asked).slice(0, 64))}; this server has ${deps.channels.map((c) => c.name).join(', ')}.`);
    return found;
  };
  /** In a private channel a token sees its own key's add-ons only: others' are unknown ids to it. */
  const visible = (req: Request, channel: Pick<VpnChannel, 'visibility'>, record: { publisherKey: string }) => {
    const actor = deps.actor(req);
    return !channel.visibility.isPrivate() || actor.admin === true || record.publisherKey === actor.keyName;
  };
  const known = (req: Request) => {
    const channel = channelOf(req);
    const found = channel.records.get(String(req.params.id));
    const record = found && visible(req, channel, found) ? found : undefined;
    if (!record) throw new ApiError('NOT_FOUND', `No VPN add-on ${String(req.params.id)} in the ${channel.name} channel.`);
    return { channel, record };
  };

  router.get('/vpn', (req, res) => {
    const at = now();
    const channel = channelOf(req);
    const { name, records, service, visibility } = channel;
    const list = records.list().filter((r) => visible(req, channel, r)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    res.json({ channel: name, private: visibility.isPrivate(), channels: deps.channels.map((c) => c.name), addons: list.map((r) => vpnDetails(r, service, at)) });
  });

  // The channel private (its index served only through feeds) or public again; idempotent.
  router.post('/vpn/visibility/:visibility', async (req, res) => {
    const wanted = parseVisibility(req.params.visibility);
    const channel = channelOf(req);
    const changed = await channel.visibility.set(wanted, deps.actor(req));
    res.json({ channel: channel.name, private: channel.visibility.isPrivate(), changed });
  });

  // Creates the index key on first use, so a client can be built before the first add-on.
  router.get('/vpn/key', async (req, res) => {
    res.json(await channelOf(req).service.publicKey());
  });

  router.get('/vpn/:id', (req, res) => {
    const { channel, record } = known(req);
    res.json(vpnDetails(record, channel.service, now()));
  });

  router.delete('/vpn/:id', async (req, res) => {
    const { channel, record } = known(req);
    const updated = await channel.service.withdraw(record.id, deps.actor(req));
    res.json(vpnDetails(updated, channel.service, now()));
  });

  return router;
}
