import { describe, expect, it } from 'vitest';
import {
  chooseLocale,
  localeChain,
  localizeManifest,
  parseAcceptLanguage,
  parseLocaleFile,
  resolvePlaceholders,
} from '../../../src/jami/jpl-locale.ts';
import { errorCode } from '../../helpers/jami-expect.ts';

const LOCALES = {
  en: { name: 'Green screen', description: 'Replaces the background', only_en: 'English only' },
  fr: { name: 'Écran vert', description: "Remplace l'arrière-plan" },
  fr_CA: { name: 'Écran vert (Canada)' },
  pt_BR: { name: 'Tela verde' },
};

describe('parseAcceptLanguage', () => {
  it('orders ranges by weight, keeping the client order for equal weights', () => {
    expect(parseAcceptLanguage('de;q=0.5, fr-CA, en;q=0.8, fr')).toEqual(['fr-CA', 'fr', 'en', 'de']);
  });

  it('drops *, q=0 and malformed ranges', () => {
    expect(parseAcceptLanguage('*, de;q=0, it;q=abc, es;q=0.001, ;q=1')).toEqual(['es']);
    expect(parseAcceptLanguage(undefined)).toEqual([]);
    expect(parseAcceptLanguage('')).toEqual([]);
  });
});

describe('chooseLocale', () => {
  const available = Object.keys(LOCALES);
  it.each([
    ['fr-CA', 'fr_CA'],
    ['fr-BE', 'fr'],
    ['FR-ca', 'fr_CA'],
    ['pt-BR', 'pt_BR'],
    ['pt-PT', 'en'],
    ['de, fr;q=0.9', 'fr'],
    ['de', 'en'],
    [undefined, 'en'],
    ['*', 'en'],
  ])('Accept-Language %s chooses %s', (header, expected) => {
    expect(chooseLocale(available, header)).toBe(expected);
  });

  it('chooses nothing when neither a requested language nor English exists', () => {
    expect(chooseLocale(['de'], 'fr')).toBeUndefined();
  });

  it('lists every usable locale in order of preference', () => {
    expect(localeChain(available, 'fr-CA, pt-BR;q=0.5')).toEqual(['fr_CA', 'fr', 'pt_BR', 'en']);
    expect(localeChain(['de'], 'fr')).toEqual([]);
  });
});

describe('resolvePlaceholders', () => {
  it('fills each {{key}} from the best locale that has it (fr_CA, then fr, then en); unknown keys become ""', () => {
    expect(resolvePlaceholders('{{name}}: {{description}}', LOCALES, 'fr-CA')).toBe("Écran vert (Canada): Remplace l'arrière-plan");
    expect(resolvePlaceholders('{{name}} – {{only_en}} – {{missing}}.', LOCALES, 'fr')).toBe('Écran vert – English only – .');
    expect(resolvePlaceholders('{{ name }}', LOCALES, 'de')).toBe('Green screen');
  });

  it('leaves text without placeholders alone and empties placeholders without any locale', () => {
    expect(resolvePlaceholders('Plain {name}', LOCALES, 'fr')).toBe('Plain {name}');
    expect(resolvePlaceholders('{{name}}!', {}, 'fr')).toBe('!');
  });

  it('does not read inherited properties as keys', () => {
    expect(resolvePlaceholders('[{{constructor}}][{{__proto__}}]', LOCALES, 'en')).toBe('[][]');
  });

  it('localizes a manifest name and description, taking a key pt_BR lacks from the next accepted language', () => {
    expect(localizeManifest({ name: '{{name}}', description: '{{description}}' }, LOCALES, 'pt-BR, fr;q=0.5')).toEqual({
      name: 'Tela verde',
      description: "Remplace l'arrière-plan",
    });
    expect(localizeManifest({ name: '{{name}}', description: '{{description}}' }, LOCALES, 'pt-BR').description).toBe('Replaces the background');
  });
});

describe('parseLocaleFile', () => {
  it('keeps string values and ignores others', () => {
    const table = parseLocaleFile(Buffer.from('{"a":"x","n":3,"o":{"b":"c"}}'), 'data/locale/P_en.json');
    expect({ ...table }).toEqual({ a: 'x' });
  });

  it.each([['not JSON', '{'], ['an array', '["a"]'], ['a string', '"a"']])('refuses %s', async (_, text) => {
    expect(await errorCode(() => parseLocaleFile(Buffer.from(text), 'data/locale/P_en.json'))).toBe('JPL_LOCALE_INVALID');
  });
});
