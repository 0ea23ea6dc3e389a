import { defineStore } from 'pinia'
import { ref } from 'vue'
import { ApiError, http, query, toApiError } from '../api/http'
import type { AuditEventDto } from '../api/types'

export interface AuditFilter {
  subject: string
  action: string
  from: string
  to: string
}

export const useAuditStore = defineStore('audit', () => {
  const events = ref<AuditEventDto[]>([])
  const status = ref<'idle' | 'loading' | 'ready' | 'error'>('idle')
  const error = ref<ApiError | null>(null)
  const filter = ref<AuditFilter>({ subject: '', action: '', from: '', to: '' })
  let generation = 0

  function toUtc(local: string): string | undefined {
    if (!local) return undefined
    const d = new Date(local)
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
  }

  async function load() {
    const mine = ++generation
    status.value = 'loading'
    const f = filter.value
    try {
      const result = await http.get<AuditEventDto[] | { items: AuditEventDto[] }>(
        `/api/audit${query({ subject: f.subject.trim(), action: f.action.trim(), from: toUtc(f.from), to: toUtc(f.to) })}`,
      )
      if (mine !== generation) return
      events.value = Array.isArray(result) ? result : (result?.items ?? [])
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
