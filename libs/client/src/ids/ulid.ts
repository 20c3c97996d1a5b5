// One ULID implementation for the whole platform: the contracts package owns it.
export { ulidFactory, ulidTime, ULID_PATTERN } from '@sluice/contracts';
