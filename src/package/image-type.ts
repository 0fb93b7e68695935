/**
 * The content type of an icon or background, from its bytes. The file name is not trusted: Jami
 * plugins routinely ship an SVG named icon.png, and the store must send the real type.
 */
export type ImageType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'image/svg+xml';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function startsWith(bytes: Buffer, prefix: Buffer | string, at = 0): boolean {
  const p = typeof prefix === 'string' ? Buffer.from(prefix, 'latin1') : prefix;
  return bytes.length >= at + p.length && bytes.subarray(at, at + p.length).equals(p);
}

/** SVG: XML whose root element is <svg>, after any declaration, comments, doctype and whitespace. */
function isSvg(bytes: Buffer): boolean {
  let text = bytes.subarray(0, 4096).toString('utf8');
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  for (;;) {
    text = text.trimStart();
    const skip = /^(<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>)/i.exec(text);
    if (!skip) break;
    text = text.slice(skip[0].length);
  }
  return /^<(?:[A-Za-z_][\w.-]*:)?svg[\s>/]/.test(text);
}

export function sniffImageType(bytes: Buffer): ImageType | undefined {
  if (startsWith(bytes, PNG)) return 'image/png';
  if (startsWith(bytes, Buffer.from([0xff, 0xd8, 0xff]))) return 'image/jpeg';
  if (startsWith(bytes, 'GIF87a') || startsWith(bytes, 'GIF89a')) return 'image/gif';
  if (startsWith(bytes, 'RIFF') && startsWith(bytes, 'WEBP', 8)) return 'image/webp';
  if (isSvg(bytes)) return 'image/svg+xml';
  return undefined;
}
