import { AmsError } from './ams-error.js';

/** What a list request asks the store for: `size` 0 means everything; `after` is a position from a previous page. */
export interface PageQuery {
  readonly size: number;
  readonly after?: string;
}

/** One page, newest first (spec 1.7). `next` is the position of the next page's first item, null on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly next: string | null;
  readonly total: number;
}

/** `pageSize`: absent, 0 or negative = everything; anything not an integer is 400 `Invalid page size`. */
export function parsePageSize(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  if (!/^[+-]?\d+$/.test(raw)) throw AmsError.invalid('Invalid page size');
  const size = Number(raw);
  if (!Number.isSafeInteger(size)) throw AmsError.invalid('Invalid page size');
  return Math.max(size, 0);
}

export function encodePageToken(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64');
}

/** An opaque token back to the store's position; undecodable is 400 `Invalid page token`. */
export function decodePageToken(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw AmsError.invalid('Invalid page token');
  const position = Buffer.from(token, 'base64').toString('utf8');
  if (encodePageToken(position) !== token) throw AmsError.invalid('Invalid page token');
  return position;
}

export function pageQuery(pageSize: string | undefined, pageToken: string | undefined): PageQuery {
  return { size: parsePageSize(pageSize), after: decodePageToken(pageToken) };
}

/** Wire shape of a page: `{"<key>":[...],"nextPageToken":"","totalSize":N}`. */
export function pageBody<T, K extends string>(
  key: K,
  page: Page<unknown>,
  items: T[],
): Record<K, T[]> & { nextPageToken: string; totalSize: number } {
  return {
    [key]: items,
    nextPageToken: page.next === null ? '' : encodePageToken(page.next),
    totalSize: page.total,
  } as Record<K, T[]> & { nextPageToken: string; totalSize: number };
}
