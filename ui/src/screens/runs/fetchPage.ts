// One page of a listing with its total, from the `x-total-count` header; without that header,
// it finds out whether a next page exists.
import { request } from '../../api';

export interface Page<T> {
  items: T[];
  /** All matching items over every page, when the API says (`x-total-count`). */
  total: number | null;
  hasNext: boolean;
}

/** A listing's items and its `x-total-count`, if the answer has one. */
async function getJson(path: string): Promise<{ body: unknown; total: number | null }> {
  const { body, headers } = await request(path);
  const header = headers.get('x-total-count');
  const total = header !== null && /^\d+$/.test(header.trim()) ? Number(header) : null;
  return { body, total };
}

/**
 * Page `page` (from 1) of `pageSize` items of `path` (which carries its other query parameters).
 * Without `x-total-count`, a full page is followed by a one-item request for the item just after
 * it (`page_size=1`, at the matching page number), which says whether there is a next page.
 */
export async function fetchPage<T>(path: string, page: number, pageSize: number): Promise<Page<T>> {
  const join = path.includes('?') ? '&' : '?';
  const { body, total } = await getJson(`${path}${join}page=${page}&page_size=${pageSize}`);
  const items = Array.isArray(body) ? (body as T[]) : [];
  if (total !== null) return { items, total, hasNext: page * pageSize < total };
  if (items.length < pageSize) return { items, total: null, hasNext: false };
  const after = await getJson(`${path}${join}page=${page * pageSize + 1}&page_size=1`);
  return { items, total: null, hasNext: Array.isArray(after.body) && after.body.length > 0 };
}
