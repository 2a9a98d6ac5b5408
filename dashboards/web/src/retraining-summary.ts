// What the model view says about a model's retraining, as label/value lines:
// schedule, next run, whether a run is going on, and how the last one ended.
// Kept apart from the DOM so the wording is tested without a browser.
import type { ModelEventView, RetrainingView } from '../../api/api-types.js';
import { formatDuration, formatTime } from './dom.js';

const outcomeText: Record<NonNullable<RetrainingView['lastRun']>['outcome'], string> = {
  promoted: 'promoted',
  awaiting_approval: 'waiting for approval',
  shadow: 'running in shadow',
  refused: 'candidate refused',
  skipped: 'skipped',
  failed: 'failed',
};

export function retrainingFacts(retraining: RetrainingView | null | undefined): [string, string][] {
  if (retraining === null || retraining === undefined)
    return [['Retraining', 'not reported by this service']];
  if (!retraining.enabled) return [['Retraining', 'disabled']];
  const facts: [string, string][] = [
    ['Schedule', retraining.schedule ?? 'on demand only'],
    ['Next run', retraining.nextRunAtMs === null ? '–' : formatTime(retraining.nextRunAtMs)],
    ['Running now', retraining.running ? 'yes' : 'no'],
  ];
  const last = retraining.lastRun;
  if (last === null) {
    facts.push(['Last run', 'none yet']);
  } else {
    const candidate = last.candidateVersion === undefined ? '' : `, candidate ${last.candidateVersion}`;
    facts.push([
      'Last run',
      `${formatTime(last.atMs)}: ${outcomeText[last.outcome] ?? last.outcome}${candidate} (took ${formatDuration(last.durationMs)})`,
    ]);
    if (last.reason !== '') facts.push(['Reason', last.reason]);
  }
  return facts;
}

/** One history line: time, event, version (with the one it replaced) and reason. */
export function modelEventCells(event: ModelEventView): [string, string, string, string] {
  const version =
    event.version === undefined
      ? '–'
      : event.previousVersion === undefined
        ? event.version
        : `${event.previousVersion} → ${event.version}`;
  return [formatTime(event.atMs), event.event.replaceAll('_', ' '), version, event.reason ?? ''];
}
