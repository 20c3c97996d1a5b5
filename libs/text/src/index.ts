/** @sluice/text: the text views every stage agrees on (reading view and matching view). */
export { normaliseText } from './normalise';
export { foldForMatch, foldWord } from './fold';
