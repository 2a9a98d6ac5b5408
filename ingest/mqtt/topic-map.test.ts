import { describe, expect, it } from 'vitest';
import { checkTopicTemplate, createTopicMap, parseTopicTemplate } from './topic-map.js';

describe('topic templates', () => {
  it('derive the subscription filter and extract fields from matching topics', () => {
    const t = parseTopicTemplate('plants/{site}/{asset}/{channel}');
    expect(t.filter).toBe('plants/+/+/+');
    expect(t.match('plants/north/pump-7/flow')).toEqual({ site: 'north', asset: 'pump-7', channel: 'flow' });
    expect(t.match('plants/north/pump-7')).toBeUndefined();
    expect(t.match('other/north/pump-7/flow')).toBeUndefined();
    expect(t.match('plants//pump-7/flow')).toBeUndefined();
  });

  it('accept + and a trailing # and match any levels there', () => {
    const t = parseTopicTemplate('spBv1.0/{group}/+/{asset}/#');
    expect(t.filter).toBe('spBv1.0/+/+/+/#');
    expect(t.match('spBv1.0/g1/NDATA/edge-1')).toEqual({ group: 'g1', asset: 'edge-1' });
    expect(t.match('spBv1.0/g1/DDATA/edge-1/dev-2')).toEqual({ group: 'g1', asset: 'edge-1' });
  });

  it('reject malformed templates with a message naming the level', () => {
    expect(checkTopicTemplate('a/#/b')).toMatch('"#" must be the last level');
    expect(checkTopicTemplate('a/x{asset}')).toMatch('level "x{asset}"');
    expect(checkTopicTemplate('{a}/{a}')).toMatch('field {a} appears twice');
    expect(checkTopicTemplate('$share/g/a/b')).toMatch('sharedGroup');
    expect(() => parseTopicTemplate('')).toThrow('must not be empty');
  });

  it('try templates in order', () => {
    const map = createTopicMap(['a/{asset}/temp', 'a/{asset}/{channel}']);
    expect(map.filters).toEqual(['a/+/temp', 'a/+/+']);
    expect(map.match('a/p1/temp')).toEqual({ asset: 'p1' });
    expect(map.match('a/p1/flow')).toEqual({ asset: 'p1', channel: 'flow' });
    expect(map.match('b/p1/flow')).toBeUndefined();
    // cached answers are the same
    expect(map.match('a/p1/flow')).toEqual({ asset: 'p1', channel: 'flow' });
    expect(map.match('b/p1/flow')).toBeUndefined();
  });
});
