/**
 * The Jami test PKI (see jami-pki-make.ts for what it contains), generated once and shared:
 * generating it is dominated by RSA key generation, which would otherwise be paid by every test
 * file. The first worker builds it into a cache folder (atomically renamed into place, so a
 * concurrent worker either sees all of it or builds its own); each test file then works on a
 * private copy, so tests may issue and revoke certificates without disturbing each other.
 * The cache is keyed by the generator's source and the date, since certificate dates are
 * relative to the moment of generation.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateJamiPki, pkiTools, type JamiPkiData, type JamiTestPki } from './jami-pki-make.ts';
import { processAlive as isAlive } from '../../src/storage/file-lock.ts';

export type { CaOptions, IssueOptions, JamiPkiData, JamiTestPki, KeySpec, PkiTools, Profile, TestCa, TestCert } from './jami-pki-make.ts';

const PLACEHOLDER = '@@JAMI_PKI_DIR@@';
const CACHE_PREFIX = 'outpost-jami-pki-cache-';
const WORK_PREFIX = 'outpost-jami-pki-work-';
const MAX_CACHE_AGE_MS = 2 * 24 * 60 * 60 * 1000;
const GENERATOR = fileURLToPath(new URL('./jami-pki-make.ts', import.meta.url));

/** A path as it appears inside a JSON string. */
const jsonPath = (dir: string): string => JSON.stringify(dir).slice(1, -1);

function reviveBuffers(_key: string, value: unknown): unknown {
  const v = value as { type?: unknown; data?: unknown } | null;
  return v && v.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data as number[]) : value;
}

/**
 * Test workers are often ended without an 'exit' event, so copies are named after their process
 * and removed by a later load once that process is gone; caches go after two days.
 */
function removeLeftovers(): void {
  for (const name of readdirSync(os.tmpdir())) {
    const full = path.join(os.tmpdir(), name);
    try {
      const owner = name.startsWith(WORK_PREFIX) ? Number(name.slice(WORK_PREFIX.length).split('-')[0]) : NaN;
      if (Number.isInteger(owner) && owner !== process.pid && !isAlive(owner)) rmSync(full, { recursive: true, force: true });
      if (name.startsWith(CACHE_PREFIX) && Date.now() - statSync(full).mtimeMs > MAX_CACHE_AGE_MS) rmSync(full, { recursive: true, force: true });
    } catch {
      // another run is cleaning up too
    }
  }
}

async function sharedPkiDir(): Promise<string> {
  const key = createHash('sha256').update(readFileSync(GENERATOR)).update(new Date().toISOString().slice(0, 10)).digest('hex').slice(0, 16);
  const cacheDir = path.join(os.tmpdir(), `${CACHE_PREFIX}${key}`);
  if (existsSync(path.join(cacheDir, 'pki.json'))) return cacheDir;
  const build = mkdtempSync(path.join(os.tmpdir(), 'outpost-jami-pki-build-'));
  try {
    const data = await generateJamiPki(build);
    writeFileSync(path.join(build, 'pki.json'), JSON.stringify(data).split(jsonPath(build)).join(PLACEHOLDER));
    renameSync(build, cacheDir); // fails when another worker finished first; theirs is as good
  } catch (err) {
    rmSync(build, { recursive: true, force: true });
    if (!existsSync(path.join(cacheDir, 'pki.json'))) throw err;
  }
  return cacheDir;
}

async function loadJamiPki(): Promise<JamiTestPki> {
  removeLeftovers();
  const shared = await sharedPkiDir();
  const dir = mkdtempSync(path.join(os.tmpdir(), `${WORK_PREFIX}${process.pid}-`));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  cpSync(shared, dir, { recursive: true });
  const json = readFileSync(path.join(dir, 'pki.json'), 'utf8').split(PLACEHOLDER).join(jsonPath(dir));
  const data = JSON.parse(json, reviveBuffers) as JamiPkiData;
  return { ...data, ...pkiTools(dir), dir };
}

let cached: Promise<JamiTestPki> | undefined;

/** The PKI of this test file: a private copy of the shared PKI, made on first use. */
export function jamiPki(): Promise<JamiTestPki> {
  cached ??= loadJamiPki();
  return cached;
}
