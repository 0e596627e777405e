// The appliance now: browser pool slots in use, each remote browser endpoint's health, the run
// queue, the data folder's disk, the version.
import { api } from '../../api';
import { ErrorBox, Loading } from '../../components/Notice';
import { useLoad } from '../../components/useLoad';
import { formatTime } from '../../format';
import { formatBytes } from '../sessions/model';
import type { RemoteEndpoint, SystemStatus } from './model';

export function SystemStatusPanel() {
  const status = useLoad(() => api<SystemStatus>('/system/status'), []);
  const data = status.data;
  const pool = data?.browser_pool;
  // Slots of an endpoint that is down are neither free nor in use.
  const down = (pool?.remote_endpoints ?? []).filter((e) => !e.up).reduce((sum, e) => sum + Math.max(0, e.slots - e.busy), 0);
  const used = pool ? pool.slots - pool.free_slots - down : 0;
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
              {down > 0 && <li>{down} on remote browsers that are down</li>}
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
      {pool?.remote_endpoints && pool.remote_endpoints.length > 0 && <RemoteEndpoints endpoints={pool.remote_endpoints} />}
    </section>
  );
}

/** The remote endpoints (`browser.remote`): runs on each, and whether it takes new ones. */
function RemoteEndpoints({ endpoints }: { endpoints: RemoteEndpoint[] }) {
  return (
    <div class="table-wrap" data-testid="remote-endpoints">
      <h3 id="remote-heading">Remote browsers</h3>
      <table class="stacking-table" aria-labelledby="remote-heading">
        <thead>
          <tr>
            <th scope="col">Address</th>
            <th scope="col">Runs</th>
            <th scope="col">State</th>
            <th scope="col">Checked</th>
          </tr>
        </thead>
        <tbody>
          {endpoints.map((endpoint) => (
            <tr key={endpoint.address}>
              <td data-label="Address">
                <code>{endpoint.address}</code>
              </td>
              <td data-label="Runs">
                {endpoint.busy} of {endpoint.slots}
              </td>
              <td data-label="State">
                {endpoint.up ? (
                  <span class="badge badge-completed">Up</span>
                ) : (
                  <>
                    <span class="badge badge-failed">Down</span> <span class="muted">takes no new runs</span>
                    {endpoint.error && <p class="small-text">{endpoint.error}</p>}
                  </>
                )}
              </td>
              <td data-label="Checked">{endpoint.checked_at ? formatTime(endpoint.checked_at) : 'not yet'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
