import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** MISP's API keys are 40 letters and digits. */
export const API_KEY = /^[A-Za-z0-9]{40}$/;

export function newApiKey(): string {
  let key = '';
  for (let i = 0; i < 40; i++) key += ALPHABET[randomInt(ALPHABET.length)];
  return key;
}

/** The only form in which a key is stored: a hash under the instance's secret, useless without it. */
export function apiKeyHash(secret: Buffer, key: string): Buffer {
  return createHmac('sha256', secret).update(key).digest();
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
