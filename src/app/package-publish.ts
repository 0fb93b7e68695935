import { openZip } from '../package/zip-reader.ts';
import { openZipFile } from '../storage/file-zip-source.ts';
import { stagedHead } from '../storage/staged-reads.ts';
import type { ChromiumPublishService } from './chromium-publish.ts';
import type { JamiPublishService } from './jami-publish.ts';
import type { Actor } from './publish-errors.ts';
import type { PublishResult, StagedUpload } from './publish-pipeline.ts';
import type { PublishOptions, XpiPublishService } from './xpi-publish.ts';
import type { VpnChannel } from './outpost.ts';
import { VpnError } from '../vpn/vpn-errors.ts';

/**
 * One door for every package format. A file named .jpl is a Jami plugin (so an unsigned one gets
 * the Jami checks' error); otherwise the content decides: a ZIP with the daemon's `signatures`
 * and `signatures.sig` and no install.rdf is one too, whatever it is called.
 */
export async function isJamiPlugin(upload: StagedUpload): Promise<boolean> {
  if (upload.originalName && /\.jpl$/i.test(upload.originalName)) return true;
  try {
    const zip = await openZip(await openZipFile(upload.path));
    try {
      return zip.has('signatures.sig') && zip.has('signatures') && !zip.has('install.rdf');
    } finally {
      zip.close();
    }
  } catch {
    return false;
  }
}

/** The magic numbers the formats are told apart by. */
const MAGIC = { crx: 'Cr24', zip: 'PK\x03\x04', rcc: 'qres' } as const;

/** A Mozilla VPN add-on (a Qt resource) starts with "qres", whatever its name. */
export async function isVpnPackage(file: string): Promise<boolean> {
  return (await stagedHead(file, 4)).toString('latin1') === MAGIC.rcc;
}

/**
 * A Chromium extension: a CRX3 (starts with "Cr24", whatever its name), or a plain ZIP to pack,
 * named .zip or sent with the field kind=chromium (a browser's ZIP is otherwise an XPI).
 */
function chromiumKind(head: string, upload: StagedUpload, kind: string | undefined): 'crx' | 'zip' | undefined {
  if (head === MAGIC.crx) return 'crx';
  if (kind === 'chromium') return 'zip';
  if (upload.originalName && /\.zip$/i.test(upload.originalName) && head === MAGIC.zip) return 'zip';
  return undefined;
}

export class PackagePublisher {
  /** The VPN index of that name; the first (production) when none is named. */
  vpnChannel(name: string | undefined): VpnChannel {
    const channel = name === undefined ? this.vpnChannels[0] : this.vpnChannels.find((c) => c.name === name);
    if (!channel) throw new VpnError('VPN_CHANNEL_UNKNOWN', `No VPN channel "${String(name).slice(0, 64)}"; this server has ${this.vpnChannels.map((c) => c.name).join(', ')}.`);
    return channel;
  }

  constructor(
    private readonly xpi: XpiPublishService,
    private readonly jami: JamiPublishService,
    private readonly chromium: ChromiumPublishService,
    private readonly vpnChannels: readonly VpnChannel[],
  ) {}

  /**
   * `kind`: the multipart field; "chromium" asks for a plain ZIP to be packed as a CRX.
   * `channel`: the VPN index a Mozilla VPN add-on goes to (production when not given).
   */
  async publish(upload: StagedUpload, actor: Actor, options: PublishOptions & { allowKeyChange?: boolean; kind?: string; channel?: string } = {}): Promise<PublishResult> {
    // Read once: a Mozilla VPN add-on (a Qt resource) always starts with "qres", whatever its name.
    const head = (await stagedHead(upload.path, 4)).toString('latin1');
    if (head === MAGIC.rcc) return this.vpnChannel(options.channel).service.publish(upload, actor);
    if (options.channel !== undefined) throw new VpnError('VPN_CHANNEL_UNKNOWN', 'Only Mozilla VPN add-ons (.rcc) go to a channel; send this package without one.');
    const chromium = chromiumKind(head, upload, options.kind);
    if (chromium) return this.chromium.publish(upload, actor, { pack: chromium === 'zip' });
    if (await isJamiPlugin(upload)) return this.jami.publish(upload, actor, { allowKeyChange: options.allowKeyChange });
    return this.xpi.publish(upload, actor, options);
  }
}
