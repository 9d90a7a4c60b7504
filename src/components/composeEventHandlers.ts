/**
 * Calls the user's handler first, then ours unless the user called `event.preventDefault()`.
 * This is how every component here lets an app opt out of built-in behaviour.
 *
 * @example
 * <button onClick={composeEventHandlers(props.onClick, () => speech.speak(text))} />
 */
export function composeEventHandlers<E extends { defaultPrevented: boolean }>(
  userHandler: ((event: E) => void) | undefined,
  ourHandler: (event: E) => void,
  { checkForDefaultPrevented = true }: { checkForDefaultPrevented?: boolean } = {},
): (event: E) => void {
  return function handleEvent(event: E) {
    userHandler?.(event);
    if (!checkForDefaultPrevented || !event.defaultPrevented) {
      ourHandler(event);
    }
  };
}
