// Picks an open browser session for the run (`browser_session_id`), or none.
import { api } from '../../api';
import { useLoad } from '../../components/useLoad';
import { described, Field } from './Field';

interface Session {
  browser_session_id: string;
  status?: string;
  url?: string | null;
  runnable_id?: string | null;
}

export function SessionSelect(props: { value: string; error?: string; onChange: (value: string) => void }) {
  const sessions = useLoad(() => api<Session[]>('/browser_sessions'), []);
  const known = sessions.data?.some((s) => s.browser_session_id === props.value);
  const hint = 'Run in a browser session that stays open between runs (its cookies and pages). Without one, the run gets a fresh browser.';
  return (
    <Field id="run-session" label="Browser session" optional hint={hint} error={props.error ?? (sessions.error && `Sessions could not be listed: ${sessions.error}`)}>
      <select id="run-session" value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)} {...described('run-session', hint, props.error ?? sessions.error)}>
        <option value="">None: a fresh browser</option>
        {props.value && !known && <option value={props.value}>{props.value} (not open now)</option>}
        {sessions.data?.map((s) => (
          <option key={s.browser_session_id} value={s.browser_session_id}>
            {s.browser_session_id}
            {s.url ? ` at ${s.url}` : ''}
            {s.runnable_id ? ` (busy with ${s.runnable_id})` : ''}
          </option>
        ))}
      </select>
    </Field>
  );
}
