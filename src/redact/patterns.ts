/**
 * The built-in redactor: phone numbers, e-mail addresses and payment card numbers in free text
 * become `[PHONE]`, `[EMAIL]` and `[CARD]`.
 *
 * @remarks
 * Card numbers are 13–19 digits (spaces or dashes between groups allowed) that pass the Luhn
 * check, so order numbers and timestamps stay. Phone numbers are 7–15 digits with an optional
 * `+`, spaces, dots, dashes or parentheses between them (E.164 and national formats). Cards are
 * replaced first, then e-mails, then phones (ISO dates such as 2026-12-01 are not phone numbers). Cost: three regular expressions over the text.
 */
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const PHONE = /(?<![\w+])(?:\+|00)?\d(?:[ .\-()]{0,2}\d){6,14}(?!\w)/g;

/** Luhn checksum of the digits in `s`. */
export function luhnValid(s: string): boolean {
  const digits = s.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function redactText(text: string): string {
  if (text.length === 0 || !/\d|@/.test(text)) return text;
  return text
    .replace(CARD, (m) => (luhnValid(m) ? '[CARD]' : m))
    .replace(EMAIL, '[EMAIL]')
    .replace(PHONE, (m) => (m.replace(/\D/g, '').length >= 7 && !ISO_DATE.test(m) ? '[PHONE]' : m));
}
