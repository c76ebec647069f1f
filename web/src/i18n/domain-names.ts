// Names of skills and of gig and booking states in the user's language.
import type { BookingState } from '@shared/booking-machine';
import type { GigState } from '@shared/gig-machine';
import type { Locale } from '@shared/locales';
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

export const skillName = (s: Skill, locale: Locale) => SKILL_NAMES[locale][s] ?? s;
export const gigStateName = (s: GigState, locale: Locale) => GIG_STATE_NAMES[locale][s] ?? s;
export const bookingStateName = (s: BookingState, locale: Locale) => BOOKING_STATE_NAMES[locale][s] ?? s;
