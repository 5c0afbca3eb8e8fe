// GPT-2's byte <-> printable-unicode mapping used by byte-level BPE (HF "ByteLevel" pre-tokenizer
// and decoder): every byte gets a visible character so merges never see raw control bytes.

export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const table: string[] = new Array(256);
  bs.forEach((b, i) => (table[b] = String.fromCodePoint(cs[i])));
  return table;
}

const BYTE_CHARS = bytesToUnicode();
const encoder = new TextEncoder();

/** UTF-8 bytes of `s`, each mapped to its byte-level character. */
export function toByteLevel(s: string): string[] {
  return Array.from(encoder.encode(s), (b) => BYTE_CHARS[b]);
}

export const byteLevelAlphabet = (): string[] => BYTE_CHARS.slice();
