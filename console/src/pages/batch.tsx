// One batch: timeline, counts, cost, errors, downloads, cancel, and (deployed) its execution in the AWS console.
import { useState } from 'preact/hooks';
import { ApiError, saveBlob, type Api } from '../api';
import { ErrorMessage, Money, PageTitle, Progress, StatusBadge } from '../components';
import { executionUrl, formatDuration, formatTime, timelineOf } from '../format';
import { POLL_MS, useLoad } from '../hooks';
import { TERMINAL, type Batch, type Session } from '../types';

export function BatchPage({ api, id, session }: { api: Api; id: string; session: Session }) {
  const batch = useLoad(() => api.get<Batch>(`/batches/${encodeURIComponent(id)}`), [id], {
    pollMs: POLL_MS,
    poll: (b) => !b || !TERMINAL.includes(b.status),
  });
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const b = batch.data;

  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setMessage(null);
    try {
      await what();
    } catch (err) {
      setMessage(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const download = (fileId: string, kind: string) => act(async () => saveBlob(await api.fileContent(fileId), `${id}_${kind}.jsonl`));
  const cancel = () =>
    act(async () => {
      if (!confirm(`Cancel batch ${id}? Requests not yet run will not run.`)) return;
      await api.post<Batch>(`/batches/${encodeURIComponent(id)}/cancel`);
      batch.reload();
    });

  if (!b) {
    return (
      <section>
        <PageTitle>Batch {id}</PageTitle>
        <ErrorMessage>{batch.error}</ErrorMessage>
        {batch.loading ? <p>Loading…</p> : null}
        <p>
          <a href="#/batches">← All batches</a>
        </p>
      </section>
    );
  }
  const link = executionUrl(session.execution_url_template, b.id);
  const cancellable = !TERMINAL.includes(b.status) && b.status !== 'cancelling';
  return (
    <section aria-labelledby="batch-title">
      <p>
        <a href="#/batches">← All batches</a>
      </p>
      <div class="title-row">
        <PageTitle>
          <span id="batch-title" class="mono">
            {b.id}
          </span>
        </PageTitle>
        <StatusBadge status={b.status} />
      </div>
      <ErrorMessage>{batch.error || message}</ErrorMessage>
      <div class="cards">
        <div class="card">
          <h2>Requests</h2>
          <Progress counts={b.request_counts} label="Batch progress" />
          <dl class="facts">
            <dt>Total</dt>
            <dd>{b.request_counts?.total ?? 0}</dd>
            <dt>Completed</dt>
            <dd>{b.request_counts?.completed ?? 0}</dd>
            <dt>Failed</dt>
            <dd>{b.request_counts?.failed ?? 0}</dd>
          </dl>
        </div>
        <div class="card">
          <h2>Cost</h2>
          <dl class="facts">
            <dt>Batch cost</dt>
            <dd>
              <Money value={b.finops?.cost_usd} />
            </dd>
            <dt>Same requests on demand</dt>
            <dd>
              <Money value={b.finops?.on_demand_cost_usd} />
            </dd>
            <dt>Saving</dt>
            <dd>
              <Money value={b.finops?.savings_usd} />
            </dd>
            <dt>Tokens in / out</dt>
            <dd>{b.usage ? `${b.usage.input_tokens ?? 0} / ${b.usage.output_tokens ?? 0}` : '—'}</dd>
            <dt>Price table</dt>
            <dd>{b.finops?.price_version ?? (TERMINAL.includes(b.status) ? 'no price for this model' : 'once finished')}</dd>
          </dl>
        </div>
        <div class="card">
          <h2>Details</h2>
          <dl class="facts">
            <dt>Provider</dt>
            <dd>{b.provider ?? '—'}</dd>
            <dt>Model</dt>
            <dd class="mono">{b.model ?? '—'}</dd>
            <dt>Input file</dt>
            <dd class="mono">{b.input_file_id || '—'}</dd>
            <dt>Window</dt>
            <dd>{b.completion_window}</dd>
          </dl>
        </div>
      </div>
      <h2>Timeline</h2>
      <ol class="timeline">
        {timelineOf(b).map((step, i, all) => (
          <li class={step.at ? 'done' : 'pending'}>
            <span class="step">{step.label}</span>
            <time>{formatTime(step.at)}</time>
            {step.at && i > 0 && all[i - 1].at ? <span class="delta">+{formatDuration(step.at - all[i - 1].at!)}</span> : null}
          </li>
        ))}
      </ol>
      <div class="actions">
        <button type="button" disabled={!b.output_file_id || busy} onClick={() => b.output_file_id && download(b.output_file_id, 'output')}>
          Download output
        </button>
        <button type="button" disabled={!b.error_file_id || busy} onClick={() => b.error_file_id && download(b.error_file_id, 'errors')}>
          Download errors
        </button>
        <button type="button" class="danger" disabled={!cancellable || busy} onClick={cancel}>
          Cancel batch
        </button>
        {link ? (
          <a class="button-link" href={link} target="_blank" rel="noopener noreferrer">
            Step Functions execution ↗
          </a>
        ) : null}
      </div>
      {b.errors?.data.length ? (
        <>
          <h2>Errors</h2>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Line</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {b.errors.data.map((e) => (
                <tr>
                  <td class="mono">{e.code ?? '—'}</td>
                  <td>{e.line ?? '—'}</td>
                  <td>{e.message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
