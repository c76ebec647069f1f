// payout.request. (Being built.)
import { reject, type Handler } from '../context';

export const request: Handler<'payout.request'> = { decide: () => reject('invalid_state', 'Payouts on request are not available yet.') };
