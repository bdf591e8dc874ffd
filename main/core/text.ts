/**
 * A user's string inside a one-line message: quoted, control characters escaped (a newline or a
 * carriage return in a cell, a key or a flag must not split the message), long ones cut.
 */
export function quoteText(v: string, max = 60): string {
  return `'${oneLine(v.length > max ? `${v.slice(0, max - 3)}...` : v)}'`;
}

/** Control characters escaped (`\n`, `\u0007`), so that the text cannot break a message's line. */
export function oneLine(v: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  const escape = (c: string) => {
    const n = c.charCodeAt(0);
    const control = n < 0x20 || (n >= 0x7f && n <= 0x9f) || n === 0x2028 || n === 0x2029;
    return control ? (named[c] ?? `\\u${n.toString(16).padStart(4, '0')}`) : c;
  };
  return Array.from(v, escape).join('');
}
