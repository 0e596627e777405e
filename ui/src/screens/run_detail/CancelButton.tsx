// Cancel, behind a confirmation: the run stops, its webhook fires with `canceled`.
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { ConfirmDialog } from '../../components/Dialog';
import { ErrorBox } from '../../components/Notice';
import { useAction } from '../../components/useAction';

export function CancelButton({ runId, onCanceled }: { runId: string; onCanceled: () => void }) {
  const [open, setOpen] = useState(false);
  const { error, run: cancel } = useAction(async () => {
    await api(`/runs/${encodeURIComponent(runId)}/cancel`, 'POST');
    onCanceled();
  });
  return (
    <>
      <button type="button" class="danger" onClick={() => setOpen(true)}>
        Cancel
      </button>
      {error && <ErrorBox title="The run could not be canceled">{error}</ErrorBox>}
      <ConfirmDialog
        title="Cancel this run?"
        message={<p>The run stops now and ends canceled; its webhook fires with the canceled status. Actions already taken are not undone.</p>}
        confirm="Cancel the run"
        danger
        open={open}
        onConfirm={cancel}
        onClose={() => setOpen(false)}
      />
    </>
  );
}
