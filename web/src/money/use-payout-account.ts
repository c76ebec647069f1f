// The worker's payout account as the provider last reported it (GET /pay/payouts/account).
import type { PayoutAccount } from './api-types';
import { useMoneyRead } from './money-api';

const PAYOUT_ACCOUNT_PATH = '/pay/payouts/account';

/** `ask`: false reads nothing (and says offline). */
export function usePayoutAccount(ask = true) {
  return useMoneyRead<PayoutAccount>(ask ? PAYOUT_ACCOUNT_PATH : null, { keep: true });
}
