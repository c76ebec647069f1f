// What each category of work costs and how long a client has to look at delivered work.
// A booking's category is fixed when it is created (from its gig's skills), and each milestone keeps the
// fee rate it was agreed at, so the fee shown before paying is the fee taken on release.
import { SKILLS, type Skill, type SkillLevels } from './skills';

export type Category = Skill;

export interface CategoryPolicy {
  /** The platform's fee in basis points (1 bp = 0.01%) of each milestone, paid out of the worker's share. */
  readonly feeBps: number;
  /** Submitted work is approved on the client's behalf this long after (re)submission unless disputed. */
  readonly autoApproveHours: number;
}

const DEFAULT_POLICY: CategoryPolicy = { feeBps: 1000, autoApproveHours: 72 };

/** Categories that differ from the default. Care work is inspected at once; moving and delivery are checked quickly. */
const OVERRIDES: Partial<Record<Category, Partial<CategoryPolicy>>> = {
  cleaning: { feeBps: 1200 },
  delivery: { feeBps: 800, autoApproveHours: 24 },
  moving: { feeBps: 900, autoApproveHours: 48 },
  tutoring: { feeBps: 1500 },
  childcare: { feeBps: 1500, autoApproveHours: 24 },
  'pet-care': { feeBps: 1500, autoApproveHours: 24 },
  'tech-support': { feeBps: 1200 },
  photography: { feeBps: 1200, autoApproveHours: 120 },
};

export const CATEGORY_POLICIES: Readonly<Record<Category, CategoryPolicy>> = Object.fromEntries(
  SKILLS.map((s) => [s, { ...DEFAULT_POLICY, ...OVERRIDES[s] }]),
) as Record<Category, CategoryPolicy>;

export function policyOf(category: string): CategoryPolicy {
  return (CATEGORY_POLICIES as Record<string, CategoryPolicy>)[category] ?? DEFAULT_POLICY;
}

/**
 * The category of work needing `skills`: the skill asked for at the highest level, ties going to the one
 * listed first in the catalogue. A gig for plumbing 3 and painting 2 is plumbing.
 */
export function categoryOf(skills: SkillLevels): Category {
  let best: Category | undefined;
  for (const s of SKILLS) {
    const level = skills[s];
    if (level !== undefined && (best === undefined || level > skills[best]!)) best = s;
  }
  if (!best) throw new RangeError('A category needs at least one skill.');
  return best;
}

