import { useRef } from 'react';

/**
 * `value` itself the first time, then the same reference for as long as the new value has the same
 * content: options objects written inline (`{ voice: 'x' }`, a filter, a query key) keep one identity
 * across renders, so effects and memos keyed on them run only when their content changes. For plain
 * data (what JSON can hold); functions do not count, so keep callbacks out of it.
 */
export function useStableValue<T>(value: T): T {
  const key = JSON.stringify(value);
  const stable = useRef({ key, value });
  if (stable.current.key !== key) stable.current = { key, value };
  return stable.current.value;
}
