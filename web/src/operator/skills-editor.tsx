// The operator's skills with levels 1–5: change a level, remove a skill, add one from the catalogue.
import { useId, useState } from 'react';
import { SKILL_LEVELS, SKILLS, type Skill, type SkillLevel, type SkillLevels } from '@shared/skills';
import { skillName } from '../i18n/domain-names';
import { useLocale, useT } from '../i18n/i18n';
import { operatorMessages } from './messages';

const LEVEL_KEYS = { 1: 'level1', 2: 'level2', 3: 'level3', 4: 'level4', 5: 'level5' } as const;

export function SkillsEditor({ value, onChange }: { value: SkillLevels; onChange(next: SkillLevels): void }) {
  const t = useT(operatorMessages);
  const { locale } = useLocale();
  const ids = useId();
  const listed = SKILLS.filter((s) => value[s] !== undefined);
  const addable = SKILLS.filter((s) => value[s] === undefined);
  const [toAdd, setToAdd] = useState<Skill | ''>('');
  const [level, setLevel] = useState<SkillLevel>(3);
  const chosen = toAdd !== '' && addable.includes(toAdd) ? toAdd : '';

  const levelOptions = SKILL_LEVELS.map((l) => (
    <option key={l} value={l}>
      {t(LEVEL_KEYS[l])}
    </option>
  ));

  function setSkill(skill: Skill, l: SkillLevel | undefined) {
    const next: SkillLevels = { ...value };
    if (l === undefined) delete next[skill];
    else next[skill] = l;
    onChange(next);
  }

  return (
    <div data-testid="skills-editor">
      {listed.length === 0 ? (
        <p className="muted">{t('noSkills')}</p>
      ) : (
        <ul className="list op-skills">
          {listed.map((s) => (
            <li key={s} className="op-skill" data-testid="skill" data-skill={s}>
              <span className="op-skill-name">{skillName(s, locale)}</span>
              <select
                aria-label={t('levelFor', { skill: skillName(s, locale) })}
                value={value[s]}
                onChange={(e) => setSkill(s, Number(e.target.value) as SkillLevel)}
              >
                {levelOptions}
              </select>
              <button type="button" className="btn-link" onClick={() => setSkill(s, undefined)}>
                {t('removeSkill')}
                <span className="visually-hidden"> {skillName(s, locale)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {addable.length > 0 && (
        <div className="op-add-skill">
          <div className="field">
            <label htmlFor={`${ids}-add`}>{t('skillToAdd')}</label>
            <select id={`${ids}-add`} value={chosen} onChange={(e) => setToAdd(e.target.value as Skill | '')}>
              <option value="">{t('chooseSkill')}</option>
              {addable.map((s) => (
                <option key={s} value={s}>
                  {skillName(s, locale)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-level`}>{t('level')}</label>
            <select id={`${ids}-level`} value={level} onChange={(e) => setLevel(Number(e.target.value) as SkillLevel)}>
              {levelOptions}
            </select>
          </div>
          <button
            type="button"
            className="btn"
            disabled={chosen === ''}
            onClick={() => {
              if (chosen === '') return;
              setSkill(chosen, level);
              setToAdd('');
            }}
          >
            {t('addSkill')}
          </button>
        </div>
      )}
    </div>
  );
}
