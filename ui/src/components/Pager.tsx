// Previous / next over numbered pages.
export function Pager(props: { page: number; pages: number; label: string; onPage: (page: number) => void }) {
  if (props.pages <= 1) return null;
  return (
    <nav class="pager" aria-label={`${props.label} pages`}>
      <button type="button" class="secondary small" disabled={props.page <= 1} onClick={() => props.onPage(props.page - 1)}>
        Previous
      </button>
      <span>
        Page {props.page} of {props.pages}
      </span>
      <button type="button" class="secondary small" disabled={props.page >= props.pages} onClick={() => props.onPage(props.page + 1)}>
        Next
      </button>
    </nav>
  );
}
