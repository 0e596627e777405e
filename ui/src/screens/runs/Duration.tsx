// How long a run has taken: start to finish, or to now (ticking each second) while it goes on.
import { useEffect, useState } from 'preact/hooks';
import { between, formatDuration } from '../../format';

export function Duration({ start, end, live }: { start?: string | null; end?: string | null; live: boolean }) {
  const ticking = live && !!start && !end;
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  const ms = start && (end || ticking) ? between(start, end) : null;
  if (ms == null) return <span class="muted">—</span>;
  // While it ticks, whole seconds: a tenth that changes once a second would only distract.
  return <span>{formatDuration(ticking && ms >= 1000 ? Math.floor(ms / 1000) * 1000 : ms)}</span>;
}
