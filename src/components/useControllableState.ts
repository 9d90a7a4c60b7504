import { useCallback, useRef, useState } from 'react';
import { useIsomorphicLayoutEffect } from '../hooks/internal/useIsomorphicLayoutEffect';
import { warnOnce } from './warnOnce';

/** Options of {@link useControllableState}. */
export interface UseControllableStateOptions<T> {
  /** The controlled value; `undefined` means uncontrolled. */
  prop: T | undefined;
  /** The initial value when uncontrolled. */
  defaultProp: T;
  /** Called with every new value, controlled or not. */
  onChange?: (value: T) => void;
  /** The component's name, for the development warning. */
  caller: string;
}

/**
 * State that a parent may control (`value` + `onValueChange`) or leave to the component
 * (`defaultValue`). Warns in development when a component switches between the two.
 *
 * @example
 * const [voice, setVoice] = useControllableState({ prop: value, defaultProp: defaultValue, onChange: onValueChange, caller: 'VoicePicker' });
 */
export function useControllableState<T>({ prop, defaultProp, onChange, caller }: UseControllableStateOptions<T>): [T, (next: T) => void] {
  const [uncontrolled, setUncontrolled] = useState(defaultProp);
  const isControlled = prop !== undefined;
  const value = isControlled ? prop : uncontrolled;
  const onChangeRef = useRef(onChange);
  useIsomorphicLayoutEffect(() => {
    onChangeRef.current = onChange;
  });
  const wasControlled = useRef(isControlled);
  if (process.env.NODE_ENV !== 'production' && wasControlled.current !== isControlled) {
    const from = wasControlled.current ? 'controlled' : 'uncontrolled';
    const to = isControlled ? 'controlled' : 'uncontrolled';
    warnOnce(`${caller} is changing from ${from} to ${to}. Components should not switch from controlled to uncontrolled (or vice versa); decide between \`value\` and \`defaultValue\` for its lifetime.`);
  }
  wasControlled.current = isControlled;
  const valueRef = useRef(value);
  valueRef.current = value;
  const setValue = useCallback(
    (next: T) => {
      if (Object.is(next, valueRef.current)) {
        return;
      }
      if (!isControlled) {
        setUncontrolled(next);
      }
      onChangeRef.current?.(next);
    },
    [isControlled],
  );
  return [value, setValue];
}
