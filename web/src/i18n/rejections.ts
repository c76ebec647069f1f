// Rejection reasons in the user's language. The server's sentence is English and sometimes more specific,
// so English readers get it verbatim and Spanish readers the translation of its code.
import type { Locale } from '@shared/locales';
import { REJECTION_CODES, type RejectionCode } from '@shared/rejections';

const ES: Record<RejectionCode, string> = {
  invalid_command: 'Esta acción no se entendió. Actualiza la app y vuelve a intentarlo.',
  unknown_command: 'Esta versión de la app envió una acción que el servidor no conoce. Actualiza la app y vuelve a intentarlo.',
  id_reused: 'Esta acción choca con una anterior. Inténtalo de nuevo como una acción nueva.',
  not_found: 'Eso ya no existe o no puedes verlo.',
  forbidden: 'No tienes permiso para hacer esto.',
  invalid_state: 'Esto ya no se puede hacer: el estado cambió. Actualiza para ver cómo está.',
  gig_taken: 'Otro trabajador acaba de tomar este trabajo.',
  gig_cancelled: 'El cliente canceló este trabajo.',
  booking_cancelled: 'Esta reserva se canceló, así que ya no hay nada que hacer en ella.',
  cancelled_before_start:
    'Esta reserva se canceló antes de que tu inicio llegara a Fieldwork, así que el trabajo no está reservado y no hay dinero retenido por él: no lo empieces.',
  gig_changed: 'El cliente cambió este trabajo después de que lo vieras. Míralo de nuevo antes de aceptarlo.',
  gig_booked: 'Un trabajador aceptó este trabajo antes de que llegara tu cambio o tu cancelación, así que la reserva queda como estaba el trabajo entonces. Acuerda cualquier cambio en la reserva: el trabajo o el precio con un nuevo plan de pagos, el lugar y la hora en su chat; o cancela la reserva.',
  gig_expired: 'Este trabajo ha caducado.',
  own_gig: 'No puedes aceptar tu propio trabajo.',
  operator_unavailable: 'Activa tu disponibilidad para aceptar trabajos.',
  skills_mismatch: 'Este trabajo necesita habilidades que tu perfil no tiene al nivel requerido.',
  out_of_area: 'Este trabajo está fuera de tu zona de servicio.',
  reason_required: 'Indica qué hay que cambiar.',
  change_rounds_exhausted: 'Se han pedido cambios demasiadas veces. Aprueba el trabajo o abre una disputa.',
  duplicate_id: 'Esto ya existe. Inténtalo de nuevo como una acción nueva.',
  last_admin: 'No puedes quitar el último rol de administrador.',
  profile_incomplete: 'Añade tus habilidades y tu ubicación antes de activar la disponibilidad.',
  not_funded: 'El cliente aún no ha pagado esta parte del trabajo. Espera al pago antes de entregarla.',
  nothing_to_approve: 'Aquí no hay trabajo entregado pendiente de tu aprobación.',
  held_changed: 'Lo que está retenido para esta reserva cambió después de que lo miraras (se pagó, aprobó o reembolsó una parte), así que no se devolvió nada y el trabajo no se dejó. Mira la reserva de nuevo.',
  work_resubmitted: 'Este trabajo se volvió a entregar después de que lo miraras, así que no se aprobó ni se devolvió nada. Mira lo que se entregó ahora y revisa eso.',
  plan_invalid: 'Este plan de pagos no se puede usar. Revisa los importes e inténtalo de nuevo.',
  plan_stale: 'Este plan de pagos ya no está abierto: se aceptó o se sustituyó, o se ha pagado desde entonces una parte que sustituiría. Mira la reserva de nuevo y propón un plan nuevo si hace falta.',
  payment_unavailable: 'Los pagos no están disponibles ahora mismo. No se ha cobrado nada; inténtalo en unos minutos.',
  payment_refused: 'El proveedor de pagos no acepta un pago de este importe. No se ha cobrado nada; acordad un nuevo plan con el trabajador.',
  chat_closed: 'Esta reserva se canceló, así que su chat no admite mensajes nuevos.',
  dispute_open: 'Ya hay una disputa abierta sobre esta parte del trabajo.',
  claim_invalid: 'El importe reclamado debe estar entre cero y el importe total de esta parte del trabajo.',
  evidence_limit: 'Has añadido a esta disputa todas las pruebas que admite de una parte; lo que añadiste cuenta para la decisión.',
  deadline_passed: 'El plazo para esto ya venció y ahora se aplica lo acordado para ese caso. Actualiza en un minuto para ver cómo está.',
  payouts_not_set_up: 'Configura tus cobros antes de aceptar trabajo pagado, para poder cobrar cuando el cliente apruebe.',
  nothing_to_pay_out: 'Ahora no hay nada disponible para cobrar: lo que se liberó para ti ya se pagó o va de camino. El dinero queda disponible cuando un cliente aprueba tu trabajo.',
  bank_dispute_open:
    'Un banco está disputando el pago con tarjeta de esta parte (un contracargo) y retiene su dinero hasta que decida, así que ahora no se puede liberar ni devolver. Fieldwork responde al banco; ambas partes sabrán lo que decida.',
};

export function rejectionText(code: string, serverMessage: string, locale: Locale): string {
  if (locale === 'en') return serverMessage;
  return (REJECTION_CODES as readonly string[]).includes(code) ? ES[code as RejectionCode] : serverMessage;
}
