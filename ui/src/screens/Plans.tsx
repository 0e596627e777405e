// The plans: a searchable, paged list with each plan's version, last change and block count,
// and actions to run or edit it.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { CopyButton } from '../components/CopyButton';
import { Empty, ErrorBox, Loading } from '../components/Notice';
import { useLoad } from '../components/useLoad';
import { formatTime } from '../format';
import { Link } from '../router';
import type { Block } from './plan_run/model';
import { RunPlanDialog, type RunnablePlan } from './plans/RunPlanDialog';
import './plans/plans.css';

const PAGE_SIZE = 20;

interface PlanItem extends RunnablePlan {
  version: number;
  modified_at: string;
  workflow_definition: RunnablePlan['workflow_definition'] & { blocks?: Block[] };
}

function countBlocks(blocks: Block[] | undefined): number {
  return (blocks ?? []).reduce((n, b) => n + 1 + countBlocks(b.loop_blocks), 0);
}

export function Plans() {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(1);
  const [running, setRunning] = useState<PlanItem | null>(null);
  // Search as one types, a moment after the last key.
  useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(search.trim());
      setPage(1);
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);
  const plans = useLoad(() => {
    const params = new URLSearchParams({ page: String(page), page_size: String(PAGE_SIZE) });
    if (query) params.set('title', query);
    return api<PlanItem[]>(`/agents?${params}`);
  }, [query, page]);
  const list = plans.data ?? [];

  return (
    <section class="plans">
      <div class="page-head">
        <h1>Plans</h1>
        <Link href="/plans/new" class="button">
          New plan
        </Link>
      </div>
      <form class="plans-search" role="search" onSubmit={(e) => e.preventDefault()}>
        <label for="plan-search">Search titles</label>
        <input id="plan-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} placeholder="Title contains…" />
      </form>
      {plans.error && <ErrorBox title="The plans could not be loaded">{plans.error}</ErrorBox>}
      {plans.loading && !plans.data && <Loading />}
      {plans.data && list.length === 0 && <Empty>{query ? `No plan’s title contains “${query}”.` : 'No plans yet. Write one with “New plan”.'}</Empty>}
      {list.length > 0 && (
        <div class="table-wrap">
          <table class="plans-table">
            <caption class="visually-hidden">Plans{query ? ` whose title contains ${query}` : ''}</caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">ID</th>
                <th scope="col">Version</th>
                <th scope="col">Updated</th>
                <th scope="col">Blocks</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((plan) => (
                <tr key={plan.workflow_permanent_id}>
                  <th scope="row">
                    <Link href={`/plans/${plan.workflow_permanent_id}`}>{plan.title || '(untitled)'}</Link>
                  </th>
                  <td class="id-cell" data-label="ID">
                    <code>{plan.workflow_permanent_id}</code> <CopyButton text={plan.workflow_permanent_id} label="Copy ID" />
                  </td>
                  <td data-label="Version">v{plan.version}</td>
                  <td data-label="Updated">{formatTime(plan.modified_at)}</td>
                  <td data-label="Blocks">{countBlocks(plan.workflow_definition.blocks)}</td>
                  <td class="actions">
                    <button type="button" class="small" onClick={() => setRunning(plan)} aria-label={`Run ${plan.title}`}>
                      Run
                    </button>{' '}
                    <Link href={`/plans/${plan.workflow_permanent_id}`} class="button secondary small" aria-label={`Edit ${plan.title}`}>
                      Edit
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(page > 1 || list.length === PAGE_SIZE) && (
        <nav class="pager" aria-label="Plans pages">
          <button type="button" class="secondary small" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>Page {page}</span>
          <button type="button" class="secondary small" disabled={list.length < PAGE_SIZE} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
      <RunPlanDialog plan={running} onClose={() => setRunning(null)} />
    </section>
  );
}
