import type { Component } from 'vue'
import {
  createMemoryHistory, createRouter, createWebHistory, type RouteLocationNormalizedLoaded, type RouteLocationRaw, type Router,
  type RouteRecordRaw, type RouterHistory,
} from 'vue-router'
import type { CurrentUserDto, LocationRefDto, StaffRole } from './api/types'

/** One view of a venue: its URL is /v/{slug}{path}. */
export interface AppView {
  /** The route name (also the name of its deeper routes' parent, see `viewOf`). */
  name: string
  /** The view's path inside the venue ("/taps"). */
  path: string
  title: string
  /** Key shown in the navigation (Alt+key jumps there). */
  key: string
  minRole: StaffRole
  /** Loaded when first opened (its own chunk), which also keeps views free to import this module. */
  component: () => Promise<Component>
}

/** The frame's navigation, one line per view. */
export const views: AppView[] = [
  { name: 'taps', path: '/taps', title: 'Taps', key: '1', minRole: 'staff', component: () => import('./views/TapsView.vue') },
  { name: 'desk', path: '/desk', title: 'Desk', key: '2', minRole: 'staff', component: () => import('./views/DeskView.vue') },
  { name: 'visits', path: '/visits', title: 'Visits', key: '3', minRole: 'staff', component: () => import('./views/VisitsView.vue') },
  { name: 'kegs', path: '/kegs', title: 'Kegs', key: '4', minRole: 'staff', component: () => import('./views/KegsView.vue') },
  { name: 'alerts', path: '/alerts', title: 'Alerts', key: '5', minRole: 'staff', component: () => import('./views/AlertsView.vue') },
  { name: 'shift', path: '/shift', title: 'Shift', key: '6', minRole: 'staff', component: () => import('./views/ShiftView.vue') },
  { name: 'sync', path: '/sync', title: 'Sync', key: '7', minRole: 'staff', component: () => import('./views/SyncView.vue') },
  { name: 'lost-cards', path: '/lost-cards', title: 'Lost cards', key: '8', minRole: 'staff', component: () => import('./views/LostCardsView.vue') },
  { name: 'pos', path: '/pos', title: 'POS', key: '9', minRole: 'staff', component: () => import('./views/PosView.vue') },
  { name: 'temperature', path: '/temperature', title: 'Temperature', key: 't', minRole: 'staff', component: () => import('./views/TemperatureView.vue') },
  { name: 'controllers', path: '/controllers', title: 'Controllers', key: '0', minRole: 'staff', component: () => import('./views/ControllersView.vue') },
  { name: 'yield', path: '/yield', title: 'Yield', key: 'y', minRole: 'manager', component: () => import('./views/YieldView.vue') },
  { name: 'audit', path: '/audit', title: 'Audit', key: 'a', minRole: 'manager', component: () => import('./views/AuditView.vue') },
  { name: 'staff', path: '/staff', title: 'Staff', key: 's', minRole: 'admin', component: () => import('./views/StaffView.vue') },
]

/** The chain's pages (admins), outside any venue: /chain and /chain/report. */
export const chainViews: AppView[] = [
  { name: 'chain', path: '/chain', title: 'Chain', key: 'c', minRole: 'admin', component: () => import('./views/ChainView.vue') },
  { name: 'chain-report', path: '/chain/report', title: 'Chain report', key: 'r', minRole: 'admin', component: () => import('./views/ChainReportView.vue') },
]

const byName = new Map(views.map((v) => [v.name, v]))
const chainByName = new Map(chainViews.map((v) => [v.name, v]))

/** The chain page a route shows; undefined elsewhere. */
export function chainViewOf(route: Pick<RouteLocationNormalizedLoaded, 'name'>): AppView | undefined {
  return chainByName.get(String(route.name ?? ''))
}

/** The view a route shows (a visit's own URL belongs to Visits); undefined outside a venue. */
export function viewOf(route: Pick<RouteLocationNormalizedLoaded, 'name' | 'meta'>): AppView | undefined {
  const name = typeof route.meta.view === 'string' ? route.meta.view : String(route.name ?? '')
  return byName.get(name)
}

declare module 'vue-router' {
  interface RouteMeta {
    /** The view (in `views`) a route belongs to. */
    view?: string
  }
}

/** The path of a venue's view: venuePath('mitte', '/visits/42') is /v/mitte/visits/42. */
export function venuePath(slug: string, path = '/taps'): string {
  return `/v/${encodeURIComponent(slug)}${path.startsWith('/') ? path : '/' + path}`
}

/** The venue a slug names among the user's venues; undefined when there is none (or the user may not open it). */
export function venueFor(slug: unknown, locations: readonly LocationRefDto[]): LocationRefDto | undefined {
  return typeof slug === 'string' ? locations.find((l) => l.slug === slug) : undefined
}

