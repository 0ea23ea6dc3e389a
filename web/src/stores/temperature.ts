import { defineStore } from 'pinia'
import { ref } from 'vue'
import { http, query, toApiError, type ApiError } from '../api/http'
import type { TemperatureNowDto, TemperaturePointDto, TemperatureZoneDto } from '../api/types'

/** A zone's colour: in range, on its edge (within 0.5 °C, where alerts do not resolve), out of range, or no reading yet. */
export type ZoneState = 'ok' | 'edge' | 'out' | 'none'

/** The hysteresis the server applies (docs/RULES.md, "Temperature zones"): shown as "on the edge". */
export const HYSTERESIS_C = 0.5

export function zoneState(z: Pick<TemperatureNowDto, 'celsius' | 'minC' | 'maxC'>): ZoneState {
  if (z.celsius === null || z.celsius === undefined) return 'none'
  if (z.celsius < z.minC || z.celsius > z.maxC) return 'out'
  if (z.celsius < z.minC + HYSTERESIS_C || z.celsius > z.maxC - HYSTERESIS_C) return 'edge'
  return 'ok'
}

export function formatCelsius(c: number | null | undefined): string {
  return c === null || c === undefined ? '—' : `${c.toFixed(1)} °C`
}

/**
 * The venue's temperature zones: each zone now (the zones strip, polled: readings come every 30 s), the last 24 hours
 * per zone (the Temperature view) and a manager's zone edits.
 */
export const useTemperatureStore = defineStore('temperature', () => {
  const now = ref<TemperatureNowDto[]>([])
  const zones = ref<TemperatureZoneDto[]>([])
  const history = ref<Record<string, TemperaturePointDto[]>>({})
  const status = ref<'idle' | 'loading' | 'ready' | 'error'>('idle')
  const error = ref<ApiError | null>(null)
  let loadedFor: string | null = null

  async function loadNow(locationId: string) {
    if (loadedFor !== locationId) { now.value = []; status.value = 'loading' }
    try {
      const [n, z] = await Promise.all([
        http.get<TemperatureNowDto[]>(`/api/locations/${encodeURIComponent(locationId)}/temperature-now`),
        http.get<TemperatureZoneDto[]>(`/api/locations/${encodeURIComponent(locationId)}/temperature-zones`),
      ])
      now.value = n
      zones.value = z
      loadedFor = locationId
      status.value = 'ready'
      error.value = null
    } catch (e) {
      error.value = toApiError(e)
      status.value = 'error'
    }
  }

  async function loadHistory(zoneId: string, hours = 24) {
    const to = new Date()
    const from = new Date(to.getTime() - hours * 3600_000)
    const points = await http.get<TemperaturePointDto[]>(`/api/temperature${query({ zoneId, from: from.toISOString(), to: to.toISOString() })}`)
    // Spread after the await: zones load at once, and each must add to what the others wrote meanwhile.
    history.value = { ...history.value, [zoneId]: points }
  }

  /** A manager adds a zone (POST) or edits one (PUT). Throws ApiError. */
  async function save(locationId: string, zone: { id?: string; name: string; minC: number; maxC: number; alertAfterMinutes: number }) {
    const body = { name: zone.name, minC: zone.minC, maxC: zone.maxC, alertAfterMinutes: zone.alertAfterMinutes }
    const saved = zone.id
      ? await http.put<TemperatureZoneDto>(`/api/temperature-zones/${encodeURIComponent(zone.id)}`, body)
      : await http.post<TemperatureZoneDto>(`/api/locations/${encodeURIComponent(locationId)}/temperature-zones`, body)
    await loadNow(locationId)
    return saved
  }

  return { now, zones, history, status, error, loadNow, loadHistory, save }
})
