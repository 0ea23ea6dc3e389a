// TypeScript mirrors of shared-contracts/TapRoom.Contracts (the single source). Enum values are snake_case strings,
// times ISO-8601 UTC strings, money JSON numbers, volumes whole millilitres. Optional fields are omitted when null.

export type DenyReason =
  | 'unknown_card' | 'card_lost' | 'card_inactive' | 'no_active_visit' | 'card_in_use' | 'tap_not_active' | 'out_of_keg'
  | 'insufficient_balance' | 'visit_limit_reached' | 'age_restricted' | 'no_open_shift' | 'tap_not_assigned' | 'guest_blocked'

export type TapStatus = 'active' | 'locked' | 'cleaning' | 'processing_sync' | 'out_of_keg'
export type KegStatus = 'warehouse' | 'connected' | 'empty' | 'returned'
export type VisitStatus = 'active' | 'closed'
export type SyncStatus = 'pending_sync' | 'synced' | 'reconciled'
export type AlertSeverity = 'info' | 'warning' | 'critical'
export type AlertStatus = 'open' | 'acknowledged' | 'resolved'
export type ShiftStatus = 'open' | 'closed'
export type StaffRole = 'staff' | 'manager' | 'admin'
export type IssueCardStage = 'bound' | 'already_bound' | 'assigned'

export interface StaffUserDto {
  id: string
  login: string
  name: string
  role: StaffRole
  /** False once an admin deactivated the user. */
  isActive?: boolean
}

export interface ActivePourDto {
  pourSessionId: string
  visitId: string
  guestName: string
  volumeMl: number
  maxVolumeMl: number
  startedAt: string
}

export interface TapDto {
  id: string
  number: number
  name: string
  status: TapStatus
  kegId?: string | null
  controllerId?: string | null
  controllerOnline: boolean
  beerName?: string | null
  kegRemainingMl?: number | null
  kegNominalMl?: number | null
  activePour?: ActivePourDto | null
}

export interface KegDto {
  id: string
  beerTypeId: string
  beerName: string
  status: KegStatus
  nominalVolumeMl: number
  remainingVolumeMl: number
  receivedAt?: string | null
  connectedAt?: string | null
  disconnectedAt?: string | null
  tapId?: string | null
  createdAt: string
}

export interface VisitSummaryDto {
  id: string
  guestId: string
  guestName: string
  cardId?: string | null
  cardUid?: string | null
  status: VisitStatus
  isMinor: boolean
  balance: number
  pouredVolumeMl: number
  volumeLimitMl: number
  activeTapId?: string | null
  lockSetAt?: string | null
  openedAt: string
  closedAt?: string | null
}

export type LedgerKind = 'top_up' | 'refund' | 'pour_charge' | 'adjustment'

export interface LedgerEntryDto {
  id: string
  kind: LedgerKind
  amount: number
  pourSessionId?: string | null
  actor: string
  comment?: string | null
  at: string
  paymentMethod?: PaymentMethod | null
}

export type PaymentMethod = 'cash' | 'card'

export interface PaymentSplit { topUps: number; topUpCount: number; refunds: number; refundCount: number }

export interface LocationPoliciesDto {
  pouringRequiresOpenShift: boolean
  deskMoneyWithoutOpenShift: boolean
  visitVolumeLimitMl: number
  perPourCapMl: number
  [policy: string]: number | boolean
}

/** GET /api/location. */
export interface LocationDto {
  id: string
  name: string
  currency: string
  timeZone: string
  policies: LocationPoliciesDto
}

/** A tap refused a card (dashboard push PourDenied). */
export interface PourDeniedPush {
  tapId: string
  tapName?: string | null
  reason: DenyReason
  message: string
  cardUid: string
  visitId?: string | null
  guestName?: string | null
  at: string
}

export interface CloseAllVisitLine {
  visitId: string
  guestName: string
  cardUid?: string | null
  refund: number
  skipReason?: string | null
  skipMessage?: string | null
}

/** GET /api/visits/close-all. */
export interface CloseAllVisitsPreviewDto {
  count: number
  totalRefund: number
  currency: string
  visits: CloseAllVisitLine[]
}

/** POST /api/visits/close-all. */
export interface CloseAllVisitsResult {
  closedCount: number
  totalRefunded: number
  currency: string
  closed: CloseAllVisitLine[]
  skipped: CloseAllVisitLine[]
  at: string
}

/** A pour as listed with a visit (GET /api/visits/{id}). */
export interface VisitPourDto {
  id: string
  tapId: string
  syncStatus: SyncStatus
  authorizedAt: string
  endedAt?: string | null
  volumeMl?: number | null
  chargedAmount: number
  lateSyncOutcome?: 'late_sync_matched' | 'late_sync_mismatch' | null
}

export interface VisitDetailDto {
  visit: VisitSummaryDto
  ledger: LedgerEntryDto[]
  pours: VisitPourDto[]
}

