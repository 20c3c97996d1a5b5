import type * as avro from 'avsc';
import type { RawEvent } from '@sluice/contracts';
import { HEADER_BYTES, MAGIC_BYTE, type AvroSerde } from '@sluice/runtime';

/**
 * Writes the RawEvents of one request back to back into one buffer, each in the Confluent wire format
 * (magic byte, schema id, Avro body) with the schema and id AvroSerde registered for the raw topic, and
 * hands out a view per event. One allocation per request instead of two per event: the producer copies
 * each value into librdkafka when it is produced, and the views keep the buffer alive until then.
 * Events must be valid (EventValidator) before they are encoded: avsc's encode does not check.
 */
export class RawEventEncoder {
  private readonly header: Buffer;

  constructor(
    private readonly type: avro.Type,
    schemaId: number,
  ) {
    this.header = Buffer.alloc(HEADER_BYTES);
    this.header[0] = MAGIC_BYTE;
    this.header.writeUInt32BE(schemaId, 1);
  }

  /** The raw topic's encoder; the serde must have registered the raw topic's schema. */
  static forRawTopic(serde: AvroSerde): RawEventEncoder {
    return new RawEventEncoder(serde.typeOf('raw'), serde.schemaId('raw'));
  }

  /** `sizeHint`: bytes likely needed (the JSON body's size is a generous estimate); the buffer grows if not. */
  encodeAll(events: RawEvent[], sizeHint: number): Buffer[] {
    let buf = Buffer.allocUnsafe(Math.max(sizeHint, 256));
    let pos = 0;
    const values: Buffer[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) {
      for (;;) {
        if (pos + HEADER_BYTES <= buf.length) {
          const end = this.type.encode(events[i], buf, pos + HEADER_BYTES);
          if (end >= 0) {
            this.header.copy(buf, pos);
            values[i] = buf.subarray(pos, end);
            pos = end;
            break;
          }
        }
        // Too small: continue in a fresh, larger buffer (views already handed out keep the old one).
        buf = Buffer.allocUnsafe(Math.max(buf.length * 2, 4096));
        pos = 0;
      }
    }
    return values;
  }
}
