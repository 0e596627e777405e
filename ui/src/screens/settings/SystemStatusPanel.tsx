// The appliance now: browser pool slots in use, the run queue, the data folder's disk, the version.
import { api } from '../../api';
import { ErrorBox, Loading } from '../../components/Notice';
import { useLoad } from '../../components/useLoad';
import { formatBytes } from '../sessions/model';
import type { SystemStatus } from './model';

export function SystemStatusPanel() {
  const status = useLoad(() => api<SystemStatus>('/system/status'), []);
  const data = status.data;
  const pool = data?.browser_pool;
  const used = pool ? pool.slots - pool.free_slots : 0;
  const disk = data?.disk;
  const diskShare = disk && disk.total_bytes > 0 ? Math.round(((disk.total_bytes - disk.free_bytes) / disk.total_bytes) * 100) : null;

  return (
    <section class="panel" aria-labelledby="status-heading">
      <div class="row panel-head">
        <h2 id="status-heading">Browser pool and disk</h2>
        <button type="button" class="secondary" onClick={status.reload} disabled={status.loading}>
          {status.loading && data ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {status.error && <ErrorBox title="The status could not be loaded">{status.error}</ErrorBox>}
      {status.loading && !data && <Loading />}
      {data && pool && (
        <div class="status-grid">
          <div class="stat" data-testid="pool-slots">
            <h3>Browser slots</h3>
            <p class="stat-value">
              {used} of {pool.slots} in use
            </p>
            {pool.slots > 0 && (
              <meter min={0} max={pool.slots} value={used} aria-label="Browser slots in use">
                {used} of {pool.slots}
              </meter>
            )}
            <ul class="stat-more muted">
              {pool.idle_browsers != null && <li>{pool.idle_browsers} warm browsers waiting</li>}
              {pool.browsers_launched != null && <li>{pool.browsers_launched} browsers launched since start</li>}
              {pool.contexts_opened != null && <li>{pool.contexts_opened} run contexts opened</li>}
            </ul>
          </div>
          <div class="stat" data-testid="queue">
            <h3>Runs</h3>
            <p class="stat-value">
              {data.queue.running} running, {data.queue.queued} queued
            </p>
          </div>
          <div class="stat" data-testid="disk">
            <h3>Disk</h3>
            {disk && (
              <>
                <p class="stat-value">
                  {formatBytes(disk.free_bytes)} free of {formatBytes(disk.total_bytes)}
                </p>
                {diskShare != null && (
                  <meter min={0} max={100} value={diskShare} low={70} high={90} optimum={0} aria-label="Disk filled">
                    {diskShare}%
                  </meter>
                )}
                <p class="muted small-text">
                  {formatBytes(disk.used_bytes)} used by the appliance in <code>{disk.data_dir}</code>
                  {diskShare != null && <>; the disk is {diskShare}% full</>}
                </p>
              </>
            )}
          </div>
          <div class="stat">
            <h3>Version</h3>
            <p class="stat-value">
              <code>{data.version}</code>
            </p>
          </div>
        </div>
      )}
    </section>
  );
}
