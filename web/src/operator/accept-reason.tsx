// Why this gig cannot be accepted right now, in words a worker can act on, with the way to fix it.
import { distanceKm, type LatLng } from '@shared/geo';
import type { GigState } from '@shared/gig-machine';
import type { RejectionCode } from '@shared/rejections';
import type { Skill, SkillLevels } from '@shared/skills';
import type { ReactNode } from 'react';
import { Link } from 'wouter';
import { gigStateName, skillName } from '../i18n/domain-names';
import { formatKm } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { operatorMessages } from './messages';

interface Props {
  id: string;
  code: RejectionCode;
  missing: Skill[];
  gig: { status: GigState; skills: SkillLevels; location: LatLng };
  home?: LatLng;
  radiusKm: number;
}

export function AcceptReason({ id, code, missing, gig, home, radiusKm }: Props) {
  const t = useT(operatorMessages);
  const { locale } = useLocale();
  const toProfile = <Link href="/profile">{t('editProfile')}</Link>;
  let text: string;
  let fix: ReactNode = null;
  switch (code) {
    case 'own_gig':
      text = t('whyOwnGig');
      break;
    case 'gig_expired':
      text = t('whyExpired');
      break;
    case 'gig_taken':
      text = t('whyTaken');
      break;
    case 'gig_cancelled':
      text = t('whyCancelled');
      break;
    case 'gig_changed':
      text = t('whyChanged');
      break;
    case 'operator_unavailable':
      text = t('whyUnavailable');
      break;
    case 'skills_mismatch':
      text = t('whySkills', { skills: missing.map((s) => t('skillAtLevel', { skill: skillName(s, locale), level: gig.skills[s] ?? 1 })).join(', ') });
      fix = toProfile;
      break;
    case 'out_of_area':
      text = home
        ? t('whyOutOfArea', { km: formatKm(distanceKm(home, gig.location), locale), radius: formatKm(radiusKm, locale) })
        : t('whyNoHome');
      fix = toProfile;
      break;
    case 'forbidden':
      text = t('whyNotOperator');
      break;
    default:
      text = t('whyNotOpen', { state: gigStateName(gig.status, locale) });
  }
  return (
    <p className="notice" id={id} data-testid="accept-blocked" data-code={code}>
      {text} {fix}
    </p>
  );
}
