import { QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

/**
 * A react-query client for a component that was given none: mounted while `inUse` and emptied when the
 * component unmounts, so react-query's cache timers and focus/online listeners do not outlive it.
 */
export function useOwnQueryClient(inUse: boolean): QueryClient {
  const [own] = useState(() => new QueryClient());
  useEffect(() => {
    if (!inUse) return;
    own.mount();
    return () => {
      own.unmount();
      own.clear();
    };
  }, [own, inUse]);
  return own;
}
