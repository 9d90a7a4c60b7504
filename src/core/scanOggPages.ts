/**
 * Called for each complete Ogg page: `headerType` (bit 0: continues a packet), the granule position
 * (samples at 48 kHz for Opus; -1 when the page has none), the lacing values (segment sizes) and
 * where the page's body starts and ends in the scanned bytes. Positional, as this runs per page.
 */
export type OggPageVisitor = (headerType: number, granule: number, lacing: Uint8Array, bodyStart: number, end: number) => void;

/**
 * Finds the complete Ogg pages in `data` (resyncing on "OggS" after garbage) and returns how many bytes
 * were consumed; a page cut off at the end is left for the next call. Shared by the duration counter
 * and the player's Opus demuxer.
 *
 * @example
 * const consumed = scanOggPages(bytes, (_type, granule) => console.log(granule));
 * pending = bytes.slice(consumed);
 */
export function scanOggPages(data: Uint8Array, onPage: OggPageVisitor): number {
  let offset = 0;
  while (offset + 27 <= data.byteLength) {
    if (data[offset] !== 0x4f || data[offset + 1] !== 0x67 || data[offset + 2] !== 0x67 || data[offset + 3] !== 0x53) {
      offset++;
      continue;
    }
    const segments = data[offset + 26]!;
    if (offset + 27 + segments > data.byteLength) break;
    const lacing = data.subarray(offset + 27, offset + 27 + segments);
    let bodyLength = 0;
    for (const size of lacing) bodyLength += size;
    const bodyStart = offset + 27 + segments;
    const end = bodyStart + bodyLength;
    if (end > data.byteLength) break;
    const view = new DataView(data.buffer, data.byteOffset + offset, 14);
    const high = view.getInt32(10, true);
    onPage(data[offset + 5]!, high >= 0 ? high * 2 ** 32 + view.getUint32(6, true) : -1, lacing, bodyStart, end);
    offset = end;
  }
  return offset;
}
