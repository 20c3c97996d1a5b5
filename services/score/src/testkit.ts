/** Builders of enriched events and handler inputs, for tests, the benchmark and the e2e harness. */
import type { EnrichedEvent, RawEvent } from '@sluice/contracts';
import type { InRecord } from '@sluice/runtime';
import { foldForMatch } from '@sluice/text';
import { guessLanguage } from './text/tokenize';

let seq = 0;

// Enough stopwords that keywords look like enrich's (which removes per-language stopwords).
const STOPWORDS = new Set(
  `the and was were are for with this that from have has had not but you your our they them their its into onto over very just all any can will would could should been being about after before there here what when where which who how out off too than then also some more most such only own same few other again once both each why did does doing done
   في من الى على عن مع عند هذا هذه ذلك التي الذي كان كانت هو هي هم انا نحن انت ما لا لم لن قد كل بعد قبل حتى او ثم بين عشان اللي كل جدا`.split(/\s+/),
);

export interface EventSpec {
  id?: string;
  text?: string;
  source?: string;
  authorId?: string;
  followers?: number | null;
  verified?: boolean;
  occurredAt?: number;
  keywords?: string[];
  hashtags?: string[];
  duplicate?: boolean;
  language?: string;
}

/** An enriched event as enrich would produce it (keywords default to the folded words of the text). */
export function enrichedEvent(spec: EventSpec = {}): EnrichedEvent {
  seq++;
  const text = spec.text ?? `event number ${seq}`;
  const folded = foldForMatch(text);
  const hashtags = spec.hashtags ?? [...folded.matchAll(/#([\p{L}\p{N}_]+)/gu)].map((m) => m[1]);
  const keywords = spec.keywords ?? [...new Set((folded.replace(/https?:\/\/\S+|[@#][\p{L}\p{N}_]+/gu, ' ').match(/[\p{L}\p{N}]{3,}/gu) ?? []).filter((w) => !STOPWORDS.has(w)))];
  const event: RawEvent = {
    id: spec.id ?? `ev-${seq}`,
    source: spec.source ?? 'twitter',
    kind: 'POST',
    occurredAt: spec.occurredAt ?? Date.UTC(2024, 0, 1),
    receivedAt: spec.occurredAt ?? Date.UTC(2024, 0, 1),
    author: { id: spec.authorId ?? 'author-1', handle: null, followers: spec.followers === undefined ? 100 : spec.followers, verified: spec.verified ?? false },
    text,
    url: null,
    lang: null,
    parentId: null,
    engagement: null,
    attributes: {},
    producer: null,
  };
  return {
    event,
    enrichment: {
      normalizedText: text,
      matchText: folded,
      language: spec.language ?? guessLanguage(folded),
      hashtags,
      mentions: [],
      cashtags: [],
      urls: [],
      keywords,
      exactDuplicate: spec.duplicate ?? false,
      fingerprint: '',
      lookups: {},
      missing: [],
      version: 'test',
      enrichedAt: 0,
    },
  };
}

/** A consumed record around a value, as the runtime hands it to the handler. */
export function inRecord<T>(value: T, partition: number, offset: number): InRecord<T> {
  return { topic: 'sluice.events.enriched.v1', topicKey: 'enriched', partition, offset, timestamp: 0, key: null, headers: {}, value, raw: null };
}
