// Due dates are kept as plain YYYY-MM-DD strings: a task is due on a day, not
// at an instant, so there is no time zone to get wrong once the date is
// stored. The arithmetic below counts whole days on the UTC calendar.

const DAY = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const RELATIVE = /^\+(\d+)([dw])$/;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/**
 * The local calendar date of `now`, as YYYY-MM-DD.
 * @param {Date} [now]
 */
export function localDate(now = new Date()) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** @param {string} iso */
function toDays(iso) {
  return Date.parse(`${iso}T00:00:00Z`) / DAY;
}

/** @param {number} days */
function fromDays(days) {
  return new Date(days * DAY).toISOString().slice(0, 10);
}

/**
 * Whether a YYYY-MM-DD string names a day that exists. Date.parse() rolls
 * 2025-02-30 over to March 2nd and rejects 2025-13-01, so neither it nor the
 * regular expression is enough on its own (#39).
 * @param {string} iso
 */
export function isCalendarDate(iso) {
  const days = toDays(iso);
  return Number.isFinite(days) && fromDays(days) === iso;
}

/**
 * @param {string} iso
 * @param {number} n
 */
export function addDays(iso, n) {
  return fromDays(toDays(iso) + n);
}

/**
 * Whole days from `from` to `to`: negative when `to` comes first.
 * @param {string} from
 * @param {string} to
 */
export function daysBetween(from, to) {
  return Math.round(toDays(to) - toDays(from));
}

/**
 * Reads the value of a due: marker. Besides YYYY-MM-DD it understands today,
 * tomorrow, +3d, +2w and weekday names (monday or mon: the next such day,
 * never today). Returns null for anything else.
 * @param {string} value
 * @param {string} today YYYY-MM-DD
 * @returns {string | null}
 */
export function parseDue(value, today) {
  const v = value.trim().toLowerCase();
  if (ISO_DATE.test(v)) return isCalendarDate(v) ? v : null;
  if (v === 'today') return today;
  if (v === 'tomorrow') return addDays(today, 1);
  const m = RELATIVE.exec(v);
  if (m) return addDays(today, Number(m[1]) * (m[2] === 'w' ? 7 : 1));
  const day = WEEKDAYS.findIndex((name) => v.length >= 3 && name.startsWith(v));
  if (day !== -1) {
    const current = new Date(toDays(today) * DAY).getUTCDay();
    return addDays(today, ((day - current + 6) % 7) + 1);
  }
  return null;
}

/** @param {number} n */
const days = (n) => (n === 1 ? '1 day' : `${n} days`);

/**
 * How `taskbox list` shows a due date: relative within a week, else the date.
 * @param {string} due
 * @param {string} today
 */
export function describeDue(due, today) {
  const n = daysBetween(today, due);
  if (n < 0) return `overdue by ${days(-n)}`;
  if (n === 0) return 'due today';
  if (n === 1) return 'due tomorrow';
  if (n < 7) return `due in ${days(n)}`;
  return `due ${due}`;
}
