import { openZip } from '../package/zip-reader.ts';
import { openZipFile } from '../storage/file-zip-source.ts';
import type { JamiPublishService } from './jami-publish.ts';
import type { Actor, PublishOptions, PublishResult, PublishService, StagedUpload } from './publish.ts';

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

export class PackagePublisher {
  constructor(
    private readonly xpi: PublishService,
    private readonly jami: JamiPublishService,
  ) {}

  async publish(upload: StagedUpload, actor: Actor, options: PublishOptions & { allowKeyChange?: boolean } = {}): Promise<PublishResult> {
    if (await isJamiPlugin(upload)) return this.jami.publish(upload, actor, { allowKeyChange: options.allowKeyChange });
    return this.xpi.publish(upload, actor, options);
  }
}
