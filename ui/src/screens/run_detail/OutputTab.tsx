// Output: the run's whole output as JSON, and the files it downloaded.
import { Empty } from '../../components/Notice';
import { JsonView } from '../../components/JsonView';
import type { Run } from './types';

export function OutputTab({ run }: { run: Run }) {
  const files = run.downloaded_files ?? [];
  return (
    <div>
      <h2>Run output</h2>
      {run.output == null ? <Empty>No output yet.</Empty> : <JsonView value={run.output} label="Run output" />}
      <h2>Downloaded files</h2>
      {files.length === 0 ? (
        <Empty>The run downloaded no file.</Empty>
      ) : (
        <ul class="files">
          {files.map((file) => (
            <li key={file.url}>
              <a href={file.url} download={file.filename ?? true}>
                {file.filename ?? file.url}
              </a>
              {file.size != null && <span class="muted"> ({file.size} bytes)</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