/**
 * Where `/` takes a signed-in user: their first venue's taps; an admin of a chain (several venues) the chain overview.
 * An admin of a single venue lands on its taps: one venue never has to think about the chain.
 */
export function homeFor(user: Pick<CurrentUserDto, 'role' | 'locations'>): RouteLocationRaw {
  if (user.role === 'admin' && user.locations.length > 1) return { name: 'chain' }
  const first = user.locations[0]
  if (!first) return user.role === 'admin' ? { name: 'chain' } : { name: 'no-venue' }
  return { name: 'taps', params: { slug: first.slug } }
}

/** The same view in another venue (the venue switcher): a visit's URL becomes that venue's Visits. */
export function sameViewIn(route: Pick<RouteLocationNormalizedLoaded, 'name' | 'meta'>, slug: string): RouteLocationRaw {
  return { name: viewOf(route)?.name ?? 'taps', params: { slug } }
}

function routes(): RouteRecordRaw[] {
  const empty = { render: () => null }
  return [
    // The App decides once the session is known (it redirects with homeFor); the route itself shows nothing.
    { path: '/', name: 'home', component: empty },
    { path: '/no-venue', name: 'no-venue', component: empty },
    ...chainViews.map((v) => ({ path: v.path, name: v.name, component: v.component })),
    {
      // No component of its own: each child renders in the App's one RouterView.
      path: '/v/:slug',
      children: [
        { path: '', name: 'venue', redirect: (to) => ({ name: 'taps', params: to.params }) },
        ...views.map((v) => ({ path: v.path.slice(1), name: v.name, component: v.component, meta: { view: v.name } })),
        { path: 'visits/:id', name: 'visit', component: () => import('./views/VisitsView.vue'), meta: { view: 'visits' } },
        // An unknown page of a venue goes to its taps.
        { path: ':rest(.*)*', redirect: (to) => ({ name: 'taps', params: { slug: to.params.slug } }) },
      ],
    },
    // The public tap list: no sign-in, no frame (App.vue renders it alone).
    { path: '/board/:slug', name: 'board', component: () => import('./views/BoardView.vue') },
    // Bookmarks from before venues (/taps, /visits/42) go to the same page of the user's venue: see App.vue.
    { path: '/:rest(.*)*', name: 'elsewhere', component: empty },
  ]
}

/** What the guard needs of the session store. */
export interface SessionLike {
  status: 'unknown' | 'signed_out' | 'signed_in'
  user: Pick<CurrentUserDto, 'role' | 'locations'> | null
}

/**
 * The guard: `/` (and a signed-in user's `/no-venue`) go to the user's home; a bookmark from before venues
 * (/visits/42) to that page of the user's first venue. A signed-out user stays on the URL (the App shows the sign-in
 * page, then runs the guard again), so a deep link survives signing in. An unknown venue is not redirected: the App
 * shows "no such venue" at that URL.
 */
export function guard(session: SessionLike) {
  return (to: Pick<RouteLocationNormalizedLoaded, 'name' | 'path' | 'fullPath'>): true | RouteLocationRaw => {
    const user = session.status === 'signed_in' ? session.user : null
    if (!user) return true
    if (to.name === 'home' || (to.name === 'no-venue' && user.locations.length > 0)) return homeFor(user)
    if (to.name === 'elsewhere') {
      const first = user.locations[0]
      const legacy = first ? legacyPath(to.path, first.slug) : null
      return legacy ? legacy + to.fullPath.slice(to.path.length) : homeFor(user)
    }
    return true
  }
}

export function createAppRouter(history: RouterHistory = typeof window === 'undefined' ? createMemoryHistory() : createWebHistory()): Router {
  return createRouter({ history, routes: routes() })
}

/** The app's one router (main.ts installs it); views and stores navigate through it. */
export const router = createAppRouter()

/** The venue in the current URL (its slug), or null outside a venue. */
export function currentSlug(r: Router = router): string | null {
  const slug = r.currentRoute.value.params.slug
  return typeof slug === 'string' ? slug : null
}

/** A path inside the current venue ("/alerts" → "/v/mitte/alerts"); outside a venue, the path itself. */
export function here(path: string, r: Router = router): string {
  const slug = currentSlug(r)
  return slug ? venuePath(slug, path) : path
}

/** Goes to a view of the current venue ("/alerts", "/visits/42"), with a history entry (back and forward work). */
export function navigate(path: string, r: Router = router) {
  return r.push(here(path, r))
}

/** A path from before venues (/visits/42) as the same page in the venue: /v/{slug}/visits/42; null when it names no view. */
export function legacyPath(path: string, slug: string): string | null {
  const match = views.find((v) => path === v.path || path.startsWith(v.path + '/'))
  return match ? venuePath(slug, path) : null
}
