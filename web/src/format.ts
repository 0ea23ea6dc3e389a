import { reactive } from 'vue'

const money = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

/**
 * The venue's currency and time zone (GET /api/location), set once signed in: every amount is shown with the currency
 * and every time in the venue's zone, whatever the browser's own zone is.
 */
export const venue = reactive<{ currency: string | null; timeZone: string | null }>({ currency: null, timeZone: null })

export function setVenue(currency: string | null, timeZone: string | null) {
  venue.currency = currency
  venue.timeZone = timeZone && isZone(timeZone) ? timeZone : null
}

function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** An amount with the venue's currency, e.g. "12.50 EUR". */
export function formatMoney(amount: number | null | undefined): string {
  if (amount === null || amount === undefined) return '—'
  return venue.currency ? `${money.format(amount)} ${venue.currency}` : money.format(amount)
}

/** An amount in a currency named with it (the chain views: each venue's own), e.g. "12.50 EUR". */
export function formatMoneyIn(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined) return '—'
  return currency ? `${money.format(amount)} ${currency}` : money.format(amount)
}

/** The label for times shown: the venue's time zone, e.g. "Europe/Berlin". */
export function zoneLabel(): string {
  return venue.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone
}

export function formatMl(ml: number | null | undefined): string {
  if (ml === null || ml === undefined) return '—'
  return ml >= 10000 ? `${(ml / 1000).toFixed(1)} L` : `${Math.round(ml)} ml`
}

export function formatLiters(ml: number | null | undefined): string {
  return ml === null || ml === undefined ? '—' : `${(ml / 1000).toFixed(1)} L`
}

/** A time of day in the venue's zone (every view, the charts' axes and the keg forecast); seconds on a short axis. */
export function formatTime(iso: string | null | undefined, withSeconds = false): string {
  if (!iso) return '—'
  const d = new Date(iso)
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(withSeconds ? { second: '2-digit' } : {}), timeZone: venue.timeZone ?? undefined })
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  return d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: venue.timeZone ?? undefined })
}

/** A date and time without seconds, in the venue's zone (history lists). */
export function formatDay(iso: string | null | undefined): string {
  if (!iso) return '—'
  return new Date(iso).toLocaleString([], { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: venue.timeZone ?? undefined })
}

export function ago(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return 'never'
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000))
  if (seconds < 60) return `${seconds}s ago`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min ago`
}

export const tapStatusLabel: Record<string, string> = {
  active: 'Active',
  locked: 'Locked',
  cleaning: 'Cleaning',
  processing_sync: 'Processing sync',
  out_of_keg: 'Out of keg',
}

export function humanize(code: string): string {
  const s = code.replace(/[_.]/g, ' ')
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** The zone's offset from UTC (ms) at an instant: wall time there minus UTC. */
function zoneOffsetMs(zone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(at))
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(at / 1000) * 1000
}

/**
 * A wall time typed in a form ("2026-11-21" or "2026-11-21T18:30") read in the venue's time zone (not the browser's),
 * as a UTC ISO string; undefined for an empty or invalid value. Falls back to the browser's zone before the venue is known.
 */
export function venueLocalToUtc(local: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(local.trim())
  if (!m) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0))
  if (!venue.timeZone) {
    const t = new Date(y, mo - 1, d, h, mi, s)
    return Number.isNaN(t.getTime()) ? undefined : t.toISOString()
  }
  const wall = Date.UTC(y, mo - 1, d, h, mi, s)
  if (Number.isNaN(wall)) return undefined
  // Guess with the offset at the wall time, then correct once with the offset at the guess (right across DST changes).
  let utc = wall - zoneOffsetMs(venue.timeZone, wall)
  utc = wall - zoneOffsetMs(venue.timeZone, utc)
  return new Date(utc).toISOString()
}

/** One of the venue's days ("2026-11-21") as a UTC range [from, to): its midnight to the next midnight there. */
export function venueDayRange(day: string): { from: string; to: string } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return null
  const next = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1)).toISOString().slice(0, 10)
  const from = venueLocalToUtc(day)
  const to = venueLocalToUtc(next)
  return from && to ? { from, to } : null
}
