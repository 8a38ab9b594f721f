import { AppError } from '../../../core/errors.js';

/** Runs a write, turning a unique-constraint violation (SQLite or PostgreSQL) into AppError CONFLICT. */
export async function withConflict<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new AppError('CONFLICT', `${what} exists`);
    }
    throw error;
  }
}

export function millis(value: number | string): number;
export function millis(value: number | string | null): number | null;
export function millis(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}
