/** lz4js ships no types; these are the two functions the codec uses. */
declare module 'lz4js' {
  export function compress(input: Uint8Array | number[], maxSize?: number): Uint8Array;
  export function decompress(input: Uint8Array | number[], maxSize?: number): Uint8Array;
}
