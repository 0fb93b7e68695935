import { ByteLru } from '../cache/byte-lru.ts';
import type { PlannedQuery } from '../catalog/answer-plan.ts';
import type { CompatMode } from '../manifest/update-selection.ts';
import { AnswerCache, type AnswerSigner, type AnswerSource, type CachedAnswer } from './answer-cache.ts';
import { PublishError } from './publish.ts';

/** What clients put in an update URL (update-protocols.md §2), already URL-decoded. */
export interface UpdateQuery {
  id: string;
  appID?: string;
  appVersion?: string;
  appOS?: string;
  appABI?: string;
  compatMode?: string;
}

export type UpdateAnswer = CachedAnswer;

/** appOS and appABI each stand for one half of a target platform (`WINNT`, `x86-msvc`). */
const PLATFORM_PART = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const COMPAT_MODES: readonly string[] = ['strict', 'normal', 'ignore'];

/** Without a shared budget (tests, tools), answers get a small one of their own. */
const OWN_CACHE_BYTES = 16 * 1024 * 1024;

function planned(query: UpdateQuery): PlannedQuery {
  return {
    ...(query.appID ? { appId: query.appID } : {}),
    ...(query.appVersion ? { appVersion: query.appVersion } : {}),
    compatMode: COMPAT_MODES.includes(query.compatMode ?? '') ? (query.compatMode as CompatMode) : 'normal',
    ...(query.appOS && PLATFORM_PART.test(query.appOS) ? { os: query.appOS } : {}),
    ...(query.appABI && PLATFORM_PART.test(query.appABI) ? { abi: query.appABI } : {}),
  };
}

/**
 * One update URL for every client. Without an application version the answer is what the
 * pre-rendered document nginx would pick says (same bytes); with one, the versions are filtered
 * as addons.mozilla.org does. Either way the answer comes from AnswerCache: rendered and signed
 * once per distinct content, not per request.
 */
export class UpdateQueryService {
  private readonly answers: AnswerCache;

  constructor(source: AnswerSource, signer: AnswerSigner, memory: ByteLru = new ByteLru(OWN_CACHE_BYTES)) {
    this.answers = new AnswerCache(source, signer, memory);
  }

  /** The answer when it is ready in memory, else undefined (then answer() builds it). */
  cached(query: UpdateQuery): UpdateAnswer | undefined {
    return this.answers.peek(query.id, planned(query));
  }

  async answer(query: UpdateQuery): Promise<UpdateAnswer> {
    const answer = await this.answers.get(query.id, planned(query));
    if (!answer) throw new PublishError('ADDON_NOT_FOUND', `No add-on ${query.id}.`);
    return answer;
  }
}
