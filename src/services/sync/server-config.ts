/**
 * The checks a server's fields pass, wherever they are given (servers/add|edit, `cairn servers`): each
 * answers the problem in MISP's words, or undefined when the value is fine.
 */

/** MISP takes any URL with http(s) and a host; the sync client calls only URLs an administrator set. */
export function serverUrlProblem(text: string): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(text.trim());
  } catch {
    url = undefined;
  }
  return !url || !/^https?:$/.test(url.protocol) || !url.hostname ? 'Please enter a valid base-url.' : undefined;
}

/** MISP's keys are 40 letters and digits; Cairn's too. Anything else cannot be a key any remote hands out. */
export function serverAuthkeyProblem(text: string): string | undefined {
  return /^[A-Za-z0-9]{40}$/.test(text.trim()) ? undefined : 'A authkey of a length of 40 characters, letters and digits, is expected.';
}

/** Pull or push rules: MISP's JSON object. */
export function serverRulesProblem(text: string, kind: 'pull' | 'push'): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `The ${kind} filter rules must be in valid JSON format.`;
  }
  return !parsed || typeof parsed !== 'object' || Array.isArray(parsed) ? 'must be a JSON object, as MISP writes the rules' : undefined;
}

/** A schedule in whole minutes (0: only when asked), a week at most. */
export function serverIntervalProblem(v: unknown): string | undefined {
  const n = Number(v);
  return !Number.isInteger(n) || n < 0 || n > 7 * 24 * 60 ? 'must be a whole number of minutes from 0 (only when asked) to 10080' : undefined;
}

/** MISP's rules when none are given: every list empty. */
export const DEFAULT_PUSH_RULES = JSON.stringify({ tags: { OR: [], NOT: [] }, orgs: { OR: [], NOT: [] } });
export const DEFAULT_PULL_RULES = JSON.stringify({ tags: { OR: [], NOT: [] }, orgs: { OR: [], NOT: [] }, type_attributes: { NOT: [] }, type_objects: { NOT: [] }, url_params: '' });
