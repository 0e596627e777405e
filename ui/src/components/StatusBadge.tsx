// A run's status as a colour-coded badge; the words stay, so colour is never the only signal.
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status.replace(/_/g, ' ')}</span>;
}
