import { apiRequest } from '../api-client.ts';
import type { CliContext, Command, OptionValues } from '../command.ts';
import { optionString } from '../files.ts';
import { REMOTE_HELP, REMOTE_OPTIONS, remoteTarget, warnIfPlainHttp } from '../remote.ts';
import { clean, describeAnswer, isRecord, refusalReason } from '../server-answer.ts';

type Method = 'GET' | 'POST' | 'DELETE';

/** One API call; the answer's body when it succeeded and looks right, else the reason on stderr. */
async function call(name: string, values: OptionValues, ctx: CliContext, method: Method, path: string, looksRight: (body: Record<string, unknown>) => boolean): Promise<Record<string, unknown> | undefined> {
  const { server, token } = remoteTarget(values, ctx);
  warnIfPlainHttp(server, ctx);
  const answer = await apiRequest({ server, token, method, path });
  if (answer.status < 200 || answer.status > 299) {
    ctx.stderr(`outpost ${name}: ${refusalReason(answer, answer.endpoint, server, 'request')} (HTTP ${answer.status})\n`);
    return undefined;
  }
  if (!isRecord(answer.body) || !looksRight(answer.body)) {
    ctx.stderr(`outpost ${name}: ${answer.endpoint.href} answered ${describeAnswer(answer)}; is --server an Outpost server's base address? (HTTP ${answer.status})\n`);
    return undefined;
  }
  return answer.body;
}

const isFeed = (b: Record<string, unknown>) => typeof b.id === 'string' && typeof b.scope === 'string';
const line = (f: Record<string, unknown>) =>
  `${clean(String(f.id))}  ${clean(String(f.scope))}  label=${JSON.stringify(clean(String(f.label ?? '')))}  created ${clean(String(f.createdAt))}  rotated ${f.rotatedAt ? clean(String(f.rotatedAt)) : 'never'}`;

/** A new or rotated feed: its URL alone on the last line (scripts take it with tail -n 1), shown only now. */
function printIssued(ctx: CliContext, verb: string, body: Record<string, unknown>): number {
  ctx.stdout(`${verb} feed ${clean(String(body.id))} (${clean(String(body.scope))}). Its URL is shown only now:\n${clean(String(body.url))}\n`);
  return 0;
}

const FEED_HELP = `A feed is a secret URL, <server>/feeds/<secret>/, serving one add-on (also a private one) under the public layout: updates/<id>/update.rdf, updates/<id>/update.json, files/<id>/<file>; or one Chromium extension: updates/<id>/updates.xml, chromium/updates.xml?x=…, files/<id>/<file>; or one Jami plugin: the store API under jami/ (point the Jami client's store URL there); or one Mozilla VPN channel's signed index: <prefix>/manifest.json, manifest.json.sig, <id>.rcc (the VPN client's trusted source is the feed URL followed by the channel's prefix, e.g. /vpn/). Only the secret's hash is stored: the URL is printed once, at creation and rotation. A token manages the feeds of its key's add-ons, and of a VPN channel whose add-ons are all of its key; feeds of collections are made in the admin.`;

/** The scope a command names: an add-on id, --chromium <id>, --jami <id> or --vpn <channel>; exactly one. */
function scopeOf(name: string, values: OptionValues, positionals: string[], ctx: CliContext): string | undefined {
  const named = (['chromium', 'jami', 'vpn'] as const).flatMap((kind) => {
    const value = optionString(values, kind);
    return value === undefined ? [] : [`${kind} ${value}`];
  });
  if (named.length + positionals.length !== 1) {
    ctx.stderr(`outpost ${name}: give one of an add-on id, --chromium <id>, --jami <id> or --vpn <channel>\n`);
    return undefined;
  }
  return named[0] ?? `addon ${positionals[0]!}`;
}

