// What an operator's profile still lacks before they may go available (the server's availability.set rule).
import type { LatLng } from '@shared/geo';
import type { SkillLevels } from '@shared/skills';

export type Missing = 'skills' | 'home';

/** Mirrors sync-server's setAvailability: going available needs at least one skill and a home location. */
export function missingForAvailability(profile: { skills: SkillLevels; home?: LatLng | null }): Missing[] {
  const missing: Missing[] = [];
  if (Object.keys(profile.skills).length === 0) missing.push('skills');
  if (!profile.home) missing.push('home');
  return missing;
}
