/**
 * Links that open a message ready to send to a person: Kompeten sends no mail or chat itself, so
 * staff reach trainees and graduates through their own WhatsApp or mail program, with the text
 * written for them (tracer reminders, trainees at risk).
 */

/**
 * A phone number as wa.me takes it: digits with the country code (Indonesian numbers are typed
 * 08..., +62 8... or 62 8...); null when it does not look like a mobile number.
 */
export function whatsAppNumber(phone: string): string | null {
  const digits = phone.replace(/[^\d+]/g, '');
  const international = digits.startsWith('+') ? digits.slice(1) : digits.startsWith('0') ? `62${digits.slice(1)}` : digits;
  return /^\d{9,15}$/.test(international) ? international : null;
}

export type MessageLinks = {
  /** A wa.me link with the text prefilled, null without a mobile number. */
  whatsApp: string | null;
  /** A mailto: link with subject and text, null without an email address. */
  mailto: string | null;
};

/** The ways to send `text` to someone: WhatsApp when they have a mobile number, mail when they have an address. */
export function messageLinks(to: { phone?: string; email?: string }, message: { subject: string; text: string }): MessageLinks {
  const number = whatsAppNumber(to.phone ?? '');
  return {
    whatsApp: number ? `https://wa.me/${number}?text=${encodeURIComponent(message.text)}` : null,
    mailto: to.email
      ? `mailto:${encodeURIComponent(to.email).replace('%40', '@')}?subject=${encodeURIComponent(message.subject)}&body=${encodeURIComponent(message.text)}`
      : null,
  };
}
