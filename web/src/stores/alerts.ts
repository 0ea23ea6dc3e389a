import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, http, toApiError } from '../api/http'
import type { AlertDto, AlertSeverity, AlertStatus, ControllerStatusDto, TapDto } from '../api/types'
import { formatDateTime, formatMl, formatTime, humanize } from '../format'
import { useLiveLoad } from './liveLoad'

const statusRank: Record<AlertStatus, number> = { open: 0, acknowledged: 1, resolved: 2 }
const severityRank: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 }

/** Whether `incoming` is at least as new as `existing`: an alert only moves forward (open → acknowledged → resolved, more occurrences). */
export function isNewerAlert(incoming: AlertDto, existing: AlertDto): boolean {
  const byStatus = statusRank[incoming.status] - statusRank[existing.status]
  if (byStatus !== 0) return byStatus > 0
  if (incoming.occurrenceCount !== existing.occurrenceCount) return incoming.occurrenceCount > existing.occurrenceCount
  return incoming.lastRaisedAt >= existing.lastRaisedAt
}

/** Plain words for the alert refusals. */
export const alertExplanations: Record<string, string> = {
  comment_required: 'A critical alert needs a comment to acknowledge: say what you found or did.',
  alert_already_acknowledged: 'Someone acknowledged this alert already.',
  alert_already_resolved: 'Someone resolved this alert already.',
  forbidden: 'Only a manager may do this (critical alerts are resolved by a manager).',
  validation_failed: 'A comment is required.',
  network_error: 'The server could not be reached; try again.',
}

/** Who may do what with an alert, as the server decides it (the buttons follow it; the server checks again). */
export function alertPermissions(alert: AlertDto, isManager: boolean) {
  return {
    acknowledge: alert.status === 'open',
    acknowledgeNeedsComment: alert.severity === 'critical',
    resolve: alert.status !== 'resolved' && (alert.severity !== 'critical' || isManager),
    mute: isManager && alert.status !== 'resolved' && !!alert.subjectId && !alert.muted,
  }
}

export function compareAlerts(a: AlertDto, b: AlertDto): number {
  return (
    statusRank[a.status] - statusRank[b.status] ||
    severityRank[b.severity] - severityRank[a.severity] ||
    b.lastRaisedAt.localeCompare(a.lastRaisedAt)
  )
}

/**
 * The text of an unresolved alert from its subject as it is now (names and state from the live stores), so a renamed
 * tap or beer, a keg that kept emptying or a controller back online never shows an old snapshot. Other alerts, and resolved
 * ones (a record of what happened), keep the message the server wrote at their last occurrence.
 */
export function liveAlertText(a: AlertDto, taps: Iterable<TapDto>, controllers: Map<string, ControllerStatusDto>): string {
  if (a.status === 'resolved' || !a.subjectId) return a.message
  if (a.type === 'keg_low' && a.subjectType === 'keg') {
    const tap = [...taps].find((t) => t.kegId === a.subjectId)
    if (!tap || !tap.kegNominalMl || tap.kegRemainingMl == null) return a.message
    const percent = Math.round((tap.kegRemainingMl / tap.kegNominalMl) * 1000) / 10
    return `Keg of ${tap.beerName ?? 'beer'} on tap ${tap.number} (${tap.name}) is at ${tap.kegRemainingMl} ml (${percent} %).`
  }
  if (a.type === 'controller_offline' && a.subjectType === 'controller') {
    const c = controllers.get(a.subjectId)
    if (!c) return a.message
    return c.online
      ? `Controller ${c.name} is online again (it was offline).`
      : `Controller ${c.name} has not been seen since ${c.lastSeenAt ? formatDateTime(c.lastSeenAt) : 'it started'}.`
  }
  return a.message
}

/** What a tap card says about an unresolved alert that concerns its tap, its keg or its controller. */
export interface TapAlertNote {
  id: string
  type: string
  severity: AlertSeverity
  title: string
  text: string
  advice: string
}

/**
 * The unresolved alerts that concern a tap, in words for the floor: its own alerts (lock timeout, over-pour, flow without
 * a pour, any other), its keg running low, its controller offline. Written from the tap as it is now and shown only
 * while the condition holds (a stalled pour while the tap waits for its sync, a low keg while it is on this tap, an
 * offline controller while it is offline); a resolved alert drops out at once (AlertUpdated).
 */
