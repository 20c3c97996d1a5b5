/**
 * Version of the enrichment logic, written into every enriched record so a replay through newer logic
 * is traceable. Bump it whenever a derived field can come out differently for the same input.
 */
export const ENRICHMENT_VERSION = 'enrich-1.0.0';
