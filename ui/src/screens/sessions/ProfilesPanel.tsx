// The browser profiles: what each was made from, and Delete behind a confirmation.
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { useAction } from '../../components/useAction';
import { ConfirmDialog } from '../../components/Dialog';
import { CopyButton } from '../../components/CopyButton';
import { Empty, ErrorBox, Loading } from '../../components/Notice';
import { formatTime } from '../../format';
import type { Loaded } from '../../components/useLoad';
import type { BrowserProfile } from './model';

export function ProfilesPanel({ profiles }: { profiles: Loaded<BrowserProfile[]> }) {
  const [deleting, setDeleting] = useState<BrowserProfile | null>(null);
  const { error, run: remove } = useAction(async (profile: BrowserProfile) => {
    await api(`/browser_profiles/${profile.browser_profile_id}`, 'DELETE');
    profiles.reload();
  });

  return (
    <section class="panel" aria-labelledby="profiles-heading">
      <h2 id="profiles-heading">Browser profiles</h2>
      <p class="muted">
        Cookies and local storage kept from a session or a run, to start later sessions and runs signed in. Name one with{' '}
        <code>browser_profile_id</code>.
      </p>
      {error && <ErrorBox title="The profile was not deleted">{error}</ErrorBox>}
      {profiles.error && <ErrorBox title="Profiles could not be loaded">{profiles.error}</ErrorBox>}
      {profiles.loading && !profiles.data && <Loading />}
      {profiles.data && profiles.data.length === 0 && <Empty>No browser profiles yet. Save one from an open session.</Empty>}
      {profiles.data && profiles.data.length > 0 && (
        <ul class="profile-list">
          {profiles.data.map((profile) => (
            <li key={profile.browser_profile_id} class="profile-item">
              <div>
                <strong>{profile.name}</strong>
                {profile.description && <div class="muted">{profile.description}</div>}
                <div class="muted small-text">
                  <code>{profile.browser_profile_id}</code>
                  {profile.source_id && (
                    <>
                      {' '}
                      from <code>{profile.source_id}</code>
                    </>
                  )}{' '}
                  · {formatTime(profile.created_at)}
                </div>
              </div>
              <div class="row">
                <CopyButton text={profile.browser_profile_id} label="Copy id" />
                <button type="button" class="danger small" aria-label={`Delete profile ${profile.name}`} onClick={() => setDeleting(profile)}>
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        title="Delete this browser profile?"
        open={deleting !== null}
        danger
        confirm="Delete profile"
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove(deleting)}
        message={
          <p>
            Profile <strong>{deleting?.name}</strong> and the cookies it keeps are deleted. Runs and sessions that name it will be
            refused.
          </p>
        }
      />
    </section>
  );
}
