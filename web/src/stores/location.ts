import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { http, workAt } from '../api/http'
import type { LocationDto } from '../api/types'
import { setVenue } from '../format'

/**
 * The venue of the URL (GET /api/locations/{id}; before one is chosen, GET /api/location): currency and time zone for
 * every amount and time, and the policies the UI explains.
 */
export const useLocationStore = defineStore('location', () => {
  const venue = ref<LocationDto | null>(null)
  /** The venue chosen by the URL (App.vue); null until then. */
  const venueId = ref<string | null>(null)

  async function load() {
    const id = venueId.value
    try {
      const l = await http.get<LocationDto>(id ? `/api/locations/${encodeURIComponent(id)}` : '/api/location')
      if (id !== venueId.value) return // another venue was chosen meanwhile
      setVenue(l.currency, l.timeZone)
      venue.value = l
    } catch {
      // Amounts and times still show, without the currency and in the browser's zone; the next reload retries.
    }
  }

  /** The URL names another venue: its currency, time zone and policies from now on. */
  function select(id: string) {
    if (venueId.value === id) return
    venueId.value = id
    workAt(id)
    void load()
  }

  /** A manager changes a policy (PUT /api/location/policies); the answer is the location as it now is. Throws ApiError. */
  async function updatePolicies(change: { deskMoneyWithoutOpenShift: boolean }) {
    venue.value = await http.put<LocationDto>('/api/location/policies', change)
  }

  const pouringRequiresOpenShift = computed(() => venue.value?.policies.pouringRequiresOpenShift ?? true)
  const deskMoneyWithoutOpenShift = computed(() => venue.value?.policies.deskMoneyWithoutOpenShift ?? false)
  const currency = computed(() => venue.value?.currency ?? '')
  const timeZone = computed(() => venue.value?.timeZone ?? '')

  return { venue, venueId, load, select, updatePolicies, pouringRequiresOpenShift, deskMoneyWithoutOpenShift, currency, timeZone }
})
