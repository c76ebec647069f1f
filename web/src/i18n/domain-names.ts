// Names of skills and of gig, booking and milestone states in the user's language.
import type { BookingState } from '@shared/booking-machine';
import type { GigState } from '@shared/gig-machine';
import type { Locale } from '@shared/locales';
import type { MilestoneState } from '@shared/milestone-machine';
import type { Skill } from '@shared/skills';

const SKILL_NAMES: Record<Locale, Record<Skill, string>> = {
  en: {
    cleaning: 'Cleaning', plumbing: 'Plumbing', electrical: 'Electrical', carpentry: 'Carpentry', painting: 'Painting',
    gardening: 'Gardening', moving: 'Moving', delivery: 'Delivery', handyman: 'Handyman', 'appliance-repair': 'Appliance repair',
    'tech-support': 'Tech support', tutoring: 'Tutoring', photography: 'Photography', cooking: 'Cooking', childcare: 'Childcare',
    'pet-care': 'Pet care',
  },
  es: {
    cleaning: 'Limpieza', plumbing: 'Fontanería', electrical: 'Electricidad', carpentry: 'Carpintería', painting: 'Pintura',
    gardening: 'Jardinería', moving: 'Mudanzas', delivery: 'Reparto', handyman: 'Reparaciones', 'appliance-repair': 'Reparación de electrodomésticos',
    'tech-support': 'Soporte técnico', tutoring: 'Clases particulares', photography: 'Fotografía', cooking: 'Cocina', childcare: 'Cuidado de niños',
    'pet-care': 'Cuidado de mascotas',
  },
};

const GIG_STATE_NAMES: Record<Locale, Record<GigState, string>> = {
  en: { draft: 'Draft', open: 'Open', assigned: 'Assigned', closed: 'Closed', cancelled: 'Cancelled', expired: 'Expired' },
  es: { draft: 'Borrador', open: 'Abierto', assigned: 'Asignado', closed: 'Cerrado', cancelled: 'Cancelado', expired: 'Caducado' },
};

const BOOKING_STATE_NAMES: Record<Locale, Record<BookingState, string>> = {
  en: {
    awaiting_payment: 'Awaiting payment', funded: 'Paid, ready to start', in_progress: 'In progress', delivered: 'Delivered',
    changes_requested: 'Changes requested', completed: 'Completed', cancelled: 'Cancelled', disputed: 'Disputed', resolved: 'Resolved',
  },
  es: {
    awaiting_payment: 'Pendiente de pago', funded: 'Pagado, listo para empezar', in_progress: 'En curso', delivered: 'Entregado',
    changes_requested: 'Cambios pedidos', completed: 'Completado', cancelled: 'Cancelado', disputed: 'En disputa', resolved: 'Resuelto',
  },
};

const MILESTONE_STATE_NAMES: Record<Locale, Record<MilestoneState, string>> = {
  en: {
    proposed: 'Proposed', agreed: 'Agreed', payment_pending: 'Payment pending', funded: 'Paid, held in escrow', submitted: 'Submitted for approval',
    changes_requested: 'Changes requested', disputed: 'Disputed', released: 'Released to the worker', refunded: 'Refunded to the client',
    split: 'Split between the two sides', cancelled: 'Cancelled',
  },
  es: {
    proposed: 'Propuesta', agreed: 'Acordada', payment_pending: 'Pago pendiente', funded: 'Pagada, retenida en garantía', submitted: 'Entregada para aprobación',
    changes_requested: 'Cambios pedidos', disputed: 'En disputa', released: 'Liberada al trabajador', refunded: 'Reembolsada al cliente',
    split: 'Repartida entre las dos partes', cancelled: 'Cancelada',
  },
};

export const skillName = (s: Skill, locale: Locale) => SKILL_NAMES[locale][s] ?? s;
export const gigStateName = (s: GigState, locale: Locale) => GIG_STATE_NAMES[locale][s] ?? s;
export const bookingStateName = (s: BookingState, locale: Locale) => BOOKING_STATE_NAMES[locale][s] ?? s;
export const milestoneStateName = (s: MilestoneState, locale: Locale) => MILESTONE_STATE_NAMES[locale][s] ?? s;
