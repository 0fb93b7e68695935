import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../../helpers/jami-expect.ts';
import { decodeZstdFrames } from '../../../src/app/bounded-zstd.ts';
import { inspectVpnUpload } from '../../../src/app/vpn-inspect.ts';
import { RCC, RCC_SERVING } from '../../../src/limits.ts';
import { readRcc, zstdFramesOf } from '../../../src/vpn/rcc-read.ts';
import { VpnError } from '../../../src/vpn/vpn-errors.ts';
import { checkZstdFrame, readZstdHeader } from '../../../src/vpn/zstd-frame.ts';
import { rccWithZstdEntry, spinningZstdFrame, zstdFrame } from './rcc-build.ts';
import { fixture, SOURCES, vpnCode } from './vpn-fixtures.ts';

/**
 * The server's zstd decoding: off the event loop, within a deadline. The spinning frame is one the
 * frame checker passes and fzstd never finishes, so the deadline is all that stops it.
 */

const codeOf = (promise: Promise<unknown>): Promise<string> => errorCodeOf(promise, VpnError);

describe('bounded zstd decoding', () => {
  it('passes the frame checker with the spinning frame (so the checker alone would not save the server)', () => {
    const frame = spinningZstdFrame();
    expect(() => checkZstdFrame(frame, readZstdHeader(frame), RCC.maxZstdWindowBytes)).not.toThrow();
  });

  it('gives up on a frame fzstd never finishes, while the event loop keeps running', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      const code = await codeOf(decodeZstdFrames([{ path: 'x', frame: spinningZstdFrame(), size: 20 }], { deadlineMs: 300 }));
      expect(code).toBe('VPN_RCC_TOO_COMPLEX');
    } finally {
      clearInterval(timer);
    }
    // 300 ms of deadline: an event loop blocked by the decoder would not have ticked at all.
    expect(ticks).toBeGreaterThan(3);
  });

  it('turns an upload away at once when four others wait for the decoder', async () => {
    const spin = () => codeOf(decodeZstdFrames([{ path: 'x', frame: spinningZstdFrame(), size: 20 }], { deadlineMs: 200 }));
    const codes = await Promise.all([spin(), spin(), spin(), spin(), spin()]);
    expect(codes.sort()).toEqual(['VPN_RCC_BUSY', 'VPN_RCC_TOO_COMPLEX', 'VPN_RCC_TOO_COMPLEX', 'VPN_RCC_TOO_COMPLEX', 'VPN_RCC_TOO_COMPLEX']);
  });

  it('decodes the entries of a real zstd .rcc to the files rcc was given', async () => {
    const bytes = fixture('zstd');
    const decoded = await decodeZstdFrames(zstdFramesOf(bytes, RCC_SERVING));
    // rcc compresses only what compression makes smaller: here the translation file.
    expect([...decoded.keys()]).toEqual(['i18n/locale_en.xml']);
    for (const [path, content] of decoded) expect(content.equals(SOURCES[path]!), path).toBe(true);
    const addon = await inspectVpnUpload(bytes, { fileName: 'message_demo.rcc' });
    expect(addon.manifest.id).toBe('message_demo');
    expect(addon.files.find((f) => f.path === 'i18n/locale_en.xml')).toMatchObject({ compression: 'zstd', bytes: SOURCES['i18n/locale_en.xml'] });
  });

  it('refuses a frame fzstd rejects as corrupt, with VPN_RCC_INVALID', async () => {
    const frame = zstdFrame([{ raw: Buffer.from('abc') }], 3);
    frame[5 + 8] = 0x06; // the block header's type becomes compressed, its body garbage
    const code = await codeOf(decodeZstdFrames([{ path: 'x', frame, size: 3 }]).then(() => 'decoded'));
    expect(code).toBe('VPN_RCC_INVALID');
  });

  it('refuses an upload holding the spinning frame, and readRcc never decodes it on the caller\'s thread', async () => {
    const bytes = rccWithZstdEntry(spinningZstdFrame(), SOURCES['manifest.json']!);
    expect(zstdFramesOf(bytes, RCC_SERVING).map((f) => f.path)).toEqual(['extra.txt']);
    // The server's limits refuse an entry nobody decoded, instead of decoding it here.
    expect(vpnCode(() => readRcc(bytes, RCC_SERVING))).toBe('VPN_RCC_ZSTD_UNSUPPORTED');
    expect(await codeOf(inspectVpnUpload(bytes, { deadlineMs: 300 }))).toBe('VPN_RCC_TOO_COMPLEX');
  });

  it('refuses decoded content of another length than the entry declares', () => {
    const bytes = rccWithZstdEntry(zstdFrame([{ raw: Buffer.from('abcd') }], 4), SOURCES['manifest.json']!);
    expect(vpnCode(() => readRcc(bytes, RCC_SERVING, new Map([['extra.txt', Buffer.from('abc')]])))).toBe('VPN_RCC_INVALID');
    expect(readRcc(bytes, RCC_SERVING, new Map([['extra.txt', Buffer.from('wxyz')]])).files.find((f) => f.path === 'extra.txt')!.bytes.toString()).toBe('wxyz');
  });
});
