// Friendly names for the generated contract types. generated.ts comes from the server's OpenAPI document (one source:
// the C# records in shared-contracts and the routes); regenerate it with `npm run gen:api` in web/, never by hand.
// Only names live here: no field is written twice.
import type { components } from './generated'

type Schemas = components['schemas']

// ---- Enums (snake_case strings on the wire) ----
export type DenyReason = Schemas['DenyReason']
export type TapStatus = Schemas['TapStatus']
export type KegStatus = Schemas['KegStatus']
export type VisitStatus = Schemas['VisitStatus']
export type SyncStatus = Schemas['SyncStatus']
export type AlertSeverity = Schemas['AlertSeverity']
export type AlertStatus = Schemas['AlertStatus']
export type ShiftStatus = Schemas['ShiftStatus']
export type StaffRole = Schemas['StaffRole']
export type IssueCardStage = Schemas['IssueCardStage']
export type LedgerKind = Schemas['LedgerKind']
export type PaymentMethod = Schemas['PaymentMethod']
export type CardStatus = Schemas['CardStatus']
export type PosOutboxStatus = Schemas['PosOutboxStatus']

// ---- REST read models ----
export type StaffUserDto = Schemas['StaffUserDto']
/** GET /api/auth/me, POST /api/auth/login: the signed-in user and the venues they may open. */
export type CurrentUserDto = Schemas['CurrentUserDto']
/** A venue as the user's list names it: the slug is its part of the URL (/v/{slug}/taps). */
export type LocationRefDto = Schemas['LocationRefDto']
export type ActivePourDto = Schemas['ActivePourDto']
export type TapDto = Schemas['TapDto']
export type KegDto = Schemas['KegDto']
export type VisitSummaryDto = Schemas['VisitSummaryDto']
export type LedgerEntryDto = Schemas['LedgerEntryDto']
export type PaymentSplit = Schemas['ShiftReportPaymentSplit']
export type LocationPoliciesDto = Schemas['LocationPoliciesDto']
/** GET /api/location. */
export type LocationDto = Schemas['LocationDto']
export type CloseAllVisitLine = Schemas['CloseAllVisitLine']
/** GET /api/visits/close-all. */
export type CloseAllVisitsPreviewDto = Schemas['CloseAllVisitsPreviewDto']
/** POST /api/visits/close-all. */
export type CloseAllVisitsResult = Schemas['CloseAllVisitsResult']
/** A pour as listed with a visit (GET /api/visits/{id}). */
export type VisitPourDto = Schemas['PourSessionSummaryDto']
export type VisitDetailDto = Schemas['VisitDetailDto']
export type MoneyMovementResult = Schemas['MoneyMovementResult']
export type CloseVisitResult = Schemas['CloseVisitResult']
export type AlertDto = Schemas['AlertDto']
export type ShiftMemberDto = Schemas['ShiftMemberDto']
export type ShiftDto = Schemas['ShiftDto']
export type ControllerStatusDto = Schemas['ControllerStatusDto']
export type RegisteredControllerDto = Schemas['RegisterControllerResult']
export type AdoptedControllerDto = Schemas['AdoptControllerResult']
export type PendingSyncPourDto = Schemas['PendingSyncPourDto']
export type PendingSyncDto = Schemas['PendingSyncDto']
export type GuestDto = Schemas['GuestDto']
export type CardDto = Schemas['CardDto']
export type GuestDetailDto = Schemas['GuestDetailDto']
export type OpenVisitResultDto = Schemas['OpenAndAssignCardResult']
export type BeerTypeDto = Schemas['BeerTypeDto']
export type KegSuggestionDto = Schemas['KegSuggestionDto']
export type ConnectKegResultDto = Schemas['ConnectKegResult']
export type LostCardDto = Schemas['LostCardDto']
export type PosOutboxEntryDto = Schemas['PosOutboxEntryDto']
export type ShiftBlockerDto = Schemas['ShiftBlockerDto']
export type EquipmentItemDto = Schemas['EquipmentItemDto']
export type ShiftReportDto = Schemas['ShiftReportDto']
export type ShiftCloseCheckDto = Schemas['ShiftCloseCheckDto']
export type AuditEventDto = Schemas['AuditEventDto']
/** GET /api/chain/overview (admins): one venue now. */
export type ChainVenueNowDto = Schemas['ChainVenueNowDto']
/** GET /api/reports/chain (admins). */
export type ChainReportDto = Schemas['ChainReportDto']
export type ChainVenueReportDto = Schemas['ChainVenueReportDto']

