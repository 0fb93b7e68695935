import { MANIFEST, NAMES, VPN } from '../limits.ts';
import { isSafeSegment } from '../names/safe-segment.ts';
import type { RccFile } from './rcc-read.ts';
import { parseStrictJson } from './strict-json.ts';
import { parseConditions, type VpnConditions } from './vpn-conditions.ts';
import { VpnError } from './vpn-errors.ts';

/**
 * The add-on manifest inside a VPN add-on (.rcc). Where it lives: the client registers `<id>.rcc`
 * with QResource::registerResource(file, "/addons/<id>") and loads ":/addons/<id>/manifest.json"
 * (AddonManager::validateAndLoad, mountPath), so it must be `manifest.json` at the root of the
 * resource tree; Mozilla's scripts/addon/build.py writes every file under the qresource prefix "/".
 * A manifest under another prefix is never found by the client. The fields are checked as
 * Addon::create checks them, and more strictly where the client would silently ignore a mistake.
 */

/** Every type some client release loads (Addon::create): demo only in staging builds. */
export const VPN_ADDON_TYPES = ['demo', 'guide', 'i18n', 'message', 'replacer', 'tutorial'] as const;
export type VpnAddonType = (typeof VPN_ADDON_TYPES)[number];

/** The only add-on API version the client accepts. */
export const VPN_API_VERSION = '0.1';

export interface VpnStateProperty {
  readonly type: 'string' | 'number' | 'boolean';
  readonly default: string | number | boolean;
}

/** session, local and global state (AddonStateBase::parseManifest); flat maps of typed defaults. */
export type VpnState = Readonly<Partial<Record<'session' | 'local' | 'global', Readonly<Record<string, VpnStateProperty>>>>>;

export interface VpnManifest {
  readonly id: string;
  readonly name: string;
  readonly apiVersion: typeof VPN_API_VERSION;
  readonly type: VpnAddonType;
  readonly conditions: VpnConditions;
  readonly state: VpnState | undefined;
  /** Scripts run when the add-on is enabled or disabled, relative to manifest.json. */
  readonly javascript: { readonly enable?: string; readonly disable?: string } | undefined;
}

export const MANIFEST_PATH = 'manifest.json';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(message: string): VpnError {
  return new VpnError('VPN_MANIFEST_INVALID', `manifest.json ${message}.`);
}

function requiredString(json: Json, key: string): string {
  const value = json[key];
  // The client reads each with toString() and refuses the add-on when it is empty.
  if (typeof value !== 'string' || value === '') throw invalid(`needs a non-empty "${key}" string`);
  return value;
}

function parseState(value: unknown): VpnState | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw invalid('"state" must be an object');
  const state: Record<string, Record<string, VpnStateProperty>> = {};
  for (const [kind, properties] of Object.entries(value)) {
    if (!['session', 'local', 'global'].includes(kind)) throw invalid(`"state" has "${kind}"; only session, local and global exist`);
    if (!isObject(properties)) throw invalid(`"state.${kind}" must be an object`);
    state[kind] = {};
    for (const [key, property] of Object.entries(properties)) {
      const where = `state.${kind}.${key}`;
      // The client logs and skips a malformed property; a publisher wants to hear about it.
      if (!isObject(property) || !['string', 'number', 'boolean'].includes(property.type as string)) {
        throw invalid(`"${where}" must be an object with "type" "string", "number" or "boolean"`);
      }
      if (typeof property.default !== property.type) throw invalid(`"${where}.default" must be a ${String(property.type)}`);
      state[kind][key] = { type: property.type as VpnStateProperty['type'], default: property.default as VpnStateProperty['default'] };
    }
  }
  return state;
}

function parseJavascript(value: unknown): VpnManifest['javascript'] {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw invalid('"javascript" must be an object');
  const scripts: { enable?: string; disable?: string } = {};
  for (const [key, script] of Object.entries(value)) {
    if (key !== 'enable' && key !== 'disable') throw invalid(`"javascript" has "${key}"; only "enable" and "disable" exist`);
    if (typeof script !== 'string' || script === '') throw invalid(`"javascript.${key}" must name a script`);
    scripts[key] = script;
  }
  return scripts;
}

/** The id an upload's file name gives: `<id>.rcc`, as the index and the client name it. */
export function idFromFileName(fileName: string): string {
  if (!fileName.endsWith('.rcc')) throw new VpnError('VPN_ID_MISMATCH', `A VPN add-on must be uploaded as <id>.rcc, not "${fileName}".`);
  return fileName.slice(0, -'.rcc'.length);
}

/**
 * Parses manifest.json. With `fileName`, its id must be that name without ".rcc" (the client looks
 * the manifest up under the id the index gives, which is the file name).
 */
export function parseVpnManifest(bytes: Buffer, options: { fileName?: string } = {}): VpnManifest {
  if (bytes.length > MANIFEST.maxBytes) throw invalid(`is ${bytes.length} bytes; at most ${MANIFEST.maxBytes} are accepted`);
  const json = parseStrictJson(bytes, 'manifest.json', 'VPN_MANIFEST_INVALID', VPN.maxJsonDepth);
  if (!isObject(json)) throw invalid('must contain a JSON object');
  const apiVersion = requiredString(json, 'api_version');
  if (apiVersion !== VPN_API_VERSION) throw invalid(`has "api_version" "${apiVersion}"; the VPN client loads only "${VPN_API_VERSION}"`);
  const conditions = parseConditions(json.conditions);
  const id = requiredString(json, 'id');
  if (!isSafeSegment(id, NAMES.maxAddonIdLength)) {
    throw new VpnError('VPN_ID_INVALID', `The add-on id ${JSON.stringify(id)} cannot be used as a file name: use at most ${NAMES.maxAddonIdLength} letters, digits, "_", "-" and inner dots.`);
  }
  if (options.fileName !== undefined) {
    const expected = idFromFileName(options.fileName);
    if (id !== expected) throw new VpnError('VPN_ID_MISMATCH', `manifest.json has the id "${id}", but the file is named "${options.fileName}"; the VPN client needs them to agree.`);
  }
  const name = requiredString(json, 'name');
  const type = requiredString(json, 'type');
  if (!(VPN_ADDON_TYPES as readonly string[]).includes(type)) throw invalid(`has "type" "${type}"; the VPN client knows ${VPN_ADDON_TYPES.join(', ')}`);
  return {
    id,
    name,
    apiVersion: VPN_API_VERSION,
    type: type as VpnAddonType,
    conditions,
    state: parseState(json.state),
    javascript: parseJavascript(json.javascript),
  };
}

/** manifest.json at the root of the resource; a clear error when it is anywhere else. */
export function findVpnManifest(files: readonly RccFile[]): RccFile {
  const manifest = files.find((file) => file.path === MANIFEST_PATH);
  if (manifest) return manifest;
  const elsewhere = files.find((file) => file.path.endsWith(`/${MANIFEST_PATH}`));
  throw new VpnError(
    'VPN_MANIFEST_MISSING',
    elsewhere
      ? `The add-on has "${elsewhere.path}" but no manifest.json at its root, where the VPN client looks; build it with the qresource prefix "/".`
      : 'The add-on has no manifest.json at its root.',
  );
}
