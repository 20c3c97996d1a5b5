import { CompressionCodecs, CompressionTypes } from 'kafkajs';
// Pure-JavaScript LZ4 frame codec (no native build): Kafka's LZ4 is the standard LZ4 frame format.
import * as lz4 from 'lz4js';

/**
 * Sluice's producers (librdkafka) compress with lz4, which kafkajs cannot read without a codec. The
 * registry of codecs is kafkajs's own, process-wide; a codec someone already registered is left in place
 * (kafkajs's placeholder throws "not implemented" when asked for the codec).
 */
export function ensureLz4Codec(): void {
  try {
    if (CompressionCodecs[CompressionTypes.LZ4]()) return;
  } catch {
    // the placeholder: register ours
  }
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async (encoder: { buffer: Buffer }) => Buffer.from(lz4.compress(encoder.buffer)),
    decompress: async (buffer: Buffer) => Buffer.from(lz4.decompress(buffer)),
  });
}
