import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, http, toApiError } from '../api/http'
import type { LocationDto, StaffRole, StaffUserDto } from '../api/types'
import { useLiveLoad } from './liveLoad'
import { attempt } from './result'

/** Plain words for the staff refusals (docs/API_REFERENCE.md, "Auth and staff users"). */
export const staffExplanations: Record<string, string> = {
  login_taken: 'This login is taken. Pick another one.',
  location_required: 'Pick at least one venue: the chain has several.',
  unknown_location: 'One of the venues picked no longer exists. Reload and pick again.',
  admin_runs_the_chain: 'An admin runs the whole chain and belongs to no venue.',
  own_account: 'You cannot do this to your own account.',
  validation_failed: 'Something in the form is not valid.',
  network_error: 'The server could not be reached; try again.',
}

/** The new user's form: staff and managers work at the venues picked; an admin runs the chain. */
export interface NewStaffUser {
  login: string
  name: string
  password: string
  role: StaffRole
  locationIds: string[]
}

/** Staff users (admins only): the list with each user's venues, creating one, their venues, and deactivating. */
export const useStaffStore = defineStore('staff', () => {
  const users = ref<StaffUserDto[]>([])
  /** Every venue of the chain (an admin sees them all), oldest first: the checkboxes of the forms. */
  const venues = ref<LocationDto[]>([])
  const live = useLiveLoad()

  const activeCount = computed(() => users.value.filter((u) => u.isActive !== false).length)

  function load() {
    return live.load(
      () => Promise.all([http.get<StaffUserDto[]>('/api/staff'), http.get<LocationDto[]>('/api/locations')]),
      ([list, locations]) => {
        users.value = list
        venues.value = locations
      },
    )
  }

  async function deactivate(id: string): Promise<StaffUserDto | ApiError> {
    try {
      const updated = await http.post<StaffUserDto>(`/api/staff/${id}/deactivate`)
      users.value = users.value.map((u) => (u.id === id ? updated : u))
      return updated
    } catch (e) {
      return toApiError(e)
    }
  }

  /** The names of a user's venues ("Taproom Mitte, Taproom Hafen"); an admin's is the whole chain. */
  function venueNames(u: StaffUserDto): string[] {
    if (u.role === 'admin') return []
    const ids = u.locationIds ?? []
    return venues.value.filter((v) => ids.includes(v.id)).map((v) => v.name)
  }

  /** A venue must be picked for staff and managers once the chain has several (the server says so too). */
  const venueRequired = computed(() => venues.value.length > 1)

  async function create(form: NewStaffUser) {
    const body = {
      login: form.login.trim(), name: form.name.trim(), password: form.password, role: form.role,
      ...(form.role === 'admin' ? {} : { locationIds: form.locationIds }),
    }
    const r = await attempt(() => http.post<StaffUserDto>('/api/staff', body))
    if (r.ok) users.value = [...users.value, r.value]
    return r
  }

  /** The venues a staff member or manager works at from now on; their sessions end (the server's rule). */
  async function setLocations(id: string, locationIds: string[]) {
    const r = await attempt(() => http.put<StaffUserDto>(`/api/staff/${id}/locations`, { locationIds }))
    if (r.ok) users.value = users.value.map((u) => (u.id === id ? r.value : u))
    return r
  }

  return { users, venues, activeCount, venueRequired, status: live.status, error: live.error, load, deactivate, venueNames, create, setLocations }
})
