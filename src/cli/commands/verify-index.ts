import crypto, { type KeyObject } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { INDEX_FILE, SIGNATURE_FILE } from '../../app/vpn-index-writer.ts';
import { VPN } from '../../limits.ts';
import { verifyIndex } from '../../vpn/vpn-index.ts';
import { VpnError } from '../../vpn/vpn-errors.ts';
import { CliError, type CliContext, type Command } from '../command.ts';
import { fetchDocument, looksLikeUrl } from '../fetch-document.ts';
import { optionString, readInputFile, resolvePath } from '../files.ts';

/** A raw RSA signature is as long as the modulus: 2 KiB for the largest key verifyIndex takes. */
const MAX_SIGNATURE_BYTES = VPN.maxRsaBits / 8;
const MAX_KEY_FILE_BYTES = 64 * 1024;

/** PEM (public or private), DER SubjectPublicKeyInfo, or that DER as base64 text (GET /api/v1/vpn/key's "der"). */
export function parsePublicKey(bytes: Buffer, file: string): KeyObject {
  const text = bytes.toString('latin1').trim();
  const attempts: (() => KeyObject)[] = text.startsWith('-----BEGIN')
    ? [() => crypto.createPublicKey(text)]
    : [
        () => crypto.createPublicKey({ key: bytes, format: 'der', type: 'spki' }),
        () => crypto.createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' }),
      ];
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // try the next form
    }
  }
  throw new VpnError('VPN_KEY_UNSUPPORTED', `${file} holds no public key: give the index key as PEM, DER, or base64 DER (GET /api/v1/vpn/key).`);
}

/** The manifest.json a source names: a URL or file as given, a URL ending in "/" or a folder gets manifest.json added. */
async function readPair(source: string, ctx: CliContext): Promise<{ index: Buffer; signature: Buffer; where: string }> {
  if (looksLikeUrl(source)) {
    const url = source.endsWith('/') ? `${source}${INDEX_FILE}` : source;
    const index = (await fetchDocument(url, { maxBytes: VPN.maxIndexBytes })).bytes;
    // The client fetches both from its base URL: the signature sits next to the manifest.
    const signatureUrl = new URL(SIGNATURE_FILE, url).href;
    const signature = (await fetchDocument(signatureUrl, { maxBytes: MAX_SIGNATURE_BYTES })).bytes;
    return { index, signature, where: url };
  }
  const isFolder = await stat(resolvePath(ctx, source)).then((s) => s.isDirectory(), () => false);
  const file = isFolder ? path.join(source, INDEX_FILE) : source;
  const index = await readInputFile(ctx, file, VPN.maxIndexBytes);
  const signature = await readInputFile(ctx, path.join(path.dirname(file), SIGNATURE_FILE), MAX_SIGNATURE_BYTES);
  return { index, signature, where: file };
}

function minSerialOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw new CliError('CLI_USAGE', `--min-serial must be a whole number, not "${text}"`);
  return Number(text);
}

export const verifyIndexCommand: Command = {
  path: ['verify-index'],
  usage: 'verify-index <url|file> --key F [--min-serial N|--signature-only]',
  summary: 'Check a signed Mozilla VPN add-on index: signature, expiry, serial.',
  help: `Reads manifest.json and manifest.json.sig next to it (an http:// or https:// URL is fetched, at most ${VPN.maxIndexBytes / 1024 / 1024} MiB, 30 seconds; a URL ending in "/" or a folder means its manifest.json), checks the RSA PKCS#1 v1.5 SHA-256 signature over the exact bytes with the index key, the shape the VPN client checks, and that "expires" is still ahead. With --min-serial, an index whose "serial" is below N is refused: a replay of an older index.

Options:
  --key, -k      the index public key: PEM, DER, or base64 DER (what GET /api/v1/vpn/key answers)
  --min-serial   the highest serial seen before; anything lower is refused
  --signature-only  check only what the VPN client checks (signature and shape), for indexes
                 without serial and expiry such as Mozilla's own

Prints each add-on (id and sha256), then the serial and expiry. Exit status 0 when the index verifies, 1 with the reason otherwise.

Example:
  outpost verify-index https://updates.example.org/vpn/manifest.json --key vpn-index.pem --min-serial 41`,
  options: {
    key: { type: 'string', short: 'k' },
    'min-serial': { type: 'string' },
    'signature-only': { type: 'boolean' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const keyFile = optionString(values, 'key');
    if (keyFile === undefined) throw new CliError('CLI_USAGE', 'give the index public key with --key');
    const minSerial = minSerialOption(optionString(values, 'min-serial'));
    const signatureOnly = values['signature-only'] === true;
    if (signatureOnly && minSerial !== undefined) throw new CliError('CLI_USAGE', '--signature-only checks no serial: leave out --min-serial');
    const key = parsePublicKey(await readInputFile(ctx, keyFile, MAX_KEY_FILE_BYTES), keyFile);
    const { index, signature, where } = await readPair(positionals[0]!, ctx);
    const parsed = verifyIndex(index, signature, key, signatureOnly ? {} : { now: new Date(), ...(minSerial !== undefined ? { minSerial } : {}) });
    for (const addon of parsed.addons) ctx.stdout(`${addon.id}  ${addon.sha256}\n`);
    const count = `${parsed.addons.length} add-on${parsed.addons.length === 1 ? '' : 's'}`;
    const freshness = `serial ${parsed.serial ?? 'none'}, expires ${parsed.expires?.toISOString() ?? 'never said'}`;
    ctx.stdout(`OK   ${where}: signature valid, ${freshness}${signatureOnly ? ' (not checked)' : ''}, ${count}\n`);
    return 0;
  },
};
