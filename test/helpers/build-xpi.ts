/**
 * Builds well-formed XPIs and manifests in code (for malformed archives see raw-zip.ts).
 */
import { ZipFile } from 'yazl';

export interface BuildXpiOptions {
  /** Timestamp for every entry (default: a fixed date, so archives are reproducible). */
  mtime?: Date;
  /** Deflate entries (default true). */
  compress?: boolean;
  /** Write only DOS timestamps (no Info-ZIP "UT" extra field). */
  forceDosTimestamp?: boolean;
  /** Archive comment. */
  comment?: string;
  /** Names (ending in '/') to add as explicit directory entries first. */
  directories?: string[];
}

export const FIXED_MTIME = new Date('2024-03-01T12:00:00Z');

export function buildXpi(files: Record<string, string | Buffer>, opts: BuildXpiOptions = {}): Promise<Buffer> {
  const zip = new ZipFile();
  const mtime = opts.mtime ?? FIXED_MTIME;
  const forceDosTimestamp = opts.forceDosTimestamp ?? false;
  for (const dir of opts.directories ?? []) zip.addEmptyDirectory(dir, { mtime, forceDosTimestamp });
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    zip.addBuffer(data, name, { mtime, compress: opts.compress ?? true, forceDosTimestamp });
  }
  zip.end(opts.comment ? { comment: opts.comment, forceZip64Format: false } : undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

export interface TargetApp {
  id: string;
  minVersion: string;
  maxVersion: string;
}

export const FIREFOX_ID = '{ec8030f7-c20a-464f-9b0e-13a3a9e97384}';
export const SEAMONKEY_ID = '{92650c4d-4b8e-4d2a-b7eb-24ecf4f6b63a}';

export interface InstallRdfOptions {
  id?: string;
  version?: string;
  name?: string;
  /** em:type; omitted when undefined. */
  type?: number | string;
  targets?: TargetApp[];
  targetPlatforms?: string[];
  updateURL?: string;
  updateKey?: string;
  /** Literal properties as child elements (default) or as attributes of the Description. */
  form?: 'element' | 'attribute';
  /** Prefix bound to the em namespace (default 'em'). */
  prefix?: string;
  /** Prefix bound to the RDF namespace; '' makes RDF the default namespace (default 'RDF'). */
  rdfPrefix?: string;
  /** Raw XML placed inside the install-manifest Description, after the generated properties. */
  extra?: string;
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function installRdf(opts: InstallRdfOptions = {}): string {
  const em = opts.prefix ?? 'em';
  const rdfPrefix = opts.rdfPrefix ?? 'RDF';
  const r = (local: string) => (rdfPrefix ? `${rdfPrefix}:${local}` : local);
  const e = (local: string) => `${em}:${local}`;
  const literals: [string, string][] = [];
  if (opts.id !== undefined) literals.push(['id', opts.id]);
  if (opts.version !== undefined) literals.push(['version', opts.version]);
  if (opts.type !== undefined) literals.push(['type', String(opts.type)]);
  if (opts.name !== undefined) literals.push(['name', opts.name]);
  if (opts.updateURL !== undefined) literals.push(['updateURL', opts.updateURL]);
  if (opts.updateKey !== undefined) literals.push(['updateKey', opts.updateKey]);
  for (const platform of opts.targetPlatforms ?? []) literals.push(['targetPlatform', platform]);

  const attributeForm = opts.form === 'attribute';
  // Attributes cannot repeat, so multi-valued targetPlatform stays in element form.
  const asAttributes = attributeForm ? literals.filter(([k]) => k !== 'targetPlatform') : [];
  const asElements = attributeForm ? literals.filter(([k]) => k === 'targetPlatform') : literals;

  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const rdfNsDecl = rdfPrefix ? `xmlns:${rdfPrefix}` : 'xmlns';
  lines.push(`<${r('RDF')} ${rdfNsDecl}="http://www.w3.org/1999/02/22-rdf-syntax-ns#"`);
  lines.push(`     xmlns:${em}="http://www.mozilla.org/2004/em-rdf#">`);
  const attrs = asAttributes.map(([k, v]) => `\n      ${e(k)}="${xmlEscape(v)}"`).join('');
  lines.push(`  <${r('Description')} ${r('about')}="urn:mozilla:install-manifest"${attrs}>`);
  for (const [k, v] of asElements) lines.push(`    <${e(k)}>${xmlEscape(v)}</${e(k)}>`);
  for (const t of opts.targets ?? []) {
    lines.push(`    <${e('targetApplication')}>`);
    if (attributeForm) {
      lines.push(
        `      <${r('Description')} ${e('id')}="${xmlEscape(t.id)}" ${e('minVersion')}="${xmlEscape(t.minVersion)}" ${e('maxVersion')}="${xmlEscape(t.maxVersion)}"/>`,
      );
    } else {
      lines.push(`      <${r('Description')}>`);
      lines.push(`        <${e('id')}>${xmlEscape(t.id)}</${e('id')}>`);
      lines.push(`        <${e('minVersion')}>${xmlEscape(t.minVersion)}</${e('minVersion')}>`);
      lines.push(`        <${e('maxVersion')}>${xmlEscape(t.maxVersion)}</${e('maxVersion')}>`);
      lines.push(`      </${r('Description')}>`);
    }
    lines.push(`    </${e('targetApplication')}>`);
  }
  if (opts.extra) lines.push(opts.extra);
  lines.push(`  </${r('Description')}>`);
  lines.push(`</${r('RDF')}>`);
  return lines.join('\n') + '\n';
}

export interface WebextManifestOptions {
  name?: string;
  version?: string;
  manifest_version?: number;
  id?: string;
  strict_min_version?: string;
  strict_max_version?: string;
  update_url?: string;
  /** Where the gecko block lives (default browser_specific_settings); 'none' leaves it out. */
  geckoKey?: 'browser_specific_settings' | 'applications' | 'none';
  /** Extra top-level keys. */
  extra?: Record<string, unknown>;
}

export function webextManifest(opts: WebextManifestOptions = {}): string {
  const manifest: Record<string, unknown> = {
    manifest_version: opts.manifest_version ?? 2,
    name: opts.name ?? 'Test add-on',
    version: opts.version ?? '1.0',
  };
  const gecko: Record<string, string> = {};
  if (opts.id !== undefined) gecko.id = opts.id;
  if (opts.strict_min_version !== undefined) gecko.strict_min_version = opts.strict_min_version;
  if (opts.strict_max_version !== undefined) gecko.strict_max_version = opts.strict_max_version;
  if (opts.update_url !== undefined) gecko.update_url = opts.update_url;
  const key = opts.geckoKey ?? 'browser_specific_settings';
  if (key !== 'none') manifest[key] = { gecko };
  return JSON.stringify({ ...manifest, ...opts.extra }, null, 2);
}
