// The human forms of counts, sizes, rates and durations, parsed as BenchProtocol's ValueParser
// does (Scenarios/PROTOCOL.md, "Parameters"): the harness hands values over as written.

const BYTE_UNITS = {
  '': 1, B: 1,
  k: 1024, K: 1024, KiB: 1024, KB: 1000,
  m: 1 << 20, M: 1 << 20, MiB: 1 << 20, MB: 1e6,
  g: 1 << 30, G: 1 << 30, GiB: 1 << 30, GB: 1e9,
};
const COUNT_UNITS = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9 };

function scaled(text, units, name, what) {
  const match = /^\s*([0-9._]+)(\S*)\s*$/.exec(text);
  const factor = match ? units[match[2]] : undefined;
  const number = match ? Number(match[1].replaceAll('_', '')) : NaN;
  if (factor === undefined || !Number.isFinite(number)) throw new Error(`parameter '${name}' must be ${what}, got '${text}'`);
  const value = number * factor;
  if (!Number.isSafeInteger(value)) throw new Error(`parameter '${name}' must be a whole number, got '${text}'`);
  return value;
}

/** Parses `text` as a parameter of `kind` (count, bytes, byteRate, duration, number, flag, text, choice). */
export function parseValue(kind, text, name) {
  switch (kind) {
    case 'count': return scaled(text, COUNT_UNITS, name, 'a whole number such as 20000 or 20k');
    case 'bytes': return scaled(text, BYTE_UNITS, name, 'a size such as 16KiB');
    case 'byteRate': return scaled(text.endsWith('/s') ? text.slice(0, -2) : text, BYTE_UNITS, name, 'a rate such as 32MiB/s');
    case 'duration': {
      for (const [suffix, factor] of [['us', 1e-6], ['µs', 1e-6], ['ms', 1e-3], ['s', 1], ['m', 60]]) {
        if (text.endsWith(suffix)) {
          const value = Number(text.slice(0, -suffix.length));
          if (Number.isFinite(value) && value >= 0) return value * factor;
        }
      }
      const value = Number(text);
      if (Number.isFinite(value) && value >= 0) return value;
      throw new Error(`parameter '${name}' must be a duration such as 10ms, got '${text}'`);
    }
    case 'number': {
      const value = Number(text);
      if (!Number.isFinite(value)) throw new Error(`parameter '${name}' must be a number, got '${text}'`);
      return value;
    }
    case 'flag': {
      const lower = text.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lower)) return true;
      if (['false', '0', 'no', 'off'].includes(lower)) return false;
      throw new Error(`parameter '${name}' must be true or false, got '${text}'`);
    }
    default: return text;
  }
}
