import { defineStore } from 'pinia'
import { ref } from 'vue'
import { ApiError, http, query, toApiError } from '../api/http'
import type { AuditEventDto } from '../api/types'
import { venueLocalToUtc } from '../format'

export interface AuditFilter {
  /** Subject type: guest, card, visit, tap, keg, controller, shift, staff_user, alert, … */
  subject: string
  subjectId: string
  /** An action name, or a prefix ending in `*` (visit.*). */
  action: string
  from: string
  to: string
  limit: number
}

export const auditSubjects = ['guest', 'card', 'visit', 'tap', 'keg', 'beer_type', 'controller', 'alert', 'lost_card', 'shift', 'staff_user', 'pos_outbox']

export const useAuditStore = defineStore('audit', () => {
  const events = ref<AuditEventDto[]>([])
  const status = ref<'idle' | 'loading' | 'ready' | 'error'>('idle')
  const error = ref<ApiError | null>(null)
  const filter = ref<AuditFilter>({ subject: '', subjectId: '', action: '', from: '', to: '', limit: 200 })
  let generation = 0

  /** The filter's times are the venue's wall times (its time zone, not the browser's). */
  const toUtc = (local: string) => (local ? venueLocalToUtc(local) : undefined)

  async function load() {
    const mine = ++generation
    status.value = 'loading'
    const f = filter.value
    try {
      const result = await http.get<AuditEventDto[]>(
        `/api/audit${query({ subject: f.subject.trim(), subjectId: f.subjectId.trim(), action: f.action.trim(), from: toUtc(f.from), to: toUtc(f.to), limit: f.limit })}`,
      )
      if (mine !== generation) return
      events.value = result
      status.value = 'ready'
      error.value = null
    } catch (e) {
      if (mine !== generation) return
      error.value = toApiError(e)
      status.value = 'error'
    }
  }

  return { events, status, error, filter, load }
})
