// The runs page (home): every run grouped by status, five a page in each group, with search and
// filters kept in the URL; groups follow the runs' status changes live.
import { Link } from '../router';
import { GROUPS } from '../status';
import { FilterBar } from './runs/FilterBar';
import { listPath, searchUsable, useRunsQuery } from './runs/query';
import { RunGroup } from './runs/RunGroup';
import { useGroupRefresh } from './runs/useGroupRefresh';
import './runs/runs.css';

export function Runs() {
  const { filters, page, setFilters, setPage } = useRunsQuery();
  const refresh = useGroupRefresh();
  const filtered = searchUsable(filters.q) || !!(filters.type || filters.plan || filters.from || filters.to);
  return (
    <div class="runs-page">
      <div class="runs-head">
        <div>
          <h1>Runs</h1>
          <p class="muted">What the agent is doing and has done, by status. Open a run to watch it or see what it did.</p>
        </div>
        <Link href="/runs/new" class="button">
          New run
        </Link>
      </div>
      <FilterBar filters={filters} onChange={setFilters} />
      {GROUPS.map((group) => (
        <RunGroup
          key={group.key}
          groupKey={group.key}
          title={group.title}
          path={listPath(group.statuses, filters)}
          page={page(group.key)}
          refresh={refresh[group.key] ?? 0}
          filtered={filtered}
          onPage={(n) => setPage(group.key, n)}
        />
      ))}
    </div>
  );
}
