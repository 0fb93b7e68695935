import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { optionList } from '../args.ts';
import { CliError, type CliContext, type Command, type OptionValues } from '../command.ts';
import { optionString, readInputFile, resolvePath } from '../files.ts';
import { REMOTE_HELP, REMOTE_OPTIONS, remoteTarget, warnIfPlainHttp } from '../remote.ts';
import { clean, describeAnswer, isRecord, refusalReason } from '../server-answer.ts';
import { publishEndpoint, uploadPackage, type UploadResponse } from '../upload-client.ts';
import { progressLine } from '../progress.ts';

/** The server's rule for release-note locales (src/app/release-notes.ts): de, pt-BR, … */
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
/** The server's limit for all notes together; one file larger than that can be refused here. */
const MAX_NOTES_BYTES = 64 * 1024;

export const publishCommand: Command = {
  path: ['publish'],
  usage: 'publish <file> [--server URL] [--release-notes [LOCALE=]FILE]…',
  summary: 'Upload a package to an Outpost server, which stores it and updates its manifest.',
  help: `The file is streamed to POST <server>/api/v1/packages; a progress line is drawn when the output is a terminal. Publishing the same bytes again is harmless: the server keeps the existing version.

Options:
${REMOTE_HELP}
  --update-info-url  page shown as the release notes of this version (http:// or https://)
  --release-notes    [LOCALE=]FILE: plain-text release notes that the server hosts (UTF-8, at most 64 KiB in all); without LOCALE= for every language, with it (de=notes.de.txt, pt-BR=…) for one. Repeat it for more languages.
  --channel          the signed index a Mozilla VPN add-on goes to (one of the server's OUTPOST_VPN_CHANNELS; production when not given)

Prints what was published, its download URL and the manifest URL clients poll (update.json for a WebExtension, update.rdf for an install.rdf add-on, the signed index for a Mozilla VPN add-on, which must be named <id>.rcc).

Example:
  export OUTPOST_SERVER=https://example.org/outpost/ OUTPOST_TOKEN=...
  outpost publish my-addon-1.2.xpi --release-notes notes.txt \\
      --release-notes de=notes.de.txt`,
  options: {
    ...REMOTE_OPTIONS,
    'update-info-url': { type: 'string' },
    'release-notes': { type: 'string', multiple: true },
    channel: { type: 'string' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const { server, token } = remoteTarget(values, ctx);
    const fields: Record<string, string> = {};
    const updateInfoURL = optionString(values, 'update-info-url');
    if (updateInfoURL !== undefined) {
      if (!isHttpUrl(updateInfoURL)) throw new CliError('CLI_USAGE', '--update-info-url must be an http:// or https:// address');
      fields.updateInfoURL = updateInfoURL;
    }
    Object.assign(fields, await releaseNoteFields(values, ctx));
    const channel = optionString(values, 'channel');
    if (channel !== undefined) fields.channel = channel;
    const file = positionals[0]!;
    const full = resolvePath(ctx, file);
    await checkInputFile(file, full);
    warnIfPlainHttp(server, ctx);

    const progress = ctx.isTTY ? progressLine(ctx) : undefined;
    let answer: UploadResponse;
    try {
      answer = await uploadPackage({ server, token, file: full, fields, onProgress: progress?.update });
    } finally {
      progress?.finish();
    }
    return report(answer, publishEndpoint(server), server, ctx);
  },
};

/** `--release-notes FILE` → field `releaseNotes`; `--release-notes de=FILE` → `releaseNotes.de` (the API's names). */
async function releaseNoteFields(values: OptionValues, ctx: CliContext): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  for (const spec of optionList(values, 'release-notes')) {
    const match = /^([^=/\\]+)=(.+)$/.exec(spec);
    if (match && !LOCALE.test(match[1]!)) throw new CliError('CLI_USAGE', `--release-notes ${spec}: "${match[1]}" is not a locale such as de or pt-BR (write ./${spec} for a file named so)`);
    const [locale, file] = match ? [match[1]!, match[2]!] : ['', spec];
    const field = locale ? `releaseNotes.${locale}` : 'releaseNotes';
    if (field in fields) throw new CliError('CLI_USAGE', `--release-notes names ${locale ? `the locale ${locale}` : 'notes for every language'} twice`);
    const bytes = await readInputFile(ctx, file, MAX_NOTES_BYTES);
    try {
      fields[field] = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new CliError('CLI_FILE_UNREADABLE', `${file} is not UTF-8 text.`);
    }
  }
  return fields;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
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
  /** What the add-on's clients poll: update.json for a WebExtension, update.rdf otherwise. */
  manifest?: string;
  /** A Jami plugin's versions in the store API. */
  store?: string;
  warnings: string[];
}

function report(answer: UploadResponse, endpoint: URL, server: URL, ctx: CliContext): number {
  const { status } = answer;
  const fail = (reason: string): number => {
    ctx.stderr(`outpost publish: ${reason} (HTTP ${status})\n`);
    return 1;
  };
  if (status < 200 || status > 299) return fail(refusalReason(answer, endpoint, server, 'upload'));
  const result = asPublished(answer.body);
  if (!result) return fail(`the answer is not a publish result: ${endpoint.href} answered ${describeAnswer(answer)}; is --server an Outpost server's base address?`);
  // The server hashes what it stored; a mismatch means the bytes were altered on the way.
  if (answer.sha256 && result.sha256.toLowerCase() !== answer.sha256) {
    return fail(`the server stored bytes with sha256 ${result.sha256}, but the file sent has sha256 ${answer.sha256}; publish again`);
  }
  // A VPN add-on has no version (its index lists one current file per id).
  ctx.stdout(`Published ${result.id}${result.version ? ` ${result.version}` : ''} (${result.type}, ${result.size} bytes, sha256 ${result.sha256})\n`);
  ctx.stdout(`Download: ${result.download}\n`);
  if (result.manifest) ctx.stdout(`Manifest: ${result.manifest}\n`);
  if (result.store) ctx.stdout(`Store: ${result.store}\n`);
  if (status === 200) ctx.stderr('note: the server already had these exact bytes; nothing changed\n');
  for (const w of result.warnings) ctx.stderr(`warning: ${w}\n`);
  return 0;
}

function asPublished(body: unknown): Published | undefined {
  if (!isRecord(body) || !isRecord(body.links)) return undefined;
  const { id, version, type, sha256, size } = body;
  const { download, updateRdf, updateJson, storeVersions, index } = body.links;
  if (typeof id !== 'string' || typeof version !== 'string' || typeof type !== 'string') return undefined;
  if (typeof sha256 !== 'string' || typeof size !== 'number' || typeof download !== 'string') return undefined;
  const warnings = Array.isArray(body.warnings) ? body.warnings.map(warningText) : [];
  // Servers before links.updateJson only name update.rdf; a VPN add-on's clients poll the signed index.
  const manifest = [updateJson, updateRdf, index].find((link): link is string => typeof link === 'string');
  return {
    id: clean(id),
    version: clean(version),
    type: clean(type),
    sha256: clean(sha256),
    size,
    download: clean(download),
    manifest: manifest === undefined ? undefined : clean(manifest),
    store: typeof storeVersions === 'string' ? clean(storeVersions) : undefined,
    warnings,
  };
}

function warningText(w: unknown): string {
  if (typeof w === 'string') return clean(w);
  if (isRecord(w) && typeof w.message === 'string') return clean(typeof w.code === 'string' ? `${w.message} [${w.code}]` : w.message);
  return clean(JSON.stringify(w));
}
