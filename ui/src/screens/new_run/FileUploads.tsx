// Files for the run: each is uploaded at once (`POST /v1/upload_file`) and the request names it
// by its `s3_uri` under its file name (`files`).
import { useState } from 'preact/hooks';
import { api } from '../../api';
import type { FileRow } from './form';

interface Uploaded {
  s3_uri: string;
  filename: string;
  size: number;
}

function size(bytes?: number): string {
  if (bytes == null) return 'from the original run';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function FileUploads(props: { files: FileRow[]; error?: string; onChange: (files: FileRow[]) => void }) {
  const [busy, setBusy] = useState('');
  const [failure, setFailure] = useState('');
  const error = props.error || failure;
  const upload = async (list: FileList | null) => {
    if (!list || !list.length) return;
    setFailure('');
    let files = props.files;
    for (const file of Array.from(list)) {
      setBusy(`Uploading ${file.name}…`);
      const form = new FormData();
      form.append('file', file, file.name);
      try {
        const done = await api<Uploaded>('/upload_file', 'POST', form);
        files = [...files.filter((f) => f.name !== done.filename), { name: done.filename, ref: done.s3_uri, size: done.size }];
        props.onChange(files);
      } catch (e) {
        setFailure(`${file.name} could not be uploaded: ${(e as Error).message}`);
      }
    }
    setBusy('');
  };
  return (
    <div class="field">
      <label for="run-files">
        Files <span class="optional">(optional)</span>
      </label>
      <input
        id="run-files"
        type="file"
        multiple
        aria-describedby={`run-files-hint${error ? ' run-files-error' : ''}`}
        onChange={async (e) => {
          const input = e.currentTarget;
          await upload(input.files);
          input.value = '';
        }}
      />
      <p class="hint" id="run-files-hint">
        Kept on the appliance, and given to the run under their names: a script’s <code>upload</code> action names one in its <code>file</code>.
      </p>
      <p class="muted" aria-live="polite">
        {busy}
      </p>
      {props.files.length > 0 && (
        <ul class="file-rows" aria-label="Files for the run">
          {props.files.map((file) => (
            <li key={file.name}>
              <span>
                {file.name} <span class="muted">({size(file.size)})</span>
              </span>
              <button type="button" class="secondary small" aria-label={`Remove ${file.name}`} onClick={() => props.onChange(props.files.filter((f) => f.name !== file.name))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p class="field-error" id="run-files-error">
          {error}
        </p>
      )}
    </div>
  );
}
