export type { Lang, Tone, Theme } from './types';
export { SLOTS, EMOJI, BRAND_HANDLES, OUTLETS, LINK_SITES, TELEGRAM_CHATS, TRACKING, type Outlet, type TelegramChat } from './vocabulary';
export { THEMES, HEADLINES } from './themes';
export { WATCHED, NEGATIVE_POSTS, SPAM_POSTS, type WatchedPair } from './bursts';
