import { LRUCache } from 'lru-cache';
import mongoose from 'mongoose';
import { User } from './model.js';

export type Contact = { name: string; email: string; phone: string };

/**
 * People's names and contact details, for lists that show many of them (a roster, the counselling
 * queue, a cohort's applications). One request would otherwise read each person by `_id` (on
 * FerretDB an indexed read each: 30 for a roster); a list shown again and again reads them from
 * memory. Entries live a minute, so a changed name shows everywhere within that (at once in this
 * process: see forgetContact), and the cache is bounded.
 */
const contacts = new LRUCache<string, Contact>({ max: 20_000, ttl: 60_000 });
let database = '';

/** Contacts by user id; unknown ids are left out. */
export async function contactsOf(ids: unknown[]): Promise<Map<string, Contact>> {
  if (mongoose.connection.name !== database) {
    contacts.clear(); // another database (tests use one per file)
    database = mongoose.connection.name;
  }
  const wanted = [...new Set(ids.filter(Boolean).map(String))];
  const found = new Map<string, Contact>();
  const missing: string[] = [];
  for (const id of wanted) {
    const contact = contacts.get(id);
    if (contact) found.set(id, contact);
    else missing.push(id);
  }
  if (missing.length) {
    const people = await User.find({ _id: { $in: missing } }, { name: 1, email: 1, phone: 1 }).lean();
    for (const person of people) {
      const contact = { name: person.name, email: person.email, phone: person.phone ?? '' };
      contacts.set(String(person._id), contact);
      found.set(String(person._id), contact);
    }
  }
  return found;
}

/** Names by user id (contactsOf, name only). */
export async function namesOfUsers(ids: unknown[]): Promise<Map<string, string>> {
  return new Map([...(await contactsOf(ids))].map(([id, contact]) => [id, contact.name]));
}

/** Drops a changed account's entry in this process, so it shows changed here at once. */
export function forgetContact(id: string): void {
  contacts.delete(id);
}

/** An institution's active instructors by name: the choices of the program and cohort forms. */
export async function activeInstructorsOf(institution: string | null): Promise<{ id: string; name: string }[]> {
  if (!institution) return [];
  const instructors = await User.find({ role: 'instructor', institution, active: true }, { name: 1 }).sort({ name: 1 }).lean();
  return instructors.map((user) => ({ id: String(user._id), name: user.name }));
}

/** The id of the trainee account with this email (staff add trainees by email), or null. */
export async function traineeIdByEmail(email: string): Promise<string | null> {
  const trainee = await User.findOne({ email, role: 'trainee' }, { _id: 1 }).lean();
  return trainee ? String(trainee._id) : null;
}
