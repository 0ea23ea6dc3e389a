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

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', timeZone: venue.timeZone ?? undefined })
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
