// Batches: newest first, refreshed every few seconds, filtered by status and provider, paged with the
// API's cursors (`after` = the last id of the page before; a stack of them goes back).
import { useState } from 'preact/hooks';
import type { Api } from '../api';
import { ErrorMessage, Money, PageTitle, Progress, StatusBadge, Pager } from '../components';
import { formatDuration } from '../format';
import { POLL_MS, useLoad } from '../hooks';
import { BATCH_STATUSES, PROVIDERS, type Batch, type ListPage } from '../types';

const PAGE_SIZE = 20;

export function BatchesPage({ api }: { api: Api }) {
  const [status, setStatus] = useState('');
  const [provider, setProvider] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors[cursors.length - 1];
  const page = useLoad(
    () => api.get<ListPage<Batch>>('/batches', { limit: PAGE_SIZE, after, status, provider }),
    [status, provider, after],
    { pollMs: POLL_MS },
  );
  const now = Date.now() / 1000;
  const filter = (set: (v: string) => void) => (e: Event) => {
    set((e.target as HTMLSelectElement).value);
    setCursors([]);
  };
  return (
    <section aria-labelledby="batches-title">
      <div class="title-row">
        <PageTitle>
          <span id="batches-title">Batches</span>
        </PageTitle>
        <span class="live" aria-live="off">
          live · every {POLL_MS / 1000} s
        </span>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={filter(setStatus)}>
            <option value="">all</option>
            {BATCH_STATUSES.map((s) => (
              <option value={s}>{s.replace('_', ' ')}</option>
            ))}
          </select>
        </label>
        <label>
          Provider
          <select value={provider} onChange={filter(setProvider)}>
            <option value="">all</option>
            {PROVIDERS.map((p) => (
              <option value={p}>{p}</option>
            ))}
          </select>
        </label>
      </form>
      <ErrorMessage>{page.error}</ErrorMessage>
      <table class="data">
        <caption class="visually-hidden">Batches, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Batch</th>
            <th scope="col">Status</th>
            <th scope="col">Provider</th>
            <th scope="col">Model</th>
            <th scope="col">Progress</th>
            <th scope="col">Age</th>
            <th scope="col" class="num">
              Cost
            </th>
            <th scope="col" class="num">
              Saving
            </th>
          </tr>
        </thead>
        <tbody>
          {page.data?.data.map((b) => (
            <tr data-batch-id={b.id}>
              <td>
                <a href={`#/batches/${encodeURIComponent(b.id)}`} class="mono">
                  {b.id}
                </a>
              </td>
              <td>
                <StatusBadge status={b.status} />
              </td>
              <td>{b.provider ?? '—'}</td>
              <td class="mono">{b.model ?? '—'}</td>
              <td>
                <Progress counts={b.request_counts} label={`Progress of ${b.id}`} />
              </td>
              <td>{formatDuration(now - b.created_at)}</td>
              <td class="num">
                <Money value={b.finops?.cost_usd} />
              </td>
              <td class="num">
                <Money value={b.finops?.savings_usd} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.data && page.data.data.length === 0 ? (
        <p class="empty">No batches{status || provider ? ' match these filters' : ' yet'}.</p>
      ) : null}
      <Pager label="Batch pages" cursors={cursors} setCursors={setCursors} page={page.data} />
    </section>
  );
}