export interface MoneyMovementResult {
  visitId: string
  ledgerEntryId: string
  kind: LedgerKind
  amount: number
  balance: number
}

export interface CloseVisitResult {
  visitId: string
  remainingBalance: number
  refundedAmount: number
  refundLedgerEntryId?: string | null
  balance: number
  closedAt: string
}

export interface AlertDto {
  id: string
  type: string
  severity: AlertSeverity
  status: AlertStatus
  subjectType: string
  subjectId?: string | null
  message: string
  raisedAt: string
  lastRaisedAt: string
  occurrenceCount: number
  acknowledgedAt?: string | null
  acknowledgedBy?: string | null
  acknowledgeComment?: string | null
  resolvedAt?: string | null
  resolvedBy?: string | null
  resolveComment?: string | null
  muted?: boolean
  /** The subject by its current name (tap, keg's beer, visit's guest, controller, card UID). */
  subjectName?: string | null
}

export interface ShiftMemberDto {
  staffUserId: string
  name: string
  role: StaffRole
  joinedAt: string
  leftAt?: string | null
}

export interface ShiftDto {
  id: string
  status: ShiftStatus
  openedAt: string
  openedBy: string
  closedAt?: string | null
  closedBy?: string | null
  members: ShiftMemberDto[]
}

export interface ControllerStatusDto {
  id: string
  name: string
  online: boolean
  lastSeenAt?: string | null
  agentVersion?: string | null
  tapIds: string[]
}

/** POST /api/controllers/adopt: the controller made for a pairing code (its key goes only to the controller). */
export interface AdoptedControllerDto {
  id: string
  name: string
  tapIds: string[]
  hardwareId: string
  agentVersion: string
}

export interface RegisteredControllerDto {
  id: string
  name: string
  apiKey: string
  tapIds: string[]
}

export interface PendingSyncPourDto {
  pourSessionId: string
  tapId: string
  tapName: string
  visitId: string
  guestName: string
  volumeMl: number
  maxVolumeMl: number
  authorizedAt: string
  startedAt?: string | null
  lastProgressAt?: string | null
  timedOutAt?: string | null
}

export interface PendingSyncDto {
  pendingSyncCount: number
  pours: PendingSyncPourDto[]
}

export interface GuestDto {
  id: string
  name: string
  dateOfBirth: string
  age: number
  isMinor: boolean
  phone?: string | null
  email?: string | null
  status: 'active' | 'blocked'
  activeVisitId?: string | null
  createdAt: string
}

export type CardStatus = 'active' | 'inactive' | 'lost'

export interface CardDto {
  id: string
  uid: string
  status: CardStatus
  guestId?: string | null
  createdAt: string
}

export interface GuestDetailDto {
  guest: GuestDto
  cards: CardDto[]
  visits: VisitSummaryDto[]
}

export interface OpenVisitResultDto {
  visitId: string
  stage: IssueCardStage
  steps: IssueCardStage[]
  visitOpened: boolean
  guestId: string
  cardId: string
  cardUid: string
  isMinor: boolean
  volumeLimitMl: number
  openedAt: string
}

export interface BeerTypeDto {
  id: string
  name: string
  style?: string | null
  abv: number
  pricePerLiter: number
  createdAt: string
}

export interface KegSuggestionDto {
  tapId: string
  beerTypeId?: string | null
  beerName?: string | null
  suggested?: KegDto | null
  alternatives: KegDto[]
}

export interface ConnectKegResultDto {
  tap: TapDto
  keg: KegDto
  suggestedKegId?: string | null
  suggestionFollowed: boolean
}

export interface LostCardDto {
  id: string
  uid: string
  cardId?: string | null
  guestId?: string | null
  guestName?: string | null
  visitId?: string | null
  reportedAt: string
  reportedBy: string
  reason?: string | null
  clearedAt?: string | null
  clearedBy?: string | null
}

export type PosOutboxStatus = 'pending' | 'sent' | 'dead' | 'manual_done'

export interface PosOutboxEntryDto {
  id: number
  idempotencyKey: string
  kind: 'top_up' | 'refund' | 'pour'
  status: PosOutboxStatus
  attempts: number
  nextAttemptAt?: string | null
  lastError?: string | null
  createdAt: string
  sentAt?: string | null
  visitId?: string | null
  ledgerEntryId?: string | null
  payload?: unknown
  /** The guest of the entry's visit (list only). */
  guestName?: string | null
}

export interface ShiftBlockerDto {
  kind: 'active_visit' | 'pending_sync'
  id: string
  title: string
  link: string
  /** The visit it belongs to (the visit itself, or the pour's visit): the wizard opens it beside the list. */
  visitId: string
}

export interface EquipmentItemDto {
  item: string
  confirmed: boolean
}

