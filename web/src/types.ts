/**
 * What the interface shows for MISP's coded fields. The shapes of the answers it reads are not here:
 * they come from the server's schemas (`@cairn/answers`, src/api/schemas/answers.ts), type-only.
 */

export const THREAT_LEVELS: Record<string, string> = { '1': 'High', '2': 'Medium', '3': 'Low', '4': 'Undefined' };
export const ANALYSIS: Record<string, string> = { '0': 'Initial', '1': 'Ongoing', '2': 'Completed' };
export const DISTRIBUTIONS: Record<string, string> = {
  '0': 'Your organisation only', '1': 'This community only', '2': 'Connected communities', '3': 'All communities', '4': 'Sharing group', '5': 'Inherit event',
};
