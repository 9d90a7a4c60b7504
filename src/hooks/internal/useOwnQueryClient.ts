import { QueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';

/**
 * A react-query client for a component that was given none, created only once it is needed: mounted
 * with the component and emptied when it really unmounts (not in StrictMode's rehearsal, which would
 * cancel live queries), so react-query's cache timers and focus/online listeners do not outlive it.
 */
export function useOwnQueryClient(inUse: boolean): QueryClient | undefined {
  const own = useRef<QueryClient | undefined>(undefined);
  if (inUse && !own.current) own.current = new QueryClient();
  const client = own.current;
  const mounts = useRef(0);
  useEffect(() => {
    if (!client) return;
    mounts.current++;
    client.mount();
    return () => {
      mounts.current--;
      client.unmount();
      // StrictMode mounts again synchronously after this cleanup; a real unmount does not.
      queueMicrotask(() => {
        if (mounts.current === 0) client.clear();
      });
    };
  }, [client]);
  return client;
}
