// Pure helpers behind the charts (tested in charts.spec.ts): the keg forecast sentence, the shapes the chart component
// takes. Times go through the app's venue formatter (formatTime: the location's zone, whatever the browser's).
import { formatTime } from '../../format'
import type { KegLevelDto } from './statsTypes'

export function safeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone })
    return timeZone
  } catch {
    return 'UTC'
  }
}

/** Litres with one decimal ("0.4 L"), or two below a tenth. */
export function litres(ml: number): string {
  const l = ml / 1000
  return `${l >= 0.1 || l === 0 ? l.toFixed(1) : l.toFixed(2)} L`
}

/** "about 42 × 0.4 L left, empty around 21:40" at tonight's rate; plain words before the first pour or once empty. */
export function forecastText(keg: Pick<KegLevelDto, 'remainingVolumeMl' | 'forecast'>): string {
  const f = keg.forecast
  if (keg.remainingVolumeMl <= 0) return 'empty'
  if (!f.pours || !f.emptyAt || f.averagePourMl <= 0) return `${litres(keg.remainingVolumeMl)} left, no pours yet tonight`
  return `about ${f.poursLeft} × ${litres(f.averagePourMl)} left, empty around ${formatTime(f.emptyAt)}`
}

/** Seconds since the epoch, uPlot's time unit. */
export const seconds = (iso: string) => Math.round(new Date(iso).getTime() / 1000)

/**
 * Several step series sampled at the union of their times: at a time where a keg has no point of its own, its last
 * level holds (null before its first point), so every keg draws as a step line on one shared x axis.
 */
export function mergeSteps(series: { points: { at: string; value: number }[] }[]): { x: number[]; ys: (number | null)[][] } {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => seconds(p.at))))].sort((a, b) => a - b)
  const ys = series.map((s) => {
    const pts = s.points.map((p) => ({ t: seconds(p.at), v: p.value })).sort((a, b) => a.t - b.t)
    let i = -1
    return xs.map((x) => {
      while (i + 1 < pts.length && pts[i + 1].t <= x) i++
      return i >= 0 ? pts[i].v : null
    })
  })
  return { x: xs, ys }
}

/** Stacked bars drawn as overlapping cumulative bars: series k holds the sum of the parts 0…k. */
export function cumulative(parts: number[][]): number[][] {
  const out: number[][] = []
  parts.forEach((row, k) => out.push(row.map((v, i) => v + (k > 0 ? out[k - 1][i] : 0))))
  return out
}

/** Plain words for a deny reason code ("insufficient_balance" → "Insufficient balance"). */
export function reasonLabel(code: string): string {
  const s = code.replace(/_/g, ' ')
  return s.charAt(0).toUpperCase() + s.slice(1)
}
