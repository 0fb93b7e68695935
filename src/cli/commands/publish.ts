import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { CliError, type CliContext, type Command } from '../command.ts';
import { optionString, resolvePath } from '../files.ts';
import { parseServerUrl, publishEndpoint, UploadError, uploadPackage, type UploadResponse } from '../upload-client.ts';

export const publishCommand: Command = {
  path: ['publish'],
  usage: 'publish <file> --server URL [--token T] [--update-info-url URL]',
  summary: 'Upload a package to an Outpost server, which stores it and updates its manifest.',
  help: `The file is streamed to POST <server>/api/v1/packages; a progress line is drawn when the output is
a terminal. Publishing the same bytes again is harmless: the server keeps the existing version.

Options:
  --server, -s        the server's base address, path prefix included (https://example.org/outpost/);
                      default: $OUTPOST_SERVER
  --token             publishing token; default: $OUTPOST_TOKEN. Prefer the variable: command-line
                      arguments are visible to other users in \`ps\`
  --update-info-url   page shown as the release notes of this version (http:// or https://)

Example:
  export OUTPOST_SERVER=https://example.org/outpost/ OUTPOST_TOKEN=...
  outpost publish my-addon-1.2.xpi --update-info-url https://example.org/my-addon/1.2.html`,
  options: {
    server: { type: 'string', short: 's' },
    token: { type: 'string' },
    'update-info-url': { type: 'string' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const server = serverUrl(optionString(values, 'server') ?? ctx.env.OUTPOST_SERVER);
    const token = (optionString(values, 'token') ?? ctx.env.OUTPOST_TOKEN ?? '').trim();
    if (!token) throw new CliError('CLI_USAGE', 'no token: set OUTPOST_TOKEN (or pass --token)');
    // A header cannot carry spaces or control characters; Node would throw a cryptic error.
    if (!/^[\x21-\x7e]+$/.test(token)) throw new CliError('CLI_USAGE', 'the token contains spaces or characters a token cannot have');
    const fields: Record<string, string> = {};
    const updateInfoURL = optionString(values, 'update-info-url');
    if (updateInfoURL !== undefined) {
      if (!isHttpUrl(updateInfoURL)) throw new CliError('CLI_USAGE', '--update-info-url must be an http:// or https:// address');
      fields.updateInfoURL = updateInfoURL;
    }
    const file = positionals[0]!;
    const full = resolvePath(ctx, file);
    await checkInputFile(file, full);
    if (server.protocol === 'http:' && !isLoopback(server.hostname)) {
      ctx.stderr(`warning: sending the token to ${server.host} over plain HTTP; anyone on the way can read it\n`);
    }

    const progress = ctx.isTTY ? progressLine(ctx) : undefined;
    let answer: UploadResponse;
    try {
      answer = await uploadPackage({ server, token, file: full, fields, onProgress: progress?.update });
    } finally {
      progress?.finish();
    }
    return report(answer, publishEndpoint(server), ctx);
  },
};

function serverUrl(text: string | undefined): URL {
  if (!text) throw new CliError('CLI_USAGE', 'no server: pass --server URL (or set OUTPOST_SERVER)');
  try {
    return parseServerUrl(text);
  } catch (err) {
    if (err instanceof UploadError) throw new CliError('CLI_USAGE', err.message, { cause: err });
    throw err;
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** The same wording as readInputFile, without reading the file (packages can be hundreds of MB). */
async function checkInputFile(file: string, full: string): Promise<void> {
  try {
    const info = await stat(full);
    if (info.isDirectory()) throw new CliError('CLI_FILE_UNREADABLE', `${file} is a directory.`);
    if (!info.isFile()) throw new CliError('CLI_FILE_UNREADABLE', `${file} is not a regular file.`);
    await access(full, constants.R_OK);
  } catch (err) {
    if (err instanceof CliError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError('CLI_FILE_NOT_FOUND', `${file}: no such file.`);
    throw new CliError('CLI_FILE_UNREADABLE', `${file}: cannot read (${code ?? 'unknown error'}).`);
  }
}

interface Published {
  id: string;
  version: string;
  type: string;
  sha256: string;
  size: number;
  download: string;
  manifest?: string;
  warnings: string[];
}

function report(answer: UploadResponse, endpoint: URL, ctx: CliContext): number {
  const { status } = answer;
  const fail = (reason: string): number => {
    ctx.stderr(`outpost publish: ${reason} (HTTP ${status})\n`);
    return 1;
  };
  if (status < 200 || status > 299) return fail(errorReason(answer, endpoint));
  const result = asPublished(answer.body);
  if (!result) return fail(`the server's answer is not a publish result; is ${endpoint.origin} an Outpost server?`);
  // The server hashes what it stored; a mismatch means the bytes were altered on the way.
  if (answer.sha256 && result.sha256.toLowerCase() !== answer.sha256) {
    return fail(`the server stored bytes with sha256 ${result.sha256}, but the file sent has sha256 ${answer.sha256}; publish again`);
  }
  ctx.stdout(`Published ${result.id} ${result.version} (${result.type}, ${result.size} bytes, sha256 ${result.sha256})\n`);
  ctx.stdout(`Download: ${result.download}\n`);
  if (result.manifest) ctx.stdout(`Manifest: ${result.manifest}\n`);
  if (status === 200) ctx.stderr('note: the server already had these exact bytes; nothing changed\n');
  for (const w of result.warnings) ctx.stderr(`warning: ${w}\n`);
  return 0;
}

function asPublished(body: unknown): Published | undefined {
  if (!isRecord(body) || !isRecord(body.links)) return undefined;
  const { id, version, type, sha256, size } = body;
  const { download, updateRdf } = body.links;
  if (typeof id !== 'string' || typeof version !== 'string' || typeof type !== 'string') return undefined;
  if (typeof sha256 !== 'string' || typeof size !== 'number' || typeof download !== 'string') return undefined;
  const warnings = Array.isArray(body.warnings) ? body.warnings.map(warningText) : [];
  return {
    id: clean(id),
    version: clean(version),
    type: clean(type),
    sha256: clean(sha256),
    size,
    download: clean(download),
    manifest: typeof updateRdf === 'string' ? clean(updateRdf) : undefined,
    warnings,
  };
}

function warningText(w: unknown): string {
  if (typeof w === 'string') return clean(w);
  if (isRecord(w) && typeof w.message === 'string') return clean(typeof w.code === 'string' ? `${w.message} [${w.code}]` : w.message);
  return clean(JSON.stringify(w));
}

/** Why the upload was refused: the server's own words when it sent JSON, else a reason from the status. */
function errorReason(answer: UploadResponse, endpoint: URL): string {
  const { status, body } = answer;
  if (isRecord(body) && isRecord(body.error) && typeof body.error.message === 'string') {
    const code = typeof body.error.code === 'string' ? ` [${clean(body.error.code)}]` : '';
    return `${clean(body.error.message)}${code}`;
  }
  const location = answer.headers.location;
  if (status >= 300 && status < 400 && location) {
    const target = new URL(location, endpoint).href.replace(/api\/v1\/packages\/?$/, '');
    return `the server redirected to ${clean(target)}; use that address as --server`;
  }
  switch (status) {
    case 401:
      return 'the server did not accept the token (check OUTPOST_TOKEN)';
    case 403:
      return 'the server refused to let this token publish';
    case 404:
    case 405:
      return `there is no publishing API at ${endpoint.href} (check --server and its path prefix)`;
    case 413:
      return 'the server refused the upload as too large (a proxy in front of Outpost may have its own limit)';
    case 502:
    case 503:
    case 504:
      return 'the server is not available right now (a proxy answered for it)';
  }
  const hint = shortText(answer.rawBody);
  return status >= 500 ? `the server failed${hint ? `: ${hint}` : ''}` : `the server refused the upload${hint ? `: ${hint}` : ''}`;
}

/** An HTML page's <title>, or the first line of a text answer. */
function shortText(raw: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(raw)?.[1];
  const text = title ?? (/<[a-z!]/i.test(raw) ? '' : (raw.split('\n').find((l) => l.trim()) ?? ''));
  return clean(text).trim().slice(0, 120);
}

/** Server text goes to a terminal: no control characters (escape sequences), bounded length. */
function clean(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ').slice(0, 1000);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One self-overwriting stderr line: percent, bytes, rate; redrawn at most ten times a second. */
function progressLine(ctx: CliContext): { update: (sent: number, total: number) => void; finish: () => void } {
  const start = performance.now();
  let lastDraw = -Infinity;
  let width = 0;
  return {
    update(sent, total) {
      const now = performance.now();
      if (sent < total && now - lastDraw < 100) return;
      lastDraw = now;
      const percent = total > 0 ? Math.floor((sent * 100) / total) : 100;
      const seconds = (now - start) / 1000;
      const rate = seconds > 0 ? sent / seconds : 0;
      const text = `Uploading ${String(percent).padStart(3)}%  ${bytes(sent)} / ${bytes(total)}  ${bytes(rate)}/s`;
      ctx.stderr(`\r${text.padEnd(width)}`);
      width = text.length;
    },
    finish() {
      if (width > 0) ctx.stderr('\n');
    },
  };
}

function bytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(1)} ${units[i]}`;
}
