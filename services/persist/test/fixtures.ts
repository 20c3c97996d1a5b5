/** Builders of decoded records as the runtime hands them to the persist handler. */
import type { Alert, ScoredEvent } from '@sluice/contracts';
import type { InRecord } from '@sluice/runtime';

let seq = 0;

export function scoredEvent(o: {
  id?: string;
  source?: string;
  author?: string;
  occurredAt?: number;
  keywords?: string[];
  hashtags?: string[];
  processingVersion?: string;
  enrichmentVersion?: string;
  scores?: Partial<Record<string, number>>;
  likes?: number;
  producer?: string | null;
  text?: string;
} = {}): ScoredEvent {
  seq++;
  const now = Date.now();
  return {
    enriched: {
      event: {
        id: o.id ?? `ev-${now.toString(36)}-${seq}`,
        source: o.source ?? 'twitter',
        kind: 'POST',
        occurredAt: o.occurredAt ?? now - 1000,
        receivedAt: now,
        author: { id: o.author ?? `author-${seq % 5}`, handle: `handle-${o.author ?? seq % 5}`, followers: 10, verified: false },
        text: o.text ?? `text ${seq}`,
        url: null,
        lang: null,
        parentId: null,
        engagement: o.likes === undefined ? null : { likes: o.likes, shares: 1, comments: 2, views: 100 },
        attributes: { campaign: 'c1' },
        producer: o.producer === undefined ? 'acme' : o.producer,
      },
      enrichment: {
        normalizedText: o.text ?? `text ${seq}`,
        matchText: o.text ?? `text ${seq}`,
        language: 'en',
        hashtags: o.hashtags ?? ['sluice'],
        mentions: [],
        cashtags: [],
        urls: [],
        keywords: o.keywords ?? ['hello', 'world'],
        exactDuplicate: false,
        fingerprint: '0123456789abcdef',
        lookups: {},
        missing: [],
        version: o.enrichmentVersion ?? 'enrich-1.0.0',
        enrichedAt: now,
      },
    },
    scores: Object.entries(o.scores ?? { sentiment: 0.5, spam: 0.1, anomaly: 1.5 }).map(([model, score]) => ({
      model,
      version: '1',
      label: null,
      score: score as number,
      details: {},
    })),
    processingVersion: o.processingVersion ?? 'score-1.0.0',
    scoredAt: now,
  };
}

export function alert(o: { dedupKey?: string; rule?: string; severity?: Alert['severity']; firedAt?: number; source?: string | null; title?: string } = {}): Alert {
  seq++;
  const firedAt = o.firedAt ?? Date.now() - 500;
  return {
    id: `alert-${o.dedupKey ?? seq}`,
    dedupKey: o.dedupKey ?? `dk-${seq}`,
    rule: o.rule ?? 'spike',
    ruleVersion: 'r1',
    severity: o.severity ?? 'HIGH',
    title: o.title ?? 'keyword spike',
    source: o.source === undefined ? 'twitter' : o.source,
    entity: { type: 'keyword', value: 'hello' },
    evidence: { eventIds: ['e1'], windowStart: firedAt - 60_000, windowEnd: firedAt, figures: { count: 10, threshold: 5 } },
    models: ['trend@1'],
    firedAt,
  };
}

let offset = 0;
export function record<T>(topicKey: 'scored' | 'alerts', value: T, o: { partition?: number; offset?: number; topic?: string } = {}): InRecord<T> {
  return {
    topic: o.topic ?? (topicKey === 'scored' ? 'sluice.events.scored.v1' : 'sluice.alerts.v1'),
    topicKey,
    partition: o.partition ?? 0,
    offset: o.offset ?? offset++,
    timestamp: Date.now(),
    key: null,
    headers: {},
    value,
    raw: null,
  };
}
