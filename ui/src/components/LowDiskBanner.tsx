// A banner on every screen while the appliance refuses new runs for want of free disk space
// (`retention.min_free_gb`): read from the system status when the UI starts and each time the
// event stream opens again.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { useEvents } from '../events';
import type { SystemStatus } from '../screens/settings/model';

export function LowDiskBanner() {
  const [detail, setDetail] = useState<string | null>(null);
  const check = useCallback(() => {
    api<SystemStatus>('/system/status')
      .then((status) => setDetail(status.disk.low ? status.disk.detail : null))
      // The banner is a hint: a status that cannot be read leaves it as it was.
      .catch(() => undefined);
  }, []);
  useEffect(check, [check]);
  useEvents((event) => event.event_type === 'ui.reconnected' && check());
  if (!detail) return null;
  return (
    <div class="banner low-disk" role="alert" data-testid="low-disk-banner">
      <strong>Low disk space.</strong> {detail}
    </div>
  );
}
