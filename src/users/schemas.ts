import { z } from 'zod';
import { languages } from '../platform/i18n.js';
import { roles } from '../platform/permissions.js';
import { provinceCodes } from '../platform/provinces.js';
import { checkboxField, objectIdField } from '../platform/validation.js';

const optionalObjectId = z.preprocess((value) => (value === '' ? null : value), objectIdField.nullable());

/** Lets a "both fields match" check run beside other fields' errors, once both were typed. */
function bothGiven(first: string, second: string) {
  return (payload: { value: unknown }) => {
    const value = payload.value as Record<string, unknown>;
    return typeof value?.[first] === 'string' && typeof value?.[second] === 'string';
  };
}

export const nameField = z.string().trim().min(2).max(100);
export const emailField = z.string().trim().toLowerCase().max(254).pipe(z.email());
export const passwordField = z.string().min(8).max(128);
/** Indonesian mobile numbers: 08…, 628… or +628…, stored as +628…. */
export const phoneField = z
  .string()
  .trim()
  .transform((value) => value.replace(/[\s.-]/g, ''))
  .refine((value) => /^(\+62|62|0)8\d{7,12}$/.test(value), 'validation.phone')
  .transform((value) => value.replace(/^(\+62|62|0)/, '+62'));
export const provinceField = z.enum(provinceCodes);

export const registerSchema = z
  .object({
    name: nameField,
    email: emailField,
    phone: phoneField,
    province: provinceField,
    password: passwordField,
    passwordConfirm: z.string(),
  })
  .refine((input) => input.password === input.passwordConfirm, {
    message: 'validation.passwordMismatch',
    path: ['passwordConfirm'],
    when: bothGiven('password', 'passwordConfirm'),
  });
export type RegisterInput = z.output<typeof registerSchema>;

export const createUserSchema = z.object({
  name: nameField,
  email: emailField,
  phone: z.union([z.literal(''), phoneField]).default(''),
  province: z
    .union([z.literal(''), provinceField])
    .default('')
    .transform((value) => value || null),
  role: z.enum(roles),
  institution: optionalObjectId.default(null),
  password: passwordField,
});
export type CreateUserInput = z.output<typeof createUserSchema>;

export const updateUserSchema = z.object({
  name: nameField,
  role: z.enum(roles),
  institution: optionalObjectId.default(null),
  active: checkboxField(false),
});
export type UpdateUserInput = z.output<typeof updateUserSchema>;
/** The API states `active` outright; only the form's unticked checkbox means false. */
export const apiUpdateUserSchema = updateUserSchema.extend({ active: z.boolean() });

export const profileSchema = z.object({
  name: nameField,
  phone: z.union([z.literal(''), phoneField]).default(''),
  province: z
    .union([z.literal(''), provinceField])
    .default('')
    .transform((value) => value || null),
  language: z.enum(languages),
});
export type ProfileInput = z.output<typeof profileSchema>;

export const changePasswordSchema = z
  .object({ currentPassword: z.string().min(1), newPassword: passwordField, newPasswordConfirm: z.string() })
  .refine((input) => input.newPassword === input.newPasswordConfirm, {
    message: 'validation.passwordMismatch',
    path: ['newPasswordConfirm'],
    when: bothGiven('newPassword', 'newPasswordConfirm'),
  });
export type ChangePasswordInput = z.output<typeof changePasswordSchema>;

export const languageSchema = z.object({ language: z.enum(languages) });

export const userListQuery = z.object({
  q: z.string().trim().max(100).default(''),
  role: z.union([z.literal(''), z.enum(roles)]).default(''),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
});
export type UserListQuery = z.output<typeof userListQuery>;

/** What the API and pages show of an account: never the password hash. */
export const userView = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  phone: z.string(),
  province: z.string().nullable(),
  role: z.enum(roles),
  institution: z.string().nullable(),
  language: z.enum(languages),
  active: z.boolean(),
  createdAt: z.string(),
});
export type UserView = z.output<typeof userView>;
