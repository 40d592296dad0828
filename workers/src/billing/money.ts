// Exact money arithmetic on decimal strings (the contracts' Money, numeric(12,4) in Postgres):
// amounts are held as bigint counts of 1e-4 units, never as floats. Results are strings with 4
// decimals ("49.0000") unless formatted for display with `formatMoney`.
const SCALE = 4;
const UNIT = 10n ** BigInt(SCALE);

const decimal = /^(-)?(\d+)(?:\.(\d*))?$/;

/** 1e-4 units of a decimal string; more than 4 decimals are rounded half up. */
export function toUnits(m: string): bigint {
  const match = decimal.exec(m.trim());
  if (!match) throw new RangeError("not a decimal amount");
  const [, sign, whole = "0", frac = ""] = match;
  let units = BigInt(whole) * UNIT + BigInt((frac.slice(0, SCALE) || "0").padEnd(SCALE, "0"));
  if (frac.length > SCALE && Number(frac[SCALE]) >= 5) units += 1n;
  return sign ? -units : units;
}

/** A count of 10^-scale units as a decimal string with `scale` decimals. */
function fromScaled(units: bigint, scale: number): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const unit = 10n ** BigInt(scale);
  const whole = abs / unit;
  const frac = (abs % unit).toString().padStart(scale, "0");
  return `${negative ? "-" : ""}${whole}${scale > 0 ? `.${frac}` : ""}`;
}

export function fromUnits(units: bigint): string {
  return fromScaled(units, SCALE);
}

/** Divides rounding half away from zero. */
function divRound(n: bigint, d: bigint): bigint {
  const negative = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (an * 2n + ad) / (ad * 2n);
  return negative ? -q : q;
}

export function addMoney(...a: string[]): string {
  return fromUnits(a.reduce((sum, m) => sum + toUnits(m), 0n));
}

/** What `seconds` cost at a per-minute price: price × seconds / 60, to 1e-4 (half up). */
export function minuteCharge(pricePerMinute: string, seconds: number): string {
  if (!Number.isInteger(seconds)) throw new RangeError("seconds must be whole");
  return fromUnits(divRound(toUnits(pricePerMinute) * BigInt(seconds), 60n));
}

/** The amount with `decimals` decimals (0..4), rounded half up: "49.00". */
export function formatMoney(m: string, decimals = 2): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > SCALE) throw new RangeError("decimals must be 0..4");
  return fromScaled(divRound(toUnits(m), 10n ** BigInt(SCALE - decimals)), decimals);
}

/** Compares two amounts: -1, 0 or 1. */
export function compareMoney(a: string, b: string): -1 | 0 | 1 {
  const d = toUnits(a) - toUnits(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** The amount with at least 2 and at most 4 decimals, trailing zeros dropped: "49.00", "0.05", "0.0125". */
export function plainMoney(m: string): string {
  return fromUnits(toUnits(m)).replace(/(\.\d\d\d?)0+$/, "$1").replace(/(\.\d\d)0$/, "$1");
}
