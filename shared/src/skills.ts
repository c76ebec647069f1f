// The skill catalogue and the one rule for "does this worker have what this gig needs".

export const SKILLS = [
  'cleaning',
  'plumbing',
  'electrical',
  'carpentry',
  'painting',
  'gardening',
  'moving',
  'delivery',
  'handyman',
  'appliance-repair',
  'tech-support',
  'tutoring',
  'photography',
  'cooking',
  'childcare',
  'pet-care',
] as const;
export type Skill = (typeof SKILLS)[number];

/** 1 = beginner … 5 = expert. */
export const SKILL_LEVELS = [1, 2, 3, 4, 5] as const;
export type SkillLevel = (typeof SKILL_LEVELS)[number];

/** What a worker has, or what a gig requires (the minimum level per skill). */
export type SkillLevels = Partial<Record<Skill, SkillLevel>>;

export function isSkill(x: unknown): x is Skill {
  return typeof x === 'string' && (SKILLS as readonly string[]).includes(x);
}

/** Skills the worker lacks, or holds below the required level. Empty means the worker fits. */
export function missingSkills(has: SkillLevels, needs: SkillLevels): Skill[] {
  return (Object.entries(needs) as [Skill, SkillLevel][])
    .filter(([skill, level]) => (has[skill] ?? 0) < level)
    .map(([skill]) => skill);
}

export function skillsFit(has: SkillLevels, needs: SkillLevels): boolean {
  return missingSkills(has, needs).length === 0;
}
