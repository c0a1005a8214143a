// Pieces the pages share: status badges, progress bars, money, messages.
import type { ComponentChildren } from 'preact';
import type { BatchStatus, RequestCounts } from './types';
import { formatUsd, progressOf } from './format';

export function StatusBadge({ status }: { status: BatchStatus | string }) {
  return <span class={`badge badge-${status}`}>{status.replace('_', ' ')}</span>;
}

export function Progress({ counts, label }: { counts: RequestCounts | null; label: string }) {
  const { done, total, fraction } = progressOf(counts);
  return (
    <span class="progress">
      <progress max={1} value={fraction} aria-label={label} aria-valuetext={`${done} of ${total} requests done`} />
      <span class="progress-text">
        {done}/{total}
        {counts?.failed ? <span class="failed"> ({counts.failed} failed)</span> : null}
      </span>
    </span>
  );
}

export function Money({ value }: { value: number | null | undefined }) {
  return <span class="money">{formatUsd(value)}</span>;
}

export function ErrorMessage({ children }: { children: ComponentChildren }) {
  return children ? (
    <p class="error" role="alert">
      {children}
    </p>
  ) : null;
}

export function PageTitle({ children }: { children: ComponentChildren }) {
  return <h1 tabIndex={-1}>{children}</h1>;
}

/**
 * Newer / Older buttons over an API list's cursors: `cursors` holds the `after` of each page before
 * this one, so Newer drops the last and Older pushes this page's `last_id`.
 */
export function Pager({
  label,
  cursors,
  setCursors,
  page,
}: {
  label: string;
  cursors: string[];
  setCursors: (c: string[]) => void;
  page: { has_more: boolean; last_id: string | null } | null;
}) {
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
        ← Newer
      </button>
      <span>Page {cursors.length + 1}</span>
      <button type="button" disabled={!page?.has_more} onClick={() => page?.last_id && setCursors([...cursors, page.last_id])}>
        Older →
      </button>
    </nav>
  );
}
