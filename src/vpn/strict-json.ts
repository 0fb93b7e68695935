import { VpnError, type VpnErrorCode } from './vpn-errors.ts';

/**
 * JSON as the VPN client's QJsonDocument::fromJson reads it, minus what two readers could disagree
 * on: UTF-8 only (one leading byte-order mark tolerated), no key twice in one object (Qt and
 * JSON.parse keep the last, other tools the first), and no deeper nesting than `maxDepth`.
 */

const JSON_SPACE = new Set([' ', '\t', '\n', '\r']);

/** Finds a repeated key or too deep a nesting in text JSON.parse has already accepted. */
function scan(text: string, maxDepth: number): string | undefined {
  const stack: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const raw = text.slice(i, j + 1);
      i = j;
      const keys = stack[stack.length - 1];
      if (!keys) continue;
      // Inside an object a string is a key exactly when a colon follows it.
      let k = j + 1;
      while (JSON_SPACE.has(text[k]!)) k++;
      if (text[k] !== ':') continue;
      const key = JSON.parse(raw) as string;
      if (keys.has(key)) return `the key ${JSON.stringify(key)} appears twice in one object`;
      keys.add(key);
    } else if (c === '{' || c === '[') {
      stack.push(c === '{' ? new Set() : null);
      if (stack.length > maxDepth) return `it nests objects and arrays more than ${maxDepth} deep`;
    } else if (c === '}' || c === ']') stack.pop();
  }
  return undefined;
}

export function parseStrictJson(bytes: Buffer, what: string, code: VpnErrorCode, maxDepth: number): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (err) {
    throw new VpnError(code, `${what} is not valid UTF-8.`, { cause: err });
  }
  if (text.startsWith('\ufeff')) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new VpnError(code, `${what} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const problem = scan(text, maxDepth);
  if (problem) throw new VpnError(code, `${what} is ambiguous: ${problem}.`);
  return value;
}