export const feedListCommand: Command = {
  path: ['feed', 'list'],
  usage: 'feed list --server URL [--token T]',
  summary: "List the private feeds of your key's add-ons (never their URLs).",
  help: `Calls GET <server>/api/v1/feeds. ${FEED_HELP}\n\nOptions:\n${REMOTE_HELP}`,
  options: REMOTE_OPTIONS,
  positionals: [0, 0],
  async run({ values }, ctx) {
    const body = await call('feed list', values, ctx, 'GET', 'api/v1/feeds', (b) => Array.isArray(b.feeds) && b.feeds.every((f) => isRecord(f) && isFeed(f)));
    if (!body) return 1;
    const feeds = body.feeds as Record<string, unknown>[];
    if (feeds.length === 0) ctx.stderr('No feeds. Create one with `outpost feed create <add-on id>`.\n');
    for (const f of feeds) ctx.stdout(`${line(f)}\n`);
    return 0;
  },
};

export const feedCreateCommand: Command = {
  path: ['feed', 'create'],
  usage: 'feed create [--chromium|--jami|--vpn] <id> [--label L]',
  summary: 'Create a private feed for an add-on, a Chromium extension, a Jami plugin or a VPN channel; prints its URL once.',
  help: `Calls POST <server>/api/v1/feeds?scope=addon <id>&label=… (or scope=chromium <id>, scope=jami <id>, scope=vpn <channel>). ${FEED_HELP}

  URL=$(outpost feed create myaddon@example.org --label laptops | tail -n 1)
  URL=$(outpost feed create --vpn production --label beta-testers | tail -n 1)

Options:
  --chromium         a Chromium extension (its id) instead of an add-on
  --jami             a Jami plugin (its id) instead of an add-on
  --vpn              a Mozilla VPN channel (production, or one of OUTPOST_VPN_CHANNELS) instead of an add-on
  --label            who the feed is for (shown in lists and the audit log)
${REMOTE_HELP}`,
  options: { ...REMOTE_OPTIONS, label: { type: 'string' }, chromium: { type: 'string' }, jami: { type: 'string' }, vpn: { type: 'string' } },
  positionals: [0, 1],
  async run({ values, positionals }, ctx) {
    const scope = scopeOf('feed create', values, positionals, ctx);
    if (scope === undefined) return 2;
    const query = `scope=${encodeURIComponent(scope)}&label=${encodeURIComponent(optionString(values, 'label') ?? '')}`;
    const body = await call('feed create', values, ctx, 'POST', `api/v1/feeds?${query}`, (b) => isFeed(b) && typeof b.url === 'string');
    return body ? printIssued(ctx, 'Created', body) : 1;
  },
};

export const feedRotateCommand: Command = {
  path: ['feed', 'rotate'],
  usage: 'feed rotate <feed id> --server URL [--token T]',
  summary: 'Give a feed a new URL; the old one stops working at once.',
  help: `Calls POST <server>/api/v1/feeds/<feed id>/rotate (the id from \`outpost feed list\`). ${FEED_HELP}\n\nOptions:\n${REMOTE_HELP}`,
  options: REMOTE_OPTIONS,
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const body = await call('feed rotate', values, ctx, 'POST', `api/v1/feeds/${encodeURIComponent(positionals[0]!)}/rotate`, (b) => isFeed(b) && typeof b.url === 'string');
    return body ? printIssued(ctx, 'Rotated', body) : 1;
  },
};

export const feedRevokeCommand: Command = {
  path: ['feed', 'revoke'],
  usage: 'feed revoke <feed id> --server URL [--token T]',
  summary: 'Revoke a feed: its URL answers 404 from now on.',
  help: `Calls DELETE <server>/api/v1/feeds/<feed id>. Recorded in the audit log.\n\nOptions:\n${REMOTE_HELP}`,
  options: REMOTE_OPTIONS,
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const body = await call('feed revoke', values, ctx, 'DELETE', `api/v1/feeds/${encodeURIComponent(positionals[0]!)}`, isFeed);
    if (!body) return 1;
    ctx.stdout(`Revoked feed ${clean(String(body.id))} (${clean(String(body.scope))}).\n`);
    return 0;
  },
};

