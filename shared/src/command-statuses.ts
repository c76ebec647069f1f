// A command's lifecycle on the device and the server; kept apart from the zod schemas so that code which
// only needs the names (the device's database schema) does not load the validator.
export const COMMAND_STATUSES = ['pending', 'applied', 'rejected'] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];
