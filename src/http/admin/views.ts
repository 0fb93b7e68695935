import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { Request, Response } from 'express';

export const VIEWS_DIR = path.resolve(fileURLToPath(new URL('../../../views', import.meta.url)));

// autoEscape: `<%= %>` escapes; only `<%~ %>` (used for the layout body and fixed attributes) does not.
const eta = new Eta({ views: VIEWS_DIR, autoEscape: true, cache: true, autoTrim: false });

/** Friendly names for the application ids people see in the admin pages. */
const APP_NAMES: Record<string, string> = {
  '{ec8030f7-c20a-464f-9b0e-13a3a9e97384}': 'Firefox',
  '{aa3c5121-dab2-40e2-81ca-7ea25febc110}': 'Firefox for Android',
  '{3550f703-e582-4d05-9a08-453d09bdfdc6}': 'Thunderbird',
  '{92650c4d-4b8e-4d2a-b7eb-24ecf4f6b63a}': 'SeaMonkey',
  '{8de7fcbb-c55c-4fbe-bfc5-fc555c87dbc4}': 'Pale Moon',
  'toolkit@mozilla.org': 'Any toolkit application',
};

export function appName(id: string): string {
  return APP_NAMES[id] ? `${APP_NAMES[id]}` : id;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escaped text with a break opportunity after each `@ . / ? & =`: ids and URLs then wrap between
 * their parts on a phone instead of mid-word. Copying the text is unchanged (<wbr> adds nothing).
 */
export function breakable(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!).replace(/(@|\.|\/|\?|&amp;|=)/g, '$1<wbr>');
}

export interface PageOptions {
  title: string;
  nav?: string;
  status?: number;
}

/** Renders a page inside the layout with what every page needs (base path, user, CSRF token, flash). */
export function renderPage(req: Request, res: Response, view: string, page: PageOptions, data: Record<string, unknown> = {}): void {
  const session = req.session;
  const flash = session?.flash;
  if (session) delete session.flash;
  const html = eta.render(view, {
    ...data,
    title: page.title,
    nav: page.nav,
    base: req.baseUrl,
    user: session?.username,
    csrf: session?.csrf ?? '',
    flash,
    wbr: breakable,
  });
  res.status(page.status ?? 200).type('html').set('Cache-Control', 'no-store').send(html);
}

/**
 * A public page (no session, no admin navigation): inside views/public-layout.eta, with a CSP
 * that allows only this server's stylesheet and script, and a short shared cache life. `forms`:
 * the page has a form (the catalog's search, sent with GET) that may submit to this server.
 */
export function renderPublicPage(res: Response, view: string, title: string, data: Record<string, unknown> = {}, status = 200, options: { forms?: boolean; cacheControl?: string } = {}): void {
  const html = eta.render(view, { ...data, title, wbr: breakable });
  res
    .status(status)
    .type('html')
    .set('Cache-Control', options.cacheControl ?? 'public, max-age=60')
    .set('Content-Security-Policy', `default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; base-uri 'none'; form-action ${options.forms ? "'self'" : "'none'"}; frame-ancestors 'none'`)
    .set('X-Content-Type-Options', 'nosniff')
    .send(html);
}
