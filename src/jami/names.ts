import { children, decodeOid, DerError, TAG, type DerNode } from './der.ts';

/** Reading X.501 Names: the common name a Jami client shows as a plugin's author. */

const OID_COMMON_NAME = '2.5.4.3';

function decodeDirectoryString(node: DerNode): string {
  switch (node.tag) {
    case TAG.UTF8_STRING:
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
      return node.content.toString('utf8');
    case TAG.TELETEX_STRING:
      // T.61 in theory; in practice every CA that still writes it means Latin-1.
      return node.content.toString('latin1');
    case TAG.BMP_STRING: {
      const swapped = Buffer.from(node.content);
      if (swapped.length % 2 !== 0) throw new DerError('BMPString of odd length');
      return swapped.swap16().toString('utf16le');
    }
    case TAG.UNIVERSAL_STRING: {
      if (node.content.length % 4 !== 0) throw new DerError('UniversalString length is not a multiple of 4');
      const points: number[] = [];
      for (let i = 0; i < node.content.length; i += 4) points.push(node.content.readUInt32BE(i));
      return String.fromCodePoint(...points);
    }
    default:
      throw new DerError('unsupported string type in a Name');
  }
}

/**
 * The first commonName of a Name, as the daemon reads the issuer's (gnutls index 0), or undefined
 * when the Name has none.
 */
export function commonName(name: DerNode): string | undefined {
  for (const rdn of children(name)) {
    for (const attribute of children(rdn)) {
      const [type, value] = children(attribute);
      if (decodeOid(type, 'Name attribute') === OID_COMMON_NAME && value) return decodeDirectoryString(value);
    }
  }
  return undefined;
}

/** Compares two Names. Byte equality is what conforming CAs produce for a certificate's issuer. */
export function sameName(a: Buffer, b: Buffer): boolean {
  return a.equals(b);
}
