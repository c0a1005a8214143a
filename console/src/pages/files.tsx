// Files: the tenant's files, newest first, with size and status; delete asks first.
import { useState } from 'preact/hooks';
import { ApiError, type Api } from '../api';
import { ErrorMessage, PageTitle, Pager } from '../components';
import { formatBytes, formatTime } from '../format';
import { useLoad } from '../hooks';
import type { FileObject, ListPage } from '../types';

const PAGE_SIZE = 50;

export function FilesPage({ api }: { api: Api }) {
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors[cursors.length - 1];
  const files = useLoad(() => api.get<ListPage<FileObject>>('/files', { limit: PAGE_SIZE, after }), [after]);
  const [message, setMessage] = useState<string | null>(null);
  const remove = async (file: FileObject) => {
    if (!confirm(`Delete ${file.filename} (${file.id})? This cannot be undone.`)) return;
    setMessage(null);
    try {
      await api.delete(`/files/${encodeURIComponent(file.id)}`);
      setMessage(`Deleted ${file.filename}.`);
      files.reload();
    } catch (err) {
      setMessage(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <section aria-labelledby="files-title">
      <PageTitle>
        <span id="files-title">Files</span>
      </PageTitle>
      <ErrorMessage>{files.error}</ErrorMessage>
      {message ? (
        <p class="notice" role="status">
          {message}
        </p>
      ) : null}
      <table class="data">
        <caption class="visually-hidden">Files, newest first</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Name</th>
            <th scope="col">Purpose</th>
            <th scope="col" class="num">
              Size
            </th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {files.data?.data.map((f) => (
            <tr data-file-id={f.id}>
              <td class="mono">{f.id}</td>
              <td>{f.filename}</td>
              <td>{f.purpose}</td>
              <td class="num">{formatBytes(f.bytes)}</td>
              <td>
                <span class={`badge badge-file-${f.status}`}>{f.status}</span>
                {f.status_details ? <span class="muted"> {f.status_details}</span> : null}
              </td>
              <td>{formatTime(f.created_at)}</td>
              <td>
                <button type="button" class="danger small" aria-label={`Delete ${f.filename} (${f.id})`} onClick={() => remove(f)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {files.data && files.data.data.length === 0 ? <p class="empty">No files.</p> : null}
      <Pager label="File pages" cursors={cursors} setCursors={setCursors} page={files.data} />
    </section>
  );
}
