// Turning what people type on phones into something to parse: full-width forms (／查　２０５) become half-width,
// the @mention of the bot is dropped, and the leading slash is optional.

import { FULL_WIDTH } from "../bot/render.ts";

/**
 * NFKC folds full-width letters, digits, slash and the ideographic space into their ASCII forms; all whitespace,
 * line breaks included, becomes single spaces. Markdown's marks go the other way, to their full-width twins, so
 * whatever a command repeats or stores of what was typed is inert: "<@某人>" typed into any command can never become
 * a mention in an answer, nor "[x](http://…)" a link. No command reads these characters.
 */
export function normalise(text: string): string {
  return text
    .normalize("NFKC")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[<>[\]`*&]/g, (ch) => FULL_WIDTH[ch] ?? ch);
}

/** Drops leading @mentions (a group message starts with "@督办助手 "). */
export function stripMention(text: string): string {
  return text.replace(/^(@\S+\s*)+/, "").trim();
}

/** Splits "/查 205" into the command word and its arguments. */
export function splitCommand(text: string): { word: string; args: string } {
  const cleaned = stripMention(normalise(text)).replace(/^\/\s*/, "");
  const space = cleaned.indexOf(" ");
  return space < 0 ? { word: cleaned, args: "" } : { word: cleaned.slice(0, space), args: cleaned.slice(space + 1) };
}