export const visibilityCommand: Command = {
  path: ['visibility'],
  usage: 'visibility [--chromium|--jami|--vpn] <id> private|public',
  summary: 'Make an add-on, a Chromium extension, a Jami plugin or a VPN channel private (served only through feeds) or public again.',
  help: `Calls POST <server>/api/v1/addons/<id>/visibility/<private|public>. Private: every public URL of the add-on answers 404 as for an unknown id, its packages leave the public tree, the catalog and public collections leave it out; its feeds (\`outpost feed create\`) still serve it. Public: packages back, documents rendered again. Asking for what is already so changes nothing.

With --vpn <channel>, calls POST <server>/api/v1/vpn/visibility/<private|public> with ?channel=<channel>: the channel's signed index and .rcc files leave the public tree (its public prefix answers 404) and only its feeds (\`outpost feed create --vpn <channel>\`) serve them. A token may do it when every add-on of the channel is of its key.

With --chromium <id>, calls POST <server>/api/v1/chromium/<id>/visibility/<private|public>: the extension's .crx files and static updates.xml leave the public tree, the shared /chromium/updates.xml answers as for an unknown id, and only its feeds (\`outpost feed create --chromium <id>\`) serve it.

With --jami <id>, calls POST <server>/api/v1/jami/<id>/visibility/<private|public>: the plugin's files leave the public tree, and the public store API, catalog and collections treat it as unknown; its feeds (\`outpost feed create --jami <id>\`) serve it.

Options:
  --chromium         a Chromium extension instead of an add-on
  --jami             a Jami plugin instead of an add-on
  --vpn              a Mozilla VPN channel instead of an add-on
${REMOTE_HELP}`,
  options: { ...REMOTE_OPTIONS, chromium: { type: 'string' }, jami: { type: 'string' }, vpn: { type: 'string' } },
  positionals: [1, 2],
  async run({ values, positionals }, ctx) {
    const channel = optionString(values, 'vpn');
    const kinds = (['chromium', 'jami'] as const).filter((k) => optionString(values, k) !== undefined);
    const named = Number(channel !== undefined) + kinds.length;
    if (named > 1 || (named === 0) !== (positionals.length === 2)) {
      ctx.stderr('outpost visibility: give <id> private|public, --chromium <id>, --jami <id> or --vpn <channel>, then private|public\n');
      return 2;
    }
    if (channel !== undefined) return channelVisibility(channel, positionals[0]!, values, ctx);
    const kind = kinds[0] ?? 'addons';
    const [id, visibility] = kinds[0] === undefined ? (positionals as [string, string]) : [optionString(values, kinds[0])!, positionals[0]!];
    const body = await call('visibility', values, ctx, 'POST', `api/v1/${kind}/${encodeURIComponent(id)}/visibility/${encodeURIComponent(visibility)}`, (b) => typeof b.id === 'string' && typeof b.private === 'boolean');
    if (!body) return 1;
    ctx.stdout(body.private ? `${clean(String(body.id))} is private: only its feeds serve it.\n` : `${clean(String(body.id))} is public.\n`);
    return 0;
  },
};

async function channelVisibility(channel: string, visibility: string, values: OptionValues, ctx: CliContext): Promise<number> {
  const path = `api/v1/vpn/visibility/${encodeURIComponent(visibility)}?channel=${encodeURIComponent(channel)}`;
  const body = await call('visibility', values, ctx, 'POST', path, (b) => typeof b.channel === 'string' && typeof b.private === 'boolean');
  if (!body) return 1;
  const name = clean(String(body.channel));
  ctx.stdout(body.private ? `The ${name} VPN channel is private: only its feeds serve it.\n` : `The ${name} VPN channel is public.\n`);
  return 0;
}
