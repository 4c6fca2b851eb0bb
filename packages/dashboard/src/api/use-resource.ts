// Loads data for a page and keeps the last good copy while reloading, so a live refresh does not
// blank the screen.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from './client.js';

export interface Resource<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

export function useResource<T>(load: () => Promise<T>, deps: unknown[]): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const run = useCallback(load, deps);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    run().then(
      (value) => {
        // An older, slower answer must not overwrite a newer one.
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        setError(messageOf(failure));
        setLoading(false);
      },
    );
  }, [run]);
  useEffect(reload, [reload]);
  return { data, error, loading, reload };
}
