// A status group of the runs page: its heading with the count, five runs a page, its own pager.
import { ErrorBox, Loading } from '../../components/Notice';
import { Pager } from '../../components/Pager';
import { useLoad } from '../../components/useLoad';
import { fetchPage, type Page } from './fetchPage';
import { RunRow } from './RunRow';
import type { RunItem } from './types';

export const PAGE_SIZE = 5;

const EMPTY: Record<string, string> = {
  approval: 'Nothing waits for a person.',
  running: 'Nothing is running.',
  waiting: 'Nothing is waiting.',
  failed: 'No failed runs.',
  finished: 'No finished runs yet.',
};

/** The group's size: the API's total, else what the pages so far show ("10+" when more follow). */
function countOf(data: Page<RunItem>, page: number): string {
  if (data.total !== null) return String(data.total);
  const seen = (page - 1) * PAGE_SIZE + data.items.length;
  return data.hasNext ? `${seen}+` : String(seen);
}

function pagesOf(data: Page<RunItem>, page: number): number {
  if (data.total !== null) return Math.max(1, Math.ceil(data.total / PAGE_SIZE));
  return data.hasNext ? page + 1 : page;
}

export function RunGroup(props: {
  groupKey: string;
  title: string;
  path: string;
  page: number;
  /** Changes when the group must load again (a run changed, the stream reconnected). */
  refresh: number;
  filtered: boolean;
  onPage: (page: number) => void;
}) {
  const { data, error, loading } = useLoad(() => fetchPage<RunItem>(props.path, props.page, PAGE_SIZE), [props.path, props.page, props.refresh]);
  const headingId = `group-${props.groupKey}`;
  const count = data ? countOf(data, props.page) : null;
  const pages = data ? pagesOf(data, props.page) : props.page;
  const empty = data && data.items.length === 0 && props.page === 1;
  return (
    <section class={`run-group${empty ? ' run-group-empty' : ''}`} aria-labelledby={headingId} aria-busy={loading}>
      <h2 id={headingId}>
        {props.title}{' '}
        <span class="group-count">
          {count ?? '…'}
          <span class="sr-only"> {count === '1' ? 'run' : 'runs'}</span>
        </span>
      </h2>
      {error && <ErrorBox title={`The ${props.title.toLowerCase()} runs could not be loaded`}>{error}</ErrorBox>}
      {!data && !error && <Loading />}
      {empty && <p class="empty">{props.filtered ? 'None match the filters.' : EMPTY[props.groupKey]}</p>}
      {data && data.items.length === 0 && props.page > 1 && (
        <p class="empty">
          This page is empty now.{' '}
          <button type="button" class="secondary small" onClick={() => props.onPage(1)}>
            Back to the first page
          </button>
        </p>
      )}
      {data && data.items.length > 0 && (
        <div class="table-wrap">
          <table class="runs-table" aria-labelledby={headingId}>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Plan</th>
                <th scope="col">Status</th>
                <th scope="col">Duration</th>
                <th scope="col">Steps</th>
                <th scope="col">Tokens</th>
                <th scope="col">Cost</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((run) => (
                <RunRow key={run.run_id} run={run} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={props.page} pages={pages} label={props.title} onPage={props.onPage} />
    </section>
  );
}