export function tapAlertNotes(tap: TapDto, alerts: Iterable<AlertDto>): TapAlertNote[] {
  const notes: TapAlertNote[] = []
  for (const a of alerts) {
    if (a.status === 'resolved' || !a.subjectId) continue
    const note = (title: string, text: string, advice: string) => notes.push({ id: a.id, type: a.type, severity: a.severity, title, text, advice })
    if (a.subjectType === 'tap' && a.subjectId === tap.id) {
      switch (a.type) {
        case 'lock_timeout':
          if (tap.status === 'processing_sync')
            note('Pour stalled', `The pour on this tap sent no progress since ${formatTime(a.lastRaisedAt)}; the tap waits for its sync.`,
              'A manager reconciles the pour or force-unlocks the visit (Visits).')
          break
        case 'over_pour':
          note('Poured more than allowed', a.message, 'Check the valve and the flow meter, then acknowledge the alert.')
          break
        case 'flow_without_pour':
          note('Beer flowing without a pour', a.message, 'Lock the tap, check the valve and call a manager.')
          break
        default:
          note(humanize(a.type), a.message, 'See the alert.')
      }
    } else if (a.type === 'keg_low' && a.subjectType === 'keg' && a.subjectId === tap.kegId && tap.kegRemainingMl != null) {
      const percent = tap.kegNominalMl ? ` (${Math.round((tap.kegRemainingMl / tap.kegNominalMl) * 100)} %)` : ''
      note('Keg low', `${tap.beerName ?? 'The'} keg has ${formatMl(tap.kegRemainingMl)} left${percent}.`, 'Have the next keg ready (Kegs).')
    } else if (a.type === 'controller_offline' && a.subjectType === 'controller' && a.subjectId === tap.controllerId && !tap.controllerOnline) {
      note('Controller offline', `Not heard from since ${formatTime(a.raisedAt)}.`,
        'A running pour finishes and syncs later; new cards wait for the connection. Check its power and network.')
    }
  }
  return notes
}

export const useAlertsStore = defineStore('alerts', () => {
  const byId = ref(new Map<string, AlertDto>())
  const live = useLiveLoad()

  const all = computed(() => [...byId.value.values()].sort(compareAlerts))
  const unresolved = computed(() => all.value.filter((a) => a.status !== 'resolved'))
  const resolved = computed(() => all.value.filter((a) => a.status === 'resolved'))
  /** Open critical alerts: shown across the whole frame until someone acknowledges them. */
  const criticalOpen = computed(() => unresolved.value.filter((a) => a.severity === 'critical' && a.status === 'open'))
  const openCount = computed(() => unresolved.value.filter((a) => a.status === 'open').length)

  function load() {
    return live.load(
      () => http.get<AlertDto[]>('/api/alerts'),
      (alerts) => {
        byId.value = new Map(alerts.map((a) => [a.id, a]))
      },
    )
  }

  function ensureLoaded() {
    if (live.status.value === 'idle') void load()
  }

  function applyAlert(alert: AlertDto) {
    const existing = byId.value.get(alert.id)
    if (existing && !isNewerAlert(alert, existing)) return
    byId.value.set(alert.id, alert)
  }

  async function act(id: string, action: 'acknowledge' | 'resolve', comment: string): Promise<ApiError | null> {
    try {
      const result = await http.post<AlertDto | undefined>(`/api/alerts/${id}/${action}`, { comment })
      if (result && typeof result === 'object' && 'id' in result) applyAlert(result)
      else void load()
      return null
    } catch (e) {
      return toApiError(e)
    }
  }

  async function mute(alert: AlertDto, minutes: number, comment: string): Promise<ApiError | null> {
    try {
      await http.post('/api/alerts/mute', { type: alert.type, subjectType: alert.subjectType, subjectId: alert.subjectId, minutes, comment })
      const existing = byId.value.get(alert.id)
      if (existing) byId.value.set(alert.id, { ...existing, muted: true })
      return null
    } catch (e) {
      return toApiError(e)
    }
  }

  return {
    mute,
    byId, all, unresolved, resolved, criticalOpen, openCount,
    status: live.status, error: live.error, refreshing: live.refreshing,
    load, ensureLoaded,
    acknowledge: (id: string, comment: string) => act(id, 'acknowledge', comment),
    resolve: (id: string, comment: string) => act(id, 'resolve', comment),
    onAlertRaised: (a: AlertDto) => live.push(() => applyAlert(a)),
    onAlertUpdated: (a: AlertDto) => live.push(() => applyAlert(a)),
  }
})
