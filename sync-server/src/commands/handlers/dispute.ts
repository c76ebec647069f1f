// dispute.open, dispute.add_evidence, dispute.accept, dispute.resolve. (Being built.)
import { reject, type Handler } from '../context';

const pending = { decide: () => reject('invalid_state', 'Disputes are not available yet.') };
export const open: Handler<'dispute.open'> = pending;
export const addEvidence: Handler<'dispute.add_evidence'> = pending;
export const accept: Handler<'dispute.accept'> = pending;
export const resolve: Handler<'dispute.resolve'> = pending;
