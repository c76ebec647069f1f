// The SMS provider interface: a development sink or a real HTTP gateway behind one method.
export interface SmsProvider {
  readonly name: 'dev' | 'twilio';
  /** `to` is E.164. Resolves when the provider accepted the message; rejects otherwise. */
  send(to: string, body: string): Promise<void>;
}
