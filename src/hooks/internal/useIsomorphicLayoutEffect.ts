import { useEffect, useLayoutEffect } from 'react';

/** `useLayoutEffect` in browsers, `useEffect` on the server (where layout effects warn and never run). */
export const useIsomorphicLayoutEffect = typeof document !== 'undefined' ? useLayoutEffect : useEffect;
