// Dashboard users: a name, a role (viewer reads; admin also acknowledges findings) and a password.
import type pg from 'pg';
import { EarshotError } from '../../../errors.js';
import { findUser, insertUser } from '../db/auth-queries.js';
import { checkPassword, decoyHash, hashPassword, verifyPassword } from './passwords.js';
import { checkName } from './tokens.js';

/** A user's role. */
export type Role = 'viewer' | 'admin';

/** Adds a user; throws ERR_OPTION when the name is taken or the password too short. */
export async function addUser(pool: pg.Pool, name: string, role: Role, password: string): Promise<void> {
  checkName(name, 'user name');
  if (role !== 'viewer' && role !== 'admin') {
    throw new EarshotError('ERR_OPTION', `Invalid role "${String(role)}": use viewer or admin.`);
  }
  const passwordHash = await hashPassword(checkPassword(password));
  if (!(await insertUser(pool, { name, role, passwordHash }))) {
    throw new EarshotError('ERR_OPTION', `A user called "${name}" exists already; pick another name.`);
  }
}

/** The user whose name and password these are, or null. */
export async function checkLogin(
  pool: pg.Pool,
  name: string,
  password: string,
): Promise<{ id: string; name: string; role: Role } | null> {
  const user = await findUser(pool, name);
  const matches = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
  return user && matches ? { id: user.id, name: user.name, role: user.role } : null;
}
