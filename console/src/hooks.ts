// Small hooks shared by the pages: the current hash route, polling, and loading API data.
import { useEffect, useRef, useState } from 'preact/hooks';

/** The route is the part after `#/` (e.g. `batches/batch_…`); ids in it are not secrets. */
export function useHashRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    addEventListener('hashchange', onChange);
    // The hash may have changed between the first render and this effect (e.g. a link followed while
    // the page was mounting): read it again now that the listener is in place.
    onChange();
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** How often lists and a running batch refresh themselves. */
export const POLL_MS = 2000;

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `load()` whenever `deps` change, and again every `pollMs` while `poll` holds and the tab is
 * visible. A late answer for old deps never overwrites a newer one.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
  options: { pollMs?: number; poll?: (data: T | null) => boolean } = {},
): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  const dataRef = useRef<T | null>(null);
  useEffect(() => {
    dataRef.current = null;
    setState({ data: null, error: null, loading: true });
  }, deps);
  useEffect(() => {
    const mine = ++generation.current;
    load().then(
      (data) => {
        if (mine !== generation.current) return;
        dataRef.current = data;
        setState({ data, error: null, loading: false });
      },
      (err: Error) => mine === generation.current && setState((s) => ({ ...s, error: err.message, loading: false })),
    );
  }, [...deps, tick]);
  useEffect(() => {
    if (!options.pollMs) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && (options.poll?.(dataRef.current) ?? true)) setTick((t) => t + 1);
    }, options.pollMs);
    return () => clearInterval(timer);
  }, [...deps, options.pollMs]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}
