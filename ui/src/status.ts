// Run statuses: the groups the runs page shows them in, and whether a run can still change.

export const GROUPS = [
  { key: 'approval', title: 'Approval required', statuses: ['review_required', 'interaction_required', 'paused'] },
  { key: 'running', title: 'Running', statuses: ['running', 'canceling'] },
  { key: 'waiting', title: 'Waiting', statuses: ['created', 'queued'] },
  { key: 'failed', title: 'Failed', statuses: ['failed', 'terminated', 'timed_out', 'canceled'] },
  { key: 'finished', title: 'Finished', statuses: ['completed'] },
] as const;

export const TERMINAL = ['completed', 'failed', 'terminated', 'timed_out', 'canceled'];

export function isTerminal(status: string): boolean {
  return TERMINAL.includes(status);
}

/** Whether a person can still cancel a run in this status. */
export function isCancelable(status: string): boolean {
  return !isTerminal(status) && status !== 'canceling';
}
