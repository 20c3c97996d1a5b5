export { ApiKeyring, hashApiKey, parseApiKeys, presentedKey, readApiKeys, type ApiKey, type ApiKeySources } from './api-keys';
export { RateLimiter } from './rate-limit';
