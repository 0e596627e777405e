// Extend and Close for one open session, each behind its own dialog.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api';
import { ConfirmDialog, Dialog } from '../../components/Dialog';
import { useAction } from '../../components/useAction';
import type { BrowserSession } from './model';
import { FormActions } from '../../components/FormActions';

export function SessionActions(props: { session: BrowserSession; onChanged: (session: BrowserSession) => void; onError: (message: string) => void }) {
  const { session } = props;
  const [extending, setExtending] = useState(false);
  const [closing, setClosing] = useState(false);
  const id = session.browser_session_id;

  const close = async () => {
    try {
      props.onChanged(await api<BrowserSession>(`/browser_sessions/${id}/close`, 'POST'));
    } catch (e) {
      props.onError(e instanceof ApiError ? e.message : String(e));
    }
  };

  if (session.status !== 'running') return null;
  return (
    <div class="row">
      <button type="button" class="secondary small" onClick={() => setExtending(true)} aria-label={`Extend ${id}`}>
        Extend
      </button>
      <button type="button" class="danger small" onClick={() => setClosing(true)} aria-label={`Close ${id}`}>
        Close
      </button>
      <ExtendDialog
        session={session}
        open={extending}
        onClose={() => setExtending(false)}
        onExtended={(next) => {
          setExtending(false);
          props.onChanged(next);
        }}
      />
      <ConfirmDialog
        title="Close this session?"
        open={closing}
        danger
        confirm="Close session"
        onClose={() => setClosing(false)}
        onConfirm={close}
        message={
          <p>
            Session <code>{id}</code> ends now and its browser is closed. A run using it ends canceled, and runs waiting for it
            are not started.
            {session.generate_browser_profile ? ' Its storage is kept, to be saved as a browser profile.' : ''}
          </p>
        }
      />
    </div>
  );
}

function ExtendDialog(props: { session: BrowserSession; open: boolean; onClose: () => void; onExtended: (session: BrowserSession) => void }) {
  const [minutes, setMinutes] = useState('30');
  const { busy, error, run: extend } = useAction(async () => {
    const next = await api<BrowserSession>(`/browser_sessions/${props.session.browser_session_id}/extend`, 'POST', {
      additional_minutes: Number(minutes),
    });
    props.onExtended(next);
  });
  const submit = (event: Event) => {
    event.preventDefault();
    extend();
  };
  return (
    <Dialog title="Extend the session" open={props.open} onClose={props.onClose}>
      <form class="dialog-body" onSubmit={submit}>
        <div class="field">
          <label for="extend-minutes">More minutes</label>
          <input
            id="extend-minutes"
            type="number"
            min={1}
            max={240}
            required
            value={minutes}
            onInput={(e) => setMinutes(e.currentTarget.value)}
            aria-describedby="extend-hint"
          />
          <p class="hint" id="extend-hint">
            Added to the time it has left (at most 240 minutes left in all). Its timeout is now {props.session.timeout} minutes.
          </p>
        </div>
        <FormActions error={error} busy={busy} submit="Extend" busyLabel="Extending…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
