import type { Request, Response, Router } from 'express';
import multer from 'multer';
import type { Outpost } from '../../app/outpost.ts';
import { requireCsrf } from './guard.ts';
import { userError } from './user-error.ts';
import { renderPage } from './views.ts';

/** Key files are small; they are read in memory and never written anywhere unencrypted. */
const keyFileUpload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 1024 * 1024, files: 1, fields: 6, parts: 7 } }).single('keyfile');

export function keyPages(router: Router, outpost: Outpost): void {
  const { keys, tokens, audit } = outpost;
  const actor = (req: Request) => `admin:${req.session!.username}`;

  const keysPage = async (req: Request, res: Response, status = 200, warnings: string[] = []) =>
    renderPage(req, res, 'keys', { title: 'Keys', nav: 'keys', status }, { keys: await keys.list(), warnings });

  const fail = async (req: Request, res: Response, err: unknown) => {
    const error = userError(err);
    req.session!.flash = { kind: 'error', text: error.message };
    await keysPage(req, res, error.status);
  };

  router.get('/keys', (req, res) => keysPage(req, res));

  router.post('/keys', requireCsrf, async (req, res) => {
    const name = String(req.body?.name ?? '');
    try {
      const info = await keys.create(name, Number(req.body?.bits ?? 2048));
      await audit.record({ actor: actor(req), action: 'key-create', target: info.name, ip: req.ip, details: { bits: info.bits } });
      req.session!.flash = { kind: 'ok', text: `Created key ${info.name}.` };
      res.redirect(303, `${req.baseUrl}/keys`);
    } catch (err) {
      await fail(req, res, err);
    }
  });

  router.post('/keys/import', requireCsrf, keyFileUpload, async (req, res) => {
    const name = String(req.body?.name ?? '');
    try {
      if (!req.file) {
        req.session!.flash = { kind: 'error', text: 'Choose the key file to import.' };
        return void (await keysPage(req, res, 400));
      }
      const password = typeof req.body?.password === 'string' && req.body.password !== '' ? req.body.password : undefined;
      const { info, warnings } = await keys.import(name, req.file.buffer, password);
      await audit.record({ actor: actor(req), action: 'key-import', target: info.name, ip: req.ip, details: { bits: info.bits, source: info.source } });
      req.session!.flash = { kind: 'ok', text: `Imported key ${info.name} (${info.bits}-bit). ${warnings.join(' ')}`.trim() };
      res.redirect(303, `${req.baseUrl}/keys`);
    } catch (err) {
      await fail(req, res, err);
    }
  });

  const tokensPage = async (req: Request, res: Response, newToken?: { token: string; keyName: string }) => {
    renderPage(req, res, 'tokens', { title: 'Tokens', nav: 'tokens', status: newToken ? 201 : 200 }, { tokens: (await tokens.list()).reverse(), keys: await keys.list(), newToken });
  };

  router.get('/tokens', (req, res) => tokensPage(req, res));

  router.post('/tokens', requireCsrf, async (req, res) => {
    const keyName = String(req.body?.key ?? '');
    await keys.info(keyName);
    const { token, record } = await tokens.create(keyName, String(req.body?.label ?? '').slice(0, 80));
    await audit.record({ actor: actor(req), action: 'token-create', target: record.id, ip: req.ip, details: { key: keyName, label: record.label } });
    // Shown once, in this answer itself (no-store): kept for a page after a redirect, it would have
    // to be stored where any instance could read it, and a plain token is never stored.
    await tokensPage(req, res, { token, keyName });
  });

  router.post('/tokens/:id/revoke', requireCsrf, async (req, res) => {
    const record = await tokens.revoke(String(req.params.id));
    await audit.record({ actor: actor(req), action: 'token-revoke', target: record.id, ip: req.ip, details: { key: record.keyName } });
    req.session!.flash = { kind: 'ok', text: `Token ${record.id} was revoked; the API refuses it from now on.` };
    res.redirect(303, `${req.baseUrl}/tokens`);
  });
}
