import { describe, expect, it } from 'vitest';
import { isNewerForClient, isNewerForDaemon, jamiVersionWarnings } from '../../../src/jami/jami-version.ts';

describe('jamiVersionWarnings', () => {
  // previous, next, newer for the Qt client, newer for the daemon
  const TABLE: [string, string, boolean, boolean][] = [
    ['1.0.0', '1.0.1', true, true],
    ['1.0.9', '1.1.0', true, true],
    ['1.9', '1.10', true, false], // the spec's example: an update for the client, refused by the daemon
    ['2.9.0', '2.10.0', true, false],
    ['1.0', '1.0.1', false, true], // different part counts: the client never offers it
    ['1.0.1', '1.1', false, true],
    ['1.0.0', '1.0.0', false, false],
    ['1.2.0', '1.1.9', false, false],
    ['1.10', '1.9', false, true], // a downgrade the daemon would install
    ['1.0.0', '1.0.0-beta', false, true],
    ['1.a', '1.1', true, false], // Qt reads "a" as 0; as text "1.1" < "1.a"
  ];

  it.each(TABLE)('%s → %s: client %s, daemon %s', (previous, next, client, daemon) => {
    expect(isNewerForClient(previous, next)).toBe(client);
    expect(isNewerForDaemon(previous, next)).toBe(daemon);
    const codes = jamiVersionWarnings(previous, next).map((w) => w.code);
    expect(codes).toEqual([...(client ? [] : ['JPL_VERSION_NOT_NEWER_CLIENT']), ...(daemon ? [] : ['JPL_VERSION_NOT_NEWER_DAEMON'])]);
  });

  it('explains each warning in words that name both versions', () => {
    const [client, daemon] = jamiVersionWarnings('1.0', '0.9.9');
    expect(client?.message).toContain('same number of parts');
    expect(daemon?.message).toContain('"0.9.9"');
  });
});
