import { ByteLru } from '../cache/byte-lru.ts';
import type { PlannedQuery } from '../catalog/answer-plan.ts';
import type { CompatMode } from '../manifest/update-selection.ts';
import { AnswerCache, planKey, type AnswerSigner, type AnswerSource, type CachedAnswer } from './answer-cache.ts';
import { PublishError } from './publish-errors.ts';

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

/** A query checked once: keep it to ask again for the same URL at the lowest cost. */
export interface PreparedQuery {
  id: string;
  planned: PlannedQuery;
  planKey: string;
}

/** appOS and appABI each stand for one half of a target platform (`WINNT`, `x86-msvc`). */
const PLATFORM_PART = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const COMPAT_MODES: readonly string[] = ['strict', 'normal', 'ignore'];

/** Without a shared budget (tests, tools), answers get a small one of their own. */
const OWN_CACHE_BYTES = 16 * 1024 * 1024;

/** A client's query checked once (feeds answer the same queries: feed-answers.ts). */
export function planned(query: UpdateQuery): PlannedQuery {
  return {
    appId: query.appID || undefined,
    appVersion: query.appVersion || undefined,
    compatMode: COMPAT_MODES.includes(query.compatMode ?? '') ? (query.compatMode as CompatMode) : 'normal',
    os: query.appOS && PLATFORM_PART.test(query.appOS) ? query.appOS : undefined,
    abi: query.appABI && PLATFORM_PART.test(query.appABI) ? query.appABI : undefined,
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
  cached(query: UpdateQuery | PreparedQuery): UpdateAnswer | undefined {
    const p = 'planned' in query ? query : this.prepare(query);
    return this.answers.peek(p.id, p.planned, p.planKey);
  }

  prepare(query: UpdateQuery): PreparedQuery {
    return { id: query.id, planned: planned(query), planKey: planKey(query.id) };
  }

  async answer(query: UpdateQuery | PreparedQuery): Promise<UpdateAnswer> {
    const p = 'planned' in query ? query : this.prepare(query);
    const answer = await this.answers.get(p.id, p.planned);
    if (!answer) throw new PublishError('ADDON_NOT_FOUND', `No add-on ${p.id}.`);
    return answer;
  }
}
