// The command registry: one handler per command type; the type list in shared/ is the closed set.
import type { Handlers } from '../context';
import * as gig from './gig';
import * as booking from './booking';
import * as dispute from './dispute';
import * as message from './message';
import * as milestone from './milestone';
import * as payout from './payout';
import * as profile from './profile';

export const handlers: Handlers = {
  'gig.post': gig.post,
  'gig.publish': gig.publish,
  'gig.update': gig.update,
  'gig.cancel': gig.cancel,
  'gig.accept': gig.accept,
  'booking.start': booking.start,
  'booking.deliver': booking.deliver,
  'booking.approve': booking.approve,
  'booking.request_changes': booking.requestChanges,
  'booking.cancel': booking.cancel,
  'booking.give_back': booking.giveBack,
  'milestone.propose': milestone.propose,
  'milestone.accept': milestone.accept,
  'milestone.fund': milestone.fund,
  'milestone.submit': milestone.submit,
  'milestone.approve': milestone.approve,
  'milestone.request_changes': milestone.requestChanges,
  'milestone.withdraw': milestone.withdraw,
  'dispute.open': dispute.open,
  'dispute.add_evidence': dispute.addEvidence,
  'dispute.accept': dispute.accept,
  'dispute.resolve': dispute.resolve,
  'payout.request': payout.request,
  'message.send': message.send,
  'profile.update': profile.update,
  'availability.set': profile.setAvailability,
  'user.set_roles': profile.setRoles,
};
