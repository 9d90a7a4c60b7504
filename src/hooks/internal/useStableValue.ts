import { useRef } from 'react';

/**
 * `value` itself the first time, then the previous value for as long as the new one is structurally
 * equal to it: options objects written inline (`{ voice: 'x' }`, a filter, a query key) keep one
 * identity across renders, so effects and memos keyed on them run only when their content changes.
 * Compares plain data (objects, arrays, primitives); functions and class instances by identity.
 */
export function useStableValue<T>(value: T): T {
  const ref = useRef(value);
  if (!isDeepEqual(ref.current, value)) ref.current = value;
  return ref.current;
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (Object.getPrototypeOf(a) !== Object.prototype && !Array.isArray(a)) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && isDeepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
