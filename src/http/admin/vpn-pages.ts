import type { Request, Response, Router } from 'express';
import type { Outpost } from '../../app/outpost.ts';
import type { VpnRecord } from '../../storage/vpn-store.ts';
import { vpnAddonView } from '../vpn-view.ts';
import { adminActor } from './catalog-pages.ts';
import { requireCsrf } from './guard.ts';
import { userError } from './user-error.ts';
import { renderPage } from './views.ts';

/**
 * Mozilla VPN add-ons in the admin: the signed index (the trusted source URL a client build is
 * given, its serial and expiry, the key), every add-on with its conditions and the ones no client
 * will ever meet, and withdraw (asked twice; publishing the same file again brings it back).
 */
export function vpnPages(router: Router, outpost: Outpost): void {
  const { vpnRecords: records, vpn, vpnIndex } = outpost;
  const pagePath = (req: Request, id: string) => `${req.baseUrl}/vpn/${encodeURIComponent(id)}`;
  const notFound = (req: Request, res: Response, id: string) =>
    renderPage(req, res, 'error', { title: 'Not found', status: 404 }, { heading: 'No such VPN add-on', message: `Nothing is published as ${id}.` });

  router.get('/vpn', async (req, res) => {
    const now = new Date();
    const addons = records
      .list()
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((r) => vpnAddonView(r, now));
    const links = vpn.links('x');
    renderPage(req, res, 'vpn', { title: 'Mozilla VPN add-ons', nav: 'vpn' }, {
      addons,
      index: { base: links.index.slice(0, -'manifest.json'.length), url: links.index, signature: links.signature, served: await vpnIndex.served() },
      // Created on first use (4096 bits), as GET /api/v1/vpn/key does: a client can be built before the first add-on.
      key: await vpn.publicKey(),
    });
  });

  router.get('/vpn/:id', (req, res) => {
    const record = records.get(String(req.params.id));
    if (!record) return notFound(req, res, String(req.params.id));
    renderPage(req, res, 'vpn-addon', { title: record.name, nav: 'vpn' }, { addon: vpnAddonView(record, new Date()), links: vpn.links(record.id) });
  });

  const confirmPage = (req: Request, res: Response, record: VpnRecord) =>
    renderPage(req, res, 'withdraw', { title: `Withdraw ${record.id}`, nav: 'vpn' }, {
      addon: { id: record.id, name: record.name },
      version: '',
      kind: 'VPN add-on',
      consequence: 'The index is signed again at once without it, and its .rcc leaves the public folder; clients drop it at their next index fetch.',
      restoreHint: 'Publishing the same .rcc again brings it back.',
      action: `${pagePath(req, record.id)}/withdraw`,
      back: pagePath(req, record.id),
    });

  router.get('/vpn/:id/withdraw', (req, res) => {
    const record = records.get(String(req.params.id));
    if (!record) return notFound(req, res, String(req.params.id));
    if (record.withdrawnAt) {
      req.session!.flash = { kind: 'ok', text: `${record.id} is already withdrawn.` };
      return res.redirect(303, pagePath(req, record.id));
    }
    confirmPage(req, res, record);
  });

  router.post('/vpn/:id/withdraw', requireCsrf, async (req, res) => {
    const id = String(req.params.id);
    const record = records.get(id);
    if (!record) return notFound(req, res, id);
    if ((req.body as Record<string, unknown> | undefined)?.confirm !== 'yes') return confirmPage(req, res, record);
    try {
      await vpn.withdraw(id, adminActor(req));
      req.session!.flash = { kind: 'ok', text: `${id} was withdrawn: the index no longer lists it.` };
    } catch (err) {
      req.session!.flash = { kind: 'error', text: userError(err).message };
    }
    res.redirect(303, pagePath(req, id));
  });
}
