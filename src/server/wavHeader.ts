/**
 * A 44-byte RIFF/WAVE header for streamed 16-bit mono PCM. The sizes are unknown while streaming, so
 * they hold the usual placeholder 0xFFFFFFFF (what ffmpeg writes to pipes); readers use the data as it comes.
 *
 * @example
 * socket.send(concat(wavHeader(24000), firstPcmChunk));
 */
export function wavHeader(sampleRate: number): Uint8Array {
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) header[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 0xffffffff, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, 0xffffffff, true);
  return header;
}
