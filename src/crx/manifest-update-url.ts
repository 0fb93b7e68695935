import { isDeepStrictEqual } from 'node:util';
import { checkUpdateUrl } from '../package/update-url.ts';
import { LINE_COMMENT, parseJsonWithLineComments } from '../package/webext-manifest.ts';
import { parseChromiumManifest } from './chromium-manifest.ts';
import { CrxError } from './crx-errors.ts';

export interface ManifestUpdateFields {
  /** Where Chromium will look for updates (Outpost's /chromium/updates.xml). */
  updateUrl: string;
  /** SPKI DER of the publisher key, written as "key" so an unpacked install gets the packed id. */
  keySpki?: Buffer;
}

interface Member {
  key: string;
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

const BOM = '\ufeff';

function cannotEdit(): CrxError {
  return new CrxError('CRX_MANIFEST_INVALID', 'manifest.json could not be edited safely; set "update_url" by hand.');
}

/**
 * Sets the top-level "update_url" (and "key") of a Chromium extension's manifest.json as a text
 * edit, so the author's layout, `//` comment lines and line ends survive: an existing member gets
 * its new value where it stands, a missing one goes after the last member, indented like it.
 * Members of the same name deeper down (Firefox's browser_specific_settings.gecko.update_url) are
 * left alone. A UTF-8 byte-order mark is kept when there is one and never added: Chromium's JSON
 * reader skips one (base/json/json_parser.cc), and a BOM-less file is what its own tools write.
 * The result must parse to the same object with only those values changed, or nothing is returned.
 */
export function setManifestUpdateUrl(bytes: Buffer, fields: ManifestUpdateFields): Buffer {
  checkUpdateUrl(fields.updateUrl);
  // Size, UTF-8, JSON, manifest_version, name and version: refuse here what an upload would refuse.
  parseChromiumManifest(bytes);
  const values = new Map<string, string>([['update_url', fields.updateUrl]]);
  if (fields.keySpki) values.set('key', fields.keySpki.toString('base64'));

  const decoded = bytes.toString('utf8');
  const bom = decoded.startsWith(BOM) ? BOM : '';
  const text = decoded.slice(bom.length);
  // Blanked, not removed, so offsets in the scanned text are offsets in the real one.
  const members = topLevelMembers(text.replace(LINE_COMMENT, (line) => ' '.repeat(line.length)));

  const edits: Edit[] = [];
  for (const member of members) {
    // Every duplicate gets the value: JSON readers disagree on which one wins.
    const value = values.get(member.key);
    if (value !== undefined) edits.push({ start: member.valueStart, end: member.valueEnd, text: JSON.stringify(value) });
  }
  const missing = [...values].filter(([key]) => !members.some((m) => m.key === key));
  if (missing.length > 0) edits.push(insertion(text, members, missing));

  let edited = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) edited = edited.slice(0, edit.start) + edit.text + edited.slice(edit.end);
  const result = Buffer.from(bom + edited, 'utf8');

  parseChromiumManifest(result); // still within the size limit and valid
  const expected = { ...(parseJsonWithLineComments(bytes, 'manifest.json') as object), ...Object.fromEntries(values) };
  if (!isDeepStrictEqual(parseJsonWithLineComments(result, 'manifest.json'), expected)) throw cannotEdit();
  return result;
}

/** New members after the last one: on their own lines with its indentation, or inline after it. */
function insertion(text: string, members: Member[], entries: [string, string][]): Edit {
  const last = members.at(-1);
  if (!last) throw cannotEdit(); // parseChromiumManifest requires members; never an empty object
  const lineStart = text.lastIndexOf('\n', last.keyStart - 1) + 1;
  const indent = text.slice(lineStart, last.keyStart);
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const lead = /^[ \t]*$/.test(indent) ? nl + indent : ' ';
  const colon = text.slice(last.keyEnd, last.valueStart);
  const separator = /^[ \t]*:[ \t]*$/.test(colon) ? colon : ': ';
  const added = entries.map(([key, value]) => `,${lead}${JSON.stringify(key)}${separator}${JSON.stringify(value)}`).join('');
  return { start: last.valueEnd, end: last.valueEnd, text: added };
}

/** The top-level members of a JSON object text that JSON.parse has already accepted. */
function topLevelMembers(json: string): Member[] {
  let i = skipSpace(json, 0);
  if (json[i] !== '{') throw cannotEdit();
  i = skipSpace(json, i + 1);
  const members: Member[] = [];
  while (json[i] === '"') {
    const keyStart = i;
    const keyEnd = stringEnd(json, keyStart);
    const valueStart = skipSpace(json, skipSpace(json, keyEnd) + 1); // past the colon
    const valueEnd = endOfValue(json, valueStart);
    members.push({ key: JSON.parse(json.slice(keyStart, keyEnd)) as string, keyStart, keyEnd, valueStart, valueEnd });
    i = skipSpace(json, valueEnd);
    if (json[i] === ',') i = skipSpace(json, i + 1);
  }
  if (json[i] !== '}') throw cannotEdit();
  return members;
}

function skipSpace(json: string, from: number): number {
  let i = from;
  while (i < json.length && ' \t\r\n'.includes(json[i]!)) i++;
  return i;
}

function stringEnd(json: string, start: number): number {
  let i = start + 1;
  while (i < json.length && json[i] !== '"') i += json[i] === '\\' ? 2 : 1;
  if (i >= json.length) throw cannotEdit();
  return i + 1;
}

/** The index just past the value that starts at `start`. */
function endOfValue(json: string, start: number): number {
  const first = json[start];
  if (first === '"') return stringEnd(json, start);
  if (first !== '{' && first !== '[') {
    // A number, true, false or null runs to the next separator.
    let i = start;
    while (i < json.length && !' \t\r\n,]}'.includes(json[i]!)) i++;
    return i;
  }
  let depth = 0;
  for (let i = start; i < json.length; ) {
    const c = json[i]!;
    if (c === '"') {
      i = stringEnd(json, i);
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    i++;
    if (depth === 0) return i;
  }
  throw cannotEdit();
}
