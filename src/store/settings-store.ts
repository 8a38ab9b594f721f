/**
 * Server-wide values that every node on one database must agree on (the secret key's
 * fingerprint), recorded by whichever node starts first and never changed after.
 */
export interface SettingsStore {
  /**
   * Records `value` under `name` unless a value is there already, and answers the value stored:
   * this one, or the one recorded before. Nodes claiming at the same moment all get one answer.
   */
  claim(name: string, value: string): Promise<string>;
  /** The value recorded under `name`, or undefined while none is. */
  read(name: string): Promise<string | undefined>;
}
