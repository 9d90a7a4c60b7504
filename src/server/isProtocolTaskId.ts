/**
 * Whether a `header.task_id` has one of the shapes the SDKs generate: 32 hex digits (the Python SDK's
 * `uuid4().hex`, this library's `createTaskId`) or a UUID with dashes (the Java SDK). The proxy relays
 * only these, so a task id can never carry markup, line breaks or a megabyte of text into a log.
 *
 * @example
 * isProtocolTaskId('2bf83b9abaeb4fda8d9a0123456789ab') // true
 * isProtocolTaskId('2bf83b9a-baeb-4fda-8d9a-0123456789ab') // true
 * isProtocolTaskId('task\r\n1') // false
 */
export function isProtocolTaskId(id: string): boolean {
  if (id.length === 32) return isHex(id, 0, 32);
  if (id.length !== 36) return false;
  return (
    id[8] === '-' && id[13] === '-' && id[18] === '-' && id[23] === '-' &&
    isHex(id, 0, 8) && isHex(id, 9, 13) && isHex(id, 14, 18) && isHex(id, 19, 23) && isHex(id, 24, 36)
  );
}

function isHex(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    const hex = (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46);
    if (!hex) return false;
  }
  return true;
}
