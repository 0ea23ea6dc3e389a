const money = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

export function formatMoney(amount: number | null | undefined): string {
  return amount === null || amount === undefined ? '—' : money.format(amount)
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
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  return d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' })
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
