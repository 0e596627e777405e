// A session's files: what its runs downloaded and the recordings of the time people drove it.
import type { JSX } from 'preact';
import { api } from '../../api';
import { Empty, ErrorBox, Loading } from '../../components/Notice';
import { useLoad } from '../../components/useLoad';
import { formatTime } from '../../format';
import { formatBytes, pathOf, type FileInfo } from './model';

export function SessionDownloads({ sessionId, version }: { sessionId: string; version: number }) {
  const downloads = useLoad(() => api<FileInfo[]>(`/browser_sessions/${sessionId}/downloads`), [sessionId, version]);
  return (
    <section class="panel" aria-labelledby="downloads-heading">
      <h2 id="downloads-heading">Downloads</h2>
      {downloads.error && <ErrorBox title="Downloads could not be loaded">{downloads.error}</ErrorBox>}
      {downloads.loading && !downloads.data && <Loading />}
      {downloads.data && downloads.data.length === 0 && <Empty>No run on this session has downloaded a file.</Empty>}
      {downloads.data && downloads.data.length > 0 && (
        <FileList files={downloads.data} render={(file) => <a href={pathOf(file.url)} download={file.filename ?? true}>{file.filename ?? 'download'}</a>} />
      )}
    </section>
  );
}

export function SessionRecordings({ recordings }: { recordings: FileInfo[] }) {
  return (
    <section class="panel" aria-labelledby="recordings-heading">
      <h2 id="recordings-heading">Recordings</h2>
      {recordings.length === 0 ? (
        <Empty>No recording yet: the time a person drives the session is recorded.</Empty>
      ) : (
        <ol class="recordings">
          {recordings.map((recording, i) => (
            <li key={recording.url}>
              <h3>
                Recording {i + 1} <span class="muted">· {formatTime(recording.modified_at)} · {formatBytes(recording.file_size)}</span>
              </h3>
              <div class="screen">
                <video controls preload="metadata" src={pathOf(recording.url)} aria-label={`Recording ${i + 1}`} />
              </div>
              <a href={pathOf(recording.url)} download={recording.filename ?? `recording-${i + 1}.mp4`}>
                Download recording {i + 1}
              </a>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function FileList({ files, render }: { files: FileInfo[]; render: (file: FileInfo) => JSX.Element }) {
  return (
    <ul class="file-list">
      {files.map((file) => (
        <li key={file.url}>
          {render(file)} <span class="muted">{formatBytes(file.file_size)} · {formatTime(file.modified_at)}</span>
        </li>
      ))}
    </ul>
  );
}
