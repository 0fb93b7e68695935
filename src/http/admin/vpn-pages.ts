import type { Request, Response, Router } from 'express';
import type { Outpost, VpnChannel } from '../../app/outpost.ts';
import { INDEX_FILE, SIGNATURE_FILE } from '../../app/vpn-index-writer.ts';
import { parseVisibility } from '../visibility.ts';
import type { VpnRecord } from '../../storage/vpn-store.ts';
import { vpnAddonView } from '../vpn-view.ts';
import { adminActor } from './catalog-pages.ts';
import { requireCsrf } from './guard.ts';
import { userError } from './user-error.ts';
import { renderPage } from './views.ts';

/**
 * Mozilla VPN add-ons in the admin: the signed index (the trusted source URL a client build is
 * given, its serial and expiry, the key), every add-on with its conditions and the ones no client
 * will ever meet, withdraw (asked twice; publishing the same file again brings it back), and each
 * channel's visibility (private: served only through feeds).
 */
export function vpnPages(router: Router, outpost: Outpost): void {
  const channels = outpost.vpnChannels;
  /** `?channel=` names the index; production when absent (an unknown one is a 404 below). */
  const channelOf = (req: Request): VpnChannel | undefined => (req.query.channel === undefined ? channels[0] : channels.find((c) => c.name === req.query.channel));
  const suffix = (channel: VpnChannel) => (channel === channels[0] ? '' : `?channel=${encodeURIComponent(channel.name)}`);
  const pagePath = (req: Request, id: string, channel: VpnChannel, action = '') => `${req.baseUrl}/vpn/${encodeURIComponent(id)}${action}${suffix(channel)}`;
  const notFound = (req: Request, res: Response, id: string) =>
    renderPage(req, res, 'error', { title: 'Not found', status: 404 }, { heading: 'No such VPN add-on', message: `Nothing is published as ${id} in that channel.` });
  /** The channel and record a request names, or undefined after answering 404. */
  const found = (req: Request, res: Response): { channel: VpnChannel; record: VpnRecord } | undefined => {
    const channel = channelOf(req);
    const record = channel?.records.get(String(req.params.id));
    if (channel && record) return { channel, record };
    notFound(req, res, String(req.params.id));
    return undefined;
  };

  router.get('/vpn', async (req, res) => {
    const now = new Date();
    const indexes = [];
    for (const channel of channels) {
      const base = channel.service.indexBase();
      indexes.push({
        name: channel.name,
        private: channel.visibility.isPrivate(),
        suffix: suffix(channel),
        addons: channel.records.list().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => vpnAddonView(r, now)),
        base,
        url: `${base}${INDEX_FILE}`,
        signature: `${base}${SIGNATURE_FILE}`,
        served: await channel.index.served(),
        // Created on first use (4096 bits), as GET /api/v1/vpn/key does: a client can be built before the first add-on.
        key: await channel.service.publicKey(),
      });
    }
    renderPage(req, res, 'vpn', { title: 'Mozilla VPN add-ons', nav: 'vpn' }, { indexes, several: channels.length > 1 });
  });

  router.get('/vpn/:id', (req, res) => {
    const hit = found(req, res);
    if (!hit) return;
    const { channel, record } = hit;
    renderPage(req, res, 'vpn-addon', { title: record.name, nav: 'vpn' }, {
      addon: vpnAddonView(record, new Date()),
      links: channel.service.links(record.id),
      channel: channels.length > 1 ? channel.name : undefined,
      withdrawPath: pagePath(req, record.id, channel, '/withdraw'),
    });
  });

  const confirmPage = (req: Request, res: Response, record: VpnRecord, channel: VpnChannel) =>
    renderPage(req, res, 'withdraw', { title: `Withdraw ${record.id}`, nav: 'vpn' }, {
      addon: { id: record.id, name: record.name },
      version: '',
      kind: 'VPN add-on',
      consequence: 'The index is signed again at once without it, and its .rcc leaves the public folder; clients drop it at their next index fetch.',
      restoreHint: 'Publishing the same .rcc again brings it back.',
      action: pagePath(req, record.id, channel, '/withdraw'),
      back: pagePath(req, record.id, channel),
    });

  router.get('/vpn/:id/withdraw', (req, res) => {
    const hit = found(req, res);
    if (!hit) return;
    const { channel, record } = hit;
    if (record.withdrawnAt) {
      req.session!.flash = { kind: 'ok', text: `${record.id} is already withdrawn.` };
      return res.redirect(303, pagePath(req, record.id, channel));
    }
    confirmPage(req, res, record, channel);
  });

  router.post('/vpn/:id/withdraw', requireCsrf, async (req, res) => {
    const hit = found(req, res);
    if (!hit) return;
    const { channel, record } = hit;
    if ((req.body as Record<string, unknown> | undefined)?.confirm !== 'yes') return confirmPage(req, res, record, channel);
    try {
      await channel.service.withdraw(record.id, adminActor(req));
      req.session!.flash = { kind: 'ok', text: `${record.id} was withdrawn: the ${channel.name} index no longer lists it.` };
    } catch (err) {
      req.session!.flash = { kind: 'error', text: userError(err).message };
    }
    res.redirect(303, pagePath(req, record.id, channel));
  });

  // A private channel's index leaves public/ and is served only through its feeds (vpn-visibility.ts).
  router.post('/vpn-channels/:channel/visibility', requireCsrf, async (req, res) => {
    const channel = channels.find((c) => c.name === req.params.channel);
    if (!channel) return renderPage(req, res, 'error', { title: 'Not found', status: 404 }, { heading: 'No such VPN channel', message: 'This server has no such index.' });
    try {
      const visibility = parseVisibility((req.body as Record<string, unknown> | undefined)?.visibility);
      await channel.visibility.set(visibility, adminActor(req));
      req.session!.flash = {
        kind: 'ok',
        text: visibility === 'private' ? `The ${channel.name} index is private: its public URLs answer 404; give clients a feed (Feeds).` : `The ${channel.name} index is public again.`,
      };
    } catch (err) {
      req.session!.flash = { kind: 'error', text: userError(err).message };
    }
    res.redirect(303, `${req.baseUrl}/vpn`);
  });
}
