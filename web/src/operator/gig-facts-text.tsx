// How a gig's skills, start time and distance read in the operator's screens.
import type { Locale } from '@shared/locales';
import type { Skill, SkillLevels } from '@shared/skills';
import { skillName } from '../i18n/domain-names';
import { formatDateTime, formatKm } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { operatorMessages } from './messages';

/** "Needs Plumbing (level 2), Handyman (level 3)"; without the "Needs" where a label already says it. */
export function SkillsNeeded({ skills, bare = false }: { skills: SkillLevels; bare?: boolean }) {
  const t = useT(operatorMessages);
  const { locale } = useLocale();
  const parts = (Object.entries(skills) as [Skill, number][]).map(([s, level]) => t('skillAtLevel', { skill: skillName(s, locale), level }));
  const list = parts.join(', ');
  return <span>{bare ? list : t('needs', { skills: list })}</span>;
}

export function GigWhen({ startsAt }: { startsAt?: string }) {
  const t = useT(operatorMessages);
  const { locale } = useLocale();
  return <span>{startsAt ? t('startsAt', { when: formatDateTime(startsAt, locale) }) : t('flexibleTime')}</span>;
}

/** Operators see a gig's spot rounded to about a kilometre until they are booked, so say "about". */
export function distanceText(km: number, exact: boolean, locale: Locale, t: (k: 'distanceExact' | 'distanceAbout', v: { km: string }) => string) {
  return t(exact ? 'distanceExact' : 'distanceAbout', { km: formatKm(km, locale) });
}
