// Times on the page: always in the plant's time zone (the server's
// `http.timeZone`), always on a 24 h clock, and the zone named in the header,
// so a screen in another office reads the same clock as the control room.
import uPlot from 'uplot';

let zone = 'UTC';
let formatter = makeFormatter(zone);

function makeFormatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
}

/** Sets the zone every later formatted time is shown in; an unknown zone keeps UTC. */
export function setTimeZone(timeZone: string): void {
  try {
    formatter = makeFormatter(timeZone);
    zone = timeZone;
  } catch {
    zone = 'UTC';
    formatter = makeFormatter(zone);
  }
}

export function timeZone(): string {
  return zone;
}

/** `YYYY-MM-DD HH:mm:ss` in the plant's zone. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const part = Object.fromEntries(formatter.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second}`;
}

const day = 86_400;
/**
 * uPlot's tick label table on a 24 h clock: [tick step (s), label, then what is added when
 * the year, month, day, hour, minute or second changes, and whether to add it only once].
 */
const axisLabels: uPlot.Axis.TimeValuesConfig = [
  [day * 365, '{YYYY}', null, null, null, null, null, null, 1],
  [day * 28, '{MM}-{DD}', '\n{YYYY}', null, null, null, null, null, 1],
  [day, '{MM}-{DD}', '\n{YYYY}', null, null, null, null, null, 1],
  [3600, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
  [60, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
  [1, '{HH}:{mm}:{ss}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
];

/** The chart options that put a time axis, its ticks and the cursor value in the plant's zone. */
export function timeAxisOptions(): {
  tzDate: (ts: number) => Date;
  values: uPlot.Axis.TimeValuesConfig;
  legendValue: string;
} {
  const tz = zone;
  return {
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz),
    values: axisLabels,
    legendValue: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}',
  };
}
