/** Long lists are shown a page at a time: the page renders in the same time with 50 or 100 000 rows. */
export const PAGE_SIZE = 50;

export interface PageOf<T> {
  items: T[];
  total: number;
  /** 1-based, clamped to the pages that exist. */
  page: number;
  pages: number;
  /** 1-based position of the first item shown (0 when there is none). */
  from: number;
  to: number;
}

/** A `?page=` value: anything that is not a positive whole number means the first page. */
export function pageNumber(value: unknown): number {
  const n = Number(typeof value === 'string' ? value : NaN);
  return Number.isSafeInteger(n) && n > 0 ? n : 1;
}

export function pageOf<T>(all: readonly T[], page: number, size = PAGE_SIZE): PageOf<T> {
  const pages = Math.max(1, Math.ceil(all.length / size));
  const current = Math.min(Math.max(1, page), pages);
  const start = (current - 1) * size;
  const items = all.slice(start, start + size);
  return { items, total: all.length, page: current, pages, from: items.length ? start + 1 : 0, to: start + items.length };
}

export interface PagerLinks {
  page: number;
  pages: number;
  from: number;
  to: number;
  total: number;
  prev?: string;
  next?: string;
}

/** Previous/next links that keep the current filters (empty ones are left out of the URL). */
export function pagerLinks(path: string, params: Record<string, string>, page: PageOf<unknown>): PagerLinks {
  const href = (n: number) => {
    const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
    if (n > 1) query.set('page', String(n));
    const text = query.toString();
    return text ? `${path}?${text}` : path;
  };
  return {
    page: page.page,
    pages: page.pages,
    from: page.from,
    to: page.to,
    total: page.total,
    ...(page.page > 1 ? { prev: href(page.page - 1) } : {}),
    ...(page.page < page.pages ? { next: href(page.page + 1) } : {}),
  };
}
