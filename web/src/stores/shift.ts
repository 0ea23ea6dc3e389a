import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { http } from '../api/http'
import type { ShiftCloseCheckDto, ShiftDto, ShiftReportDto } from '../api/types'
import { useLiveLoad } from './liveLoad'
import { attempt } from './result'
import { useSessionStore } from './session'

/** Plain words for the shift refusals (docs/API_REFERENCE.md, "Shifts"). */
export const shiftExplanations: Record<string, string> = {
  shift_already_open: 'A shift is already open. Join it instead.',
  shift_closed: 'This shift is already closed.',
  shift_has_blockers: 'Something still blocks the close: an active visit or a pour waiting for its sync. Go back to the first step.',
  critical_alerts_unacknowledged: 'A critical alert is still unacknowledged. Acknowledge it first.',
  equipment_not_confirmed: 'Every checklist item must be confirmed.',
  already_on_shift: 'You are already on this shift.',
  not_on_shift: 'You are not on this shift.',
  staff_user_inactive: 'This staff user is deactivated.',
  no_open_shift: 'No shift is open.',
  forbidden: 'Only a manager may do this.',
  validation_failed: 'Something in the form is not valid.',
  network_error: 'The server could not be reached; try again.',
}

/**
 * The location's current shift: loaded over REST (404 no_open_shift = none open), kept live by ShiftUpdated. A closed
 * shift stays closed, and a push about an older shift never replaces a newer one.
 */
export const useShiftStore = defineStore('shift', () => {
  const current = ref<ShiftDto | null>(null)
  const live = useLiveLoad()

  const isOpen = computed(() => current.value?.status === 'open')
  const present = computed(() => current.value?.members.filter((m) => !m.leftAt) ?? [])
  const amOnShift = computed(() => {
    const me = useSessionStore().user?.id
    return !!me && present.value.some((m) => m.staffUserId === me)
  })

  function applyShift(shift: ShiftDto) {
    const c = current.value
    if (c && c.id === shift.id && c.status === 'closed' && shift.status === 'open') return
    if (c && c.id !== shift.id && shift.openedAt < c.openedAt) return
    if (c && c.id === shift.id && c.status === shift.status && memberEvents(shift) < memberEvents(c)) return
    current.value = shift
  }

  function load() {
    return live.load(
      async () => {
        try {
          return await http.get<ShiftDto>('/api/shifts/current')
        } catch (e) {
          if ((e as { code?: string }).code === 'no_open_shift') return null
          throw e
        }
      },
      (shift) => {
        // A closed shift just seen stays on screen (its report link); "no open shift" only clears an open one.
        if (shift) applyShift(shift)
        else if (current.value?.status === 'open') current.value = null
      },
    )
  }

  function ensureLoaded() {
    if (live.status.value === 'idle') void load()
  }

  async function run(fn: () => Promise<ShiftDto>) {
    const r = await attempt(fn)
    if (r.ok) applyShift(r.value)
    return r
  }

  const open = () => run(() => http.post<ShiftDto>('/api/shifts', {}))
  const join = (shiftId: string) => run(() => http.post<ShiftDto>(`/api/shifts/${shiftId}/members`, {}))
  const leave = (shiftId: string, staffUserId: string) => run(() => http.post<ShiftDto>(`/api/shifts/${shiftId}/members/${staffUserId}/leave`))
  const closeCheck = (shiftId: string) => attempt(() => http.get<ShiftCloseCheckDto>(`/api/shifts/${shiftId}/close-check`))
  const report = (shiftId: string) => attempt(() => http.get<ShiftReportDto>(`/api/shifts/${shiftId}/report`))
  /** Past shifts, newest first (GET /api/shifts): reachable whether or not a shift is open. */
  const history = (take = 30) => attempt(() => http.get<ShiftDto[]>(`/api/shifts?take=${take}`))

  async function close(shiftId: string, equipmentConfirmed: string[], comment?: string) {
    const r = await attempt(() => http.post<ShiftReportDto>(`/api/shifts/${shiftId}/close`, { equipmentConfirmed, comment: comment || undefined }))
    if (r.ok && current.value?.id === shiftId) {
      current.value = { ...current.value, status: 'closed', closedAt: r.value.closedAt ?? null, closedBy: r.value.closedBy ?? null }
    }
    return r
  }

  return {
    current, isOpen, present, amOnShift, status: live.status, error: live.error,
    load, ensureLoaded, open, join, leave, closeCheck, close, report, history,
    onShiftUpdated: (s: ShiftDto) => live.push(() => applyShift(s)),
  }
})

/** Joins plus leaves: a shift's member list only grows in events, so fewer events is an older snapshot. */
function memberEvents(s: ShiftDto): number {
  return s.members.length + s.members.filter((m) => m.leftAt).length
}
