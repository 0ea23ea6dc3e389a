import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { http, query } from '../api/http'
import type { ChainReportDto, ChainVenueNowDto } from '../api/types'
import { useLiveLoad } from './liveLoad'

/** How often the chain overview is read again: its figures move with every pour at any venue. */
export const CHAIN_POLL_MS = 10_000

/** A day in the browser's zone as "YYYY-MM-DD" (the value of a date input). */
export function localDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** The report's default period: the last `days` days up to and including today, in the browser's zone. */
export function lastDays(days: number, now: Date = new Date()): { fromDay: string; toDay: string } {
  const from = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1))
  return { fromDay: localDay(from), toDay: localDay(now) }
}

/**
 * Two days picked in the browser's zone as the UTC instants the server takes: [the first day's midnight, the midnight
 * after the last day). Null when a day is missing or the last is before the first.
 */
export function periodOf(fromDay: string, toDay: string): { from: string; to: string } | null {
  const parse = (day: string) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
    return m ? [Number(m[1]), Number(m[2]) - 1, Number(m[3])] as const : null
  }
  const a = parse(fromDay)
  const b = parse(toDay)
  if (!a || !b) return null
  const from = new Date(a[0], a[1], a[2])
  const to = new Date(b[0], b[1], b[2] + 1)
  if (!(to.getTime() > from.getTime())) return null
  return { from: from.toISOString(), to: to.toISOString() }
}

/** The chain's owner (admins): every venue now, polled, and the report per venue for a period. */
export const useChainStore = defineStore('chain', () => {
  const venues = ref<ChainVenueNowDto[]>([])
  const overview = useLiveLoad()
  const loadedAt = ref<Date | null>(null)

  function loadOverview() {
    return overview.load(
      () => http.get<ChainVenueNowDto[]>('/api/chain/overview'),
      (list) => {
        venues.value = list
        loadedAt.value = new Date()
      },
    )
  }

  const report = ref<ChainReportDto | null>(null)
  const reportLoad = useLiveLoad()
  /** The period of the report shown (or being loaded), as sent. */
  const period = ref<{ from: string; to: string } | null>(null)

  function loadReport(p: { from: string; to: string }) {
    period.value = p
    return reportLoad.load(
      () => http.get<ChainReportDto>(`/api/reports/chain${query(p)}`),
      (r) => {
        report.value = r
      },
    )
  }

  /** The same report as CSV (a plain link: the browser downloads it with the session cookie). */
  const csvUrl = computed(() => (period.value ? `/api/reports/chain.csv${query(period.value)}` : null))

  /** The venues' currencies when they are all one (the chart's axis may then name it), else null. */
  const reportCurrency = computed(() => {
    const set = new Set((report.value?.venues ?? []).map((v) => v.currency))
    return set.size === 1 ? [...set][0]! : null
  })

  return {
    venues, loadedAt, overviewStatus: overview.status, overviewError: overview.error, loadOverview,
    report, period, reportStatus: reportLoad.status, reportError: reportLoad.error, loadReport, csvUrl, reportCurrency,
  }
})
