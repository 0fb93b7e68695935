/**
 * What the Chromium cases share: the attacker's developer key, a victim extension published by
 * another publisher before the corpus runs, and a case that uploads CRX bytes built beforehand
 * (signing and key generation would otherwise run inside the event-loop watch and be blamed on
 * the server).
 */
import type { KeyObject } from 'node:crypto';
import { buildExtensionZip, extensionManifest, handMadeCrx, idOf, rsaKey, spkiOf, type HandMadeCrx } from '../../helpers/crx-build.ts';
import { upload, type HostileCase } from './hostile-case.ts';

/** The attacker's own developer key: packages it signs have an id nobody owns yet. */
export const attackerKey = (): KeyObject => rsaKey('hostile-attacker');
export const victimKey = (): KeyObject => rsaKey('hostile-victim');
export const chromiumVictimId = (): string => idOf(spkiOf(victimKey()));
export const CHROMIUM_VICTIM_VERSION = '1.0';

/** An extension ZIP whose manifest is the default one with `overrides`. */
export const extensionZip = (overrides: Record<string, unknown> = {}): Promise<Buffer> => buildExtensionZip(extensionManifest({ name: 'Attacker', ...overrides }));

/** A CRX3 every proof of which verifies, signed by the attacker unless `opts` says otherwise. */
export const signed = (zip: Buffer, opts: HandMadeCrx = {}): Buffer => handMadeCrx(zip, { signers: [attackerKey()], ...opts });

/** The victim's package, as its publisher uploads it (and as anyone can download it). */
export async function chromiumVictimCrx(version = CHROMIUM_VICTIM_VERSION): Promise<Buffer> {
  return handMadeCrx(await buildExtensionZip(extensionManifest({ name: 'Victim', version })), { signers: [victimKey()] });
}

export interface CrxCaseOptions {
  status?: number;
  fileName?: string;
  fields?: Record<string, string>;
}

/** Uploads `bytes` as the attacker and expects `code` (400 unless `status` says otherwise). */
export function crxCase(category: string, name: string, code: string, bytes: Buffer, options: CrxCaseOptions = {}): HostileCase {
  return {
    category,
    name,
    status: options.status ?? 400,
    code,
    send: (t) => upload(t, bytes, { fileName: options.fileName ?? 'extension.crx', ...(options.fields ? { fields: options.fields } : {}) }),
  };
}
