import { describe, expect, it } from 'vitest';
import { subscriptionsOf } from './subscriptions.js';

const filters = ['plants/+/+/+', 'gw/#'];

describe('the source connections subscriptions', () => {
  it('subscribes one connection to the filters themselves and drops its own share group left in a session', () => {
    expect(subscriptionsOf({ connections: 1 }, 'gw-1', filters)).toEqual({
      filters,
      staleFilters: ['$share/gw-1/plants/+/+/+', '$share/gw-1/gw/#'],
    });
  });

  it('subscribes several connections through a share group of the instance and drops the plain filters', () => {
    expect(subscriptionsOf({ connections: 4 }, 'site/a+b#', filters)).toEqual({
      filters: ['$share/site_a_b_/plants/+/+/+', '$share/site_a_b_/gw/#'],
      staleFilters: filters,
    });
  });

  it('subscribes one connection through the configured shared group', () => {
    expect(subscriptionsOf({ connections: 1, sharedGroup: 'north' }, 'gw-1', filters).filters).toEqual([
      '$share/north/plants/+/+/+',
      '$share/north/gw/#',
    ]);
  });
});
