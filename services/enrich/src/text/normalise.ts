/**
 * Two views of a text, shared with score through @sluice/text: `normaliseText` is for reading (Unicode
 * NFKC, invisible and control characters removed, whitespace collapsed; case and diacritics kept) and
 * `foldForMatch` is for matching (lower case, Arabic letter variants unified, diacritics and tatweel
 * removed, Arabic-Indic digits as ASCII). The original text is never changed; both are derived from it.
 */
export { normaliseText, foldForMatch } from '@sluice/text';