// ---- Dashboard hub pushes (IDashboardClient) ----
/** Every push the dashboard hub sends, by method name (generated from IDashboardClient). */
export type DashboardPushes = Schemas['DashboardPushes']
export type PourProgressPush = Schemas['PourProgressPush']
/** A tap refused a card (dashboard push PourDenied). */
export type PourDeniedPush = Schemas['PourDeniedPush']
export type SyncQueueChangedMessage = Schemas['SyncQueueChangedMessage']
/** The POS outbox changed (dashboard push PosOutboxChanged). */
export type PosOutboxChangedMessage = Schemas['PosOutboxChangedMessage']
export type CardPresentedMessage = Schemas['CardPresentedMessage']
export type CardRemovedMessage = Schemas['CardRemovedMessage']

/** Several pushes of one kind coalesced by the server (at most one per subject per window); applied item by item. */
export interface PushBatch<T> {
  items: T[]
}

type PushName = keyof DashboardPushes
/** The pushes the server may also send as `<Name>Batch`: every `<Name>` that has a `<Name>Batch` in the contract. */
type BatchedName = { [K in PushName]: K extends `${infer N}Batch` ? (N extends PushName ? N : never) : never }[PushName]

/** Runtime lists of the push names; the types below fail to compile when they and the contract part ways. */
export const batchedPushNames = [
  'TapUpdated', 'PourProgress', 'AlertRaised', 'AlertUpdated', 'VisitUpdated', 'KegUpdated', 'ShiftUpdated', 'ControllerStatusChanged',
] as const satisfies readonly BatchedName[]

export type BatchedPushName = (typeof batchedPushNames)[number]

export const dashboardPushNames = [
  'TapUpdated', 'PourProgress', 'AlertRaised', 'AlertUpdated', 'VisitUpdated', 'KegUpdated', 'ShiftUpdated',
  'ControllerStatusChanged', 'SyncQueueChanged', 'CardRead', 'CardRemoved', 'PourDenied',
  'PosOutboxChanged',
  ...batchedPushNames.map((name) => `${name}Batch` as const),
] as const satisfies readonly PushName[]

// Compile-time checks: every batched push is listed, every push is listed, and a batch is `{ items: <push>[] }`.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const everyBatchListed: Exactly<BatchedPushName, BatchedName> = true
const everyPushListed: Exactly<(typeof dashboardPushNames)[number], PushName> = true
const batchesAreItems: { [N in BatchedName]: Exactly<DashboardPushes[`${N}Batch`], PushBatch<DashboardPushes[N]>> } = {
  TapUpdated: true, PourProgress: true, AlertRaised: true, AlertUpdated: true, VisitUpdated: true, KegUpdated: true,
  ShiftUpdated: true, ControllerStatusChanged: true,
}
export const contractChecks = [everyBatchListed, everyPushListed, batchesAreItems] as const

/** An RFC 9457 problem (every refusal of the API), with TapRoom's stable `code` and validation `errors`. */
export interface ProblemDetails {
  type?: string
  title?: string
  status?: number
  detail?: string
  code?: string
  errors?: Record<string, string[]>
}

// ---- Temperature and the board (issue 28) ----
export type TemperatureZoneDto = Schemas['TemperatureZoneDto']
/** GET /api/locations/{id}/temperature-now: each zone's last reading. */
export type TemperatureNowDto = Schemas['TemperatureNowDto']
/** GET /api/temperature?zoneId=: raw for a day, one a minute after. */
export type TemperaturePointDto = Schemas['TemperaturePointDto']
/** GET /api/board/{slug} and the board hub's BoardUpdated: public data only. */
export type BoardDto = Schemas['BoardDto']
export type BoardTapDto = Schemas['BoardTapDto']
export type BoardTapStatus = Schemas['BoardTapStatus']
// ---- Yield, stock and calibration (issue 27) ----
export type WasteKind = Schemas['WasteKind']
export type CalibrationStatus = Schemas['CalibrationStatus']
/** GET /api/kegs/{id}/yield: where one keg's beer went; the parts and remainingMl add up to nominalMl. */
export type KegYieldDto = Schemas['KegYieldDto']
export type YieldReportLineDto = Schemas['YieldReportLineDto']
/** GET /api/reports/yield: per beer and per keg for a period. */
export type YieldReportDto = Schemas['YieldReportDto']
export type StockLineDto = Schemas['StockLineDto']
/** GET /api/reports/stock: per beer, litres on taps and in the warehouse, rate, days left, reorder date. */
export type StockReportDto = Schemas['StockReportDto']
export type KegWasteDto = Schemas['KegWasteDto']
export type StartCalibrationResult = Schemas['StartCalibrationResult']
export type CalibrationDto = Schemas['CalibrationDto']
export type CalibrationProposalDto = Schemas['CalibrationProposalDto']
export type CalibrationAppliedDto = Schemas['CalibrationAppliedDto']