export interface ShiftReportDto {
  shiftId: string
  venueName: string
  currency: string
  timeZone: string
  final: boolean
  openedAt: string
  openedBy: string
  closedAt?: string | null
  closedBy?: string | null
  periodEnd: string
  generatedAt: string
  members: ShiftMemberDto[]
  visits: { opened: number; closed: number; activeAtEnd: number }
  pours: {
    count: number
    volumeMl: number
    revenue: number
    byTap: { tapId: string; tapNumber: number; tapName: string; pours: number; volumeMl: number; revenue: number }[]
    byBeer: { beerTypeId: string; beerName: string; pours: number; volumeMl: number; revenue: number }[]
  }
  money: {
    topUps: number; topUpCount: number; refunds: number; refundCount: number; net: number; revenue: number; adjustments: number
    cash?: PaymentSplit; card?: PaymentSplit
    outsideShift?: { from?: string | null; topUps: number; refunds: number; cashNet: number; count: number }
    cashExpectedInDrawer?: number
    handledBy?: { name: string; topUps: number; topUpCount: number; refunds: number; refundCount: number; onShift: boolean }[]
  }
  exceptions: { manualReconciles: number; forceUnlocks: number; lateSyncMismatches: number }
  kegs: { connected: number; emptied: number }
  alerts: {
    raised: { info: number; warning: number; critical: number }
    stillOpenBySeverity: { info: number; warning: number; critical: number }
    stillOpen: AlertDto[]
  }
  equipmentConfirmed: string[]
  comment?: string | null
}

export interface ShiftCloseCheckDto {
  shiftId: string
  blockers: ShiftBlockerDto[]
  alerts: { unresolved: AlertDto[]; criticalUnacknowledged: number }
  equipment: EquipmentItemDto[]
  canClose: boolean
  summary: ShiftReportDto
}

export interface AuditEventDto {
  id: number
  at: string
  actorType: string
  actorName: string
  action: string
  subjectType: string
  subjectId?: string | null
  details?: unknown
  /** The subject by name: the guest, "Kim's visit", the tap, "Pils keg #1a2b3c4d", "card 04A1…", a staff member. */
  subjectName?: string | null
  /** The details in words, ids replaced by names. */
  summary?: string | null
}

// ---- Dashboard hub pushes (IDashboardClient) ----

export interface PourProgressPush {
  pourSessionId: string
  tapId: string
  visitId: string
  volumeMl: number
  at: string
}

export interface SyncQueueChangedMessage {
  pendingSyncCount: number
}

/** The POS outbox changed (dashboard push PosOutboxChanged). */
export interface PosOutboxChangedMessage {
  pending: number
  failing: number
}

export interface CardPresentedMessage {
  readerId: string
  cardUid: string
  at: string
}

export interface CardRemovedMessage {
  readerId: string
  at: string
}

/** Every push the dashboard hub sends, by method name. */
export interface DashboardPushes {
  TapUpdated: TapDto
  PourProgress: PourProgressPush
  AlertRaised: AlertDto
  AlertUpdated: AlertDto
  VisitUpdated: VisitSummaryDto
  KegUpdated: KegDto
  ShiftUpdated: ShiftDto
  ControllerStatusChanged: ControllerStatusDto
  SyncQueueChanged: SyncQueueChangedMessage
  CardRead: CardPresentedMessage
  CardRemoved: CardRemovedMessage
  PourDenied: PourDeniedPush
  PosOutboxChanged: PosOutboxChangedMessage
  TapUpdatedBatch: PushBatch<TapDto>
  PourProgressBatch: PushBatch<PourProgressPush>
  AlertRaisedBatch: PushBatch<AlertDto>
  AlertUpdatedBatch: PushBatch<AlertDto>
  VisitUpdatedBatch: PushBatch<VisitSummaryDto>
  KegUpdatedBatch: PushBatch<KegDto>
  ShiftUpdatedBatch: PushBatch<ShiftDto>
  ControllerStatusChangedBatch: PushBatch<ControllerStatusDto>
}

/** Several pushes of one kind coalesced by the server (at most one per subject per window); applied item by item. */
export interface PushBatch<T> {
  items: T[]
}

/** The pushes the server may also send as `<Name>Batch`. */
export const batchedPushNames = [
  'TapUpdated', 'PourProgress', 'AlertRaised', 'AlertUpdated', 'VisitUpdated', 'KegUpdated', 'ShiftUpdated', 'ControllerStatusChanged',
] as const

export type BatchedPushName = (typeof batchedPushNames)[number]

export const dashboardPushNames: (keyof DashboardPushes)[] = [
  'TapUpdated', 'PourProgress', 'AlertRaised', 'AlertUpdated', 'VisitUpdated', 'KegUpdated', 'ShiftUpdated',
  'ControllerStatusChanged', 'SyncQueueChanged', 'CardRead', 'CardRemoved', 'PourDenied',
  'PosOutboxChanged',
  ...batchedPushNames.map((name) => `${name}Batch` as const),
]

export interface ProblemDetails {
  type?: string
  title?: string
  status?: number
  detail?: string
  code?: string
  errors?: Record<string, string[]>
}
