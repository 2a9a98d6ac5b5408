// The words the detector decides and the API, the page and the metrics show: what an asset is
// doing now and how severe an alert is. Node-free, so the browser page takes it directly.
import { z } from 'zod';

export const assetStatusSchema = z.enum([
  'normal',
  'pending',
  'alerting',
  'clearing',
  'cooldown',
  'off',
  'gap',
  'unknown',
  'silenced',
  'maintenance',
]);
/** What an asset is doing now, as the API and the per-asset state metric show it. */
export type AssetStatus = z.infer<typeof assetStatusSchema>;

export const severitySchema = z.enum(['warning', 'critical']);
export type Severity = z.infer<typeof severitySchema>;
