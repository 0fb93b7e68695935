import { openZip } from '../package/zip-reader.ts';
import { openZipFile } from '../storage/file-zip-source.ts';
import type { JamiPublishService } from './jami-publish.ts';
import type { Actor, PublishOptions, PublishResult, PublishService, StagedUpload } from './publish.ts';

/**
 * One door for every package format: an upload is a Jami plugin when its name ends in .jpl or
 * it carries the daemon's `signatures.sig`, otherwise an XPI (whose inspection reports anything
 * that is neither).
 */
export async function isJamiPlugin(upload: StagedUpload): Promise<boolean> {
  if (upload.originalName && /\.jpl$/i.test(upload.originalName)) return true;
  if (upload.originalName && /\.xpi$/i.test(upload.originalName)) return false;
  try {
    const zip = await openZip(await openZipFile(upload.path));
    try {
      return zip.has('signatures.sig') && zip.has('signatures');
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
