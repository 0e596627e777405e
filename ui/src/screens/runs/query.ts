// The runs page's state in its URL query (search, filters, each group's page), so a reload or
// a shared link shows the same runs; and the API query each status group is loaded with.
import { navigate, useLocation } from '../../router';

export interface RunFilters {
  /** Full-text search (`search_key`). */
  q: string;
  /** '' | 'task' | 'plan'. */
  type: string;
  /** A plan's `workflow_permanent_id`. */
  plan: string;
  /** Created on or after this day (YYYY-MM-DD, the reader's time zone). */
  from: string;
  /** Created on or before this day (YYYY-MM-DD). */
  to: string;
}

const FILTER_KEYS: (keyof RunFilters)[] = ['q', 'type', 'plan', 'from', 'to'];
export const RUN_TYPES: Record<string, string> = { task: 'task_v1', plan: 'workflow_run' };
/** Shortest and longest search the API accepts. */
export const SEARCH_MIN = 3;
export const SEARCH_MAX = 200;

const pageKey = (group: string) => `${group}_page`;

export function readFilters(query: URLSearchParams): RunFilters {
  const filters = { q: '', type: '', plan: '', from: '', to: '' };
  for (const key of FILTER_KEYS) filters[key] = query.get(key) ?? '';
  return filters;
}

export function readPage(query: URLSearchParams, group: string): number {
  const n = Number(query.get(pageKey(group)));
  return Number.isInteger(n) && n > 1 ? n : 1;
}

/** Whether the search text is one the API would take (else it is not sent). */
export function searchUsable(q: string): boolean {
  const length = q.trim().length;
  return length >= SEARCH_MIN && length <= SEARCH_MAX;
}

/** A local day's start as RFC 3339 (UTC); `days` later with `days`. */
function dayStart(day: string, days = 0): string | null {
  const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!parts) return null;
  const date = new Date(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3]) + days);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** `/runs?status=…&…` for a group's statuses under the filters (without page and size). */
export function listPath(statuses: readonly string[], filters: RunFilters): string {
  const params = new URLSearchParams();
  for (const status of statuses) params.append('status', status);
  if (searchUsable(filters.q)) params.set('search_key', filters.q.trim());
  if (RUN_TYPES[filters.type]) params.set('run_type', RUN_TYPES[filters.type]);
  if (filters.plan) params.set('workflow_permanent_id', filters.plan);
  const after = filters.from && dayStart(filters.from);
  if (after) params.set('created_after', after);
  // The "to" day is included: runs created before the next day's start.
  const before = filters.to && dayStart(filters.to, 1);
  if (before) params.set('created_before', before);
  return `/runs?${params}`;
}

/** Replaces the URL's query without a reload, keeping the scroll position. */
function replaceQuery(path: string, query: URLSearchParams): void {
  const y = window.scrollY;
  const text = query.toString();
  navigate(text ? `${path}?${text}` : path, true);
  window.scrollTo(0, y);
}

/** The page's query state and the ways to change it. */
export function useRunsQuery() {
  const { path, query } = useLocation();
  return {
    filters: readFilters(query),
    page: (group: string) => readPage(query, group),
    /** Changes filters; every group goes back to its first page. */
    setFilters(changes: Partial<RunFilters>) {
      const next = new URLSearchParams(query);
      for (const [key, value] of Object.entries(changes)) {
        if (value) next.set(key, value);
        else next.delete(key);
      }
      for (const key of [...next.keys()]) if (key.endsWith('_page')) next.delete(key);
      replaceQuery(path, next);
    },
    setPage(group: string, page: number) {
      const next = new URLSearchParams(query);
      if (page > 1) next.set(pageKey(group), String(page));
      else next.delete(pageKey(group));
      replaceQuery(path, next);
    },
  };
}
