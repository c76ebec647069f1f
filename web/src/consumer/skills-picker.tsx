// Picking the skills a gig needs, each with the lowest level the client accepts.
import type { ReactNode } from 'react';
import { SKILLS, SKILL_LEVELS, type Skill, type SkillLevel, type SkillLevels } from '@shared/skills';
import { skillName } from '../i18n/domain-names';
import { useLocale, useT } from '../i18n/i18n';
import { errorId } from './field-error';
import { consumerMessages } from './messages';

/** Where a new skill starts: the lowest level, so the most workers can take the gig. */
const DEFAULT_LEVEL: SkillLevel = 1;

export function SkillsPicker({ value, onChange, invalid, error }: { value: SkillLevels; onChange(next: SkillLevels): void; invalid: boolean; error?: ReactNode }) {
  const t = useT(consumerMessages);
  const { locale } = useLocale();

  function toggle(skill: Skill, on: boolean) {
    const next = { ...value };
    if (on) next[skill] = DEFAULT_LEVEL;
    else delete next[skill];
    onChange(next);
  }

  return (
    <fieldset className="skills-picker" aria-describedby={`gig-skills-hint${invalid ? ` ${errorId('skills')}` : ''}`}>
      <legend>{t('fSkills')}</legend>
      <p className="hint" id="gig-skills-hint">
        {t('fSkillsHint')}
      </p>
      {error}
      <ul className="skills-list">
        {SKILLS.map((skill, i) => {
          const level = value[skill];
          const name = skillName(skill, locale);
          return (
            <li key={skill} className={level !== undefined ? 'skill-row chosen' : 'skill-row'}>
              <label className="check">
                <input
                  type="checkbox"
                  id={i === 0 ? 'gig-skills' : undefined}
                  checked={level !== undefined}
                  onChange={(e) => toggle(skill, e.target.checked)}
                />
                {name}
              </label>
              {level !== undefined && (
                <select
                  aria-label={t('levelFor', { skill: name })}
                  value={level}
                  onChange={(e) => onChange({ ...value, [skill]: Number(e.target.value) as SkillLevel })}
                >
                  {SKILL_LEVELS.map((l) => (
                    <option key={l} value={l}>
                      {t(`level${l}`)}
                    </option>
                  ))}
                </select>
              )}
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
