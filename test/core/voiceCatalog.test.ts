import { describe, expect, it } from 'vitest';
import { SYSTEM_VOICES, customVoiceToVoice, filterVoices, findVoice, systemVoiceInstruction } from 'cosyvoice-react/core';
import { checkVoiceForModel } from '../../src/core/checkVoiceForModel';

describe('voice catalog', () => {
  it('holds the 196 system voices of the four models', () => {
    expect(SYSTEM_VOICES).toHaveLength(196);
    const perModel = Object.fromEntries(['cosyvoice-v3-flash', 'cosyvoice-v3-plus', 'cosyvoice-v2', 'cosyvoice-v1'].map((m) => [m, filterVoices({ model: m }).length]));
    expect(perModel).toEqual({ 'cosyvoice-v3-flash': 68, 'cosyvoice-v3-plus': 2, 'cosyvoice-v2': 106, 'cosyvoice-v1': 20 });
  });

  it('filters by language, gender and capabilities', () => {
    const instruct = filterVoices({ model: 'cosyvoice-v3-flash', instruct: true }).map((v) => v.id);
    expect(instruct.sort()).toEqual(['longanhuan', 'longanyang', 'longhuhu_v3']);
    const cantonese = filterVoices({ language: 'yue' });
    expect(cantonese.length).toBeGreaterThan(0);
    expect(cantonese.every((v) => v.languages.some((l) => l.includes('Cantonese')))).toBe(true);
    expect(filterVoices({ model: 'cosyvoice-v1', timestamps: true })).toEqual([]);
    const englishFemale = filterVoices({ gender: 'female', language: 'en' });
    expect(englishFemale.length).toBeGreaterThan(0);
    expect(englishFemale.length).toBeLessThan(filterVoices({ gender: 'female' }).length); // the language filter removed some
    expect(englishFemale.every((v) => v.gender === 'female' && v.languages.some((l) => l.startsWith('English')))).toBe(true);
    expect(filterVoices({ query: '龙安洋' }).map((v) => v.model).sort()).toEqual(['cosyvoice-v3-flash', 'cosyvoice-v3-plus']);
  });

  it('warns about voices of another model but accepts custom voice ids', () => {
    expect(checkVoiceForModel('cosyvoice-v3-flash', 'longanyang')).toBeUndefined();
    expect(checkVoiceForModel('cosyvoice-v2', 'longanyang')).toMatch(/belongs to cosyvoice-v3-flash/);
    expect(checkVoiceForModel('cosyvoice-v3-plus', 'cosyvoice-v3-plus-myvoice-abc')).toBeUndefined();
    expect(checkVoiceForModel('cosyvoice-v3.5-plus', 'anything')).toBeUndefined();
    expect(findVoice('longxiaochun_v2')?.model).toBe('cosyvoice-v2');
  });

  it('builds the fixed instruction formats of system voices', () => {
    expect(systemVoiceInstruction('longanyang', { emotion: 'happy' })).toBe('你说话的情感是happy。');
    expect(systemVoiceInstruction('longanyang', { emotion: 'sad', scene: '新闻播报' })).toBe('你正在进行新闻播报，你说话的情感是sad。');
    expect(systemVoiceInstruction('longanyang', { emotion: 'neutral', role: '一个旁白' })).toBe('你现在说话的角色是一个旁白，你说话的情感是neutral。');
    expect(systemVoiceInstruction('longhuhu_v3', { emotion: 'happy', role: '机器人' })).toBe('你说话的角色是机器人，你说话的情感是happy。');
    expect(systemVoiceInstruction('longhuhu_v3', { emotion: 'happy', identity: '儿童玩具' })).toBe('你正在以一个儿童玩具的身份说话，你说话的情感是happy。');
    expect(() => systemVoiceInstruction('longanyang', { emotion: 'happy', scene: '唱歌' })).toThrow(/accepts scenes/);
  });

  it('describes custom voices from list_voice entries', () => {
    expect(customVoiceToVoice({ voiceId: 'cosyvoice-v3-plus-myvoice-1234', status: 'OK' })).toMatchObject({ model: 'cosyvoice-v3-plus', name: 'myvoice-1234', custom: true, status: 'OK' });
  });
});
