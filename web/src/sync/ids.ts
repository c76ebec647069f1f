// Ids the device makes: UUID v7, for commands and for the documents a command creates (gigId, bookingId,
// messageId). Apart from the command builder so that screens can make ids without loading the validator.
import { v7 as uuidv7 } from 'uuid';

export function newId(): string {
  return uuidv7();
}
