// Line-protocol encoding of the four measurements, escaping included.
import { describe, expect, it } from 'vitest';
import { alertAt, frameAt, scoreAt } from '../../test/fixtures/sink-records.js';
import {
  encodeAlertPoint,
  encodeFramePoint,
  encodeModelEventPoint,
  encodeScorePoint,
} from './line-protocol.js';

describe('line protocol', () => {
  it('encodes a score with tags, fields, one contribution field per channel and a ms timestamp', () => {
    const point = encodeScorePoint(scoreAt('pump-7', 1_700_000_000_123, 0.5));
    expect(point?.line).toBe(
      'gruwatch_score,asset=pump-7,model_version=m-1,state=ok score=0.5,threshold=1,ratio=0.5,top_channels="vib",contrib_temp=0.25,contrib_vib=0.75 1700000000123',
    );
    expect(point?.seriesTimeKey).toBe('gruwatch_score,asset=pump-7,model_version=m-1,state=ok 1700000000123');
  });

  it('escapes commas, spaces and equals signs in tags and field keys, quotes and backslashes in strings', () => {
    const score = {
      ...scoreAt('hall 2,pump=7', 5),
      channels: ['inlet temp', 'a,b=c'],
      topChannels: ['say "hi"', 'back\\slash'],
    };
    expect(encodeScorePoint(score)?.line).toBe(
      'gruwatch_score,asset=hall\\ 2\\,pump\\=7,model_version=m-1,state=ok score=0.5,threshold=1,ratio=0.5,top_channels="say \\"hi\\",back\\\\slash",contrib_inlet\\ temp=0.25,contrib_a\\,b\\=c=0.75 5',
    );
  });

  it('encodes an alert event with an integer opened_at_ms and leaves out an absent reason', () => {
    const line = encodeAlertPoint(alertAt('fan-2', 9_000, 'escalated', 'critical'))?.line;
    expect(line).toBe(
      'gruwatch_alert,asset=fan-2,event=escalated,severity=critical alert_id="fan-2-1000",ratio=1.5,peak_ratio=2,top_channels="vib,temp",opened_at_ms=1000i,model_version="m-1" 9000',
    );
    const resolved = encodeAlertPoint({ ...alertAt('fan-2', 9_500, 'resolved'), reason: 'recovered' })?.line;
    expect(resolved).toContain(',reason="recovered" 9500');
  });

  it('omits NaN cells of a frame and drops a frame with no value at all', () => {
    expect(encodeFramePoint(frameAt('fan-2', 42, [20.5, Number.NaN]))?.line).toBe(
      'gruwatch_frame,asset=fan-2,state=ok temp=20.5 42',
    );
    expect(encodeFramePoint(frameAt('fan-2', 42, [Number.NaN, Number.NaN]))).toBeUndefined();
  });

  it('encodes a model event with model and event tags, the fields present and details as JSON text', () => {
    const promoted = encodeModelEventPoint({
      atMs: 1_700_000_000_000,
      model: 'pumps a',
      event: 'promoted',
      version: 'v2',
      previousVersion: 'v1',
      reason: 'passed "shadow"',
      details: { candidateAlerts: 1, note: 'a,b' },
    });
    expect(promoted).toEqual({
      seriesTimeKey: 'gruwatch_model_event,event=promoted,model=pumps\\ a 1700000000000',
      line: 'gruwatch_model_event,event=promoted,model=pumps\\ a version="v2",previous_version="v1",reason="passed \\"shadow\\"",details="{\\"candidateAlerts\\":1,\\"note\\":\\"a,b\\"}" 1700000000000',
    });
    const failed = encodeModelEventPoint({
      atMs: 7,
      model: 'fans',
      event: 'retrain_failed',
      reason: 'too few frames',
    });
    expect(failed?.line).toBe(
      'gruwatch_model_event,event=retrain_failed,model=fans reason="too few frames" 7',
    );
  });

  it('gives a model event without any field an empty reason, since a point needs one field', () => {
    expect(encodeModelEventPoint({ atMs: 9, model: 'fans', event: 'retrain_started' })?.line).toBe(
      'gruwatch_model_event,event=retrain_started,model=fans reason="" 9',
    );
  });

  it('leaves out an empty tag, which line protocol cannot carry', () => {
    expect(encodeScorePoint({ ...scoreAt('a', 1), modelVersion: '' })?.seriesTimeKey).toBe(
      'gruwatch_score,asset=a,state=ok 1',
    );
  });
});
