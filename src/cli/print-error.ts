// The one way earshot prints a message about an error: messages echo what the user typed and what
// files and peers held, so each is escaped here (the policy of ../unsafe-characters.ts) and cut to
// a readable length. program.ts prints every error a command throws through it; commands that map
// an error to a status of their own (diff's 2, rpcinfo's 1) print through it too.
import { escapeForTerminal } from '../report/terminal-escape.js';

const MAX_MESSAGE_CHARS = 2000;

/** The message as one inert line of at most ~2,000 characters. */
export function formatErrorMessage(message: string): string {
  const cut =
    message.length > MAX_MESSAGE_CHARS
      ? `${message.slice(0, MAX_MESSAGE_CHARS)}… (${message.length - MAX_MESSAGE_CHARS} more characters)`
      : message;
  return `earshot: ${escapeForTerminal(cut)}\n`;
}

/** Prints `earshot: <message>` on stderr, escaped and cut. */
export function printError(message: string): void {
  process.stderr.write(formatErrorMessage(message));
}
