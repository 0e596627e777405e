// The runs page's search box and filters (run type, plan, creation dates); what they hold lives
// in the URL, through `onChange`.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { useLoad } from '../../components/useLoad';
import { SEARCH_MAX, SEARCH_MIN, searchUsable, type RunFilters } from './query';

interface PlanItem {
  workflow_permanent_id: string;
  title?: string | null;
}

const SEARCH_DELAY_MS = 400;

export function FilterBar({ filters, onChange }: { filters: RunFilters; onChange: (changes: Partial<RunFilters>) => void }) {
  const plans = useLoad(() => api<PlanItem[]>('/agents?page_size=100'), []);
  const [text, setText] = useState(filters.q);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  // The URL may change on its own (back, a link): the box follows it.
  useEffect(() => {
    if (filters.q !== text.trim()) setText(filters.q);
  }, [filters.q]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const search = (value: string) => {
    clearTimeout(timer.current);
    // A key the API would refuse (too short) searches nothing yet.
    const q = searchUsable(value) ? value.trim() : '';
    if (q !== filters.q) onChange({ q });
  };
  const length = text.trim().length;
  const tooShort = length > 0 && length < SEARCH_MIN;
  const any = filters.q || filters.type || filters.plan || filters.from || filters.to;

  return (
    <form
      class="run-filters panel"
      role="search"
      aria-label="Search and filter runs"
      onSubmit={(event) => {
        event.preventDefault();
        search(text);
      }}
    >
      <div class="field run-search">
        <label for="run-search">Search runs</label>
        <div class="row">
          <input
            id="run-search"
            type="search"
            value={text}
            maxLength={SEARCH_MAX}
            aria-describedby="run-search-hint"
            onInput={(event) => {
              const value = event.currentTarget.value;
              setText(value);
              clearTimeout(timer.current);
              timer.current = setTimeout(() => search(value), SEARCH_DELAY_MS);
            }}
          />
          <button type="submit">Search</button>
        </div>
        <p class="hint" id="run-search-hint">
          {tooShort
            ? `Type at least ${SEARCH_MIN} characters.`
            : 'Every word is looked for in titles, URLs, prompts, outputs, errors and the agent’s thoughts; "quoted words" stand together, flig* is a prefix.'}
        </p>
      </div>
      <div class="run-filter-row">
        <div class="field">
          <label for="run-type">Run type</label>
          <select id="run-type" value={filters.type} onChange={(event) => onChange({ type: event.currentTarget.value })}>
            <option value="">All runs</option>
            <option value="task">Tasks</option>
            <option value="plan">Plan runs</option>
          </select>
        </div>
        <div class="field">
          <label for="run-plan">Plan</label>
          <select id="run-plan" value={filters.plan} onChange={(event) => onChange({ plan: event.currentTarget.value })}>
            <option value="">Any plan</option>
            {filters.plan && !plans.data?.some((plan) => plan.workflow_permanent_id === filters.plan) && (
              <option value={filters.plan}>{filters.plan}</option>
            )}
            {plans.data?.map((plan) => (
              <option key={plan.workflow_permanent_id} value={plan.workflow_permanent_id}>
                {plan.title || plan.workflow_permanent_id}
              </option>
            ))}
          </select>
          {plans.error && <p class="field-error">Plans could not be listed: {plans.error}</p>}
        </div>
        <div class="field">
          <label for="run-from">Created from</label>
          <input id="run-from" type="date" value={filters.from} max={filters.to || undefined} onChange={(event) => onChange({ from: event.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="run-to">Created until</label>
          <input id="run-to" type="date" value={filters.to} min={filters.from || undefined} onChange={(event) => onChange({ to: event.currentTarget.value })} />
        </div>
        <div class="field run-clear">
          <button
            type="button"
            class="secondary"
            disabled={!any}
            onClick={() => {
              setText('');
              onChange({ q: '', type: '', plan: '', from: '', to: '' });
            }}
          >
            Clear filters
          </button>
        </div>
      </div>
    </form>
  );
}
