import { z } from 'zod';

// Text a caller sends and the registry stores. A NUL ends a C string (SQLite's text functions, terminals, log
// lines), other control characters rewrite what a terminal shows (`\r`, ESC sequences), and bidirectional
// overrides make a name read differently from what it is. None of them belongs in a name or a message, so they
// are refused with a 400 instead of being stored and then shown shortened or disguised.

// Control characters (Cc: C0, DEL, C1); the line and paragraph separators; bidi embeddings, overrides and isolates;
// lone UTF-16 surrogates (JSON can carry them, UTF-8 storage cannot).
const FORBIDDEN_IN_LINE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069\p{Cs}]/u;
// The same, but a message may keep its line breaks and tabs (terraform prints a deprecation message as is).
const FORBIDDEN_IN_MESSAGE = /(?![\t\n])[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069\p{Cs}]/u;

/** The first character of `text` that `pattern` refuses, as `U+XXXX at index N`. */
function findForbidden(text: string, pattern: RegExp): string | undefined {
  const match = pattern.exec(text);
  if (match === null) return undefined;
  const code = match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `the control character U+${code} at index ${match.index}`;
}

function refine<T extends z.ZodString>(schema: T, pattern: RegExp, what: string): T {
  return schema.superRefine((text, context) => {
    const found = findForbidden(text, pattern);
    if (found !== undefined) {
      context.addIssue({
        code: 'custom',
        message: `Expected ${what} without control characters, found ${found}; remove it.`,
      });
    }
  });
}

/** A one-line text field (a name, a source): no control characters at all. */
export function lineText(max: number): z.ZodString {
  return refine(z.string().min(1).max(max), FORBIDDEN_IN_LINE, 'one line of text');
}

/** A message (a deprecation notice): line breaks (`\n`) and tabs are kept, every other control character refused. */
export function messageText(max: number): z.ZodString {
  return refine(z.string().min(1).max(max), FORBIDDEN_IN_MESSAGE, 'a message');
}
