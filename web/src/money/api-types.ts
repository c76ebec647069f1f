// What the money, payout and dispute routes answer, as the screens receive it: the shared definitions
// (shared/src/money-api.ts) as JSON carries them, times as ISO strings.
import type * as Api from '@shared/money-api';
import type { Wire } from '@shared/money-api';

export type WorkerStatement = Wire<Api.WorkerStatement>;
export type ClientPayments = Wire<Api.ClientPayments>;
export type Receipt = Wire<Api.Receipt>;
export type SettlementReport = Wire<Api.SettlementReport>;
export type TrialBalance = Wire<Api.TrialBalance>;
export type LedgerViolation = Wire<Api.LedgerViolation>;
export type PayoutAccount = Api.PayoutAccount;
export type Onboarding = Api.Onboarding;
export type DisputeQueue = Wire<Api.DisputeQueue>;
export type DisputeDetail = Wire<Api.DisputeDetail>;
export type Evidence = Api.Evidence;
export type AuditLog = Wire<Api.AuditLog>;
